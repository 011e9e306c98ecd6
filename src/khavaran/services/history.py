"""Read the append-only history, withholding protected people's identities."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from khavaran.model.loader import load_model
from khavaran.services.registry import Registry
from khavaran.storage import queries

__all__ = ["Change", "history"]

WITHHELD = "(withheld: protected person)"


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
            limit: int | None = 50) -> list[Change]:
    """The changes to one record or claim (a claim id starts with ``c-``), or to
    everything; the last ``limit`` of them, oldest first.  Values that would
    identify a protected person are withheld."""
    model = load_model()
    identifying = {n for s in model.schemas.values()
                   for n, p in s.properties.items() if p.identifying}
    with registry.read() as conn:
        if record_id and record_id.startswith("c-"):
            rows = queries.history_rows(conn, claim_id=record_id, limit=limit)
        else:
            rows = queries.history_rows(conn, entity_id=record_id, limit=limit)
        people = queries.entities(conn, [r["entity_id"] for r in rows if r["entity_id"]])
    hidden = {k for k, v in people.items() if v["protected"]}
    out = []
    for r in rows:
        old, new = r["old_value"], r["new_value"]
        if r["entity_id"] in hidden and r["field"] in identifying:
            old, new = (WITHHELD if old is not None else None), WITHHELD
        out.append(Change(r["at"], r["actor"], r["action"], r["entity_id"], r["claim_id"],
                          r["field"], old, new, r["reason"]))
    return out
