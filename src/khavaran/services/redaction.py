"""Redacted working copies, and the page previews they are drawn on.

A redaction is a working copy like any other (kind ``redaction``): its lineage
records the parent, the boxes or how many passages were cut, the tool and who
made it, and the ledger signs it.  It can then be reviewed for a disclosure
level in place of its original (``evidence review``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from khavaran.errors import EvidenceError, ValidationError
from khavaran.services import viewing
from khavaran.services.evidence import Intake, store_made
from khavaran.services.registry import Registry
from khavaran.vault.derive import Made
from khavaran.vault.redact import parse_regions, redact_image, redact_pdf, redact_text

__all__ = ["can_redact", "page_preview", "redactable", "redact"]

PURPOSE = "shown to redact"
COMMAND = "redaction page"


def can_redact(media_type: str) -> bool:
    """Whether Khavaran can make a redacted copy of this kind of file itself."""
    return viewing.mode_of(media_type) is not None


def _unsupported(item_id: str, media_type: str) -> EvidenceError:
    return EvidenceError(f"Khavaran redacts images, PDFs and text; {item_id} is {media_type} "
                         "(make the redacted copy elsewhere and give it with "
                         "'evidence derive --kind redaction --file')")


def redactable(registry: Registry, item_id: str, *, actor: str,
               include_protected: bool = False) -> viewing.Shown:
    """What the redaction page draws on: pages, or a text (read now, so recorded)."""
    what = viewing.shown(registry, item_id, actor=actor, purpose=PURPOSE, command=COMMAND,
                         include_protected=include_protected)
    if what.mode is None:
        if what.why_not:
            raise EvidenceError(f"{what.why_not}: make the redacted copy elsewhere and give "
                                "it with 'evidence derive --kind redaction --file'")
        raise _unsupported(item_id, what.media_type)
    return what


def page_preview(registry: Registry, item_id: str, page: int, *, actor: str,
                 include_protected: bool = False) -> bytes:
    """One page of an image or PDF as a PNG to draw boxes on (recorded)."""
    return viewing.page_image(registry, item_id, page, actor=actor, purpose=PURPOSE,
                              command=COMMAND, include_protected=include_protected)


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
        mode = viewing.mode_of(row.media_type)
        if mode is None:
            raise _unsupported(item_id, row.media_type)
        if mode == "text":
            if boxes:
                raise ValidationError(f"{item_id} is text: give passages to remove, not "
                                      "boxes", field="--box")
            return redact_text(viewing.text_of(registry, row), passages)
        if passages:
            raise ValidationError(f"{item_id} is {row.media_type}: draw boxes; passages are "
                                  "for text items", field="--remove")
        regions = parse_regions(boxes)
        with viewing.checked_file(registry, row) as path:
            if row.media_type == "application/pdf":
                return redact_pdf(path, regions)
            return redact_image(path, regions)

    # The copy's media type is read from its bytes; the name's suffix is not used.
    return store_made(registry, item_id, make, kind="redaction", actor=actor, suffix=".copy",
                      command="evidence redact", include_protected=include_protected)
