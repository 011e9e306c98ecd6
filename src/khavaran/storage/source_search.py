"""Finding sources by id or title, for a picker that completes as one types."""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, func, or_, select

from khavaran.storage.tables import entity, source

__all__ = ["find_sources"]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_sources(conn: Connection, text: str, limit: int) -> list[RowMapping]:
    """Sources whose id or title holds ``text`` (any case), ids that begin with it
    first; each row has the source's columns, ``id_match`` and ``witness_protected``."""
    pattern = _like(text.lower())
    id_match = func.lower(source.c.id).like(pattern, escape="\\")
    q = (select(source.c.id, source.c.kind, source.c.title, source.c.reliability,
                source.c.fictional, source.c.witness_id, id_match.label("id_match"),
                func.coalesce(entity.c.protected, False).label("witness_protected"))
         .outerjoin(entity, entity.c.id == source.c.witness_id)
         .where(or_(id_match, func.lower(source.c.title).like(pattern, escape="\\")))
         .order_by(func.lower(source.c.id).like(_like(text.lower())[1:], escape="\\").desc(),
                   source.c.id)
         .limit(limit))
    return list(conn.execute(q).mappings())
