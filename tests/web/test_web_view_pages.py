"""An item's content in the browser: its text shown as text (a stored HTML
file never runs), its pages drawn as images, the exact file downloaded; each
showing recorded in the custody log, and a changed file never handed over
whole."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from files import text_pdf
from khavaran.errors import IntegrityError
from khavaran.services import custody, evidence
from khavaran.storage.vault_tables import evidence_item
from web_site import Site, case_site, page_sign_in, site  # noqa: F401


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _add(site: Site, path) -> str:
    return evidence.add_evidence(site.registry, [path], source_id="demo-court-1",
                                 actor="tester")[0].item_id


def _purposes(site: Site, item: str) -> list[str]:
    return [e["data"]["purpose"] for e in custody.custody_log(site.registry, item)
            if e["kind"] == "download"]


def test_a_text_is_shown_and_the_exact_file_downloaded(case_site: Site, tmp_path) -> None:
    body = "گزارش ساختگی — a fictional report\nline two\n".encode()
    path = tmp_path / "report.txt"
    path.write_bytes(body)
    item = _add(case_site, path)
    assert page_sign_in(case_site, "analyst").status_code == 303
    page = case_site.client.get(f"/evidence/{item}?lang=en").text
    assert f'href="/evidence/{item}/view"' in page and "Download the exact file" in page
    shown = case_site.client.get(f"/evidence/{item}/view?lang=en")
    assert shown.status_code == 200 and "گزارش ساختگی — a fictional report" in shown.text
    assert _purposes(case_site, item) == ["shown in the browser"]
    got = case_site.client.get(f"/evidence/{item}/download")
    assert got.status_code == 200 and got.content == body
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"] == f'attachment; filename="{item}.txt"'
    assert _purposes(case_site, item) == ["shown in the browser", "downloaded in the browser"]
    fa = _text(case_site.client.get(f"/evidence/{item}/view?lang=fa").text)
    assert "هر بار نمایش در دفتر زنجیرهٔ نگهداری این مدرک ثبت می‌شود" in fa


def test_a_stored_html_file_is_shown_as_text_never_run(case_site: Site, tmp_path) -> None:
    path = tmp_path / "page.html"
    path.write_text("<html><body><script>alert('x')</script><p>fictional</p></body></html>",
                    encoding="utf-8")
    item = _add(case_site, path)
    assert page_sign_in(case_site, "analyst").status_code == 303
    shown = case_site.client.get(f"/evidence/{item}/view?lang=en").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in shown
    assert "<script>alert" not in shown
    got = case_site.client.get(f"/evidence/{item}/download")
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")


def test_pdf_pages_are_drawn_one_by_one(case_site: Site, tmp_path) -> None:
    path = tmp_path / "two.pdf"
    path.write_bytes(text_pdf(["first", "second"]))
    item = _add(case_site, path)
    assert page_sign_in(case_site, "investigator").status_code == 303
    first = case_site.client.get(f"/evidence/{item}/view?lang=en").text
    assert "Page 1 of 2" in _text(first) and f'src="/evidence/{item}/page/1.png"' in first
    second = case_site.client.get(f"/evidence/{item}/view?page=2&lang=en").text
    assert f'src="/evidence/{item}/page/2.png"' in second and "Previous page" in second
    png = case_site.client.get(f"/evidence/{item}/page/2.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert _purposes(case_site, item) == ["shown in the browser, page 2"]
    assert case_site.client.get(f"/evidence/{item}/page/3.png").status_code == 404


def test_a_changed_file_is_never_handed_over_whole(case_site: Site, tmp_path) -> None:
    path = tmp_path / "statement.txt"
    path.write_bytes(b"A fictional statement.\n" * 1000)
    item = _add(case_site, path)
    with case_site.registry.read() as conn:
        sha = conn.execute(select(evidence_item.c.sha256)
                           .where(evidence_item.c.id == item)).scalar_one()
    blob = case_site.registry.vault.path_of(sha)
    blob.chmod(0o600)
    changed = bytearray(blob.read_bytes())
    changed[-2] ^= 1
    blob.write_bytes(bytes(changed))
    assert page_sign_in(case_site, "analyst").status_code == 303
    received = bytearray()
    # The server cuts the answer short: the test client raises where a browser
    # would see the connection end before the promised length.
    with pytest.raises(RuntimeError) as caught:  # noqa: PT012
        with case_site.client.stream("GET", f"/evidence/{item}/download") as r:
            assert r.headers["content-length"] == str(len(changed))
            for block in r.iter_bytes():
                received += block
    assert len(received) < len(changed)
    chain, error = [], caught.value
    while error is not None:
        chain.append(error)
        error = error.__context__ or error.__cause__  # type: ignore[assignment]
    assert any(isinstance(e, IntegrityError) and "cut short" in str(e) for e in chain)
    shown = case_site.client.get(f"/evidence/{item}/view?lang=en")
    assert shown.status_code == 409 and "no longer matches its hash" in shown.text
