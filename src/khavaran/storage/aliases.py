"""The keyed ids of claims that would identify a protected person (claim_alias)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, RowMapping, select

from khavaran.storage.queries import IDS, by_ids
from khavaran.storage.repo import chunks, insert_rows
from khavaran.storage.tables import claim, claim_alias, source_record

__all__ = ["add_aliases", "claims_referring", "keyed_of", "plain_of", "records_of"]


def keyed_of(conn: Connection, claim_ids: Iterable[str]) -> dict[str, str]:
    """Plain claim id -> its keyed id, for those of ``claim_ids`` that have one."""
    return {r["claim_id"]: r["id"] for r in by_ids(conn, _KEYED, claim_ids)}


_KEYED = select(claim_alias.c.claim_id, claim_alias.c.id).where(claim_alias.c.claim_id.in_(IDS))


def plain_of(conn: Connection, keyed: str) -> str | None:
    """The plain id of the claim known by ``keyed``, if any."""
    q = select(claim_alias.c.claim_id).where(claim_alias.c.id == keyed)
    return conn.execute(q).scalar()


def claims_referring(conn: Connection, targets: Iterable[str]) -> list[RowMapping]:
    """Every claim whose value refers to one of ``targets`` (a relation)."""
    out: list[RowMapping] = []
    for part in chunks(sorted(set(targets))):
        out.extend(conn.execute(select(claim).where(claim.c.ref_id.in_(part))).mappings())
    return out


def add_aliases(conn: Connection, keyed: dict[str, str]) -> None:
    """Record ``keyed`` (plain claim id -> keyed id)."""
    insert_rows(conn, claim_alias, [{"id": k, "claim_id": p} for p, k in sorted(keyed.items())])


def records_of(conn: Connection, person_ids: Iterable[str]) -> list[RowMapping]:
    """The list rows (id, source_id, record_id, person_id) of ``person_ids``."""
    out: list[RowMapping] = []
    cols = (source_record.c.id, source_record.c.source_id, source_record.c.record_id,
            source_record.c.person_id)
    for part in chunks(sorted(set(person_ids))):
        out.extend(conn.execute(select(*cols).where(
            source_record.c.person_id.in_(part))).mappings())
    return out
