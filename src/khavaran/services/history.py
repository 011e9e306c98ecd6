"""Read the append-only history, withholding protected people's identities."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from khavaran.services.keyed_ids import claim_by_id, shown_ids
from khavaran.services.protection import hidden_set
from khavaran.services.registry import Registry, require_actor
from khavaran.services.reveals import record_reveals
from khavaran.storage import queries

__all__ = ["Change", "history"]

@dataclass(frozen=True)
class Change:
    at: dt.datetime
    actor: str
    action: str
    entity_id: str | None
    claim_id: str | None
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None


def history(registry: Registry, record_id: str | None = None, *,
            limit: int | None = 50, include_protected: bool = False,
            actor: str | None = None) -> list[Change]:
    """The changes to one record or claim (a claim id starts with ``c-``), or to
    everything; the last ``limit`` of them, oldest first.

    Changes to a protected person's identifying facts are left out, ids and all
    (an id is a hash of the value and would confirm a guess), unless
    ``include_protected`` is given with ``actor``; that access is recorded.
    """
    if include_protected:
        require_actor(actor)
    with registry.read() as conn:
        if record_id and record_id.startswith("c-"):
            # A keyed id finds its claim; the plain id of a keyed claim finds nothing.
            known = claim_by_id(conn, record_id)
            rows = (queries.history_rows(conn, claim_id=known["id"], limit=limit)
                    if known is not None else [])
        else:
            rows = queries.history_rows(conn, entity_id=record_id, limit=limit)
        hidden = hidden_set(conn, {r["entity_id"] for r in rows if r["entity_id"]})
        shown = shown_ids(conn, {r["claim_id"] for r in rows if r["claim_id"]})
    out, revealed = [], set()
    for r in rows:
        if hidden.hides_history(r):
            if not include_protected:
                continue
            revealed.add(r["entity_id"])
        out.append(Change(r["at"], r["actor"], r["action"], r["entity_id"],
                          shown.get(r["claim_id"]) if r["claim_id"] else None,
                          r["field"], r["old_value"], r["new_value"], r["reason"]))
    if revealed:
        with registry.write() as conn:
            record_reveals(conn, registry, actor=actor, ids=revealed,
                           reason="history --include-protected")
    return out
