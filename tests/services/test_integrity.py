"""`khavaran verify`: every registry row against the signed ledger, and the
triggers; the tamper tests the vault has, for every registry table."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from khavaran.errors import IntegrityError
from khavaran.export.dossier import build_dossier
from khavaran.services.integrity import verify_installation
from khavaran.services.registry import Registry, init_registry
from khavaran.storage.triggers import trigger_problems

# (table, key column, a row to pick, a column to change) of each registry table the demo fills.
TABLES = [
    ("claim", "id", "value"),
    ("citation", "id", "locator"),
    ("claim_status", "id", "status"),
    ("entity", "id", "pseudonym"),
    ("source", "id", "title"),
    ("source_record", "id", "raw"),
    ("consent", "id", "scope"),
    ("history", "id", "reason"),
    ("publication", "entity_id", "changed_by"),
]


def _drop_triggers(conn, table: str) -> None:
    if conn.dialect.name == "sqlite":
        for name in (f"{table}_no_update", f"{table}_no_delete"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    else:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}"))
        conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"))


def _tamper(registry: Registry, sql: str, *tables: str) -> None:
    # Past Khavaran: a raw connection, no journal, no seal.
    with registry.engine.begin() as conn:
        for table in tables:
            _drop_triggers(conn, table)
        conn.execute(text(sql))


def _first(registry: Registry, table: str, key: str) -> object:
    with registry.engine.connect() as conn:
        return conn.execute(text(f"SELECT {key} FROM {table} ORDER BY {key} LIMIT 1")).scalar()


def test_an_untouched_installation_verifies(demo_registry: Registry) -> None:
    report = verify_installation(demo_registry, actor="t")
    assert report.ok, report.problems
    assert report.rows > 5000


@pytest.mark.parametrize(("table", "key", "column"), TABLES)
def test_an_edited_row_is_named(demo_registry: Registry, table: str, key: str,
                                column: str) -> None:
    row = _first(demo_registry, table, key)
    quoted = row if table == "history" else f"'{row}'"
    _tamper(demo_registry, f"UPDATE {table} SET {column} = 'tampered' WHERE {key} = {quoted}",
            table)
    problems = verify_installation(demo_registry, actor="t").problems
    assert any(p.startswith(f"{table} row {row}: differs") for p in problems), problems
    assert any(f"trigger {table}_no_" in p for p in problems)


# Rows no other row refers to (the others are held by foreign keys too).
@pytest.mark.parametrize("table", ["citation", "claim_status", "consent", "history"])
def test_a_deleted_row_is_named(demo_registry: Registry, table: str) -> None:
    key = "id"
    row = _first(demo_registry, table, key)
    quoted = row if table == "history" else f"'{row}'"
    _tamper(demo_registry, f"DELETE FROM {table} WHERE {key} = {quoted}", table)
    problems = verify_installation(demo_registry, actor="t").problems
    assert any(p.startswith(f"{table} row {row}: committed by ledger entry") and "gone" in p
               for p in problems), problems[:5]


def test_an_inserted_row_is_named(demo_registry: Registry) -> None:
    _tamper(demo_registry, "INSERT INTO history (at, actor, action, reason) VALUES "
                           "('2020-01-01 00:00:00', 'mallory', 'add-claim', 'forged')")
    problems = verify_installation(demo_registry, actor="t").problems
    assert any("not in the ledger" in p and p.startswith("history row") for p in problems)


def test_reordered_history_rows_are_named(demo_registry: Registry) -> None:
    _tamper(demo_registry, "UPDATE history SET actor = CASE id WHEN 1 THEN "
                           "(SELECT actor FROM history WHERE id = 2) ELSE "
                           "(SELECT actor FROM history WHERE id = 1) END WHERE id IN (1, 2) "
                           "AND (SELECT actor FROM history WHERE id = 1) <> "
                           "(SELECT actor FROM history WHERE id = 2)", "history")
    _tamper(demo_registry, "UPDATE history SET reason = 'moved' WHERE id IN (1, 2)", "history")
    problems = verify_installation(demo_registry, actor="t").problems
    assert any(p.startswith("history row 1: differs") for p in problems)
    assert any(p.startswith("history row 2: differs") for p in problems)


def test_a_flipped_protection_flag_is_named(demo_registry: Registry) -> None:
    _tamper(demo_registry, "UPDATE entity SET protected = false WHERE protected = true")
    problems = verify_installation(demo_registry, actor="t").problems
    assert any(p.startswith("entity row p-demo-witness-01: differs") for p in problems)


def test_an_unpublished_flag_set_past_khavaran_is_named(demo_registry: Registry) -> None:
    _tamper(demo_registry, "UPDATE publication SET published = false "
                           "WHERE entity_id = 'v-demo-001'", "publication")
    problems = verify_installation(demo_registry, actor="t").problems
    assert any(p.startswith("publication row v-demo-001: differs") for p in problems)


def test_a_changed_seal_is_named(demo_registry: Registry) -> None:
    _tamper(demo_registry, "UPDATE registry_seal SET rows = '[]' WHERE table_name = 'claim'",
            "registry_seal")
    problems = verify_installation(demo_registry, actor="t").problems
    assert any(p.startswith("claim: the seal of ledger entry") for p in problems)


def test_init_restores_dropped_triggers_and_says_so(demo_registry: Registry) -> None:
    with demo_registry.engine.begin() as conn:
        _drop_triggers(conn, "claim")
        _drop_triggers(conn, "history")
        assert any("claim_no_" in p for p in trigger_problems(conn))
    demo_registry.close()
    registry, _ = init_registry(demo_registry.settings)
    try:
        assert any("history_no_" in n and "restored" in n for n in registry.notes)
        with registry.engine.connect() as conn:
            assert trigger_problems(conn) == []
        assert verify_installation(registry, actor="t").ok
    finally:
        registry.close()


def test_writes_through_khavaran_keep_verifying(demo_registry: Registry) -> None:
    from khavaran.services import editing

    editing.protect(demo_registry, "v-demo-001", pseudonym="V-1", actor="a", reason="risk")
    report = verify_installation(demo_registry, actor="t")
    assert report.ok, report.problems


def test_a_dossier_is_not_built_from_an_installation_that_fails(demo_registry: Registry,
                                                                 tmp_path) -> None:
    from khavaran.demo.case import CASE_ID, build_demo_case

    build_demo_case(demo_registry)
    _tamper(demo_registry, "UPDATE case_link SET stance = 'contradicts' WHERE id = 1",
            "case_link")
    with pytest.raises(IntegrityError, match="case_link row 1: differs"):
        build_dossier(demo_registry, CASE_ID, tmp_path / "bag", actor="t")
    assert not (tmp_path / "bag").exists()
