"""Evidence taken in through the browser: files streamed to the vault with the
same intake and custody entries as `evidence add`; every bad upload (no file,
unknown source, over the limit, cut off half way, without the form's token)
leaves the vault, the ledger and the registry as they were."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select

from khavaran.storage.vault_tables import evidence_intake, evidence_item, ledger_entry
from web_site import Site, form_token, page_sign_in, site  # noqa: F401

SOURCE = "demo-report-1"


def _counts(site: Site) -> tuple[int, int, int, int]:
    with site.registry.read() as conn:
        n = [conn.execute(select(func.count()).select_from(t)).scalar_one()
             for t in (evidence_item, evidence_intake)]
        # The vault's entries (a refused form is recorded in the ledger too, as
        # an access-log entry: not an item's).
        n.append(conn.execute(select(func.count()).select_from(ledger_entry).where(
            ledger_entry.c.item_id.is_not(None))).scalar_one())
    blobs = sum(1 for p in (site.registry.settings.home / "vault" / "sha256").rglob("*")
                if p.is_file()) if (site.registry.settings.home / "vault").exists() else 0
    return n[0], n[1], n[2], blobs


def _token(site: Site, lang: str = "en") -> str:
    page = site.client.get(f"/evidence/new?source={SOURCE}&lang={lang}")
    assert page.status_code == 200, page.text
    return form_token(page.text)


def _send(site: Site, files: list[tuple[str, bytes]], lang: str = "en",
          **fields: str) -> Any:
    data = {"csrf": _token(site, lang), "source": SOURCE, **fields}
    return site.client.post(f"/evidence/new?lang={lang}", data=data,
                            files=[("file", (name, body)) for name, body in files],
                            follow_redirects=False)


def test_a_file_taken_in_through_the_browser_is_hashed_and_in_the_ledger(site: Site) -> None:
    assert page_sign_in(site, "analyst").status_code == 303
    body = "گواهی فوت — fictional certificate\n".encode() * 50_000  # about 2 MB
    r = _send(site, [("certificate.txt", body)], collected_at="1367/06/01")
    assert r.status_code == 303
    item = "ev-" + hashlib.sha256(body).hexdigest()[:32]
    assert r.headers["location"] == f"/evidence/{item}"
    page = site.client.get(r.headers["location"] + "?lang=en")
    assert hashlib.sha512(body).hexdigest() in page.text and "intake" in page.text
    with site.registry.read() as conn:
        row = conn.execute(select(evidence_intake).where(
            evidence_intake.c.item_id == item)).mappings().one()
    assert (row["original_name"], row["created_by"], row["source_id"]) == \
        ("certificate.txt", "t-analyst", SOURCE)
    assert row["collected_text"] == "1367/06/01"
    stored = site.registry.vault.path_of(hashlib.sha256(body).hexdigest())
    assert stored.read_bytes() == body


def test_several_files_are_taken_in_together(site: Site) -> None:
    assert page_sign_in(site, "analyst").status_code == 303
    before = _counts(site)
    r = _send(site, [("a.txt", b"first fictional page\n"), ("b.txt", b"second page\n")])
    assert r.status_code == 303 and r.headers["location"] == f"/sources/{SOURCE}"
    after = _counts(site)
    assert after[0] == before[0] + 2 and after[3] == before[3] + 2
    page = site.client.get(f"/sources/{SOURCE}?lang=en").text
    for body in (b"first fictional page\n", b"second page\n"):
        assert "ev-" + hashlib.sha256(body).hexdigest()[:32] in page


def test_bad_uploads_change_nothing_and_say_why_beside_the_field(site: Site) -> None:
    assert page_sign_in(site, "analyst", lang="fa").status_code == 303
    before = _counts(site)
    unknown = site.client.post("/evidence/new?lang=fa", data={
        "csrf": _token(site, "fa"), "source": "no-such-source"},
        files=[("file", ("x.txt", b"x"))], follow_redirects=False)
    assert unknown.status_code == 422 and 'id="e-source"' in unknown.text
    no_file = site.client.post("/evidence/new?lang=fa", data={
        "csrf": _token(site, "fa"), "source": SOURCE}, follow_redirects=False)
    assert no_file.status_code == 422
    bad_date = _send(site, [("x.txt", b"x")], lang="fa", collected_at="the 40th of Mordad")
    assert bad_date.status_code == 422 and 'id="e-collected_at"' in bad_date.text
    forged = site.client.post("/evidence/new", data={"csrf": "forged", "source": SOURCE},
                              files=[("file", ("x.txt", b"x"))], follow_redirects=False)
    assert forged.status_code == 403
    assert _counts(site) == before


def test_an_upload_cut_off_half_way_leaves_nothing(site: Site) -> None:
    assert page_sign_in(site, "analyst").status_code == 303
    before = _counts(site)
    boundary = "cutcutcut"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n"
            f"{_token(site)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"source\"\r\n\r\n{SOURCE}\r\n--{boundary}\r\nContent-Disposition: "
            "form-data; name=\"file\"; filename=\"half.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    body = head + b"\x00half of a recording" * 100_000  # no end: the sender went away
    r = site.client.post("/evidence/new?lang=en", content=body, headers={
        "content-type": f"multipart/form-data; boundary={boundary}"}, follow_redirects=False)
    assert r.status_code == 422 and "cut off" in r.text
    assert _counts(site) == before
    assert not any((site.registry.settings.home / "vault" / "tmp").glob("*/*.part"))


def test_an_upload_over_the_limit_is_refused_before_it_is_read(site: Site) -> None:
    assert page_sign_in(site, "analyst").status_code == 303
    before = _counts(site)
    r = site.client.post("/evidence/new?lang=en", content=b"x" * 10, headers={
        "content-type": "multipart/form-data; boundary=b",
        "content-length": str(5 * 1024**3)}, follow_redirects=False)
    assert r.status_code == 413 and "larger than the limit" in r.text
    assert _counts(site) == before


def test_a_viewer_cannot_add_evidence(site: Site) -> None:
    r = site.client.get("/evidence/new", headers=site.as_("viewer"))
    assert r.status_code == 403
    r = site.client.post("/evidence/new", headers=site.as_("viewer"),
                         files=[("file", ("x.txt", b"x"))])
    assert r.status_code == 403

