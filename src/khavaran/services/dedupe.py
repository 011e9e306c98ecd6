"""Linkage inside the registry: a review queue, judgements, merged persons.

Nothing merges by itself.  The linker (khavaran.linkage) proposes pairs of
source records; a reviewer judges each pair same, different or unsure.
Judgements are append-only; the latest one of a pair counts.  Persons are the
connected groups of "same" judgements, and are rebuilt from the judgements in
the same transaction as each new one, so a later "different" splits a person
again.  Source records, their list persons and their claims are never
touched: a merged person is a view over its members' claims (person_member).

Judgements are kept by source record id (a hash of source and record id), so
re-importing a list, or importing a new one, reuses them: the queue never asks
again about a pair that is judged, or implied by judgements (two records
already one person, or in two persons judged different).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text

from khavaran.errors import NotFoundError, ValidationError
from khavaran.linkage.compare import Reason
from khavaran.model import ids
from khavaran.services import link_pairs
from khavaran.services.keyed_ids import keyed_records
from khavaran.services.link_pairs import STORED_MIN
from khavaran.services.registry import Registry, require_actor
from khavaran.services.reveals import record_reveals
from khavaran.storage import queries
from khavaran.storage.repo import append_history
from khavaran.storage.tables import entity, link_judgement, person_member, source_record

__all__ = ["Candidate", "Judgement", "Outcome", "RecordView", "judge", "judgements", "next_pair",
           "queue", "resolve_record"]

DECISIONS = ("same", "different", "unsure")
FIELDS = link_pairs.FIELDS


@dataclass(frozen=True)
class RecordView:
    id: str           # source_record id
    source: str
    record_id: str
    member: str       # the record's own (list) person
    fields: dict[str, str]
    protected: bool
    ref: str          # SOURCE:RECORD, or a protected person's row: its keyed id


@dataclass(frozen=True)
class Candidate:
    a: RecordView
    b: RecordView
    weight: float
    probability: float
    reasons: list[Reason]
    affected: int      # records in the two persons that the decision joins or keeps apart
    priority: float
    # Other pairs of records a "same" or "different" settles with this one: every
    # pair across the two persons (each is then one person, or judged apart).
    decides: int = 0


@dataclass(frozen=True)
class Judgement:
    id: int
    a: str
    b: str
    decision: str
    weight: str | None
    note: str | None
    by: str
    at: Any


@dataclass
class Outcome:
    """What a judgement does: persons before and after, and pairs it implies."""

    decision: str
    a: str
    b: str
    before: list[list[str]]            # refs of the persons touched, before
    after: list[list[str]]             # and after
    implied: int                       # pairs that change state without a judgement of their own
    conflicts: list[str] = field(default_factory=list)
    applied: bool = False
    # The same conflicts as data, for a page to say in its own language: pairs
    # judged different that "same" would make one person (refs, by, judgement id
    # or 0), and for "different", the chain of "same" judgements joining a and b.
    apart: list[tuple[str, str, str, int]] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)
    # The two records judged, in the order given, with their names and key
    # fields; a protected person's record is left out (its fields are withheld).
    records: list[RecordView] = field(default_factory=list)


_VIEW = (select(source_record.c.id, source_record.c.source_id, source_record.c.record_id,
                source_record.c.person_id, source_record.c.raw, entity.c.protected)
         .join(entity, entity.c.id == source_record.c.person_id)
         .order_by(source_record.c.source_id, source_record.c.record_id))


def _views(conn: Connection, include_protected: bool,
           record_ids: Sequence[str] | None = None) -> list[RecordView]:
    """The records (all, or ``record_ids``) as a reviewer sees them; a protected
    person's only with ``include_protected``."""
    q = _VIEW if record_ids is None else _VIEW.where(source_record.c.id.in_(record_ids))
    out = []
    merged = queries.shielded(conn)  # merged with a protected person: protected too
    keyed = {rid: ref for ref, rid in keyed_records(conn).items()}
    for r in conn.execute(q):
        protected = bool(r.protected) or r.person_id in merged
        if protected and not include_protected:
            continue
        raw = json.loads(r.raw)
        fields = {k: str(raw.get(k) or "").strip() for k in FIELDS}
        out.append(RecordView(r.id, r.source_id, r.record_id, r.person_id, fields, protected,
                              keyed.get(r.id, f"{r.source_id}:{r.record_id}")))
    return out


def _latest(conn: Connection) -> dict[tuple[str, str], Judgement]:
    out: dict[tuple[str, str], Judgement] = {}
    for r in conn.execute(select(link_judgement).order_by(link_judgement.c.id)).mappings():
        out[r["record_a"], r["record_b"]] = Judgement(
            r["id"], r["record_a"], r["record_b"], r["decision"], r["weight"], r["note"],
            r["created_by"], r["created_at"])
    return out


