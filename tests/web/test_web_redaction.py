"""Redaction in the browser: a text's passages listed, or boxes on a page of an
image or PDF; the copy made is a working copy whose page the user lands on,
and what was removed is not in it.  Errors are shown beside their field in the
user's language, and nothing is made."""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import func, select

from files import text_pdf
from khavaran.services import custody, evidence
from khavaran.storage.vault_tables import evidence_derivation, evidence_item, ledger_entry
from web_site import Site, case_site, form_token, page_sign_in, site  # noqa: F401


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _judgment(site: Site) -> str:
    with site.registry.read() as conn:
        return conn.execute(select(evidence_item.c.id).where(
            evidence_item.c.source_id == "demo-court-1",
            evidence_item.c.role == "original")).scalar_one()


def _stored(site: Site, item_id: str) -> bytes:
    with site.registry.read() as conn:
        sha = conn.execute(select(evidence_item.c.sha256)
                           .where(evidence_item.c.id == item_id)).scalar_one()
    return site.registry.vault.path_of(sha).read_bytes()


def _items(site: Site) -> int:
    with site.registry.read() as conn:
        return conn.execute(select(func.count()).select_from(evidence_item)).scalar_one()


def test_passages_are_cut_from_a_text_and_the_copy_shown(case_site: Site) -> None:
    item = _judgment(case_site)
    assert page_sign_in(case_site, "analyst").status_code == 303
    page = case_site.client.get(f"/evidence/{item}?lang=en").text
    assert f'href="/evidence/{item}/redact"' in page and "Make a redacted copy" in page
    form = case_site.client.get(f"/evidence/{item}/redact?lang=en")
    assert form.status_code == 200
    assert "Golzarabad commission" in _text(form.text)  # the text to choose from
    r = case_site.client.post(f"/evidence/{item}/redact?lang=en", follow_redirects=False,
                              data={"csrf": form_token(form.text),
                                    "passages": "golzarabad\nMordad and Shahrivar"})
    assert r.status_code == 303, r.text
    child = r.headers["location"].rsplit("/", 1)[1]
    copy = _stored(case_site, child).decode("utf-8")
    assert "Golzarabad" not in copy and "Mordad" not in copy and "█████" in copy
    shown = _text(case_site.client.get(f"/evidence/{child}?lang=en").text)
    assert "working" in shown and "redaction" in shown
    with case_site.registry.read() as conn:
        assert conn.execute(select(evidence_derivation.c.parent_id).where(
            evidence_derivation.c.child_id == child)).scalar_one() == item
    fa = case_site.client.get(f"/evidence/{item}/redact?lang=fa").text
    assert "ساختن رونوشت سانسورشده" in fa and 'dir="rtl"' in fa


def test_a_passage_not_found_is_shown_beside_its_field_in_both_languages(
        case_site: Site) -> None:
    item = _judgment(case_site)
    assert page_sign_in(case_site, "analyst").status_code == 303
    before = _items(case_site)
    for lang, words in (("en", "Passage 1 is not in the text: check its spelling."),
                        ("fa", "بخش ۱ در متن نیست")):
        form = case_site.client.get(f"/evidence/{item}/redact?lang={lang}").text
        r = case_site.client.post(f"/evidence/{item}/redact?lang={lang}",
                                  data={"csrf": form_token(form), "passages": "Nobody Here"})
        assert r.status_code == 422
        assert words in _text(r.text)
        assert 'aria-invalid="true" aria-describedby="e-passages"' in r.text
        assert "Nobody Here" in r.text  # the user's input is kept
    assert _items(case_site) == before


def test_boxes_on_a_pdf_page_make_an_image_only_copy(case_site: Site, tmp_path) -> None:
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(text_pdf(["Witness Zarafshan Quill", "second page"]))
    item = evidence.add_evidence(case_site.registry, [pdf], source_id="demo-court-1",
                                 actor="tester")[0].item_id
    assert page_sign_in(case_site, "investigator").status_code == 303
    form = case_site.client.get(f"/evidence/{item}/redact?lang=en").text
    assert f'src="/evidence/{item}/redact/page/1.png"' in form and "Page 1 of 2" in _text(form)
    entries = len(custody.custody_log(case_site.registry, item))
    png = case_site.client.get(f"/evidence/{item}/redact/page/2.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.headers["cache-control"] == "no-store"
    assert Image.open(io.BytesIO(png.content)).width > 100
    log = custody.custody_log(case_site.registry, item)
    assert len(log) == entries + 1 and log[-1]["kind"] == "download"
    # Moving to page 2 keeps the box drawn on page 1.
    token = form_token(form)
    moved = case_site.client.post(f"/evidence/{item}/redact?lang=en", data={
        "csrf": token, "page": "1", "show_page": "2", "boxes": "p1:8,6,80,8"})
    assert moved.status_code == 200 and "Page 2 of 2" in _text(moved.text)
    assert "p1:8,6,80,8" in moved.text and "/redact/page/2.png" in moved.text
    outside = case_site.client.post(f"/evidence/{item}/redact?lang=en", data={
        "csrf": token, "page": "2", "boxes": "p1:8,6,80,8\np3:0,0,5,5"})
    assert outside.status_code == 422
    assert "Box 2 (p3:0,0,5,5) is outside the document: the PDF has 2 pages." in \
        _text(outside.text)
    made = case_site.client.post(f"/evidence/{item}/redact?lang=en", follow_redirects=False,
                                 data={"csrf": token, "page": "2", "boxes": "p1:8,6,80,8"})
    assert made.status_code == 303
    child = made.headers["location"].rsplit("/", 1)[1]
    copy = _stored(case_site, child)
    assert copy.startswith(b"%PDF") and b"Zarafshan" not in copy


def test_a_viewer_may_not_redact_and_a_hidden_item_is_unknown(case_site: Site) -> None:
    item = _judgment(case_site)
    assert page_sign_in(case_site, "viewer").status_code == 303
    assert case_site.client.get(f"/evidence/{item}/redact").status_code == 403
    page = case_site.client.get(f"/evidence/{item}?lang=en").text
    assert "/redact" not in page
    with case_site.registry.read() as conn:
        downloads = conn.execute(select(func.count()).select_from(ledger_entry).where(
            ledger_entry.c.kind == "download")).scalar_one()
    assert downloads == 0
