"""The database itself refuses to change or delete history rows."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from khavaran.services.registry import Registry


def _one_row(registry: Registry) -> int:
    with registry.write() as conn:
        conn.execute(text("INSERT INTO history (at, actor, action, reason) "
                          "VALUES (CURRENT_TIMESTAMP, 'tester', 'note', 'why')"))
        return int(conn.execute(text("SELECT count(*) FROM history")).scalar_one())


@pytest.mark.parametrize("statement", [
    "UPDATE history SET actor = 'someone else'",
    "DELETE FROM history",
    "DELETE FROM history WHERE id = 1",
])
def test_history_rows_cannot_be_changed_or_deleted(registry: Registry, statement: str) -> None:
    _refused_and_unchanged(registry, statement)


def _refused_and_unchanged(registry: Registry, statement: str) -> None:
    count = _one_row(registry)
    with pytest.raises(DBAPIError, match="append-only"):
        with registry.write() as conn:
            conn.execute(text(statement))
    with registry.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM history")).scalar_one() == count
        assert conn.execute(text("SELECT actor FROM history")).scalar_one() == "tester"


def test_a_row_cannot_be_replaced_by_an_insert(registry: Registry, backend: str) -> None:
    if backend == "sqlite":
        statement = ("INSERT OR REPLACE INTO history (id, at, actor, action) "
                     "VALUES (1, CURRENT_TIMESTAMP, 'forger', 'note')")
    else:
        statement = ("INSERT INTO history (id, at, actor, action) "
                     "VALUES (1, CURRENT_TIMESTAMP, 'forger', 'note') "
                     "ON CONFLICT (id) DO UPDATE SET actor = 'forger'")
    _refused_and_unchanged(registry, statement)


def test_truncate_is_refused_on_postgres(pg_registry: Registry) -> None:
    # SQLite has no TRUNCATE; its DELETE without WHERE is refused above.
    count = _one_row(pg_registry)
    with pytest.raises(DBAPIError, match="append-only"):
        with pg_registry.write() as conn:
            conn.execute(text("TRUNCATE history"))
    with pg_registry.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM history")).scalar_one() == count
