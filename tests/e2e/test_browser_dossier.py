"""A dossier in a real browser: built from the case's page by the worker that
`khavaran serve` starts, followed on its job page (htmx polling) until done,
downloaded as one tar, verified with the project's verifier, and uploaded
again to /dossiers/verify.  Both languages; axe-core on the job page."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from khavaran.export.verify import verify_dossier
from khavaran.vault.keys import public_keys
from live_site import Live

CASE = "demo-commission"


def _serious(page: Page) -> list[object]:
    results = Axe().run(page)
    return [(v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_a_dossier_is_built_in_the_browser_downloaded_and_verified(live: Live,
                                                                   tmp_path: Path) -> None:
    ctx = live.context("investigator", lang="fa")
    page = ctx.new_page()
    page.goto(f"{live.url}/cases/{CASE}#dossier")
    expect(page.locator("#dossier h2")).to_have_text("پروندهٔ مستند")
    page.select_option("#f-level", "public")
    page.click("form[action$='/dossiers'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/jobs/j-[0-9a-f]{24}$"))
    job_url = page.url
    # The job page polls its state until the worker has built the dossier.
    download_link = page.locator("a[href$='/dossier']")
    expect(download_link).to_be_visible(timeout=180_000)
    expect(page.locator("#job-progress")).to_contain_text("انجام شد")
    live.shot(page, "dossier-job-fa")
    assert _serious(page) == []
    with page.expect_download() as got:
        download_link.click()
    archive = tmp_path / got.value.suggested_filename
    got.value.save_as(archive)
    assert archive.name == f"{CASE}-public.tar"
    with tarfile.open(archive) as t:
        t.extractall(tmp_path / "x", filter="data")
    with live.registry.read() as conn:
        keys = list(public_keys(conn).values())
    check = verify_dossier(tmp_path / "x" / f"{CASE}-public", keys)
    assert check.ok and check.pinned, check.problems

    # The same archive, uploaded to be checked, in English.
    page.goto(f"{live.url}/dossiers/verify?lang=en")
    page.set_input_files("#f-file", str(archive))
    page.click("form.entry button[type=submit]")
    expect(page.locator("#verdict")).to_contain_text("It verifies", timeout=60_000)
    live.shot(page, "dossier-verify-en")
    page.goto(f"{job_url}?lang=en")
    expect(page.locator("#job-progress")).to_contain_text("State: done")
    live.shot(page, "dossier-job-en")
    assert _serious(page) == []
    ctx.close()


def test_a_file_that_is_not_a_dossier_gets_a_plain_message(live: Live,
                                                            tmp_path: Path) -> None:
    junk = tmp_path / "notes.tar"
    junk.write_bytes(b"these are notes, not a dossier")
    ctx = live.context("viewer", lang="fa")
    page = ctx.new_page()
    page.goto(f"{live.url}/dossiers/verify")
    page.set_input_files("#f-file", str(junk))
    page.click("form.entry button[type=submit]")
    expect(page.locator("#verdict")).to_contain_text("این پروندهٔ مستند نیست")
    live.shot(page, "dossier-verify-fa")
    ctx.close()
