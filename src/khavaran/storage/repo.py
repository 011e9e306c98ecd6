"""Reads and writes used by the services.  All SQL lives in storage/."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Boolean, Connection, Table, func, insert, select, update

from khavaran.storage.sealing import journal_rows
from khavaran.storage.tables import (
    claim,
    claim_status,
    consent,
    entity,
    history,
    installation,
    source,
    source_basis,
    source_record,
)

__all__ = [
    "ClaimBrief", "EntityInfo", "append_history", "chunks", "claim_grades", "claim_row",
    "claim_values", "dated_facts",
    "claims_of", "claims_with_status", "consent_withdrawn", "count_rows", "entity_info",
    "existing_ids", "insert_rows", "person_key", "preferred_in_group", "record_raw", "referring",
    "set_installation",
    "source_basis_of", "source_fictional", "source_rows", "update_claim", "update_consent",
    "update_entity",
]

CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's limits


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def claim_grades(conn: Connection, ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    """id -> (credibility, assessment) of the claims that exist."""
    out: dict[str, tuple[int, str]] = {}
    for part in chunks(sorted(set(ids))):
        q = select(claim.c.id, claim.c.credibility, claim.c.assessment).where(
            claim.c.id.in_(part))
        out.update({r.id: (r.credibility, r.assessment) for r in conn.execute(q)})
    return out


def existing_ids(conn: Connection, table: Table, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are already rows of ``table``."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    col = table.c.id
    for part in chunks(wanted):
        found.update(conn.execute(select(col).where(col.in_(part))).scalars())
    return found


class EntityInfo(NamedTuple):
    schema: str
    fictional: bool
    protected: bool
    pseudonym: str | None


def entity_info(conn: Connection, ids: Iterable[str]) -> dict[str, EntityInfo]:
    """What the registry holds about each of ``ids`` that exists."""
    out: dict[str, EntityInfo] = {}
    cols = (entity.c.id, entity.c.schema, entity.c.fictional, entity.c.protected,
            entity.c.pseudonym)
    for part in chunks(sorted(set(ids))):
        for r in conn.execute(select(*cols).where(entity.c.id.in_(part))):
            out[r.id] = EntityInfo(r.schema, bool(r.fictional), bool(r.protected), r.pseudonym)
    return out


def source_rows(conn: Connection, ids: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in chunks(sorted(set(ids))):
        out.update({r["id"]: r for r in
                    conn.execute(select(source).where(source.c.id.in_(part))).mappings()})
    return out


def source_basis_of(conn: Connection, ids: Iterable[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for part in chunks(sorted(set(ids))):
        q = select(source_basis).where(source_basis.c.source_id.in_(part))
        for r in conn.execute(q):
            out.setdefault(r.source_id, set()).add(r.based_on_id)
    return out


def consent_withdrawn(conn: Connection, ids: Iterable[str]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for part in chunks(sorted(set(ids))):
        q = select(consent.c.id, consent.c.withdrawn).where(consent.c.id.in_(part))
        out.update({r.id: bool(r.withdrawn) for r in conn.execute(q)})
    return out


def update_consent(conn: Connection, consent_id: str, **values: Any) -> None:
    conn.execute(update(consent).where(consent.c.id == consent_id).values(**values))


def source_fictional(conn: Connection, ids: Iterable[str]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for part in chunks(sorted(set(ids))):
        rows = conn.execute(select(source.c.id, source.c.fictional).where(source.c.id.in_(part)))
        out.update({r.id: bool(r.fictional) for r in rows})
    return out


def record_raw(conn: Connection, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """record id -> (raw row, person id) of the list rows that exist."""
    out: dict[str, tuple[str, str]] = {}
    cols = (source_record.c.id, source_record.c.raw, source_record.c.person_id)
    for part in chunks(sorted(set(ids))):
        for r in conn.execute(select(*cols).where(source_record.c.id.in_(part))):
            out[r.id] = (r.raw, r.person_id)
    return out


def set_installation(conn: Connection, name: str, value: str) -> None:
    conn.execute(update(installation).where(installation.c.name == name).values(value=value))


def person_key(conn: Connection) -> bytes:
    """This registry's secret for the ids of persons made from list rows."""
    value = conn.execute(select(installation.c.value)
                         .where(installation.c.name == "person-key")).scalar_one()
    return bytes.fromhex(value)


def claim_values(conn: Connection, entity_ids: Iterable[str], prop: str) -> list[tuple[str, str]]:
    """(entity_id, value) of every claim of ``prop`` on the given entities."""
    out: list[tuple[str, str]] = []
    for part in chunks(sorted(set(entity_ids))):
        rows = conn.execute(
            select(claim.c.entity_id, claim.c.value)
            .where(claim.c.entity_id.in_(part), claim.c.property == prop)
        )
        out.extend((r.entity_id, r.value) for r in rows)
    return out