def _components(nodes: Iterable[str], same: Iterable[tuple[str, str]]) -> dict[str, str]:
    parent: dict[str, str] = {n: n for n in nodes}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in same:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {n: find(n) for n in list(parent)}


def _record_rows(conn: Connection, record_ids: Iterable[str]) -> dict[str, Any]:
    wanted = list(set(record_ids))
    if not wanted:
        return {}
    q = select(source_record.c.id, source_record.c.source_id, source_record.c.record_id,
               source_record.c.person_id).where(source_record.c.id.in_(wanted))
    return {r.id: r for r in conn.execute(q)}


def resolve_record(conn: Connection, ref: str) -> str:
    """The source_record id of "SOURCE:RECORD_ID", or of the keyed id a protected
    person's row is shown under (its SOURCE:RECORD_ID answers as unknown)."""
    keyed = keyed_records(conn)
    if ref in keyed:
        return keyed[ref]
    src, sep, rec = ref.partition(":")
    if not sep or not src or not rec:
        raise ValidationError(f"'{ref}' is not SOURCE:RECORD_ID", field="record")
    rid = ids.record_id(src, rec)
    if rid in keyed.values() or conn.execute(
            select(source_record.c.id).where(source_record.c.id == rid)).first() is None:
        raise NotFoundError(f"no record '{rec}' in source '{src}'")
    return rid


def _ref_names(conn: Connection, record_ids: Iterable[str]) -> dict[str, str]:
    """source_record id -> the reference it is shown under."""
    rows = _record_rows(conn, record_ids)
    keyed = {rid: ref for ref, rid in keyed_records(conn).items()}
    return {r: keyed.get(r, f"{row.source_id}:{row.record_id}") for r, row in rows.items()}


def _groups(latest: dict[tuple[str, str], Judgement]) -> dict[str, str]:
    same = [k for k, j in latest.items() if j.decision == "same"]
    return _components({x for k in latest for x in k}, same)


def queue(registry: Registry, *, limit: int = 20, include_unsure: bool = False,
          include_protected: bool = False, actor: str | None = None,
          min_probability: float = STORED_MIN) -> list[Candidate]:
    """Pairs to judge, the most uncertain and far-reaching first.

    Reads the stored pairs (services/link_pairs.py; the pairs of records
    imported since the last read are scored first).  Protected people's
    records are left out unless ``include_protected`` (needs ``actor``; every
    protected record shown is recorded in history).  ``min_probability`` below
    STORED_MIN finds nothing more: such pairs are not stored.
    """
    if include_protected:
        require_actor(actor)
    out, _ = _ranked(registry, limit, include_unsure, include_protected, min_probability)
    shown = sorted({v.member for c in out for v in (c.a, c.b) if v.protected})
    if shown:
        with registry.write() as conn:
            record_reveals(conn, registry, actor=actor, ids=shown,
                           reason="dedupe --include-protected")
    return out


def next_pair(registry: Registry, *, include_unsure: bool = False,
              ) -> tuple[Candidate | None, int]:
    """The pair to judge first (protected people's records left out), and how
    many pairs of persons are left to judge, that one included."""
    out, left = _ranked(registry, 1, include_unsure, False, STORED_MIN)
    return (out[0] if out else None), left


