"""The dossier's PDF report: Persian drawn with Persian glyphs, in italic and bold
runs as well as upright ones, and read back by poppler in logical order."""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from case_scenario import build
from khavaran.demo.case import build_demo_case
from khavaran.export.dossier import build_dossier
from khavaran.export.report import render_html
from khavaran.model.loader import load_model
from khavaran.services import cases
from khavaran.services.registry import Registry

ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
# A Persian reasoning, shown in italic in the element matrix.
REASONING = "شاهد دید که هیئت حکم اعدام داد"


@pytest.fixture
def scenario(registry: Registry, tmp_path: Path):
    return build(registry, tmp_path / "files")


def _to_unicode(cmap: str) -> dict[int, str]:
    """Glyph id -> text, from a ToUnicode CMap (bfchar and bfrange entries)."""
    def text(hexes: str) -> str:
        return "".join(chr(int(hexes[i:i + 4], 16)) for i in range(0, len(hexes), 4))

    out: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for gid, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            out[int(gid, 16)] = text(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>",
                                      block):
            for n, gid in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[gid] = chr(int(dst, 16) + n)
    return out


def _fonts(resources: Any, seen: dict[str, Any]) -> None:
    """Every font of a resource dictionary and of the forms it draws, by name."""
    for ref in (resources.get("/Font") or {}).values():
        font = ref.get_object()
        seen.setdefault(str(font["/BaseFont"]), font)
    for ref in (resources.get("/XObject") or {}).values():
        form = ref.get_object()
        if form.get("/Resources") is not None:
            _fonts(form["/Resources"].get_object(), seen)


def foreign_glyphs(pdf: Path) -> dict[str, str]:
    """For each font that draws Arabic-script text with glyphs that are not its
    Arabic-script glyphs, that text: a face without them (DejaVu Sans Oblique, say)
    draws whatever glyphs sit at the ids the shaper chose, while the ToUnicode map
    still says Persian, so that copying and pdftotext look right and the page does not.

    A glyph counts as Arabic-script when the embedded font's own cmap gives it an
    Arabic-script character: DejaVu encodes its contextual forms (FE70-FEFF) and
    ligatures too."""
    fonts: dict[str, Any] = {}
    for page in PdfReader(pdf).pages:
        _fonts(page["/Resources"].get_object(), fonts)
    out = {}
    for name, font in fonts.items():
        if "/ToUnicode" not in font:
            continue
        drawn = {g: t for g, t in _to_unicode(font["/ToUnicode"].get_object().get_data()
                                              .decode("latin-1")).items()
                 if ARABIC_SCRIPT.search(t)}
        if not drawn:
            continue
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
        order = program.getGlyphOrder()
        persian = {glyph for cp, glyph in program.getBestCmap().items()
                   if ARABIC_SCRIPT.match(chr(cp))}
        wrong = "".join(t for g, t in sorted(drawn.items())
                        if g >= len(order) or order[g] not in persian)
        if wrong:
            out[name.split("+")[-1]] = wrong
    return out


def pdf_text(pdf: Path) -> str:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    # poppler wraps right-to-left runs in embedding marks; compare the letters.
    return re.sub("[\u200c\u202a-\u202e\u2066-\u2069]", "", text)


def test_persian_in_italic_and_bold_is_drawn_with_persian_glyphs(registry, scenario, tmp_path):
    cases.link_evidence(registry, "fx-case", 1, scenario.elements["material"], actor="tester",
                        stance="supports", reasoning=REASONING, testimony="s-fx-testimony-b",
                        locator="para 2")
    out = tmp_path / "dossier"
    build_dossier(registry, "fx-case", out, actor="tester")
    pdf = out / "data" / "report.pdf"
    # Italic: the status lines of the suspect's postings and the links' reasoning;
    # bold: the suspect's Persian name.
    assert foreign_glyphs(pdf) == {}
    status = load_model().vocabs["procedural_status"]["reported_by_ngo"]
    text = pdf_text(pdf)
    assert f"status: {status.en} / {status.fa}" in text
    assert REASONING in text and "بهرام" in text


