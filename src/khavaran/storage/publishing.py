"""Queries of the public memorial: which persons are published, and the
corrections visitors send (services/publishing.py, services/corrections.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, case, func, select, update

from khavaran.storage.repo import chunks
from khavaran.storage.tables import correction, publication

__all__ = ["add_correction", "correction_row", "corrections", "published_among",
           "published_ids", "recent_from", "resolve_correction", "set_published"]


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


def published_ids(conn: Connection) -> list[str]:
    return sorted(conn.execute(select(publication.c.entity_id)
                               .where(publication.c.published.is_(True))).scalars())


def add_correction(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(correction.insert().values(**row))


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
