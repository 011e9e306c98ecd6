"""Purge an item: delete its file and working copies, keep a signed tombstone."""

from __future__ import annotations

import unicodedata

from sqlalchemy import delete, insert, select

from khavaran.errors import ValidationError
from khavaran.services.evidence import live_digests, require_item
from khavaran.services.registry import Registry
from khavaran.services.verification import items_with_copies
from khavaran.services.witness_items import guard_item, record_item_reveal
from khavaran.storage.vault_tables import evidence_intake, evidence_meta, evidence_purge
from khavaran.vault.keys import load_key
from khavaran.vault.ledger import LedgerWriter

__all__ = ["purge"]


def purge(registry: Registry, item_id: str, *, reason: str, approved_by: str,
          actor: str, include_protected: bool = False) -> list[str]:
    """Delete the item's file and its working copies, leaving tombstones; returns ids.

    Parameters: ``include_protected`` purge a protected witness's testimony
    (services/witness_items.py; recorded)."""
    if not reason.strip():
        raise ValidationError("a purge needs --reason", field="--reason")
    if not _person(approved_by) or _person(approved_by) == _person(actor):
        raise ValidationError("a purge must be approved by a second person: --approved-by "
                              "names someone other than --as", field="--approved-by")
    key = load_key(registry.settings)
    with registry.read() as conn:
        witness = guard_item(conn, item_id, include_protected, actor)
        root = require_item(conn, item_id)
        doomed = items_with_copies(conn, item_id)
        gone = {r.item_id for r in conn.execute(select(evidence_purge.c.item_id))}
    doomed = [r for r in doomed if r.id not in gone]
    with registry.vault.changing([r.sha256 for r in doomed], live_digests(registry),
                                 purging=True):
        now = registry.now()
        with registry.write() as conn:
            ledger = LedgerWriter(conn, key)
            for item in doomed:
                conn.execute(insert(evidence_purge).values(
                    item_id=item.id, reason=reason.strip(), approved_by=approved_by.strip(),
                    created_at=now, created_by=actor))
                # Names and places that could identify a witness go with the file.
                conn.execute(delete(evidence_intake).where(evidence_intake.c.item_id == item.id))
                conn.execute(delete(evidence_meta).where(evidence_meta.c.item_id == item.id))
                ledger.append("purge", item=item.id, actor=actor, at=now, data={
                    "sha256": item.sha256, "sha512": item.sha512, "size": item.size,
                    "reason": reason.strip(), "approved_by": approved_by.strip(),
                    "with": root.id if item.id != root.id else None})
            record_item_reveal(conn, registry, witness, actor, f"evidence purge {item_id}")
    return [r.id for r in doomed]


def _person(name: str) -> str:
    """A name as compared: NFKC, no invisible format characters, case folded."""
    folded = unicodedata.normalize("NFKC", name)
    # Format and combining marks, and fillers that render as nothing.
    blank = {"\u034f", "\u115f", "\u1160", "\u3164", "\uffa0"}
    kept = (c for c in folded if unicodedata.category(c) not in ("Cf", "Mn", "Me")
            and c not in blank)
    return "".join(kept).strip().casefold()
