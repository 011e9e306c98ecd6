"""Read what an exhibit's own bytes say, for a dossier that hides protected people.

An exhibit is judged first by where it comes from (exhibits.py: a protected
witness's testimony, evidence of a hidden fact).  This module reads the file
itself: its text (text files in UTF-8, UTF-16 or the Windows Persian code page,
HTML and e-mail, the text of PDFs and of Word and OpenDocument files) and its
metadata (every value, and whether any field is sensitive, such as GPS).  A
file whose text cannot be read is withheld rather than trusted.  Images, sound
and video say nothing the filter can read: they are judged by their source,
links and metadata only.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from khavaran.export.exhibits import Exhibit
from khavaran.vault.derive import extract_pdf_text
from khavaran.vault.metadata import read_metadata

__all__ = ["screen"]

TEXT_TYPES = ("text/", "message/", "application/json", "application/xml", "application/csv",
              "image/svg")
OFFICE_TEXT = ("word/document.xml", "content.xml")  # OOXML, OpenDocument
CHUNK = 8 << 20
# Longer than any name or id the filter searches for: no term is cut in two.
OVERLAP = 4096
TAG = re.compile(rb"<[^>]*>")


def screen(exhibits: list[Exhibit], path_of: Callable[[Exhibit], Path],
           leaks: Callable[[str], bool]) -> None:
    """Add to each exhibit's ``identifying`` what its own file gives away.  A working
    copy of a marked original is marked too, unless it is a redaction, which is
    made to be shown and passes or fails on its own bytes."""
    found: dict[str, list[str]] = {}
    for e in exhibits:
        if e.purged:
            continue
        path = path_of(e)
        reasons = found.setdefault(e.number, [])
        # An original's metadata was read from these bytes at intake; a working copy's
        # never was.
        fields = e.metadata if e.kind == "original" else [
            (f.name, f.value, f.sensitive) for f in read_metadata(path, e.item.media_type)]
        if e.kind != "original" and any(sensitive for _n, _v, sensitive in fields):
            reasons.append("its file carries sensitive metadata (such as GPS or an author)")
        if any(leaks(value) for _n, value, _s in fields):
            reasons.append("its metadata names a protected person")
        why = _text_leaks(path, e.item.media_type, leaks)
        if why:
            reasons.append(why)
    for e in exhibits:
        e.identifying += found.get(e.number, [])
        if e.parent and e.kind != "redaction":
            e.identifying += [f"its original {e.parent}: {why}"
                              for why in found.get(e.parent, [])]


def _text_leaks(path: Path, mime: str, leaks: Callable[[str], bool]) -> str | None:
    try:
        texts = _texts(path, mime)
        named = any(leaks(t) for t in texts)
    except Exception:  # noqa: BLE001 - any damage means it cannot be checked
        return "its text cannot be read to check it for names of protected people"
    return "its text names a protected person" if named else None


def _texts(path: Path, mime: str) -> Iterator[str]:
    if mime.startswith(TEXT_TYPES):
        yield from _chunks(path)
    elif mime == "application/pdf":
        yield extract_pdf_text(path).content.decode("utf-8")
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for member in OFFICE_TEXT:
                if member in zf.namelist():
                    yield TAG.sub(b" ", zf.read(member)).decode("utf-8", errors="replace")


def _chunks(path: Path) -> Iterator[str]:
    """The file's text in overlapping pieces, so a large file is never read whole."""
    with open(path, "rb") as fh:
        block = fh.read(CHUNK)
        encoding = _encoding(block)
        tail = b""
        while block:
            yield (tail + block).decode(encoding, errors="replace")
            tail = block[-OVERLAP:]
            block = fh.read(CHUNK)


def _encoding(sample: bytes) -> str:
    if sample.startswith(b"\xff\xfe"):
        return "utf-16-le"
    if sample.startswith(b"\xfe\xff"):
        return "utf-16-be"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Not UTF-8 (other than a character cut at the sample's end): Persian text
        # of that age is most often in the Windows Arabic code page.
        if exc.start < len(sample) - 4:
            return "cp1256"
    return "utf-8"
