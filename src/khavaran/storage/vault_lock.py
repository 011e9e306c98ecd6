"""The database's vault lock: held by an intake while it commits and by the
tidying of an object store's leftovers, so that the two never interleave across
machines (vault/s3.py).  On PostgreSQL a transaction-scoped advisory lock; on
SQLite a write transaction is already the only one (and a store of a SQLite
registry has one machine, whose vault lock covers it)."""

from __future__ import annotations

from sqlalchemy import Connection, text

__all__ = ["VAULT_LOCK", "lock_vault"]

# An arbitrary constant naming this lock among the database's advisory locks.
VAULT_LOCK = 0x4B48_5641_554C_54  # "KHVAULT"


def lock_vault(conn: Connection) -> None:
    """Take the vault lock until ``conn``'s transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": VAULT_LOCK})