def _ranked(registry: Registry, limit: int, include_unsure: bool, include_protected: bool,
            min_probability: float) -> tuple[list[Candidate], int]:
    link_pairs.refresh(registry)
    with registry.read() as conn:
        latest = _latest(conn)
        groups = _groups(latest)
        hidden = set() if include_protected else link_pairs.hidden_records(conn)
        size: dict[str, int] = defaultdict(int)
        for x, g in groups.items():
            size[g] += x not in hidden
        apart = {(groups[a], groups[b]) for (a, b), j in latest.items()
                 if j.decision == "different"}
        apart |= {(y, x) for x, y in apart}
        best: dict[frozenset[str], tuple[float, link_pairs.StoredPair, int]] = {}
        # Pairs with a record of a merged person (two records or more): that
        # person reaches further, may hold the other record already, or may be
        # judged apart from the other's person.  A record judged only unsure or
        # different against another single record needs no more than its own
        # pair left out (below): reading every pair of every judged record would
        # grow with each judgement.
        members: dict[str, int] = defaultdict(int)
        for g in groups.values():
            members[g] += 1
        special = {x for x, g in groups.items() if members[g] > 1}
        aside = link_pairs.touching(conn, special | hidden, min_probability)
        for pair in aside:
            if pair.a in hidden or pair.b in hidden:
                continue
            ga, gb = groups.get(pair.a, pair.a), groups.get(pair.b, pair.b)
            if ga == gb or (ga, gb) in apart:
                continue
            prior = latest.get((pair.a, pair.b))
            if prior is not None and not (prior.decision == "unsure" and include_unsure):
                continue
            affected = size.get(ga, 1) + size.get(gb, 1)
            key = frozenset((ga, gb))
            # One question per pair of persons: the strongest pair of their records.
            if key not in best or best[key][1].probability < pair.probability:
                best[key] = (pair.doubt * affected, pair, affected)
        # Every other pair joins two single records: it reaches two records, so
        # its rank is its doubt, and the index gives them in order.  Left out:
        # the pairs judged (unsure ones unless asked for).
        judged = {k for k, j in latest.items()
                  if not (j.decision == "unsure" and include_unsure)
                  and not (set(k) & (special | hidden))}
        rest: list[tuple[float, link_pairs.StoredPair, int]] = []
        for pair in link_pairs.by_doubt(conn, min_probability):
            if limit and len(rest) >= limit:
                break
            if ((pair.a, pair.b) in judged or pair.a in special or pair.b in special
                    or pair.a in hidden or pair.b in hidden):
                continue
            rest.append((pair.doubt * 2, pair, 2))
        ranked = sorted([*best.values(), *rest],
                        key=lambda t: (-t[0], -t[1].probability, t[1].a, t[1].b))
        ranked = ranked[:limit] if limit else ranked
        views = {v.id: v for v in _views(conn, include_protected,
                                         [x for _, p, _ in ranked for x in (p.a, p.b)])}
        out = []
        for priority, pair, affected in ranked:
            ga, gb = groups.get(pair.a, pair.a), groups.get(pair.b, pair.b)
            out.append(Candidate(views[pair.a], views[pair.b], pair.weight, pair.probability,
                                 pair.reasons(conn), affected, priority,
                                 size.get(ga, 1) * size.get(gb, 1) - 1))
        # Left: the questions about merged persons, and every other stored pair
        # but the judged ones (one question each).
        left = (len(best) + link_pairs.count(conn, min_probability) - len(aside)
                - link_pairs.stored(conn, judged, min_probability))
    return out, left


def _refs(conn: Connection, groups: Sequence[Sequence[str]]) -> list[list[str]]:
    names = _ref_names(conn, [r for g in groups for r in g])
    return [sorted(names[r] for r in g) for g in groups]


def _path(same: Iterable[tuple[str, str]], start: str, goal: str) -> list[str]:
    nbrs: dict[str, list[str]] = defaultdict(list)
    for x, y in same:
        nbrs[x].append(y)
        nbrs[y].append(x)
    prev: dict[str, str] = {start: start}
    todo = [start]
    while todo:
        x = todo.pop(0)
        for y in nbrs[x]:
            if y not in prev:
                prev[y] = x
                todo.append(y)
    path = [goal]
    while path[-1] != start:
        path.append(prev[path[-1]])
    return path[::-1]


def judge(registry: Registry, a_ref: str, b_ref: str, decision: str, *, actor: str | None,
          note: str | None = None, weight: float | None = None,
          apply: bool = True) -> Outcome:
    """Record a judgement and rebuild the persons it touches (or, with
    ``apply=False``, only say what it would do)."""
    if decision not in DECISIONS:
        raise ValidationError(f"'{decision}' is not one of {', '.join(DECISIONS)}",
                              field="decision")
    if apply:
        require_actor(actor)
    with registry.write() as conn:
        if conn.dialect.name == "postgresql":
            # One judgement at a time: each rebuilds persons from all judgements.
            conn.execute(text("LOCK TABLE link_judgement IN SHARE ROW EXCLUSIVE MODE"))
        ra, rb = resolve_record(conn, a_ref), resolve_record(conn, b_ref)
        if ra == rb:
            raise ValidationError("a record cannot be judged against itself", field="record")
        a, b = min(ra, rb), max(ra, rb)
        latest = _latest(conn)
        before = _groups(latest)
        after_latest = dict(latest)
        after_latest[a, b] = Judgement(0, a, b, decision, None, note, actor or "", None)
        after = _groups(after_latest)
        outcome = _outcome(conn, decision, a_ref, b_ref, (ra, rb), before, after, after_latest)
        if outcome.conflicts or not apply:
            return outcome
        conn.execute(insert(link_judgement).values(
            record_a=a, record_b=b, decision=decision,
            weight=None if weight is None else f"{weight:.2f}", note=note,
            created_at=registry.now(), created_by=actor))
        _rebuild(conn, registry, actor or "", before, after, {a, b}, decision)
        outcome.applied = True
        return outcome


def _members(groups: dict[str, str], head: str, default: str) -> list[str]:
    found = [x for x, g in groups.items() if g == head]
    return found or [default]


