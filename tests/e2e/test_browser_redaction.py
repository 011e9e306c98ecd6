"""Redaction in a real browser: a box dragged over a PDF page with the mouse
becomes a line of the boxes field, is drawn over the page, and the copy made
has that area black and no text layer."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from pypdf import PdfReader

from files import text_pdf
from khavaran.services import evidence
from live_site import Live


def test_a_box_dragged_on_a_page_is_blacked_out_in_the_copy(live: Live, tmp_path) -> None:
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(text_pdf(["Witness Narvan Fictive-Qasemi", "page two"]))
    item = evidence.add_evidence(live.registry, [pdf], source_id="demo-court-1",
                                 actor="e-analyst")[0].item_id
    ctx = live.context("analyst", lang="fa")
    page = ctx.new_page()
    page.goto(f"{live.url}/evidence/{item}")
    page.click(f"a[href='/evidence/{item}/redact']")
    expect(page.locator("h1")).to_have_text("ساختن رونوشت سانسورشده")
    surface = page.locator("[data-redact-surface] img")
    expect(surface).to_be_visible()
    page.wait_for_function("document.querySelector('[data-redact-surface] img').complete")
    box = surface.bounding_box()
    assert box is not None and box["width"] > 100
    # From 5% to 90% across and 5% to 15% down: over the line of text.
    page.mouse.move(box["x"] + 0.05 * box["width"], box["y"] + 0.05 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.1 * box["height"], steps=5)
    page.mouse.move(box["x"] + 0.9 * box["width"], box["y"] + 0.15 * box["height"], steps=5)
    page.mouse.up()
    line = page.input_value("#f-boxes").strip()
    assert re.fullmatch(r"p1:[\d.]+,[\d.]+,[\d.]+,[\d.]+", line), line
    left, top, width, height = (float(v) for v in line[3:].split(","))
    assert abs(left - 5) < 1 and abs(top - 5) < 1 and abs(width - 85) < 1.5 \
        and abs(height - 10) < 1.5
    expect(page.locator("[data-redact-surface] .box")).to_have_count(1)
    live.shot(page, "evidence-redact-fa")
    page.click("form.redact button[type=submit]:not([name])")
    page.wait_for_url(re.compile(r".*/evidence/ev-[0-9a-f]{32}$"))
    child = page.url.rsplit("/", 1)[1]
    assert child != item
    expect(page.locator("body")).to_contain_text("سانسور")
    live.shot(page, "evidence-redacted-fa")
    from sqlalchemy import select

    from khavaran.storage.vault_tables import evidence_item
    with live.registry.read() as conn:
        sha = conn.execute(select(evidence_item.c.sha256)
                           .where(evidence_item.c.id == child)).scalar_one()
    copy = live.registry.vault.path_of(sha)
    assert b"Narvan" not in copy.read_bytes()
    assert all(not p.extract_text().strip() for p in PdfReader(copy).pages)
    ctx.close()
