"""Open the database: SQLite (the embedded default) or PostgreSQL (for teams)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError

from khavaran.errors import ConfigError
from khavaran.storage.sealing import journal_statement

__all__ = ["DATABASE_AWAY", "libpq_url", "make_engine"]

# The errors of a database that did not answer (a restart, a lost connection), or of
# a connection lost in the middle of a transaction (raised when it is next used).
DATABASE_AWAY = (OperationalError, InterfaceError, PendingRollbackError)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers work while an import writes; foreign keys are off by
    # default in SQLite and we rely on them; busy_timeout waits for a
    # concurrent writer instead of failing at once.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # So that INSERT OR REPLACE, which deletes the row it replaces, fires the
    # DELETE trigger that keeps history append-only.
    cur.execute("PRAGMA recursive_triggers=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # FULL: a commit is on disk before it returns.  With NORMAL a power cut
    # could roll back an intake or purge whose files were already placed or
    # removed; imports are one transaction, so FULL costs them one more fsync.
    cur.execute("PRAGMA synchronous=FULL")
    # Claim and citation ids are hashes, so their index pages are written in
    # random order: a 64 MB page cache keeps large imports from thrashing.
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it (no '+driver'), for pg_dump and psycopg."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgresql") else url


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their folder created and pragmas set."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_execute", journal_statement)
        return engine
    if url.startswith("postgresql"):
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except ModuleNotFoundError as exc:
            raise ConfigError(
                "PostgreSQL needs the driver: pip install 'khavaran[postgres]'"
            ) from exc
        event.listen(engine, "before_execute", journal_statement)
        return engine
    raise ConfigError(f"unsupported database URL '{url}' (use sqlite:/// or postgresql://)")