def dated_facts(conn: Connection, entity_ids: Iterable[str], props: Iterable[str]
                ) -> list[tuple[Any, ...]]:
    """(entity_id, property, value, date_start, date_end, id) of the given entities'
    claims of ``props``."""
    out: list[tuple[Any, ...]] = []
    c = claim.c
    for part in chunks(sorted(set(entity_ids))):
        q = select(c.entity_id, c.property, c.value, c.date_start, c.date_end, c.id).where(
            c.entity_id.in_(part), c.property.in_(sorted(props)))
        out.extend(tuple(r) for r in conn.execute(q))
    return out


class ClaimBrief(NamedTuple):
    id: str
    entity_id: str
    value: str
    allegation: bool


def claims_of(conn: Connection, entity_ids: Iterable[str], prop: str) -> list[ClaimBrief]:
    out: list[ClaimBrief] = []
    for part in chunks(sorted(set(entity_ids))):
        q = (select(claim.c.id, claim.c.entity_id, claim.c.value, claim.c.allegation)
             .where(claim.c.entity_id.in_(part), claim.c.property == prop))
        out.extend(ClaimBrief(r.id, r.entity_id, r.value, bool(r.allegation))
                   for r in conn.execute(q))
    return out


def claims_with_status(conn: Connection, claim_ids: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for part in chunks(sorted(set(claim_ids))):
        q = select(claim_status.c.claim_id).where(claim_status.c.claim_id.in_(part)).distinct()
        out.update(conn.execute(q).scalars())
    return out


def referring(conn: Connection, targets: Iterable[str], prop: str) -> list[str]:
    """Ids of records whose ``prop`` claim refers to one of ``targets``."""
    out: list[str] = []
    for part in chunks(sorted(set(targets))):
        q = (select(claim.c.entity_id).where(claim.c.ref_id.in_(part), claim.c.property == prop)
             .distinct())
        out.extend(conn.execute(q).scalars())
    return out


def insert_rows(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]],
    progress: Callable[[int], None] | None = None, size: int = 5000,
) -> None:
    """Insert many rows (all with the same keys) in batches, one executemany each.

    Imports write hundreds of thousands of rows: this compiles the INSERT once
    and applies only the column types' own bind processors, skipping the
    per-row parameter building of ``conn.execute(insert(table), rows)``.
    """
    if not rows:
        return
    # No engine event sees these rows go in: the transaction's seal is told here.
    journal_rows(conn, table, rows)
    dialect = conn.dialect
    if dialect.name == "postgresql":
        _copy_rows(conn, table, rows, progress, size)
        return
    compiled = insert(table).compile(dialect=dialect, column_keys=list(rows[0]))
    sql = str(compiled)
    assert compiled.positiontup is not None  # SQLite's qmark style is positional
    order = list(compiled.positiontup)
    getter = itemgetter(*order)
    # sqlite3 stores Python bools as 1/0 itself, so Boolean columns need no call.
    procs = [(i, p) for i, k in enumerate(order)
             if not isinstance(table.c[k].type, Boolean)
             and (p := table.c[k].type.dialect_impl(dialect).bind_processor(dialect))]
    # Rows of one import share their timestamps and many dates: remember the
    # last value converted in each column instead of formatting it again.
    last: dict[int, tuple[Any, Any]] = {i: (None, None) for i, _ in procs}
    for part in chunks(rows, size):
        params = []
        for r in part:
            values = list(getter(r)) if len(order) > 1 else [r[order[0]]]
            for i, proc in procs:
                v = values[i]
                if v is not None:
                    before, after = last[i]
                    if v is not before:
                        after = proc(v)
                        last[i] = (v, after)
                    values[i] = after
            params.append(tuple(values))
        conn.exec_driver_sql(sql, params)
        if progress:
            progress(len(part))


def _copy_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]],
               progress: Callable[[int], None] | None, size: int) -> None:
    # PostgreSQL loads rows far faster with COPY than with INSERT; it runs on
    # the same connection, so inside the same transaction.
    keys = list(rows[0])
    getter = itemgetter(*keys)
    columns = ", ".join(f'"{k}"' for k in keys)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for part in chunks(rows, size):
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for r in part:
                copy.write_row(getter(r) if len(keys) > 1 else (r[keys[0]],))
        if progress:
            progress(len(part))


def count_rows(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def append_history(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        insert_rows(conn, history, rows)


def claim_row(conn: Connection, claim_id: str) -> Any:
    return conn.execute(select(claim).where(claim.c.id == claim_id)).mappings().first()


def update_claim(conn: Connection, claim_id: str, **values: Any) -> None:
    conn.execute(update(claim).where(claim.c.id == claim_id).values(**values))


def preferred_in_group(conn: Connection, entity_id: str, prop: str,
                       qualifier: str | None) -> list[str]:
    q = select(claim.c.id).where(claim.c.entity_id == entity_id, claim.c.property == prop,
                                 claim.c.preferred.is_(True))
    q = q.where(claim.c.qualifier.is_(None) if qualifier is None
                else claim.c.qualifier == qualifier)
    return list(conn.execute(q).scalars())


def update_entity(conn: Connection, entity_id: str, **values: Any) -> None:
    conn.execute(update(entity).where(entity.c.id == entity_id).values(**values))
