"""An item's content shown in the browser, and an exact copy handed over.

Every showing is recorded in the item's custody log as a ``download`` with its
purpose, as ``evidence get`` records one: a page of an image or PDF drawn as a
PNG, a text read in the page, the file itself.  What is shown is made safe to
show: pages are re-drawn as PNG (a file's own HTML, SVG or script never
reaches the browser as such), text is shown as text; the file itself goes as
an attachment of no particular type.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khavaran.errors import EvidenceError, IntegrityError, NotFoundError
from khavaran.services.evidence import require_item
from khavaran.services.registry import Registry
from khavaran.services.witness_items import guard_item, record_item_reveal
from khavaran.vault.keys import load_key
from khavaran.vault.ledger import LedgerWriter
from khavaran.vault.redact import page_count, preview_png
from khavaran.vault.streaming import copy_and_hash

__all__ = ["CHUNK", "MAX_TEXT", "Shown", "checked_file", "download", "mode_of", "page_image",
           "shown", "text_of"]

MAX_TEXT = 20 << 20  # bytes of a text item shown or redacted in one piece
CHUNK = 1 << 20


@dataclass(frozen=True)
class Shown:
    """How an item can be shown: as pages (images, PDFs), as text, or not at all."""
    item_id: str
    media_type: str
    mode: str | None  # "pages", "text", or None: only downloaded
    pages: int = 1
    text: str = ""
    why_not: str = ""


def mode_of(media_type: str) -> str | None:
    if media_type == "application/pdf" or media_type.startswith("image/"):
        return "pages"
    if media_type.startswith("text/"):
        return "text"
    return None


def _item(registry: Registry, item_id: str, actor: str,
          include_protected: bool) -> tuple[Any, str | None]:
    with registry.read() as conn:
        witness = guard_item(conn, item_id, include_protected, actor)
        row = require_item(conn, item_id)
    return row, witness


def _record(registry: Registry, row: Any, witness: str | None, actor: str, purpose: str,
            command: str) -> None:
    key = load_key(registry.settings)
    with registry.write() as conn:
        LedgerWriter(conn, key).append("download", item=row.id, actor=actor,
                                       at=registry.now(),
                                       data={"purpose": purpose, "sha256": row.sha256})
        record_item_reveal(conn, registry, witness, actor, f"{command} {row.id}")


@contextlib.contextmanager
def checked_file(registry: Registry, row: Any) -> Iterator[Path]:
    """The stored file of an item row as a local path for tools to read, once it
    is checked against both hashes: a changed file is never shown or copied."""
    with registry.vault.local_file(row.sha256) as path:
        with open(path, "rb") as fh:
            got = copy_and_hash(fh, None)
        if got.sha256 != row.sha256 or got.sha512 != row.sha512:
            raise IntegrityError(f"the stored file of {row.id} no longer matches its hashes: "
                                 "run 'khavaran evidence verify'")
        yield path


def text_of(registry: Registry, row: Any) -> str:
    """A text item's text (UTF-8, up to MAX_TEXT), checked against its hash."""
    if row.size > MAX_TEXT:
        raise EvidenceError(f"{row.id} is {row.size:,} bytes of text; more than "
                            f"{MAX_TEXT >> 20} MiB is not shown or redacted in one piece")
    with registry.vault.open(row.sha256) as fh:
        raw = fh.read()
    if hashlib.sha256(raw).hexdigest() != row.sha256:
        raise IntegrityError(f"the stored file of {row.id} no longer matches its hash: run "
                             "'khavaran evidence verify'")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EvidenceError(f"{row.id} is not UTF-8 text") from None


def shown(registry: Registry, item_id: str, *, actor: str, purpose: str, command: str,
          include_protected: bool = False) -> Shown:
    """What a page shows of the item.  A text is read now, so reading it is
    recorded; pages are recorded as each is drawn (page_image)."""
    row, witness = _item(registry, item_id, actor, include_protected)
    mode = mode_of(row.media_type)
    if mode == "text":
        try:
            text = text_of(registry, row)
        except IntegrityError:
            raise
        except EvidenceError as exc:
            return Shown(row.id, row.media_type, None, why_not=str(exc))
        _record(registry, row, witness, actor, purpose, command)
        return Shown(row.id, row.media_type, mode, text=text)
    if mode == "pages":
        pages = 1
        if row.media_type == "application/pdf":
            with checked_file(registry, row) as path:
                pages = page_count(path)
        return Shown(row.id, row.media_type, mode, pages=pages)
    return Shown(row.id, row.media_type, None)


def page_image(registry: Registry, item_id: str, page: int, *, actor: str, purpose: str,
               command: str, include_protected: bool = False) -> bytes:
    """One page of an image or PDF, drawn anew as a PNG (pages count from 1)."""
    row, witness = _item(registry, item_id, actor, include_protected)
    if mode_of(row.media_type) != "pages":
        raise EvidenceError(f"{item_id} is {row.media_type}, which has no pages to draw")
    with checked_file(registry, row) as path:
        pages = page_count(path) if row.media_type == "application/pdf" else 1
        if not 1 <= page <= pages:
            raise NotFoundError(f"{item_id} has {pages} page(s), not a page {page}")
        png = preview_png(path, row.media_type, page)
    _record(registry, row, witness, actor, f"{purpose}, page {page}", command)
    return png


def download(registry: Registry, item_id: str, *, actor: str, purpose: str, command: str,
             include_protected: bool = False) -> tuple[Any, Iterator[bytes]]:
    """The item's row and its stored bytes, in chunks, recorded before the first.

    The bytes are checked against both hashes as they go: a stored file that no
    longer matches ends the stream short with an IntegrityError, so no complete
    wrong copy leaves (the receiver was told the size).
    """
    row, witness = _item(registry, item_id, actor, include_protected)
    src = registry.vault.open(row.sha256)  # a missing file is refused before it is recorded
    try:
        _record(registry, row, witness, actor, purpose, command)
    except BaseException:
        src.close()
        raise

    def chunks() -> Iterator[bytes]:
        sha256, sha512, size = hashlib.sha256(), hashlib.sha512(), 0
        with src:
            while block := src.read(CHUNK):
                sha256.update(block)
                sha512.update(block)
                size += len(block)
                # Checked before the last bytes go: a wrong file never arrives whole.
                if size > row.size or (size == row.size and (
                        sha256.hexdigest() != row.sha256 or sha512.hexdigest() != row.sha512)):
                    break
                yield block
        if size != row.size or sha256.hexdigest() != row.sha256 \
                or sha512.hexdigest() != row.sha512:
            raise IntegrityError(f"the stored file of {row.id} no longer matches its hashes: "
                                 "the download was cut short; run 'khavaran evidence verify'")

    return row, chunks()
