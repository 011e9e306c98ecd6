"""Redacted working copies: regions of an image or PDF page blacked out, passages
of a text removed.

The copy never carries what was redacted.  Pixels under a box are replaced
before the image is encoded, and a PDF is rebuilt from page images, so its
text layer (which would still hold the words under a box) is gone.  A passage
is cut out of the text, not hidden by markup.  The regions and passages
themselves go into the copy's lineage; of a passage only how often it was
found: its words, its length or a digest of it would give away what was removed
(a digest of a name confirms a guess).

Regions are given in percent of the page, ``[pN:]LEFT,TOP,WIDTH,HEIGHT``, so
that a box drawn on a scaled preview means the same area of the original.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from khavaran.errors import EvidenceError, ValidationError
from khavaran.vault.derive import Made

__all__ = ["MARK", "PDF_DPI", "Region", "fold_with_origins", "page_count", "parse_regions",
           "preview_png", "redact_image", "redact_pdf", "redact_text"]

PDF_DPI = 150  # pages of a redacted PDF are images at this resolution
PREVIEW_DPI = 100
PREVIEW_WIDTH = 1600  # the widest preview drawn in the browser, in pixels
RENDER_TIMEOUT = 300
# What stands where a passage was: of fixed length, so that the length of a
# removed name is not given away.
MARK = "█████"
_SPEC = re.compile(r"^(?:p(\d+):)?\s*([^,]+),([^,]+),([^,]+),([^,]+)$")


@dataclass(frozen=True)
class Region:
    """A box in percent of its page (pages count from 1)."""
    page: int
    left: float
    top: float
    width: float
    height: float

    def spec(self) -> str:
        return f"p{self.page}:{_num(self.left)},{_num(self.top)},{_num(self.width)}," \
               f"{_num(self.height)}"

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        # Rounded outwards: the blacked-out area is never smaller than the box.
        return (math.floor(self.left / 100 * width), math.floor(self.top / 100 * height),
                math.ceil((self.left + self.width) / 100 * width),
                math.ceil((self.top + self.height) / 100 * height))


def _num(value: float) -> str:
    text = repr(value)  # exact: the spec reads back as the same box
    return text[:-2] if text.endswith(".0") else text


def parse_regions(specs: Iterable[str], *, field: str = "--box") -> list[Region]:
    """Read ``[pN:]LEFT,TOP,WIDTH,HEIGHT`` boxes; each problem names the box."""
    out: list[Region] = []
    for n, raw in enumerate((s.strip() for s in specs), start=1):
        if not raw:
            continue
        m = _SPEC.match(raw.replace("،", ",").replace(" ", ""))
        if m is None:
            raise ValidationError(f"box {n} ({raw}) is not [pPAGE:]LEFT,TOP,WIDTH,HEIGHT "
                                  "in percent of the page", field=field)
        try:
            left, top, width, height = (float(g) for g in m.groups()[1:])
        except ValueError:
            raise ValidationError(f"box {n} ({raw}) is not [pPAGE:]LEFT,TOP,WIDTH,HEIGHT "
                                  "in percent of the page", field=field) from None
        page = int(m.group(1)) if m.group(1) else 1
        if not all(math.isfinite(v) for v in (left, top, width, height)):
            raise ValidationError(f"box {n} ({raw}) is not a number", field=field)
        if page < 1:
            raise ValidationError(f"box {n} ({raw}) names page {page}: pages count from 1",
                                  field=field)
        if width <= 0 or height <= 0:
            raise ValidationError(f"box {n} ({raw}) has no area: its width and height must "
                                  "be more than 0", field=field)
        if left < 0 or top < 0 or left + width > 100 + 1e-9 or top + height > 100 + 1e-9:
            raise ValidationError(f"box {n} ({raw}) goes outside the page: left + width and "
                                  "top + height must stay within 0–100%", field=field)
        out.append(Region(page, left, top, width, height))
    return out


def _pillow() -> str:
    return f"Pillow {version('pillow')}"


def _open_image(path: Path) -> object:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        img = Image.open(path)
        frames = getattr(img, "n_frames", 1)
        if frames > 1:
            raise EvidenceError(f"this image has {frames} frames; Khavaran redacts still "
                                "images only (give a redacted copy with --file)")
        # As a browser shows it: a box drawn on the preview lands on the same pixels.
        return ImageOps.exif_transpose(img)
    except UnidentifiedImageError:
        raise EvidenceError("cannot read this image: Pillow does not know its format "
                            "(make the redacted copy elsewhere and give it with "
                            "'evidence derive --kind redaction --file')") from None
    except OSError as exc:
        raise EvidenceError(f"cannot read this image: {exc.strerror or exc}") from None


def _black_out(img: object, regions: Sequence[Region]) -> object:
    from PIL import Image, ImageDraw

    assert isinstance(img, Image.Image)
    # Only the pixels travel: a new image keeps no EXIF, GPS or text chunks.
    out = Image.new("RGB", img.size)
    out.paste(img.convert("RGB"))
    draw = ImageDraw.Draw(out)
    for r in regions:
        x0, y0, x1, y1 = r.pixels(*out.size)
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=(0, 0, 0))
    return out


def redact_image(path: Path, regions: Sequence[Region]) -> Made:
    """A PNG of the image with each box black; only page 1 exists."""
    _need(regions)
    _pages_within(regions, 1)
    img = _black_out(_open_image(path), regions)
    buf = io.BytesIO()
    img.save(buf, "PNG")  # type: ignore[attr-defined]
    return Made(buf.getvalue(), _pillow(),
                {"regions": [r.spec() for r in regions], "unit": "percent of the page"})


def page_count(path: Path) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(path).pages)
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise EvidenceError(f"cannot read this PDF: {exc}") from None


def _pdftoppm() -> str:
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise EvidenceError("redacting a PDF needs pdftoppm: install Debian's poppler-utils "
                            "(make test does)")
    return exe


def _render(path: Path, page: int, dpi: int, out: Path) -> Path:
    try:
        done = subprocess.run([_pdftoppm(), "-f", str(page), "-l", str(page), "-r", str(dpi),
                               "-png", "-singlefile", str(path), str(out)],
                              capture_output=True, timeout=RENDER_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise EvidenceError(f"page {page} took longer than {RENDER_TIMEOUT} s to draw") from None
    png = out.with_suffix(".png")
    if done.returncode != 0 or not png.is_file():
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EvidenceError(f"cannot draw page {page} of this PDF"
                            + (f": {detail[-1]}" if detail else ""))
    return png


def redact_pdf(path: Path, regions: Sequence[Region]) -> Made:
    """The PDF rebuilt from page images, each box black on its page.

    Every page becomes an image, redacted or not: a page kept as it was could
    carry text drawn under another page's box (forms, annotations, layers).
    """
    from PIL import Image
    from pypdf import PdfWriter

    _need(regions)
    pages = page_count(path)
    _pages_within(regions, pages)
    writer = PdfWriter()
    with tempfile.TemporaryDirectory(prefix="khavaran-redact-") as tmp:
        for page in range(1, pages + 1):
            png = _render(path, page, PDF_DPI, Path(tmp) / f"p{page}")
            with Image.open(png) as img:
                black = _black_out(img, [r for r in regions if r.page == page])
            one = Path(tmp) / f"p{page}.pdf"
            black.save(one, "PDF", resolution=PDF_DPI)  # type: ignore[attr-defined]
            png.unlink()
            writer.append(str(one))  # one page in memory at a time
        buf = io.BytesIO()
        writer.write(buf)
    return Made(buf.getvalue(), f"pdftoppm + {_pillow()} + pypdf {version('pypdf')}",
                {"regions": [r.spec() for r in regions], "unit": "percent of the page",
                 "pages_as_images_dpi": PDF_DPI})


def preview_png(path: Path, media_type: str, page: int) -> bytes:
    """One page as a PNG for drawing boxes on (pages count from 1)."""
    from PIL import Image

    if media_type == "application/pdf":
        pages = page_count(path)
        if not 1 <= page <= pages:
            raise EvidenceError(f"this PDF has {pages} page(s), not a page {page}")
        with tempfile.TemporaryDirectory(prefix="khavaran-preview-") as tmp:
            png = _render(path, page, PREVIEW_DPI, Path(tmp) / "page")
            return png.read_bytes()
    if page != 1:
        raise EvidenceError(f"an image has one page, not a page {page}")
    img = _open_image(path)
    assert isinstance(img, Image.Image)
    img = img.convert("RGB")
    if img.width > PREVIEW_WIDTH:
        img = img.resize((PREVIEW_WIDTH, round(img.height * PREVIEW_WIDTH / img.width)))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _need(regions: Sequence[Region]) -> None:
    if not regions:
        raise ValidationError("draw or give at least one box to black out", field="--box")


def _pages_within(regions: Sequence[Region], pages: int) -> None:
    for n, r in enumerate(regions, start=1):
        if r.page > pages:
            where = "an image has one page" if pages == 1 else f"the PDF has {pages} pages"
            raise ValidationError(f"box {n} ({r.spec()}) is outside the document: {where}",
                                  field="--box")


# -- text -------------------------------------------------------------------------

# Letters that Persian text writes in more than one way: a name typed with one
# must find it written with the other, or the redaction would miss it.
_SAME_LETTER = str.maketrans({"ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه",
                              "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ؤ": "و",
                              "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5",
                              "٦": "6", "٧": "7", "٨": "8", "٩": "9", "۰": "0", "۱": "1",
                              "۲": "2", "۳": "3", "۴": "4", "۵": "5", "۶": "6", "۷": "7",
                              "۸": "8", "۹": "9"})


def _fold_char(ch: str) -> str:
    """What one character compares as: '' for marks, joiners and tatweel."""
    if ch in "\u200c\u200d\u0640" or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return ""
    if ch.isspace():
        return " "
    out = unicodedata.normalize("NFKD", ch)
    out = "".join(c for c in out if unicodedata.category(c) not in ("Mn", "Me"))
    return out.translate(_SAME_LETTER).casefold()


def fold_with_origins(text: str) -> tuple[str, list[int]]:
    """The text as compared, and for each of its characters the index it came from.

    Runs of spaces count as one, so a name split over a line break is found.
    """
    folded: list[str] = []
    origins: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch):
            if c == " " and folded and folded[-1] == " ":
                continue
            folded.append(c)
            origins.append(i)
    return "".join(folded), origins


def _fold(text: str) -> str:
    return fold_with_origins(text)[0].strip()


def redact_text(text: str, passages: Sequence[str]) -> Made:
    """The text with every occurrence of each passage cut out and marked.

    A passage not found is refused: a typo must not pass for a redaction.
    """
    wanted = [p for p in (p.strip() for p in passages) if p]
    if not wanted:
        raise ValidationError("give at least one passage to remove", field="--remove")
    folded, origins = fold_with_origins(text)
    spans: list[tuple[int, int]] = []
    counts: list[int] = []
    for n, passage in enumerate(wanted, start=1):
        needle = _fold(passage)
        if not needle:
            raise ValidationError(f"passage {n} has no letters to look for", field="--remove")
        found = 0
        start = folded.find(needle)
        while start >= 0:
            end = start + len(needle) - 1
            # Marks and joiners right after the last letter belong to it.
            stop = origins[end] + 1
            while stop < len(text) and not _fold_char(text[stop]):
                stop += 1
            spans.append((origins[start], stop))
            found += 1
            start = folded.find(needle, start + 1)
        if not found:
            raise ValidationError(f"passage {n} is not in the text (nothing was made; check "
                                  "its spelling)", field="--remove")
        counts.append(found)
    out: list[str] = []
    at = 0
    for start, stop in _merge(spans):
        out.append(text[at:start])
        out.append(MARK)
        at = stop
    out.append(text[at:])
    return Made("".join(out).encode("utf-8"), "khavaran text redaction", {
        "passages": len(wanted), "occurrences": counts,
        "mark": MARK, "matching": "Persian letter variants, marks, joiners and spacing "
                                  "folded; case ignored"})


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged
