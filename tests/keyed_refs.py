"""The keyed reference of a protected person's list row, as a user finds it."""

from __future__ import annotations

from sqlalchemy import select

from khavaran.services.keyed_ids import keyed_records
from khavaran.storage.tables import source_record


def keyed_ref(registry, ref: tuple[str, str]) -> str:
    """The keyed reference a protected person's list row is known by (issue 12,
    point 1: its SOURCE:RECORD answers as unknown)."""
    with registry.read() as conn:
        rid = conn.execute(select(source_record.c.id).where(
            source_record.c.source_id == ref[0],
            source_record.c.record_id == ref[1])).scalar_one()
        return next(k for k, v in keyed_records(conn).items() if v == rid)
