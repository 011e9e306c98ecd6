"""Verification as a background job: one evidence item (as `khavaran evidence
verify ITEM`), or the whole installation (as `khavaran verify`: the vault, the
custody ledger, every sealed registry row and the triggers).

Each run is recorded in the ledger as the commands record it.  The result
names every failure in words, as the commands print them; a protected
witness's testimony is named by no id, as in `evidence verify --all`.
"""

from __future__ import annotations

from typing import Any

from khavaran.services import integrity, jobs, verification
from khavaran.services.evidence import require_item
from khavaran.services.registry import Registry, require_actor
from khavaran.services.witness_items import guard_item

__all__ = ["run_verify", "start_verify"]


def start_verify(registry: Registry, item_id: str | None, *, actor: str | None) -> str:
    """Queue the verification of ``item_id`` (None: the whole installation); the
    job's id.  An unknown item, or a protected witness's testimony, is refused
    now, alike, not by the worker."""
    actor = require_actor(actor)
    if item_id is not None:
        with registry.read() as conn:
            require_item(conn, item_id)
            guard_item(conn, item_id, False, actor)
    return jobs.submit(registry, "verify", {"item": item_id, "actor": actor}, actor=actor)


def run_verify(registry: Registry, params: dict[str, Any],
               progress: jobs.Progress) -> dict[str, Any]:
    item, actor = params.get("item"), str(params["actor"])
    if item is not None:
        report = verification.verify(registry, item, actor=actor, progress=progress)
        return {"scope": "item", "item": item, "ok": report.ok, "problems": report.problems,
                "notes": report.notes,
                "items": report.items, "entries": report.entries,
                "signatures": report.signatures}
    whole = integrity.verify_installation(registry, actor=actor, progress=progress)
    return {"scope": "installation", "ok": whole.ok, "problems": whole.problems,
            "notes": whole.vault.notes, "items": whole.vault.items, "entries": whole.vault.entries,
            "signatures": whole.vault.signatures, "rows": whole.rows, "seals": whole.seals}
