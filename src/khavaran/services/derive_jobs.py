"""Working copies that Khavaran makes itself (PDF text, OCR) as background jobs:
the same service as `khavaran evidence derive ITEM --kind text|ocr`, recorded in
the ledger as it records them.  OCR of a large scan takes minutes, so the web
starts it here and shows the job's page."""

from __future__ import annotations

from typing import Any

from khavaran.errors import ValidationError
from khavaran.services import evidence, jobs
from khavaran.services.evidence import require_item
from khavaran.services.registry import Registry, require_actor
from khavaran.services.witness_items import guard_item

__all__ = ["made_kinds", "run_derive", "start_derive"]


def made_kinds(media_type: str) -> list[str]:
    """The kinds of working copy Khavaran can make itself from this kind of file."""
    if media_type == "application/pdf":
        return ["text"]
    if media_type.startswith("image/"):
        return ["ocr"]
    return []


def start_derive(registry: Registry, item_id: str, kind: str, *, actor: str | None) -> str:
    """Queue the making of a ``kind`` copy of ``item_id``; the job's id.  An
    unknown item, or a protected witness's testimony, is refused now, alike."""
    actor = require_actor(actor)
    with registry.read() as conn:
        row = require_item(conn, item_id)
        guard_item(conn, item_id, False, actor)
    if kind not in made_kinds(row.media_type):
        raise ValidationError(f"Khavaran cannot make a '{kind}' copy of {row.media_type} "
                              f"(it can make: {', '.join(made_kinds(row.media_type)) or 'none'})",
                              field="kind")
    return jobs.submit(registry, "derive", {"item": item_id, "kind": kind, "actor": actor},
                       actor=actor)


def run_derive(registry: Registry, params: dict[str, Any],
               progress: jobs.Progress) -> dict[str, Any]:
    item, kind = str(params["item"]), str(params["kind"])
    progress("derive")
    made = evidence.derive(registry, item, kind=kind, actor=str(params["actor"]))
    return {"item": item, "kind": kind, "copy": made.item_id, "size": made.size,
            "media_type": made.media_type, "repeat": made.repeat}