def test_a_persian_case_title_is_plain_text_in_the_pdf_metadata(registry, scenario, tmp_path):
    title = "هیئت مرگ گلزارآباد (fictional)"
    cases.new_case(registry, "fx-case-fa", suspect="p-fx-suspect", framework_id="rome-statute",
                   title=title, actor="tester")
    cases.add_charge(registry, "fx-case-fa", crime="cah-murder",
                     mode=next(iter(cases.read_case(registry, "fx-case").framework.modes)),
                     acts=["act-fx-1"], actor="tester")
    out = tmp_path / "dossier"
    build_dossier(registry, "fx-case-fa", out, actor="tester")
    pdf = out / "data" / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert f"Title:           {title}\n" in info
    assert foreign_glyphs(pdf) == {}
    # (poppler puts a line that begins right to left together in its own order: the
    # Persian run is what to compare.)
    assert "هیئت مرگ گلزارآباد" in pdf_text(pdf)


# -- layout, read back from the rendered page (poppler's word boxes) -----------


def _words(pdf: Path) -> list[tuple[int, float, float, float, str]]:
    """(page, xMin, xMax, yMin, text) of every word poppler finds, in its order."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    words, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">(.*)</word>',
                      line)
        if m:
            words.append((page, float(m[1]), float(m[3]), float(m[2]),
                          html.unescape(m[4])))
    return words


def _bare(word: str) -> str:
    """A word without brackets (drawn mirrored right to left) and joiners."""
    return re.sub("[()\\[\\]«»\u200c]", "", word)


def _line_of(words, word):
    page, _, _, y, _ = word
    return [w for w in words if w[0] == page and abs(w[3] - y) < 1.0]


@pytest.fixture
def demo_report(demo_registry: Registry, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    assert build_demo_case(demo_registry)
    out = tmp_path / "dossier"
    build_dossier(demo_registry, "demo-commission", out, actor="tester")
    return out / "data" / "report.pdf", json.loads((out / "data" / "case.json").read_text())


def test_a_persian_paragraph_runs_right_to_left_with_its_full_stop_at_its_end(
        demo_report) -> None:
    pdf, doc = demo_report
    words = _words(pdf)
    texts = [e["text_fa"] for c in doc["charges"] for e in c["elements"] if e.get("text_fa")]
    assert texts
    for text in texts:
        # poppler gives right-to-left words in the order they are drawn: reversed.
        drawn = [_bare(w[::-1]) for w in text.split()]
        # The sentence's first word is the rightmost of its line.
        starts = [w for w in words if _bare(w[4]) == drawn[0]
                  and max(_line_of(words, w), key=lambda x: x[2]) == w]
        assert starts, text
        # Its last line: the full stop ends the sentence, at its left end (drawn first),
        # not beside its first word.
        ends = [w for w in words if _bare(w[4]) == drawn[-1]]
        assert drawn[-1].startswith(".") and ends, text
        assert all(min(_line_of(words, w), key=lambda x: x[1]) == w for w in ends), (text, ends)


def test_words_break_with_a_hyphen_headers_and_hashes_stay_whole(demo_report) -> None:
    pdf, doc = demo_report
    words = _words(pdf)
    shown = {w[4] for w in words}
    for header in ("Indep.", "sources", "Charge", "Entries", "Evidence", "SHA-256"):
        assert header in shown, header  # not split across lines, not spilling over
    for e in doc["exhibits"]:
        # Each digest on whole lines of 64 digits: nothing else breaks it.
        assert e["sha256"] in shown
        assert {e["sha512"][:64], e["sha512"][64:]} <= shown
        # An exhibit's number wraps only at its own hyphens.
        pieces = [a[4] + b[4] for a, b in zip(words, words[1:], strict=False)
                  if a[4].endswith("-")]
        assert e["number"] in shown or e["number"] in pieces, e["number"]
    # A word broken across lines ends with a hyphen: every word poppler reads is a
    # whole word of the report, the start of one (ending "-") or its rest (after one).
    page = html.unescape(re.sub(r"<[^>]+>", " ", render_html(doc, [])))
    vocabulary = set(re.findall(r"[A-Za-z]+", page))
    hyphens = ("-", "\u2010")  # WeasyPrint's own hyphen, or one written in the text
    broken = [w[4] for before, w in zip(words, words[1:], strict=False)
              if not w[4].endswith(hyphens) and not before[4].endswith(hyphens)
              and any(part not in vocabulary for part in re.findall(r"[A-Za-z]+", w[4]))]
    assert broken == []


def test_what_is_not_recorded_is_said(demo_report) -> None:
    pdf, doc = demo_report
    text = pdf_text(pdf)
    recorded = {f["label"] for f in doc["suspect"]["standing"]}
    assert "alive as of" in recorded  # the demo records it: the others are missing
    assert "immunity: not recorded; residence: not recorded; travel: not recorded." in text
