"""Verification in the browser as a background job: one evidence item from
its page, the whole installation from /verify; the job's page names every
failure in words, in Persian and English; a protected witness's testimony
answers as an unknown item.  Jobs are run by the worker's own function
(services/jobs.run_next) in the test's process."""

from __future__ import annotations

import re

from khavaran.services import jobs
from khavaran.storage.vault_tables import evidence_item, ledger_entry
from web_site import Site, case_site, evidence_items, form_token, page_sign_in, site  # noqa: F401


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))



def _verifies(site: Site) -> int:
    with site.registry.read() as conn:
        return sum(1 for r in conn.execute(ledger_entry.select()) if r.kind == "verify")


def _start(site: Site, page: str, action: str) -> str:
    """Press a page's verify button, as the signed-in user; the job's id."""
    html = site.client.get(page).text
    r = site.client.post(action, data={"csrf": form_token(html)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/jobs/j-")
    return r.headers["location"].rsplit("/", 1)[1]


def test_an_item_is_verified_in_the_background_and_the_result_shown(case_site: Site) -> None:
    [item, *_], _ = evidence_items(case_site)
    assert page_sign_in(case_site, "analyst").status_code == 303
    page = case_site.client.get(f"/evidence/{item}?lang=en").text
    assert f'action="/evidence/{item}/verify"' in page and "Verify this item now" in page
    before = _verifies(case_site)
    job = _start(case_site, f"/evidence/{item}?lang=en", f"/evidence/{item}/verify")
    queued = _text(case_site.client.get(f"/jobs/{job}?lang=en").text)
    assert "queued" in queued and f"Verification of evidence item {item}" in queued
    done = jobs.run_next(case_site.registry)
    assert done is not None and done.state == "done", done
    text = _text(case_site.client.get(f"/jobs/{job}?lang=en").text)
    assert "All verified" in text and "Back to the item" in text
    assert _verifies(case_site) == before + 1  # recorded as `evidence verify` is
    fa = _text(case_site.client.get(f"/jobs/{job}?lang=fa").text)
    assert "همه راستی‌آزمایی شد" in fa and "راستی‌آزمایی مدرک" in fa


def test_a_changed_file_is_named_in_words(case_site: Site) -> None:
    assert page_sign_in(case_site, "investigator").status_code == 303
    page = case_site.client.get("/verify?lang=en")
    assert page.status_code == 200 and "None yet." in page.text
    [item, *_], _ = evidence_items(case_site)
    with case_site.registry.read() as conn:
        sha = conn.execute(evidence_item.select().where(evidence_item.c.id == item)).first()
    assert sha is not None
    blob = case_site.registry.vault.path_of(sha.sha256)
    blob.chmod(0o600)
    with blob.open("ab") as fh:
        fh.write(b"!")
    job = _start(case_site, "/verify?lang=en", "/verify")
    assert jobs.run_next(case_site.registry).state == "done"  # type: ignore[union-attr]
    r = case_site.client.get(f"/jobs/{job}?lang=en")
    text = _text(r.text)
    assert "problem(s) found" in text and "Registry rows" in text
    problems = re.findall(r'<li><bdi dir="ltr" lang="en">(.*?)</bdi></li>', r.text)
    assert problems and any(sha.sha256[:12] in p or item in p for p in problems), problems
    listed = _text(case_site.client.get("/verify?lang=en").text)
    assert f"{len(problems)} problem(s)" in listed


def test_who_may_start_which_check(case_site: Site) -> None:
    [item, *_], hidden = evidence_items(case_site)
    for role, item_status, whole_status in (("viewer", 403, 403), ("analyst", 303, 403),
                                            ("investigator", 303, 303)):
        assert page_sign_in(case_site, role).status_code == 303
        token = form_token(case_site.client.get("/account?lang=en").text)
        got = case_site.client.post(f"/evidence/{item}/verify", data={"csrf": token},
                                    follow_redirects=False)
        assert got.status_code == item_status, (role, got.text)
        got = case_site.client.post("/verify", data={"csrf": token}, follow_redirects=False)
        assert got.status_code == whole_status, (role, got.text)
    # A protected witness's testimony answers exactly as an unknown item.
    token = form_token(case_site.client.get("/account?lang=en").text)
    answers = []
    for target in (hidden[0], "ev-" + "0" * 32):
        got = case_site.client.post(f"/evidence/{target}/verify", data={"csrf": token},
                                    follow_redirects=False)
        answers.append((got.status_code, got.text.replace(target, "ID")))
    assert answers[0] == answers[1] and answers[0][0] == 404
