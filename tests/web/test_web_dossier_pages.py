"""Dossiers in the browser, in Persian and English: a build started from a case's
page, its job page while queued and once done, the download (one tar, in the
access log, a bag that verifies), the sealed annex for who may reveal, a
failed job run again, and an uploaded dossier checked (a good one verifies,
anything else gets a plain answer).  The worker is the real one, run in the
test's process (services/jobs.run_next)."""

from __future__ import annotations

import io
import re
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select

from khavaran.export.verify import verify_dossier
from khavaran.services import jobs
from khavaran.storage.account_tables import access_log
from khavaran.vault.keys import public_keys
from web_site import Site, case_site, form_token, page_sign_in, site  # noqa: F401

CASE = "demo-commission"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _build(site: Site, role: str, level: str) -> str:
    """Start a build through the case page's form, as a signed-in user; the job's id."""
    assert page_sign_in(site, role).status_code == 303
    page = site.client.get(f"/cases/{CASE}?lang=en")
    r = site.client.post(f"/cases/{CASE}/dossiers", data={
        "csrf": form_token(page.text), "level": level}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/jobs/j-")
    return r.headers["location"].rsplit("/", 1)[1]


def test_the_case_page_offers_a_dossier_at_the_levels_the_role_is_cleared_for(
        case_site: Site) -> None:
    page = case_site.client.get(f"/cases/{CASE}?lang=en", headers=case_site.as_("investigator"))
    levels = re.findall(r'<option value="(\w+)"', page.text.split('id="dossier"')[1])
    assert levels == ["internal", "prosecutor", "public"]
    assert "Build the dossier" in page.text
    fa = case_site.client.get(f"/cases/{CASE}?lang=fa", headers=case_site.as_("admin"))
    assert "ساختن پروندهٔ مستند" in fa.text and "سطح افشا" in fa.text
    for role in ("analyst", "viewer"):
        other = case_site.client.get(f"/cases/{CASE}?lang=en", headers=case_site.as_(role))
        assert other.status_code == 200 and 'id="dossier"' not in other.text


def test_a_dossier_built_from_the_case_page_downloads_as_one_tar_that_verifies(
        case_site: Site, tmp_path: Path) -> None:
    job_id = _build(case_site, "investigator", "public")
    queued = case_site.client.get(f"/jobs/{job_id}?lang=en")
    assert queued.status_code == 200
    assert "State: queued" in _text(queued.text)
    # htmx polls the fragment while the job is not finished.
    assert f'hx-get="/jobs/{job_id}/progress"' in queued.text
    fa = case_site.client.get(f"/jobs/{job_id}/progress?lang=fa")
    assert "در صف" in fa.text

    ran = jobs.run_next(case_site.registry)
    assert ran is not None and ran.state == "done", ran.message if ran else None
    done = case_site.client.get(f"/jobs/{job_id}/progress?lang=en")
    assert "hx-get" not in done.text  # finished: the polling stops
    text = _text(done.text)
    assert "State: done" in text and "recorded in the custody ledger as an export" in text
    assert f'href="/jobs/{job_id}/dossier"' in done.text
    assert "sealed annex" not in text  # none at the public level

    got = case_site.client.get(f"/jobs/{job_id}/dossier")
    assert got.status_code == 200 and got.headers["content-type"] == "application/x-tar"
    assert f'filename="{CASE}-public.tar"' in got.headers["content-disposition"]
    assert int(got.headers["content-length"]) == len(got.content)
    with tarfile.open(fileobj=io.BytesIO(got.content)) as t:
        t.extractall(tmp_path, filter="data")
    with case_site.registry.read() as conn:
        keys = list(public_keys(conn).values())
    check = verify_dossier(tmp_path / f"{CASE}-public", keys)
    assert check.ok and check.pinned, check.problems
    with case_site.registry.read() as conn:
        reasons = list(conn.execute(select(access_log.c.reason).where(
            access_log.c.action == "export", access_log.c.actor == "t-investigator")).scalars())
    assert any(r.startswith(f"dossier of case {CASE} (public)") for r in reasons)
    assert f"download of the dossier of case {CASE} (public) built by job {job_id}" in reasons
    # The case page lists the build to come back to.
    page = case_site.client.get(f"/cases/{CASE}?lang=en")
    assert f'href="/jobs/{job_id}"' in page.text

    # The same archive uploaded to /dossiers/verify verifies, in words.
    form = case_site.client.get("/dossiers/verify?lang=en")
    r = case_site.client.post("/dossiers/verify?lang=en", data={
        "csrf": form_token(form.text)}, files=[("file", ("dossier.tar", got.content))])
    assert r.status_code == 200
    assert "It verifies: the bag is complete, every hash matches" in _text(r.text)
    assert f"Case: {CASE}" in _text(r.text)


def test_a_prosecutor_dossier_has_its_sealed_annex_for_who_may_reveal(
        case_site: Site) -> None:
    job_id = _build(case_site, "admin", "prosecutor")
    ran = jobs.run_next(case_site.registry)
    assert ran is not None and ran.state == "done", ran.message if ran else None
    page = case_site.client.get(f"/jobs/{job_id}?lang=en")
    assert "Under seal" in page.text and f'href="/jobs/{job_id}/annex"' in page.text
    annex = case_site.client.get(f"/jobs/{job_id}/annex")
    assert annex.status_code == 200
    assert f'filename="{CASE}-prosecutor-sealed-annex.tar"' in \
        annex.headers["content-disposition"]
    with tarfile.open(fileobj=io.BytesIO(annex.content)) as t:
        assert f"{CASE}-prosecutor-sealed-annex/data/sealed.json" in t.getnames()
    # A role that may not export sees neither the job nor its annex.
    for role in ("analyst", "viewer"):
        assert case_site.client.get(f"/jobs/{job_id}/annex",
                                    headers=case_site.as_(role)).status_code == 403


def test_a_failed_build_says_why_and_runs_again(case_site: Site) -> None:
    job_id = jobs.submit(case_site.registry, "dossier", {
        "case": CASE, "level": "public", "actor": "t-investigator"}, actor="t-investigator")
    # The vault's copy of an exhibit changed: the installation does not verify.
    vault = case_site.registry.settings.home / "vault"
    blob = next(p for p in sorted(vault.rglob("*")) if p.is_file() and "sha256" in p.parts)
    kept = blob.read_bytes()
    blob.chmod(0o600)
    blob.write_bytes(kept + b"tampered")
    try:
        ran = jobs.run_next(case_site.registry)
    finally:
        blob.write_bytes(kept)
        blob.chmod(0o444)
    assert ran is not None and ran.state == "failed"
    assert page_sign_in(case_site, "investigator").status_code == 303
    page = case_site.client.get(f"/jobs/{job_id}?lang=en")
    text = _text(page.text)
    assert "The job failed: nothing was written." in text
    assert "the installation does not verify" in text
    assert "Run it again" in text
    fa = case_site.client.get(f"/jobs/{job_id}?lang=fa")
    assert "کار ناموفق بود" in fa.text
    r = case_site.client.post(f"/jobs/{job_id}/rerun", data={"csrf": form_token(page.text)},
                              follow_redirects=False)
    assert r.status_code == 303
    assert jobs.job_of(case_site.registry, job_id).state == "queued"
    ran = jobs.run_next(case_site.registry)
    assert ran is not None and ran.state == "done", ran.message


@pytest.mark.parametrize("body", [b"not a dossier at all", b"PK\x03\x04broken zip"])
def test_an_upload_that_is_not_a_dossier_gets_a_plain_message(case_site: Site,
                                                               body: bytes) -> None:
    assert page_sign_in(case_site, "viewer").status_code == 303
    for lang, says in (("en", "This is not a dossier"), ("fa", "این پروندهٔ مستند نیست")):
        form = case_site.client.get(f"/dossiers/verify?lang={lang}")
        r = case_site.client.post(f"/dossiers/verify?lang={lang}", data={
            "csrf": form_token(form.text)}, files=[("file", ("notes.tar", body))])
        assert r.status_code == 200 and says in r.text


def test_a_dossier_upload_without_a_file_or_its_token_is_refused(case_site: Site) -> None:
    assert page_sign_in(case_site, "viewer").status_code == 303
    form = case_site.client.get("/dossiers/verify?lang=en")
    empty = case_site.client.post("/dossiers/verify?lang=en", data={
        "csrf": form_token(form.text)}, files=[("other", ("", b""))])
    assert empty.status_code == 422 and "choose a dossier archive" in empty.text
    forged = case_site.client.post("/dossiers/verify", data={"csrf": "forged"},
                                   files=[("file", ("x.tar", b"x"))])
    assert forged.status_code == 403
