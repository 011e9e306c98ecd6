"""Read what an exhibit's own bytes say, for a dossier that hides protected people.

The screen is an aid that flags; what lets an exhibit into a dossier is a
person's review (services/review.py).  An exhibit is judged first by where it
comes from (exhibits.py: a protected witness's testimony, evidence of a hidden
fact).  This module reads the file itself, in every form Khavaran takes in:

- text in UTF-8 (also with stray bytes), UTF-16 with or without a byte order
  mark, and the Windows Persian code page (cp1256): each plausible decoding is
  searched, since a wrong guess would hide a name;
- markup (HTML, XML, the parts of Word, Excel and OpenDocument files): with
  tags read as spaces and as nothing (a name split across a Word file's runs
  or by an inline tag), and entities and character references resolved;
- e-mail: headers and every body part in any transfer encoding, attachments
  read by their own type;
- RTF with its ``\\uNNNN?`` and ``\\'hh`` escapes;
- zip and gzip, member by member, to a bounded depth and size;
- PDF text, and the metadata of every file.

A file whose content cannot be read completely (an unknown binary, a damaged
or encrypted archive, a bomb) is flagged "unreadable", never passed as clean.
Images, sound and video say nothing the filter can read: they are judged by
their source, links and metadata only.
"""

from __future__ import annotations

import email
import email.policy
import gzip
import html
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

from khavaran.export.exhibits import Exhibit
from khavaran.vault.derive import extract_pdf_text
from khavaran.vault.metadata import buffer_media_type, read_metadata

__all__ = ["UNREADABLE", "Unreadable", "screen", "texts_of"]

UNREADABLE = ("unreadable: its content cannot be read completely to check it for names "
              "of protected people")
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/csv",
              "image/svg")
NOT_TEXT = ("image/", "audio/", "video/")
RTF_TYPES = ("text/rtf", "application/rtf")
CHUNK = 8 << 20
# Longer than any name or id the filter searches for: no term is cut in two.
OVERLAP = 4096
# What an archive may unpack to, in all, before it counts as unreadable.
UNPACK_LIMIT = 256 << 20
MAX_DEPTH = 4
TAG = re.compile(r"<[^>]*>")
# Tags that end a paragraph, cell or line: words on either side are apart.
BLOCK_TAG = re.compile(r"</(?:w:p|p|div|li|td|tr|h\d|text:p|text:h|si|c|row|a:p)>|"
                       r"<(?:br|w:br|w:tab|w:cr|text:s|text:tab|text:line-break)\b[^>]*>",
                       re.IGNORECASE)
RTF_UNICODE = re.compile(r"\\u(-?\d+)\s?(?:\\'[0-9a-fA-F]{2}|\?|[^\\{}])?")
RTF_HEX = re.compile(r"(?:\\'[0-9a-fA-F]{2})+")
RTF_CONTROL = re.compile(r"\\[a-zA-Z]+-?\d* ?|\\[^a-zA-Z]|[{}]")
RTF_CODEPAGE = re.compile(r"\\ansicpg(\d+)")


class Unreadable(Exception):
    """Content the screen cannot read completely."""


def screen(exhibits: list[Exhibit], local_file: Callable[[Exhibit], AbstractContextManager[Path]],
           leaks: Callable[[str], bool]) -> None:
    """Add to each exhibit's ``identifying`` what its own file gives away.  A working
    copy of a marked original is marked too, unless it is a redaction, which is
    made to be shown and passes or fails on its own bytes."""
    found: dict[str, list[str]] = {}
    for e in exhibits:
        if e.purged:
            continue
        with local_file(e) as path:
            _screen_one(e, path, leaks, found.setdefault(e.number, []))
    for e in exhibits:
        e.identifying += found.get(e.number, [])
        if e.parent and e.kind != "redaction":
            e.identifying += [f"its original {e.parent}: {why}"
                              for why in found.get(e.parent, [])]


def _screen_one(e: Exhibit, path: Path, leaks: Callable[[str], bool],
                reasons: list[str]) -> None:
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


def _text_leaks(path: Path, mime: str, leaks: Callable[[str], bool]) -> str | None:
    try:
        named = any(leaks(t) for t in texts_of(path, mime))
    except Exception:  # noqa: BLE001 - any damage means it cannot be checked
        return UNREADABLE
    return "its text names a protected person" if named else None


def texts_of(path: Path, mime: str) -> Iterator[str]:
    """Every reading of the file's text the filter should search; raises if part of
    it cannot be read."""
    mime = mime.split(";")[0].strip().lower()
    if mime.startswith(NOT_TEXT) and not mime.startswith("image/svg"):
        return
    if mime.startswith(TEXT_TYPES) and mime not in RTF_TYPES:
        with open(path, "rb") as fh:
            yield from _streamed(fh)
    elif mime == "application/pdf":
        yield extract_pdf_text(path).content.decode("utf-8")
    else:
        yield from _of_bytes(path.read_bytes(), mime, 0)


def _streamed(fh: io.BufferedIOBase) -> Iterator[str]:
    """A text file in overlapping pieces, so a large file is never read whole."""
    block = fh.read(CHUNK)
    tail = b""
    while block:
        yield from _decodings(tail + block)
        tail = block[-OVERLAP:]
        block = fh.read(CHUNK)