def _outcome(conn: Connection, decision: str, a_ref: str, b_ref: str, pair: tuple[str, str],
             before: dict[str, str], after: dict[str, str],
             latest: dict[tuple[str, str], Judgement]) -> Outcome:
    a, b = pair  # in the order the reviewer gave them
    old = {before.get(a, a), before.get(b, b)}
    new = {after.get(a, a), after.get(b, b)}
    old_groups = [_members(before, g, g) for g in sorted(old)]
    new_groups = [_members(after, g, g) for g in sorted(new)]
    pairs_before = {frozenset((x, y)) for g in old_groups for x in g for y in g if x < y}
    pairs_after = {frozenset((x, y)) for g in new_groups for x in g for y in g if x < y}
    changed = pairs_before ^ pairs_after
    implied = len(changed) - (frozenset((a, b)) in changed)
    out = Outcome(decision, a_ref, b_ref, sorted(_refs(conn, old_groups)),
                  sorted(_refs(conn, new_groups)), implied)
    shown = {v.id: v for v in _views(conn, False, [a, b])}
    out.records = [shown[r] for r in (a, b) if r in shown]
    names = _ref_names(conn, [x for k in latest for x in k])

    def ref(r: str) -> str:
        return names[r]

    for (x, y), j in latest.items():
        if j.decision == "different" and after.get(x, x) == after.get(y, y):
            how = "" if j.id == 0 else f" by {j.by} (judgement {j.id})"
            out.conflicts.append(f"{ref(x)} and {ref(y)} were judged different{how}")
            out.apart.append((ref(x), ref(y), j.by, j.id))
    if decision == "different" and after.get(a, a) == after.get(b, b):
        same = [k for k, j in latest.items() if j.decision == "same"]
        chain = _path(same, a, b)
        out.chain = [ref(x) for x in chain]
        out.apart = []
        links = ", ".join(f"{ref(x)} = {ref(y)}" for x, y in zip(chain, chain[1:], strict=False))
        out.conflicts = [f"{a_ref} and {b_ref} are one person through other judgements "
                         f"({links}); judge one of those pairs different first"]
    return out


def _rebuild(conn: Connection, registry: Registry, actor: str, before: dict[str, str],
             after: dict[str, str], touched: set[str], decision: str) -> None:
    """Rewrite person_member for the groups the judgement touched."""
    records = set()
    for groups in (before, after):
        heads = {groups.get(r, r) for r in touched}
        records |= {x for x, g in groups.items() if g in heads} | touched
    rows = _record_rows(conn, records)
    member = {r: rows[r].person_id for r in records}
    conn.execute(delete(person_member).where(person_member.c.member_id.in_(member.values())))
    by_group: dict[str, list[str]] = defaultdict(list)
    for r in records:
        by_group[after.get(r, r)].append(member[r])
    new_rows = []
    for people in by_group.values():
        if len(people) > 1:
            head = min(people)
            new_rows += [{"member_id": p, "person_id": head} for p in sorted(people)]
    if new_rows:
        conn.execute(insert(person_member), new_rows)
    old_heads = {before.get(r, r) for r in records}
    action = ("merge" if len(by_group) < len(old_heads)
              else "split" if len(by_group) > len(old_heads) else None)
    if action:
        append_history(conn, [{
            "at": registry.now(), "actor": actor, "action": action,
            "entity_id": min(people), "claim_id": None, "field": "person",
            "old_value": None, "new_value": ", ".join(sorted(people)),
            "reason": f"linkage judgement: {decision}"} for people in by_group.values()])


def judgements(registry: Registry, ref: str | None = None, *,
               last: int | None = None) -> list[Judgement]:
    """Every judgement (of one record, with ``ref``; only the ``last`` ones,
    with ``last``), oldest first."""
    with registry.read() as conn:
        q = select(link_judgement).order_by(link_judgement.c.id.desc())
        if ref:
            rid = resolve_record(conn, ref)
            q = q.where((link_judgement.c.record_a == rid) | (link_judgement.c.record_b == rid))
        if last is not None:
            q = q.limit(last)
        rows = list(conn.execute(q).mappings())[::-1]
        recs = _record_rows(conn, [r[k] for r in rows for k in ("record_a", "record_b")])
        # A protected person's list rows point at them: their judgements are left out.
        shut = queries.protected_entities(conn)
        rows = [r for r in rows if not any(recs[r[k]].person_id in shut
                                           for k in ("record_a", "record_b"))]
        names = _ref_names(conn, [r[k] for r in rows for k in ("record_a", "record_b")])

    def ref_of(r: str) -> str:
        return names[r]

    return [Judgement(r["id"], ref_of(r["record_a"]), ref_of(r["record_b"]), r["decision"],
                      r["weight"], r["note"], r["created_by"], r["created_at"]) for r in rows]
