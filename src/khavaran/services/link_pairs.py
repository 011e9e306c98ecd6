"""The review queue's stored pairs: candidate pairs of source records, scored
once and kept in link_pair, so that the queue reads the next pair from an index
instead of blocking and scoring every record on each request (which takes
seconds at 65,000 records).

``refresh`` is incremental: it scores only the pairs that involve a record not
yet scored (link_scored), so after an import only the new records' pairs are
compared.  Blocking still looks at every record, because a new record's
partners may be old ones.  Each pair keeps the weight it was scored with: the
name and place frequencies it was weighed against are those of the records
there were at the time, so an import that adds many records leaves the older
pairs' weights slightly stale; ``rescore=True`` weighs every pair again.

Every record's pairs are stored, a protected person's too: the queue leaves
those out when it reads (protection can change without a write here).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, text

from khavaran.errors import ValidationError
from khavaran.linkage.compare import Frequencies, Reason, compare
from khavaran.linkage.features import prepare
from khavaran.linkage.link import candidate_pairs
from khavaran.linkage.lists import LinkRecord
from khavaran.services.registry import Registry
from khavaran.storage import queries
from khavaran.storage.repo import chunks
from khavaran.storage.tables import link_pair, link_scored, source_record

__all__ = ["STORED_MIN", "StoredPair", "by_doubt", "count", "doubt", "hidden_records", "refresh",
           "stored", "touching"]

# Pairs less likely than this to be one person are not kept: the queue never
# asks about them.
STORED_MIN = 0.01
BATCH = 5_000

FIELDS = ("name", "father_name", "birth_year", "age", "death_date", "city", "prison",
          "affiliation", "gender", "calendar")


@dataclass(frozen=True)
class StoredPair:
    a: str             # source_record ids, a < b
    b: str
    weight: float
    probability: float
    doubt: float

    def reasons(self, conn: Connection) -> list[Reason]:
        raw = conn.execute(select(link_pair.c.reasons).where(
            (link_pair.c.record_a == self.a) & (link_pair.c.record_b == self.b))).scalar_one()
        return [Reason(*r) for r in json.loads(raw)]


def doubt(probability: float) -> float:
    """How undecided a pair is: 1 at p = 0.5, near 0 at p = 0 or 1 (never 0, so
    that a pair's reach still ranks it)."""
    return 1.0 - abs(2.0 * probability - 1.0) + 1e-3


def _link_record(source: str, record_id: str, raw: str) -> LinkRecord:
    values = json.loads(raw)
    f = {k: str(values.get(k) or "").strip() for k in FIELDS}
    return LinkRecord(
        source=source, record_id=record_id, name=f["name"], father_name=f["father_name"],
        birth_year=f["birth_year"], age=f["age"], death_date=f["death_date"], city=f["city"],
        prison=f["prison"], affiliation=f["affiliation"], gender=f["gender"],
        calendar=f["calendar"], file=f"record {source}:{record_id}")


def _unscored(conn: Connection) -> set[str]:
    q = (select(source_record.c.id)
         .outerjoin(link_scored, link_scored.c.record_id == source_record.c.id)
         .where(link_scored.c.record_id.is_(None)))
    return set(conn.execute(q).scalars())


def _all_scored(conn: Connection) -> bool:
    """Whether every record is scored, by counting both tables (a count walks a
    b-tree, far cheaper than comparing 65,000 ids on every read of the queue;
    source records are never deleted and link_scored only names them)."""
    def total(t: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(t)).scalar_one())
    return total(source_record) == total(link_scored)


def refresh(registry: Registry, *, rescore: bool = False) -> int:
    """Score and store the pairs of records not scored yet (every pair with
    ``rescore``); the number of pairs stored.

    The scoring (a minute at 65,000 records the first time) reads outside the
    write transaction, so that it does not hold other writers back; the write
    stores only what no concurrent refresh stored meanwhile."""
    if rescore:
        with registry.write() as conn:
            conn.execute(delete(link_pair))
            conn.execute(delete(link_scored))
    with registry.read() as conn:
        if _all_scored(conn):
            return 0  # the usual case, without taking a write lock
        new = _unscored(conn)
        kept = _score(conn, new)
    with registry.write() as conn:
        # One refresh writes at a time; the second stores what the first did not.
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE link_scored IN EXCLUSIVE MODE"))
        else:
            conn.execute(delete(link_scored).where(link_scored.c.record_id.is_(None)))
        still = _unscored(conn) & new
        done = {(p.a, p.b) for p in touching(conn, still, 0.0)}
        rows = [k for k in kept if (k["record_a"] in still or k["record_b"] in still)
                and (k["record_a"], k["record_b"]) not in done]
        for part in _batches(rows):
            conn.execute(insert(link_pair), part)
        for part in _batches([{"record_id": r} for r in sorted(still)]):
            conn.execute(insert(link_scored), part)
        return len(rows)