def _decodings(data: bytes) -> Iterator[str]:
    """The text in each encoding it may be in, each as plain text and as markup."""
    for encoding in _encodings(data):
        yield from _markup(data.decode(encoding, errors="replace"))


def _encodings(data: bytes) -> list[str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return ["utf-8-sig"]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ["utf-16"]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A character cut at the piece's end is still UTF-8.
        if exc.start < len(data) - 4:
            # Not UTF-8, or UTF-8 with a stray byte: read it every way it may be.
            return ["utf-8", "cp1256", "utf-16-le", "utf-16-be"]
    if b"\x00" in data:
        # UTF-16 without a byte order mark (or a binary file read as text).
        return ["utf-8", "utf-16-le", "utf-16-be"]
    return ["utf-8"]


def _markup(text: str) -> Iterator[str]:
    yield text
    if "<" in text or "&" in text:
        yield html.unescape(TAG.sub(" ", text))
        yield html.unescape(TAG.sub("", BLOCK_TAG.sub(" ", text)))


def _of_bytes(data: bytes, mime: str, depth: int) -> Iterator[str]:
    if depth > MAX_DEPTH:
        raise Unreadable("nested too deep")
    if mime.startswith(NOT_TEXT) and not mime.startswith("image/svg"):
        return
    if mime in RTF_TYPES or data.lstrip().startswith(b"{\\rtf"):
        yield from _rtf(data)
    elif mime.startswith("message/"):
        yield from _email(data, depth)
    elif zipfile.is_zipfile(io.BytesIO(data)):
        yield from _zip(data, depth)
    elif data.startswith(b"\x1f\x8b"):
        yield from _gzip(data, depth)
    elif mime == "application/pdf":
        with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
            tmp.write(data)
            tmp.flush()
            yield extract_pdf_text(Path(tmp.name)).content.decode("utf-8")
    elif mime.startswith(TEXT_TYPES) or mime in ("application/x-empty", "inode/x-empty"):
        yield from _decodings(data)
    elif mime == "application/octet-stream" and _looks_like_text(data[:1 << 20]):
        # libmagic calls text with a NUL byte, or UTF-16 without a byte order mark,
        # binary.
        yield from _decodings(data)
    else:
        raise Unreadable(mime)


def _readable(c: str) -> bool:
    cp = ord(c)
    return c in "\n\r\t" or (c.isprintable() and c != "\ufffd" and (
        cp < 0x250 or 0x600 <= cp <= 0x6FF or 0x2000 <= cp <= 0x206F
        or 0xFB50 <= cp <= 0xFEFF))


def _looks_like_text(sample: bytes) -> bool:
    """Whether, in one of the encodings it may be in, nearly every character is a
    letter, digit, space or punctuation of the scripts Khavaran's sources are in."""
    for encoding in _encodings(sample):
        text = sample.decode(encoding, errors="replace")
        if text and sum(map(_readable, text)) >= 0.95 * len(text):
            return True
    return False


def _rtf(data: bytes) -> Iterator[str]:
    raw = data.decode("latin-1")
    found = RTF_CODEPAGE.search(raw)
    codepages = {f"cp{found.group(1)}" if found else "cp1252", "cp1256"}
    for codepage in sorted(codepages):
        def hexes(m: re.Match[str], cp: str = codepage) -> str:
            return bytes.fromhex(m.group(0).replace("\\'", "")).decode(cp, errors="replace")

        def unicode(m: re.Match[str]) -> str:
            n = int(m.group(1))
            return chr(n + 65536 if n < 0 else n)

        text = RTF_HEX.sub(hexes, RTF_UNICODE.sub(unicode, raw))
        yield RTF_CONTROL.sub("", text)
        yield RTF_CONTROL.sub(" ", text)


def _email(data: bytes, depth: int) -> Iterator[str]:
    message = email.message_from_bytes(data, policy=email.policy.default)
    for part in message.walk():
        yield "\n".join(f"{k}: {v}" for k, v in part.items())
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            raise Unreadable("an e-mail part without a body")
        ctype = part.get_content_type()
        if ctype.startswith("text/") and ctype not in RTF_TYPES:
            charset = part.get_content_charset()
            if charset:
                yield from _markup(payload.decode(charset, errors="replace"))
            yield from _decodings(payload)
        else:
            yield from _of_bytes(payload, buffer_media_type(payload), depth + 1)


def _zip(data: bytes, depth: int) -> Iterator[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if sum(m.file_size for m in members) > UNPACK_LIMIT:
            raise Unreadable("too large unpacked")
        for m in members:
            yield m.filename
            content = zf.read(m)  # raises on encrypted or damaged members
            if m.filename.lower().endswith((".xml", ".rels", ".vml")):
                yield from _decodings(content)
            else:
                yield from _of_bytes(content, buffer_media_type(content), depth + 1)


def _gzip(data: bytes, depth: int) -> Iterator[str]:
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
        content = gz.read(UNPACK_LIMIT + 1)
    if len(content) > UNPACK_LIMIT:
        raise Unreadable("too large unpacked")
    yield from _of_bytes(content, buffer_media_type(content), depth + 1)
