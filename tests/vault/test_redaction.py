"""Redacted working copies: what was blacked out or cut is not in the copy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from files import docx, photo_with_gps, text_pdf
from khavaran.errors import EvidenceError, NotFoundError, ValidationError
from khavaran.services import custody, evidence, redaction, verification
from khavaran.services.registry import Registry
from khavaran.storage.vault_tables import evidence_derivation, evidence_item, ledger_entry
from khavaran.vault.redact import MARK, fold_with_origins, parse_regions, redact_text


def _add(registry: Registry, path: Path) -> str:
    return evidence.add_evidence(registry, [path], source_id="t-list",
                                 actor="tester")[0].item_id


def _stored(registry: Registry, item_id: str) -> Path:
    with registry.read() as conn:
        sha = conn.execute(select(evidence_item.c.sha256)
                           .where(evidence_item.c.id == item_id)).scalar_one()
    return registry.vault.path_of(sha)


def _counts(registry: Registry) -> tuple[int, int]:
    with registry.read() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (evidence_item, ledger_entry))  # type: ignore[return-value]


def _lineage(registry: Registry, child: str) -> tuple[str, str, dict]:
    with registry.read() as conn:
        row = conn.execute(select(evidence_derivation)
                           .where(evidence_derivation.c.child_id == child)).one()
    return row.parent_id, row.kind, json.loads(row.params)


def test_an_image_box_is_black_in_the_copy_and_the_rest_untouched(
        vault_registry: Registry, tmp_path: Path) -> None:
    photo = photo_with_gps(tmp_path / "photo.jpg")
    item = _add(vault_registry, photo)
    made = redaction.redact(vault_registry, item, actor="tester", boxes=["10,20,30,40"])
    assert made.media_type == "image/png" and not made.repeat
    with Image.open(photo) as orig, Image.open(_stored(vault_registry, made.item_id)) as copy:
        assert copy.size == orig.size
        w, h = copy.size
        rgb = copy.convert("RGB")
        for x, y in ((0.11, 0.21), (0.25, 0.4), (0.39, 0.59)):
            assert rgb.getpixel((int(x * w), int(y * h))) == (0, 0, 0)
        outside = (int(0.8 * w), int(0.8 * h))
        assert rgb.getpixel(outside) == orig.convert("RGB").getpixel(outside)
        # Only the pixels travel: the photo's GPS position does not.
        assert not copy.getexif() and "exif" not in copy.info
    parent, kind, params = _lineage(vault_registry, made.item_id)
    assert (parent, kind) == (item, "redaction")
    assert params["regions"] == ["p1:10,20,30,40"]
    report = verification.verify(vault_registry, None, actor="tester")
    assert report.ok, report.problems


def _render(pdf: Path, tmp: Path) -> Image.Image:
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "72", "-png", "-singlefile",
                    str(pdf), str(tmp / "page")], check=True)
    return Image.open(tmp / "page.png").convert("RGB")


def test_a_pdf_copy_has_the_box_black_and_no_text_layer_left(
        vault_registry: Registry, tmp_path: Path) -> None:
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(text_pdf(["Witness Zarafshan Quill", "second page"]))
    item = _add(vault_registry, pdf)
    # The line sits 72 pt from the left and 92 pt from the top of a 612 x 792 page.
    made = redaction.redact(vault_registry, item, actor="tester", boxes=["p1:8,6,80,8"])
    assert made.media_type == "application/pdf"
    copy = _stored(vault_registry, made.item_id)
    reader = PdfReader(copy)
    assert len(reader.pages) == 2
    # A box over text in a PDF usually only covers it; here every page is an image.
    assert [p.extract_text().strip() for p in reader.pages] == ["", ""]
    assert b"Zarafshan" not in copy.read_bytes()
    page = _render(copy, tmp_path)
    w, h = page.size
    # Pages are stored as JPEG: a colour may move by a step or two.
    assert max(page.getpixel((int(0.2 * w), int(0.1 * h)))) < 8
    assert min(page.getpixel((int(0.5 * w), int(0.5 * h)))) > 247


def test_a_text_passage_is_cut_wherever_and_however_it_is_written(
        vault_registry: Registry, tmp_path: Path) -> None:
    # Arabic yeh and kaf, a diacritic, a zero-width non-joiner and a line break:
    # the same name to a reader, so the same name to the redaction.
    text = ("گواهی: زريّن كوهسار گفت.\nزرین\nکوهسار دوباره آمد. Zarrin Kuhsar, ZARRIN  "
            "kuhsar.\nنیمه‌شب بود.\n")
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    item = _add(vault_registry, path)
    made = redaction.redact(vault_registry, item, actor="tester",
                            passages=["زرین کوهسار", "zarrin kuhsar"])
    out = _stored(vault_registry, made.item_id).read_text(encoding="utf-8")
    assert out == (f"گواهی: {MARK} گفت.\n{MARK} دوباره آمد. {MARK}, {MARK}.\n"
                   "نیمه‌شب بود.\n")
    _, _, params = _lineage(vault_registry, made.item_id)
    # The lineage says how often each passage was found, never its words.
    assert params["passages"] == 2 and params["occurrences"] == [2, 2]
    assert "زرین" not in json.dumps(params, ensure_ascii=False)
    assert "zarrin" not in json.dumps(params).lower()
    # The same redaction again stores nothing new.
    again = redaction.redact(vault_registry, item, actor="tester",
                             passages=["زرین کوهسار", "zarrin kuhsar"])
    assert again.item_id == made.item_id and again.repeat


@pytest.mark.parametrize(("kind", "boxes", "passages", "error", "words"), [
    ("png", ["0,0,50,101"], [], ValidationError, "goes outside the page"),
    ("png", ["-1,0,5,5"], [], ValidationError, "goes outside the page"),
    ("png", ["10,10,0,5"], [], ValidationError, "has no area"),
    ("png", ["p2:0,0,5,5"], [], ValidationError, "an image has one page"),
    ("png", ["ten,0,5,5"], [], ValidationError, "is not [pPAGE:]LEFT,TOP,WIDTH,HEIGHT"),
    ("png", [], [], ValidationError, "at least one box"),
    ("png", [], ["a name"], ValidationError, "passages are for text items"),
    ("pdf", ["p3:0,0,5,5"], [], ValidationError, "the PDF has 2 pages"),
    ("txt", ["0,0,5,5"], [], ValidationError, "give passages to remove, not boxes"),
    ("txt", [], ["Nobody Here"], ValidationError, "passage 1 is not in the text"),
    ("txt", [], ["\u200c\u064b"], ValidationError, "has no letters"),
    ("bin", ["0,0,5,5"], [], EvidenceError, "Khavaran redacts images, PDFs and text"),
])
def test_a_refused_redaction_names_the_problem_and_stores_nothing(
        vault_registry: Registry, tmp_path: Path, kind: str, boxes: list[str],
        passages: list[str], error: type[Exception], words: str) -> None:
    path = tmp_path / f"item.{kind}"
    if kind == "png":
        Image.new("RGB", (40, 30), "white").save(path)
    elif kind == "pdf":
        path.write_bytes(text_pdf(["one", "two"]))
    elif kind == "txt":
        path.write_text("A fictional statement.\n", encoding="utf-8")
    else:
        path = docx(tmp_path / "item.docx", title="A statement", author="A documenter")
    item = _add(vault_registry, path)
    before = _counts(vault_registry)
    with pytest.raises(error) as caught:
        redaction.redact(vault_registry, item, actor="tester", boxes=boxes, passages=passages)
    assert words in str(caught.value)
    assert _counts(vault_registry) == before


def test_an_unknown_item_is_refused(vault_registry: Registry) -> None:
    with pytest.raises(NotFoundError):
        redaction.redact(vault_registry, "ev-" + "0" * 32, actor="tester", boxes=["0,0,1,1"])


def test_a_page_preview_is_recorded_in_the_custody_log(
        vault_registry: Registry, tmp_path: Path) -> None:
    pdf = tmp_path / "two.pdf"
    pdf.write_bytes(text_pdf(["one", "two"]))
    item = _add(vault_registry, pdf)
    assert redaction.redactable(vault_registry, item, actor="tester").pages == 2
    png = redaction.page_preview(vault_registry, item, 2, actor="tester")
    assert png.startswith(b"\x89PNG")
    log = custody.custody_log(vault_registry, item)
    assert log[-1]["kind"] == "download"
    with pytest.raises(NotFoundError, match="has 2 page"):
        redaction.page_preview(vault_registry, item, 3, actor="tester")


# -- properties -------------------------------------------------------------------

LETTERS = "abزرینيكکی\u200c\u064b \n"


@given(st.text(alphabet=LETTERS, max_size=60), st.text(alphabet="abزرکی", min_size=1,
                                                        max_size=4))
def test_no_folded_occurrence_of_a_passage_survives(text: str, passage: str) -> None:
    folded_passage = fold_with_origins(passage)[0]
    if folded_passage not in fold_with_origins(text)[0]:
        with pytest.raises(ValidationError):
            redact_text(text, [passage])
        return
    out = redact_text(text, [passage]).content.decode("utf-8")
    assert folded_passage not in fold_with_origins(out)[0]


@given(st.integers(1, 9), st.floats(0, 50), st.floats(0, 50), st.floats(0.01, 50),
       st.floats(0.01, 50))
def test_a_box_reads_back_from_its_own_spec(page: int, left: float, top: float,
                                            width: float, height: float) -> None:
    region = parse_regions([f"p{page}:{left!r},{top!r},{width!r},{height!r}"])[0]
    assert parse_regions([region.spec()]) == [region]


def test_the_command_reads_passages_from_a_file_and_says_what_it_made(
        vault_registry: Registry, tmp_path: Path) -> None:
    from conftest import Cli

    statement = tmp_path / "statement.txt"
    statement.write_text("Kept in Cell Nine with Sorour Vaziri-Fictive.\n", encoding="utf-8")
    item = _add(vault_registry, statement)
    names = tmp_path / "names.txt"
    names.write_text("Sorour Vaziri-Fictive\ncell nine\n", encoding="utf-8")
    cli = Cli(vault_registry)
    done = cli("evidence", "redact", item[:12], "--remove-file", str(names))
    assert done.exit_code == 0, done.output
    child = done.output.split()[0]
    assert f"redaction of {item}  text/plain" in done.output
    assert _stored(vault_registry, child).read_text(encoding="utf-8") == \
        f"Kept in {MARK} with {MARK}.\n"
    shown = cli("evidence", "lineage", item)
    assert child in shown.output and "redaction by khavaran text redaction" in shown.output
    refused = cli("evidence", "redact", item, "--box", "0,0,200,5")
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    assert f"field '--box': {item} is text: give passages to remove" in refused.output
