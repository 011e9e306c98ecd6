"""Taking back what a "same" judgement of xref wrote, and giving it back.

A "same" makes postings and sanction actions of a registry person, cited to
the dataset (services/xref.py).  When a later judgement of the same candidate
says "different" or "unsure", those records no longer stand: every claim of
them that stands on the dataset alone is marked rejected, the way an analyst
rejects a claim (editing.assess), with a history row each ("retract", who,
when, the assessment before, why).  Nothing is deleted: the claims, their
citations and the history stay, and readers leave rejected links out
(a posting from a person's career, an action from the tracker's lists).

A claim also cited to another source is left alone: it stands on that source
too (an action entered by hand is the same record as the dataset's, its id
being a hash of what it says).  A later "same" restores what a retraction
rejected, and only that: a claim rejected by an analyst stays rejected.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select

from khavaran.services.registry import Registry
from khavaran.storage import repo
from khavaran.storage.tables import citation, claim, history

__all__ = ["RETRACT", "RESTORE", "restore", "retract", "written_by"]

RETRACT, RESTORE = "retract", "restore"
REJECTED = "rejected"


def _on_dataset(dataset: str) -> re.Pattern[str]:
    # xref.source_id_of: one source per imported version of the dataset
    return re.compile(rf"ftm-{re.escape(dataset)}-[0-9a-f]{{12}}")


def written_by(conn: Connection, person_id: str, dataset: str, locators: set[str]
               ) -> dict[str, list[Any]]:
    """Entity id -> the claims of it that a "same" of ``person_id`` with an entity
    of ``dataset`` wrote and that stand on the dataset alone.  ``locators`` are the
    citations' locators of that entity and its occupancies and sanctions."""
    source = _on_dataset(dataset)
    q = (select(claim.c.entity_id).join(citation, citation.c.claim_id == claim.c.id)
         .where(citation.c.source_id.like(f"ftm-{dataset}-%"),
                citation.c.locator.in_(sorted(locators))).distinct())
    cited = list(conn.execute(q).scalars())
    if not cited:
        return {}
    # Only the records about this person: a posting held, an action aimed at them.
    theirs = set(conn.execute(select(claim.c.entity_id).where(
        claim.c.entity_id.in_(cited), claim.c.property.in_(("person", "target")),
        claim.c.value == person_id)).scalars())
    rows = list(conn.execute(select(claim).where(claim.c.entity_id.in_(sorted(theirs)))
                             .order_by(claim.c.entity_id, claim.c.id)).mappings())
    sources: dict[str, set[str]] = defaultdict(set)
    for cite in conn.execute(select(citation.c.claim_id, citation.c.source_id).where(
            citation.c.claim_id.in_([r["id"] for r in rows]))):
        sources[cite.claim_id].add(cite.source_id)
    out: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        cites = sources.get(r["id"], set())
        if cites and all(source.fullmatch(s) for s in cites):
            out[r["entity_id"]].append(r)
    return dict(out)


def _entry(registry: Registry, actor: str, action: str, row: Any, old: str, new: str,
           reason: str) -> dict[str, Any]:
    return {"at": registry.now(), "actor": actor, "action": action,
            "entity_id": row["entity_id"], "claim_id": row["id"], "field": "assessment",
            "old_value": old, "new_value": new, "reason": reason}


def retract(conn: Connection, registry: Registry, written: dict[str, list[Any]], *,
            actor: str, reason: str) -> list[str]:
    """Reject the claims in ``written`` not rejected yet; the entities touched."""
    hist, touched = [], []
    for eid, rows in written.items():
        for r in rows:
            if r["assessment"] != REJECTED:
                repo.update_claim(conn, r["id"], assessment=REJECTED)
                hist.append(_entry(registry, actor, RETRACT, r, r["assessment"], REJECTED,
                                   reason))
                if eid not in touched:
                    touched.append(eid)
    repo.append_history(conn, hist)
    return touched


def restore(conn: Connection, registry: Registry, written: dict[str, list[Any]], *,
            actor: str, reason: str) -> list[str]:
    """Give back the assessment that a retraction took from each claim in
    ``written`` (when the retraction is still its latest change); the entities."""
    rejected = [r for rows in written.values() for r in rows if r["assessment"] == REJECTED]
    if not rejected:
        return []
    last: dict[str, Any] = {}
    for change in conn.execute(
            select(history.c.claim_id, history.c.action, history.c.old_value)
            .where(history.c.claim_id.in_([r["id"] for r in rejected]),
                   history.c.field == "assessment").order_by(history.c.id)):
        last[change.claim_id] = change
    hist, touched = [], []
    for r in rejected:
        h = last.get(r["id"])
        if h is None or h.action != RETRACT or not h.old_value:
            continue  # rejected by an analyst, not by a retraction: it stays so
        repo.update_claim(conn, r["id"], assessment=h.old_value)
        hist.append(_entry(registry, actor, RESTORE, r, REJECTED, h.old_value, reason))
        if r["entity_id"] not in touched:
            touched.append(r["entity_id"])
    repo.append_history(conn, hist)
    return touched