def _score(conn: Connection, new: set[str]) -> list[dict[str, object]]:
    """The stored form of every candidate pair with a record of ``new``, scored
    against every record (a new record's partners may be old ones)."""
    rows, features = [], []
    for r in conn.execute(select(source_record.c.id, source_record.c.source_id,
                                 source_record.c.record_id, source_record.c.raw)
                          .order_by(source_record.c.id)):
        try:
            features.append(prepare(_link_record(r.source_id, r.record_id, r.raw)))
        except ValidationError:
            continue  # no name in the list's own columns: nothing to compare it on
        rows.append(r)
    freq = Frequencies(features)
    kept: list[dict[str, object]] = []
    for i, j in candidate_pairs(features):
        if rows[i].id not in new and rows[j].id not in new:
            continue
        a, b = (i, j) if rows[i].id < rows[j].id else (j, i)
        if compare(features[a], features[b], freq, explain=False).probability < STORED_MIN:
            continue
        cmp = compare(features[a], features[b], freq)  # the reasons, for kept pairs only
        kept.append({"record_a": rows[a].id, "record_b": rows[b].id,
                     "weight": cmp.weight, "probability": cmp.probability,
                     "doubt": doubt(cmp.probability),
                     "reasons": json.dumps([[r.field, r.verdict, r.weight, r.detail]
                                            for r in cmp.reasons], ensure_ascii=False)})
    return kept


def _batches(rows: Sequence[dict[str, object]]) -> Iterator[Sequence[dict[str, object]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


def _pair(r: Row[Any, Any, Any, Any, Any]) -> StoredPair:
    return StoredPair(*r)  # by position: thousands of rows per read


_PAIRS = select(link_pair.c.record_a, link_pair.c.record_b, link_pair.c.weight,
                link_pair.c.probability, link_pair.c.doubt)


def touching(conn: Connection, record_ids: Iterable[str],
             min_probability: float = STORED_MIN) -> list[StoredPair]:
    """The stored pairs with at least one of ``record_ids``."""
    out: dict[tuple[str, str], StoredPair] = {}
    for part in chunks(sorted(set(record_ids))):
        q = _PAIRS.where(link_pair.c.probability >= min_probability)
        for col in (link_pair.c.record_a, link_pair.c.record_b):
            for r in conn.execute(q.where(col.in_(part))):
                out[r.record_a, r.record_b] = _pair(r)
    return list(out.values())


def count(conn: Connection, min_probability: float = STORED_MIN) -> int:
    q = select(func.count()).select_from(link_pair)
    if min_probability > STORED_MIN:  # else every stored pair counts: a plain count is quicker
        q = q.where(link_pair.c.probability >= min_probability)
    return int(conn.execute(q).scalar_one())


def stored(conn: Connection, keys: Iterable[tuple[str, str]],
           min_probability: float = STORED_MIN) -> int:
    """How many of the pairs ``keys`` (a < b) are stored."""
    wanted = set(keys)
    found = 0
    # By the first record (the primary key's prefix): SQLite reads a list of
    # (a, b) values by scanning the table.
    for part in chunks(sorted({a for a, _ in wanted})):
        q = (select(link_pair.c.record_a, link_pair.c.record_b)
             .where(link_pair.c.record_a.in_(part))
             .where(link_pair.c.probability >= min_probability))
        found += sum(1 for r in conn.execute(q) if (r[0], r[1]) in wanted)
    return found


def by_doubt(conn: Connection, min_probability: float = STORED_MIN) -> Iterator[StoredPair]:
    """Every stored pair, the most undecided first (then the likelier, then by ids),
    read a page at a time from the index."""
    q = (_PAIRS.where(link_pair.c.probability >= min_probability)
         .order_by(link_pair.c.doubt.desc(), link_pair.c.probability.desc(),
                   link_pair.c.record_a, link_pair.c.record_b))
    offset, page = 0, 64
    while True:
        rows = list(conn.execute(q.limit(page).offset(offset)))
        yield from (_pair(r) for r in rows)
        if len(rows) < page:
            return
        offset += page
        page = min(page * 4, BATCH)


def hidden_records(conn: Connection) -> set[str]:
    """The source records of protected people (and of list persons merged with one)."""
    people = queries.protected_entities(conn)
    out: set[str] = set()
    for part in chunks(sorted(people)):
        out |= set(conn.execute(select(source_record.c.id)
                                .where(source_record.c.person_id.in_(part))).scalars())
    return out
