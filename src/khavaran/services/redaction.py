"""Redacted working copies, and the page previews they are drawn on.

A redaction is a working copy like any other (kind ``redaction``): its lineage
records the parent, the boxes or how many passages were cut, the tool and who
made it, and the ledger signs it.  It can then be reviewed for a disclosure
level in place of its original (``evidence review``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from khavaran.errors import EvidenceError, IntegrityError, ValidationError
from khavaran.services.evidence import Intake, require_item, store_made
from khavaran.services.registry import Registry
from khavaran.services.witness_items import guard_item, record_item_reveal
from khavaran.vault.derive import Made
from khavaran.vault.keys import load_key
from khavaran.vault.ledger import LedgerWriter
from khavaran.vault.redact import (
    page_count,
    parse_regions,
    preview_png,
    redact_image,
    redact_pdf,
    redact_text,
)

__all__ = ["Redactable", "can_redact", "page_preview", "redactable", "redact"]

MAX_TEXT = 20 << 20  # bytes of a text item shown or redacted in one piece


@dataclass(frozen=True)
class Redactable:
    """How an item can be redacted: by boxes on pages, or by passages of text."""
    item_id: str
    media_type: str
    mode: str  # "boxes" or "passages"
    pages: int = 1
    text: str = ""


def can_redact(media_type: str) -> bool:
    """Whether Khavaran can make a redacted copy of this kind of file itself."""
    return _mode(media_type) is not None


def _mode(media_type: str) -> str | None:
    if media_type == "application/pdf" or media_type.startswith("image/"):
        return "boxes"
    if media_type.startswith("text/"):
        return "passages"
    return None


def _unsupported(item_id: str, media_type: str) -> EvidenceError:
    return EvidenceError(f"Khavaran redacts images, PDFs and text; {item_id} is {media_type} "
                         "(make the redacted copy elsewhere and give it with "
                         "'evidence derive --kind redaction --file')")


def _text_of(registry: Registry, row: Any) -> str:
    if row.size > MAX_TEXT:
        raise EvidenceError(f"{row.id} is {row.size:,} bytes of text; Khavaran redacts text "
                            f"of up to {MAX_TEXT >> 20} MiB in one piece")
    with registry.vault.open(row.sha256) as fh:
        raw = fh.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EvidenceError(f"{row.id} is not UTF-8 text: make the redacted copy elsewhere "
                            "and give it with 'evidence derive --kind redaction --file'") from None


def _viewed(registry: Registry, row: Any, witness: str | None, actor: str, what: str,
            command: str) -> None:
    """Showing an item's content to someone is a download in the custody log."""
    key = load_key(registry.settings)
    with registry.write() as conn:
        LedgerWriter(conn, key).append("download", item=row.id, actor=actor,
                                       at=registry.now(),
                                       data={"purpose": what, "sha256": row.sha256})
        record_item_reveal(conn, registry, witness, actor, f"{command} {row.id}")


def redactable(registry: Registry, item_id: str, *, actor: str,
               include_protected: bool = False) -> Redactable:
    """What the redaction page draws on; the text of a text item is shown, so
    reading it is recorded (``include_protected`` as for evidence derive)."""
    with registry.read() as conn:
        witness = guard_item(conn, item_id, include_protected, actor)
        row = require_item(conn, item_id)
    mode = _mode(row.media_type)
    if mode is None:
        raise _unsupported(item_id, row.media_type)
    if mode == "passages":
        text = _text_of(registry, row)
        _viewed(registry, row, witness, actor, "read to redact", "redaction page")
        return Redactable(row.id, row.media_type, mode, text=text)
    pages = page_count(registry.vault.path_of(row.sha256)) \
        if row.media_type == "application/pdf" else 1
    return Redactable(row.id, row.media_type, mode, pages=pages)


def page_preview(registry: Registry, item_id: str, page: int, *, actor: str,
                 include_protected: bool = False) -> bytes:
    """One page of an image or PDF as a PNG to draw boxes on; recorded in the
    custody log as a download, as every showing of an item's content is."""
    with registry.read() as conn:
        witness = guard_item(conn, item_id, include_protected, actor)
        row = require_item(conn, item_id)
    if _mode(row.media_type) != "boxes":
        raise _unsupported(item_id, row.media_type)
    path = registry.vault.path_of(row.sha256)
    if registry.vault.rehash(row.sha256) is None:
        raise IntegrityError(f"the vault has no file for {item_id}: run "
                             "'khavaran evidence verify'")
    png = preview_png(path, row.media_type, page)
    _viewed(registry, row, witness, actor, f"preview page {page} to redact",
            "redaction page")
    return png


def redact(registry: Registry, item_id: str, *, actor: str, boxes: Sequence[str] = (),
           passages: Sequence[str] = (), include_protected: bool = False) -> Intake:
    """Make and store a redacted working copy of ``item_id``.

    ``boxes``: ``[pPAGE:]LEFT,TOP,WIDTH,HEIGHT`` in percent of the page, for
    images and PDFs; ``passages``: text to cut out of a text item, wherever it
    occurs.  Nothing is stored if any box or passage is refused.
    """
    boxes = [b for b in boxes if b.strip()]
    passages = [p for p in passages if p.strip()]

    def make(row: Any) -> Made:
        mode = _mode(row.media_type)
        if mode is None:
            raise _unsupported(item_id, row.media_type)
        if mode == "passages":
            if boxes:
                raise ValidationError(f"{item_id} is text: give passages to remove, not "
                                      "boxes", field="--box")
            return redact_text(_text_of(registry, row), passages)
        if passages:
            raise ValidationError(f"{item_id} is {row.media_type}: draw boxes; passages are "
                                  "for text items", field="--remove")
        regions = parse_regions(boxes)
        path = registry.vault.path_of(row.sha256)
        if row.media_type == "application/pdf":
            return redact_pdf(path, regions)
        return redact_image(path, regions)

    # The copy's media type is read from its bytes; the name's suffix is not used.
    return store_made(registry, item_id, make, kind="redaction", actor=actor, suffix=".copy",
                      command="evidence redact", include_protected=include_protected)
