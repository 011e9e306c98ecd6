"""Queries of the public memorial: which persons and places are published, and the
corrections visitors send (services/publishing.py, services/corrections.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, case, exists, func, or_, select, update

from khavaran.storage.repo import chunks
from khavaran.storage.tables import challenge_miss, correction, entity, person_member, publication

__all__ = ["add_correction", "add_miss", "challenge_used", "correction_row", "corrections",
           "misses_from", "person_ids", "public_head", "published_among", "published_ids",
           "recent_from", "resolve_correction", "set_published"]


def set_published(conn: Connection, entity_id: str, published: bool, at: dt.datetime,
                  by: str) -> bool | None:
    """Set the flag; returns what it was (None: never set)."""
    old = conn.execute(select(publication.c.published)
                       .where(publication.c.entity_id == entity_id)).scalar()
    values = {"published": published, "changed_at": at, "changed_by": by}
    if old is None:
        conn.execute(publication.insert().values(entity_id=entity_id, **values))
    elif bool(old) != published:
        conn.execute(update(publication).where(publication.c.entity_id == entity_id)
                     .values(**values))
    return None if old is None else bool(old)


def published_among(conn: Connection, ids: Iterable[str]) -> set[str]:
    """Those of ``ids`` that are published."""
    out: set[str] = set()
    for part in chunks(sorted(set(ids))):
        out.update(conn.execute(select(publication.c.entity_id).where(
            publication.c.entity_id.in_(part), publication.c.published.is_(True))).scalars())
    return out


def published_ids(conn: Connection, schema: str = "Person") -> list[str]:
    """The published records of ``schema`` (persons, or places for the map)."""
    return sorted(conn.execute(
        select(publication.c.entity_id)
        .join(entity, entity.c.id == publication.c.entity_id)
        .where(publication.c.published.is_(True), entity.c.schema == schema)).scalars())


def add_correction(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(correction.insert().values(**row))


def add_miss(conn: Connection, nonce: str, client: str, at: dt.datetime) -> None:
    """A wrong answer to the question ``nonce`` (once: a second try is a miss too)."""
    if conn.execute(select(challenge_miss.c.nonce).where(
            challenge_miss.c.nonce == nonce)).first() is None:
        conn.execute(challenge_miss.insert().values(nonce=nonce, client=client, at=at))


def misses_from(conn: Connection, client: str, since: dt.datetime) -> int:
    """How many wrong answers ``client`` (its digest) gave since ``since``."""
    return int(conn.execute(select(func.count()).select_from(challenge_miss).where(
        challenge_miss.c.client == client, challenge_miss.c.at >= since)).scalar_one())


def challenge_used(conn: Connection, challenge: str) -> bool:
    return (conn.execute(select(correction.c.id).where(
        correction.c.challenge == challenge)).first() is not None
        or conn.execute(select(challenge_miss.c.nonce).where(
            challenge_miss.c.nonce == challenge)).first() is not None)


def recent_from(conn: Connection, client: str, since: dt.datetime) -> int:
    """How many corrections ``client`` (its digest) sent since ``since``."""
    return int(conn.execute(select(func.count()).select_from(correction).where(
        correction.c.client == client, correction.c.received_at >= since)).scalar_one())


def corrections(conn: Connection, *, status: str | None = "open",
                limit: int = 200) -> list[Any]:
    """Take-down requests first, then oldest first."""
    q = select(correction).order_by(
        case((correction.c.kind == "take-down", 0), else_=1), correction.c.received_at,
        correction.c.id).limit(limit)
    if status is not None:
        q = q.where(correction.c.status == status)
    return list(conn.execute(q).mappings())


def correction_row(conn: Connection, correction_id: str) -> Any:
    return conn.execute(select(correction).where(correction.c.id == correction_id)
                        ).mappings().first()


def resolve_correction(conn: Connection, correction_id: str, *, status: str,
                       at: dt.datetime, by: str, resolution: str) -> None:
    conn.execute(update(correction).where(correction.c.id == correction_id).values(
        status=status, resolved_at=at, resolved_by=by, resolution=resolution))


def person_ids(conn: Connection) -> list[str]:
    """Every person's id (for publishing a whole registry at once, as a benchmark does)."""
    return sorted(conn.execute(select(entity.c.id).where(entity.c.schema == "Person"))
                  .scalars())


def public_head(conn: Connection, person_id: str) -> tuple[str, bool] | None:
    """(merged person, fictional) of ``person_id`` when it is a person, published,
    and neither it nor anyone merged with it is protected; else None.  Two
    statements: the public site asks this on every page it builds."""
    row = conn.execute(
        select(entity.c.schema, func.coalesce(person_member.c.person_id, entity.c.id),
               entity.c.fictional)
        .select_from(entity.outerjoin(person_member, person_member.c.member_id == entity.c.id))
        .where(entity.c.id == person_id)).first()
    if row is None or row[0] != "Person":
        return None
    head = str(row[1])
    members = select(person_member.c.member_id).where(person_member.c.person_id == head)
    protected = exists().where(entity.c.protected.is_(True),
                               or_(entity.c.id == head, entity.c.id.in_(members)))
    shown = conn.execute(select(publication.c.published, protected)
                         .where(publication.c.entity_id == head)).first()
    return (head, bool(row[2])) if shown is not None and shown[0] and not shown[1] else None
