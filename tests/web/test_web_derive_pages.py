"""A PDF's text or an image's OCR made from the item's page, as a background
job: the job's page says what it makes, then links to the working copy, whose
text is the document's.  Jobs are run by the worker's own function
(services/jobs.run_next) in the test's process."""

from __future__ import annotations

import re

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select

from files import text_pdf
from khavaran.services import evidence, jobs
from khavaran.storage.job_tables import job
from khavaran.storage.vault_tables import evidence_derivation, evidence_item
from web_site import Site, case_site, form_token, page_sign_in, site  # noqa: F401


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _content(site: Site, item_id: str) -> str:
    with site.registry.read() as conn:
        sha = conn.execute(select(evidence_item.c.sha256)
                           .where(evidence_item.c.id == item_id)).scalar_one()
    return site.registry.vault.path_of(sha).read_text(encoding="utf-8")


def _start(site: Site, item: str, kind: str, lang: str = "en") -> str:
    page = site.client.get(f"/evidence/{item}?lang={lang}").text
    r = site.client.post(f"/evidence/{item}/derive", follow_redirects=False,
                         data={"csrf": form_token(page), "kind": kind})
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def test_a_pdfs_text_is_made_in_the_background(case_site: Site, tmp_path) -> None:
    pdf = tmp_path / "order.pdf"
    pdf.write_bytes(text_pdf(["Fictional order of Mordad 1367", "second page"]))
    item = evidence.add_evidence(case_site.registry, [pdf], source_id="demo-court-1",
                                 actor="tester")[0].item_id
    assert page_sign_in(case_site, "analyst").status_code == 303
    page = _text(case_site.client.get(f"/evidence/{item}?lang=en").text)
    assert "Extract its text" in page and "OCR" not in page
    job_id = _start(case_site, item, "text")
    queued = _text(case_site.client.get(f"/jobs/{job_id}?lang=en").text)
    assert f"Text of evidence item {item}" in queued and "queued" in queued
    done = jobs.run_next(case_site.registry)
    assert done is not None and done.state == "done", done
    shown = case_site.client.get(f"/jobs/{job_id}?lang=en").text
    assert "The working copy is made and recorded in the custody ledger." in _text(shown)
    copy = re.search(r'href="/evidence/(ev-[0-9a-f]{32})"[^>]*>Open the working copy', shown)
    assert copy is not None
    assert "Fictional order of Mordad 1367" in _content(case_site, copy.group(1))
    with case_site.registry.read() as conn:
        assert conn.execute(select(evidence_derivation.c.kind).where(
            evidence_derivation.c.child_id == copy.group(1),
            evidence_derivation.c.parent_id == item)).scalar_one() == "text"
    fa = _text(case_site.client.get(f"/jobs/{job_id}?lang=fa").text)
    assert "نسخهٔ کاری ساخته و در دفتر زنجیرهٔ نگهداری ثبت شد" in fa
    # The same copy again is a repeat, said so.
    again = _start(case_site, item, "text")
    assert jobs.run_next(case_site.registry).state == "done"  # type: ignore[union-attr]
    assert "had been made before" in _text(case_site.client.get(f"/jobs/{again}?lang=en").text)


def test_an_images_text_is_read_by_ocr(case_site: Site, tmp_path) -> None:
    img = Image.new("L", (900, 160), 255)
    font = ImageFont.load_default(size=64)
    ImageDraw.Draw(img).text((30, 40), "KHAVARAN 1988", fill=0, font=font)
    scan = tmp_path / "scan.png"
    img.save(scan)
    item = evidence.add_evidence(case_site.registry, [scan], source_id="demo-court-1",
                                 actor="tester")[0].item_id
    assert page_sign_in(case_site, "investigator").status_code == 303
    assert "Read its text by OCR" in case_site.client.get(f"/evidence/{item}?lang=en").text
    job_id = _start(case_site, item, "ocr", lang="fa")
    assert "نویسه‌خوانی مدرک" in _text(case_site.client.get(f"/jobs/{job_id}?lang=fa").text)
    done = jobs.run_next(case_site.registry)
    assert done is not None and done.state == "done", done
    assert "KHAVARAN" in _content(case_site, done.result["copy"]).upper()


def test_a_copy_that_cannot_be_made_is_refused_before_it_is_queued(
        case_site: Site, tmp_path) -> None:
    pdf = tmp_path / "order.pdf"
    pdf.write_bytes(text_pdf(["one", "two"]))
    item = evidence.add_evidence(case_site.registry, [pdf], source_id="demo-court-1",
                                 actor="tester")[0].item_id
    assert page_sign_in(case_site, "analyst").status_code == 303
    page = case_site.client.get(f"/evidence/{item}?lang=en").text
    with case_site.registry.read() as conn:
        before = conn.execute(select(func.count()).select_from(job)).scalar_one()
    r = case_site.client.post(f"/evidence/{item}/derive?lang=en",
                              data={"csrf": form_token(page), "kind": "ocr"})
    assert r.status_code == 422
    assert "cannot make a &#39;ocr&#39; copy of application/pdf" in r.text
    with case_site.registry.read() as conn:
        assert conn.execute(select(func.count()).select_from(job)).scalar_one() == before
