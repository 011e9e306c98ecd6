"""Evidence in a real browser: a file taken into the vault from the upload form
(sent with its progress shown), then its page; a case's matrix; a review."""

from __future__ import annotations

import hashlib
import re

from playwright.sync_api import expect

from live_site import Live


def test_a_file_uploaded_in_the_browser_reaches_the_vault(live: Live, tmp_path) -> None:
    body = ("صفحهٔ یک گزارش ساختگی — a fictional report page\n" * 120_000).encode()
    path = tmp_path / "report-page.txt"
    path.write_bytes(body)
    ctx = live.context("analyst", lang="fa")
    page = ctx.new_page()
    page.goto(f"{live.url}/evidence/new?source=demo-report-2")
    expect(page.locator("h1")).to_have_text("افزودن مدرک")
    page.fill("#f-collected_at", "۱۳۶۷/۰۶/۰۱")
    page.set_input_files("#f-file", str(path))
    live.shot(page, "evidence-new-fa")
    page.click("form.entry button[type=submit]")
    item = "ev-" + hashlib.sha256(body).hexdigest()[:32]
    page.wait_for_url(re.compile(rf".*/evidence/{item}$"), timeout=60_000)
    expect(page.locator("body")).to_contain_text(hashlib.sha512(body).hexdigest())
    expect(page.locator("body")).to_contain_text("دفتر زنجیرهٔ نگهداری")
    live.shot(page, "evidence-item-fa")
    assert live.registry.vault.path_of(hashlib.sha256(body).hexdigest()).read_bytes() == body
    ctx.close()


def test_an_upload_to_an_unknown_source_comes_back_with_the_error(live: Live,
                                                                  tmp_path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"fictional")
    ctx = live.context("analyst", lang="en")
    page = ctx.new_page()
    page.goto(f"{live.url}/evidence/new")
    page.fill("#f-source", "no-such-source")
    page.set_input_files("#f-file", str(path))
    page.click("form.entry button[type=submit]")
    expect(page.locator("#e-source")).to_be_visible()
    expect(page.locator("#f-source")).to_have_value("no-such-source")
    ctx.close()


def test_a_whole_folder_uploaded_in_the_browser_reaches_the_vault(live: Live,
                                                                  tmp_path) -> None:
    folder = tmp_path / "scans-1367"
    (folder / "prison-b").mkdir(parents=True)
    bodies = {folder / "cover.txt": "a fictional cover note\n",
              folder / "prison-b" / "page-1.txt": "صفحهٔ یک ساختگی\n"}
    for path, text in bodies.items():
        path.write_text(text, encoding="utf-8")
    ctx = live.context("analyst", lang="en")
    page = ctx.new_page()
    page.goto(f"{live.url}/evidence/new?source=demo-report-2")
    page.set_input_files("#f-folder", str(folder))
    page.click("form.entry button[type=submit]")
    page.wait_for_url(re.compile(r".*/sources/demo-report-2$"), timeout=60_000)
    for text in bodies.values():
        sha = hashlib.sha256(text.encode()).hexdigest()
        assert live.registry.vault.path_of(sha).read_text(encoding="utf-8") == text
    ctx.close()
