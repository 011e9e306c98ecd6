"""Trigger DDL that makes tables append-only, shared by the migrations and by
storage/triggers.py, which checks that the triggers are still there and puts
back any that were dropped.

Migration 0001 carries its own copy for `history`: a migration, once
released, is never edited.  Its statements are the same as these.
"""

from __future__ import annotations

from types import ModuleType

__all__ = ["APPEND_ONLY_MESSAGE", "NO_DELETE_MESSAGE", "PURGE_ONLY_MESSAGE", "Trigger",
           "drop_triggers", "protect_append_only", "protect_no_delete", "protect_until_purged",
           "trigger_sql"]

APPEND_ONLY_MESSAGE = "is append-only: rows cannot be changed or deleted"
PURGE_ONLY_MESSAGE = "rows can only be deleted by purging their item"
NO_DELETE_MESSAGE = "rows cannot be deleted"

# What a table's triggers refuse.
Trigger = str  # "append-only", "until-purged" or "no-delete"


def _op() -> ModuleType:
    # Imported here, not at the top: storage/triggers.py (and so every command)
    # uses this module without running a migration, and Alembic is slow to import.
    from alembic import op

    return op


def _sqlite() -> bool:
    return bool(_op().get_bind().dialect.name == "sqlite")


def trigger_sql(table: str, kind: Trigger, dialect: str) -> dict[str, str]:
    """Trigger (and, on PostgreSQL, function) name -> the statement that makes it."""
    if dialect == "sqlite":
        return _sqlite_sql(table, kind)
    fn = f"{table}_append_only"
    if kind == "append-only":
        body = f"BEGIN RAISE EXCEPTION '{table} {APPEND_ONLY_MESSAGE}'; END"
    elif kind == "no-delete":
        body = f"BEGIN RAISE EXCEPTION '{table}: {NO_DELETE_MESSAGE}'; END"
    else:
        body = f"""
        BEGIN
          IF TG_OP = 'DELETE' AND EXISTS
             (SELECT 1 FROM evidence_purge p WHERE p.item_id = OLD.item_id) THEN
            RETURN OLD;
          END IF;
          IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '{table}: {PURGE_ONLY_MESSAGE}';
          END IF;
          RAISE EXCEPTION '{table} {APPEND_ONLY_MESSAGE}';
        END"""
    verbs = "DELETE" if kind == "no-delete" else "UPDATE OR DELETE"
    return {
        fn: f"""CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
        {body.strip()} $$""",
        f"{table}_no_change": f"CREATE TRIGGER {table}_no_change BEFORE {verbs} ON {table} "
                              f"FOR EACH ROW EXECUTE FUNCTION {fn}()",
        f"{table}_no_truncate": f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON "
                                f"{table} FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
    }


def _sqlite_sql(table: str, kind: Trigger) -> dict[str, str]:
    update = (f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
              f"BEGIN SELECT RAISE(ABORT, '{table} {APPEND_ONLY_MESSAGE}'); END")
    if kind == "append-only":
        delete = (f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                  f"BEGIN SELECT RAISE(ABORT, '{table} {APPEND_ONLY_MESSAGE}'); END")
    elif kind == "no-delete":
        return {f"{table}_no_delete": f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON "
                                      f"{table} BEGIN SELECT RAISE(ABORT, "
                                      f"'{table}: {NO_DELETE_MESSAGE}'); END"}
    else:
        delete = (f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                  f"WHEN NOT EXISTS (SELECT 1 FROM evidence_purge p WHERE p.item_id = "
                  f"OLD.item_id) BEGIN SELECT RAISE(ABORT, '{table}: {PURGE_ONLY_MESSAGE}'); END")
    return {f"{table}_no_update": update, f"{table}_no_delete": delete}


def _create(table: str, kind: Trigger) -> None:
    for sql in trigger_sql(table, kind, _op().get_bind().dialect.name).values():
        _op().execute(sql)


def protect_append_only(table: str) -> None:
    """Make the database refuse UPDATE and DELETE (and TRUNCATE) on ``table``."""
    _create(table, "append-only")


def protect_until_purged(table: str) -> None:
    """Refuse UPDATE on ``table``, and DELETE unless the row's item is purged."""
    _create(table, "until-purged")


def protect_no_delete(table: str) -> None:
    """Refuse DELETE (and TRUNCATE) on ``table``; rows may still be updated."""
    _create(table, "no-delete")


def drop_triggers(table: str) -> None:
    if _sqlite():
        _op().execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        _op().execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        return
    _op().execute(f"DROP TRIGGER {table}_no_change ON {table}")
    _op().execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
    _op().execute(f"DROP FUNCTION {table}_append_only()")
