"""Trigger DDL that makes tables append-only, shared by the migrations.

Migration 0001 carries its own copy for `history`: a migration, once
released, is never edited.
"""

from __future__ import annotations

from alembic import op

__all__ = ["APPEND_ONLY_MESSAGE", "drop_triggers", "protect_append_only",
           "protect_until_purged"]

APPEND_ONLY_MESSAGE = "is append-only: rows cannot be changed or deleted"
PURGE_ONLY_MESSAGE = "rows can only be deleted by purging their item"


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def protect_append_only(table: str) -> None:
    """Make the database refuse UPDATE and DELETE (and TRUNCATE) on ``table``."""
    if _sqlite():
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} {APPEND_ONLY_MESSAGE}'); END")
        return
    op.execute(
        f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{table} {APPEND_ONLY_MESSAGE}'; END $$""")
    op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
    op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")


def protect_until_purged(table: str) -> None:
    """Refuse UPDATE on ``table``, and DELETE unless the row's item is purged."""
    if _sqlite():
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} {APPEND_ONLY_MESSAGE}'); END")
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"WHEN NOT EXISTS (SELECT 1 FROM evidence_purge p WHERE p.item_id = OLD.item_id) "
            f"BEGIN SELECT RAISE(ABORT, '{table}: {PURGE_ONLY_MESSAGE}'); END")
        return
    op.execute(
        f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' AND EXISTS
             (SELECT 1 FROM evidence_purge p WHERE p.item_id = OLD.item_id) THEN
            RETURN OLD;
          END IF;
          IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '{table}: {PURGE_ONLY_MESSAGE}';
          END IF;
          RAISE EXCEPTION '{table} {APPEND_ONLY_MESSAGE}';
        END $$""")
    op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
    op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")


def drop_triggers(table: str) -> None:
    if _sqlite():
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        return
    op.execute(f"DROP TRIGGER {table}_no_change ON {table}")
    op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
    op.execute(f"DROP FUNCTION {table}_append_only()")
