"""The database's vault lock: held by an intake while it commits and by the
tidying of an object store's leftovers, so that the two never interleave across
machines (vault/s3.py).  On PostgreSQL a transaction-scoped advisory lock; on
SQLite a write transaction is already the only one (and a store of a SQLite
registry has one machine, whose vault lock covers it)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, select, text

__all__ = ["VAULT_LOCK", "database_now", "lock_vault"]

# An arbitrary constant naming this lock among the database's advisory locks.
VAULT_LOCK = 0x4B48_5641_554C_54  # "KHVAULT"


def lock_vault(conn: Connection) -> None:
    """Take the vault lock until ``conn``'s transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": VAULT_LOCK})


def database_now(conn: Connection) -> dt.datetime:
    """The time by the database: on PostgreSQL the server's clock, the same for every
    machine of a team (their own clocks may differ); SQLite has one machine."""
    if conn.dialect.name == "postgresql":
        now = conn.execute(select(func.now())).scalar_one()
        return now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)
