"""Are the protecting triggers all there, unchanged?  Put back those that are not.

The migrations create the triggers (storage/ddl.py).  Someone holding the
database can drop or disable one, change rows, and put it back; the signed
ledger finds the changed rows (services/integrity.py), and this module finds
the trigger that is missing, changed or disabled now.  `khavaran init` puts
it back.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

from khavaran.storage.ddl import Trigger, trigger_sql

__all__ = ["PROTECTED", "restore_triggers", "trigger_problems"]

# Every table with triggers, and what they refuse.  A new table that must not
# lose rows joins here and in its migration (ddl.protect_*).
PROTECTED: dict[str, Trigger] = {
    "history": "append-only", "link_judgement": "append-only",
    "legal_case": "append-only", "case_charge": "append-only",
    "case_charge_act": "append-only", "case_link": "append-only",
    "case_link_withdrawal": "append-only",
    "evidence_item": "append-only", "evidence_derivation": "append-only",
    "evidence_link": "append-only", "evidence_purge": "append-only",
    "evidence_intake": "until-purged", "evidence_meta": "until-purged",
    "ledger_entry": "append-only", "ledger_key": "append-only",
    "ledger_timestamp": "append-only", "registry_seal": "append-only",
    "entity": "no-delete", "source": "no-delete", "source_basis": "no-delete",
    "source_record": "no-delete", "claim": "no-delete", "citation": "no-delete",
    "claim_status": "no-delete", "consent": "no-delete",
    "publication": "no-delete", "correction": "no-delete",
    "access_log": "append-only", "xref_judgement": "append-only",
}


def _flat(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().lower()


def _body(create_function: str) -> str:
    return _flat(create_function.split("$$")[1])


def _expected(sql: str, dialect: str) -> str:
    """What _state finds of an object made by ``sql`` (PostgreSQL: only functions'
    bodies are compared; a trigger is there or not)."""
    if dialect == "sqlite":
        return _flat(sql)
    return _body(sql) if sql.startswith("CREATE FUNCTION") else ""


def _state(conn: Connection) -> tuple[dict[str, str], set[str]]:
    """(name -> SQL or function body) of what is there, and the disabled triggers."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        return {r.name: _flat(r.sql) for r in rows}, set()
    found: dict[str, str] = {}
    disabled = set()
    for r in conn.execute(text(
            "SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = "
            "t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal "
            "AND n.nspname = current_schema()")):
        found[r.tgname] = ""
        if r.tgenabled == "D":
            disabled.add(r.tgname)
    for r in conn.execute(text(
            "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = "
            "p.pronamespace WHERE n.nspname = current_schema()")):
        found[r.proname] = _flat(r.prosrc)
    return found, disabled


def _wrong(conn: Connection) -> list[tuple[str, str, str, str]]:
    """(table, name, what is wrong, statement that makes it) of each trigger not as made."""
    found, disabled = _state(conn)
    dialect = conn.dialect.name
    out = []
    for table, kind in PROTECTED.items():
        for name, sql in trigger_sql(table, kind, dialect).items():
            if name not in found:
                out.append((table, name, "is missing", sql))
            elif name in disabled:
                out.append((table, name, "is disabled", sql))
            elif found[name] != _expected(sql, dialect):
                out.append((table, name, "was changed", sql))
    return out


def trigger_problems(conn: Connection) -> list[str]:
    """Each protecting trigger (or its function) that is missing, changed or disabled."""
    return [f"trigger {name} on {table} {what}" for table, name, what, _ in _wrong(conn)]


def restore_triggers(conn: Connection) -> list[str]:
    """Put back every protecting trigger not as the migrations made it; returns what
    was done, one line each."""
    done = []
    postgres = conn.dialect.name != "sqlite"
    for table, name, what, sql in _wrong(conn):
        if postgres and what == "is disabled":
            conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
        elif postgres and sql.startswith("CREATE FUNCTION"):
            conn.exec_driver_sql(sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
        else:
            if what != "is missing":
                conn.exec_driver_sql(f"DROP TRIGGER {name}" + (f" ON {table}" if postgres
                                                                  else ""))
            conn.exec_driver_sql(sql)
        done.append(f"trigger {name} on {table} {what}: restored")
    return done
