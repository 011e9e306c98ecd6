"""What the xref review page shows (web/xref_pages.py): each candidate with
the registry person beside the reference entity, the dataset it comes from,
and the recent judgements, to judge again.

The queue itself is services/xref.py's; this adds what a reviewer needs to
compare without opening anything else: the person's names in both scripts,
birth and posts as the registry has them, and the dataset's title and date.
Protected people are never shown: xref never proposes them, and a judgement
of someone protected later is left out of the recent ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from khavaran.services.profiles import display_names
from khavaran.services.registry import Registry
from khavaran.services.xref import XrefCandidate, _hidden, _latest, _suspects, xref_queue
from khavaran.storage.reference_tables import (
    ref_dataset,
    ref_entity,
    xref_candidate,
    xref_judgement,
)

__all__ = ["Dataset", "Judged", "XrefCard", "datasets", "xref_cards", "xref_judgements"]


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    date: dt.date
    fictional: bool
    entities: int


@dataclass
class XrefCard:
    candidate: XrefCandidate
    dataset: Dataset | None
    names: list[str] = field(default_factory=list)      # the registry's, either script
    birth: list[str] = field(default_factory=list)
    positions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Judged:
    person_id: str
    person: str
    ref: str
    caption: str
    decision: str
    by: str
    at: dt.datetime


def datasets(registry: Registry) -> dict[str, Dataset]:
    """The imported reference datasets by name."""
    with registry.read() as conn:
        return {r.name: Dataset(r.name, r.title, r.date, bool(r.fictional), r.entities)
                for r in conn.execute(select(ref_dataset).order_by(ref_dataset.c.name))}


def xref_cards(registry: Registry, *, limit: int = 10) -> tuple[list[XrefCard], int]:
    """The next candidates to judge, each with what the registry says of the
    person, and how many are left unjudged in all."""
    found = xref_queue(registry, limit=limit)
    sets = datasets(registry)
    with registry.read() as conn:
        facts: dict[str, Any] = _suspects(conn) if found else {}
        hidden, latest = _hidden(conn), _latest(conn)
        left = sum(1 for r in conn.execute(select(xref_candidate.c.person_id,
                                                  xref_candidate.c.dataset,
                                                  xref_candidate.c.ref_id))
                   if r.person_id not in hidden and tuple(r) not in latest)
    cards = []
    for c in found:
        f = facts.get(c.person_id, {})
        cards.append(XrefCard(c, sets.get(c.dataset), list(dict.fromkeys(f.get("name", []))),
                              [*f.get("birth_date", []), *f.get("birth_year", [])],
                              list(dict.fromkeys(f.get("position", [])))))
    return cards, left


def xref_judgements(registry: Registry, *, last: int = 8) -> list[Judged]:
    """The latest judgement of each of the ``last`` most recently judged
    candidates, newest first (protected people left out)."""
    with registry.read() as conn:
        hidden = _hidden(conn)
        rows = list(conn.execute(select(xref_judgement).order_by(xref_judgement.c.id.desc())
                                 .limit(last * 4)))
        seen, picked = set(), []
        for r in rows:
            key = (r.person_id, r.dataset, r.ref_id)
            if key in seen or r.person_id in hidden:
                continue
            seen.add(key)
            picked.append(r)
            if len(picked) >= last:
                break
        names = display_names(conn, [r.person_id for r in picked])
        captions = {(r.dataset, r.id): r.caption for r in conn.execute(
            select(ref_entity.c.dataset, ref_entity.c.id, ref_entity.c.caption).where(
                ref_entity.c.dataset.in_({r.dataset for r in picked}),
                ref_entity.c.id.in_({r.ref_id for r in picked})))}
    return [Judged(r.person_id, names.get(r.person_id, r.person_id), f"{r.dataset}:{r.ref_id}",
                   captions.get((r.dataset, r.ref_id), r.ref_id), r.decision, r.created_by,
                   r.created_at) for r in picked]
