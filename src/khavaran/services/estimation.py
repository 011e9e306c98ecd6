"""Inputs of `khavaran estimate`: who is on which list, and each person's stratum.

From the registry, a person is a merged person (linkage judgements) and a
list is a source; from CSV lists, persons come from `khavaran link` (or a
clusters file it wrote).  The estimate itself is khavaran.linkage.estimate.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from khavaran.errors import ValidationError
from khavaran.linkage.features import canonical_place
from khavaran.linkage.link import link
from khavaran.linkage.lists import LinkRecord, sources_of
from khavaran.services.list_reading import ListsForLinkage, read_for_linkage
from khavaran.services.protection import PROTECTED_CELL
from khavaran.services.readers import csv_rows, read_path_text
from khavaran.services.registry import Registry
from khavaran.storage import queries
from khavaran.storage.tables import person_member, source_record

if TYPE_CHECKING:
    from khavaran.linkage.estimate import Estimate

__all__ = ["STRATA", "Captures", "from_lists", "from_read_lists", "from_registry", "run",
           "without_protected"]

STRATA = ("city", "prison")


@dataclass
class Captures:
    lists: list[str]
    memberships: list[tuple[str, str]]  # (person, list)
    places: dict[str, dict[str, Counter[str]]]  # stratum kind -> person -> place counts
    persons: int
    protected: frozenset[str] = frozenset()  # persons (merged) who are or hold a protected one
    # The same records as other clusterings drawn from the linkage's pair
    # probabilities (linkage/link.py): the estimate then carries their spread.
    draws: tuple[Captures, ...] = ()


def _collect(rows: Sequence[tuple[str, str, dict[str, str]]]) -> Captures:
    """rows: (person, list, raw row)."""
    places: dict[str, dict[str, Counter[str]]] = {k: defaultdict(Counter) for k in STRATA}
    # A place that places.yaml does not know is named by its commonest spelling:
    # ترندشت and Tarandasht are one stratum.
    spellings: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for person, _, raw in rows:
        for kind in STRATA:
            text = (raw.get(kind) or "").strip()
            value = canonical_place(kind, text) if text else None
            if value:
                places[kind][person][value] += 1
                spellings[kind, value][text] += 1
    for kind in STRATA:
        for person, counts in places[kind].items():
            places[kind][person] = Counter({
                (spellings[kind, v].most_common(1)[0][0] if v.startswith("~") else v): n
                for v, n in counts.items()})
    memberships = [(p, s) for p, s, _ in rows]
    lists = list(dict.fromkeys(s for _, s, _ in rows))
    return Captures(lists, memberships, places, len({p for p, _, _ in rows}))


def from_registry(registry: Registry) -> Captures:
    """Every source record as a capture of its (merged) person by its source."""
    with registry.read() as conn:
        merged = {r.member_id: r.person_id for r in
                  conn.execute(select(person_member.c.member_id, person_member.c.person_id))}
        q = (select(source_record.c.person_id, source_record.c.source_id, source_record.c.raw)
             .order_by(source_record.c.source_id, source_record.c.record_id))
        rows = [(merged.get(p, p), s, json.loads(raw)) for p, s, raw in conn.execute(q)]
        shielded = set(queries.protected_entities(conn))
    if not rows:
        raise ValidationError("the registry holds no list records: import the lists first")
    captures = _collect(rows)
    captures.protected = frozenset(shielded | {merged.get(p, p) for p in shielded})
    return captures


def without_protected(captures: Captures) -> Captures:
    """The captures of everyone but the protected people (for a page that shows
    the estimate beside counts made without them)."""
    shut = captures.protected
    memberships = [(p, s) for p, s in captures.memberships if p not in shut]
    places = {kind: {p: c for p, c in people.items() if p not in shut}
              for kind, people in captures.places.items()}
    return Captures(captures.lists, memberships, places,
                    len({p for p, _ in memberships}))


def _read_clusters(path: Path, records: Sequence[LinkRecord]) -> list[str]:
    name = str(path)
    header, rows = csv_rows(read_path_text(path), name)
    missing = [c for c in ("source", "record_id", "person_id") if c not in header]
    if missing:
        raise ValidationError(f"missing required column(s) {missing}", file=name, line=1)
    person: dict[tuple[str, str], str] = {}
    for line, row in rows:
        if not row["person_id"].strip():
            raise ValidationError("required value is empty", file=name, line=line,
                                  field="person_id")
        person[row["source"].strip(), row["record_id"].strip()] = row["person_id"].strip()
    absent = [r for r in records if r.key not in person]
    if absent:
        r = absent[0]
        raise ValidationError(f"record '{r.record_id}' of source '{r.source}' ({r.file}:{r.line})"
                              f" has no person; {len(absent)} record(s) missing", file=name)
    return [person[r.key] for r in records]


def from_lists(paths: Sequence[Path], clusters: Path | None = None, *,
               strict: bool = True) -> Captures:
    """Captures from lists, linked now or by a clusters file of `khavaran link`."""
    return from_read_lists(read_for_linkage(paths, strict=strict), clusters)


def from_read_lists(read: ListsForLinkage, clusters: Path | None = None, *,
                    draws: int = 0, seed: int = 0) -> Captures:
    """Captures from lists already read (list_reading.read_for_linkage).  Linked
    now, with ``draws`` other clusterings drawn from the pairs' probabilities;
    a clusters file is taken as it is (its links were decided)."""
    records = read.records
    if len(sources_of(records)) < 2:
        raise ValidationError(
            "one list cannot estimate anything: the number of victims on no list is "
            "estimated from how much independent lists overlap, so at least two lists "
            "are needed")
    if draws < 0 or draws == 1:
        raise ValidationError("draw at least 2 clusterings, or 0 for none: the spread "
                              "between them is what is measured", field="--draws")
    if clusters:
        return _captures(records, _read_clusters(clusters, records))
    linked = link(records, features=read.features, draws=draws, seed=seed)
    captures = _captures(records, linked.person_ids)
    captures.draws = tuple(_captures(records, ids) for ids in linked.draws)
    return captures


def _captures(records: Sequence[LinkRecord], ids: Sequence[str]) -> Captures:
    return _collect([(pid, r.source, {"city": r.city, "prison": r.prison})
                     for r, pid in zip(records, ids, strict=True)])


def run(captures: Captures, *, by: str | None = None, method: str = "auto",
        seed: int = 0) -> list[Estimate]:
    """The overall estimate, or one per stratum with ``by`` (city or prison).
    With drawn clusterings, each figure pools theirs (estimate.with_linkage)."""
    if not captures.draws:
        return _run(captures, by, method, seed)
    from khavaran.linkage.estimate import with_linkage

    shown = _run(captures, by, method, seed)
    drawn = [_run(c, by, method, seed) for c in captures.draws]
    # a stratum too small in the clustering shown stays as it is
    return [with_linkage([d for ds in drawn for d in ds if d.stratum == e.stratum], e)
            if e.estimated else e for e in shown]


def _run(captures: Captures, by: str | None, method: str, seed: int) -> list[Estimate]:
    # NumPy and SciPy take most of a second to import: only this command needs them.
    from khavaran.linkage.estimate import capture_histories, estimate, estimate_by

    if by is None:
        return [estimate(capture_histories(captures.memberships, captures.lists),
                         captures.lists, method=method, seed=seed)]
    if by not in STRATA:
        raise ValidationError(f"cannot estimate by '{by}': by city or prison", field="--by")
    # A person listed in two cities counts where most of their records put them.
    strata = {p: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
              for p, c in captures.places[by].items()}
    return estimate_by(captures.memberships, _shielded(strata, captures.protected, by),
                       captures.lists, method=method, seed=seed)


def _shielded(strata: dict[str, str], protected: frozenset[str], by: str) -> dict[str, str]:
    """The strata with protected people placed as the search facets place them:
    in a city holding at least PROTECTED_CELL people, in no prison, else among
    the unknown; a stratum of a few people would say where one of them was."""
    if not protected:
        return strata
    size = Counter(strata.values())
    return {p: place for p, place in strata.items()
            if p not in protected or (by == "city" and size[place] >= PROTECTED_CELL)}

