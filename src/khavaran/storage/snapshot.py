"""A consistent copy of the database while it is in use, and putting one back.

SQLite: the online backup API of the sqlite3 module, in one step, so that the
copy is one read transaction (other processes keep writing through the WAL).
PostgreSQL: `pg_dump --format=custom` (one repeatable-read snapshot) and
`pg_restore --single-transaction` into an empty database.  Both tools come
with Debian's postgresql-client; the version must be at least the server's.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect

from khavaran.errors import ConfigError, StorageError
from khavaran.storage.engine import libpq_url, make_engine

__all__ = ["DUMP_NAMES", "database_kind", "dump_database", "require_empty",
           "restore_database", "sqlite_path"]

# The database's file in a backup, by kind.
DUMP_NAMES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}


def database_kind(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    raise ConfigError(f"unsupported database URL '{url}' (use sqlite:/// or postgresql://)")


def sqlite_path(url: str) -> Path:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path == ":memory:":
        raise ConfigError(f"{url} is not a database file: nothing to back up or restore into")
    return Path(path)


def _tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest of Debian's versioned ones."""
    found = shutil.which(name)
    if found:
        return found
    versioned = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                       key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit()
                       else 0)
    if versioned:
        return versioned[-1]
    raise ConfigError(f"{name} is not installed: install Debian's postgresql-client "
                      "(apt-get install postgresql-client)")


def _run(args: list[str], what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise StorageError(f"{what} failed: {detail[-1] if detail else done.returncode}")


def dump_database(url: str, out: Path) -> None:
    """Write a consistent copy of the database at ``url`` to the new file ``out``."""
    if database_kind(url) == "sqlite":
        src_path = sqlite_path(url)
        if not src_path.is_file():
            raise StorageError(f"no registry at {url}: nothing to back up")
        src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(out)
        try:
            src.execute("PRAGMA busy_timeout=30000")
            src.backup(dst)  # all pages in one step: one read transaction
            # The copy stands alone: no WAL file beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
    else:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
              f"--file={out}", f"--dbname={libpq_url(url)}"], "pg_dump")
    with open(out, "rb") as fh:
        os.fsync(fh.fileno())


def restore_database(dump: Path, kind: str, url: str) -> None:
    """Put the copy ``dump`` (of ``kind``) into the new database at ``url``.

    The target must be new: an SQLite file that does not exist yet, or a
    PostgreSQL database without tables.  On failure nothing is left in it.
    """
    if database_kind(url) != kind:
        raise ConfigError(f"this backup holds a {kind} database: give --db a {kind} URL")
    if kind == "sqlite":
        target = sqlite_path(url)
        if target.exists():
            raise ConfigError(f"{target} exists already: restore only into a new database")
        target.parent.mkdir(parents=True, exist_ok=True)
        # The copy is a whole database file of its own (no WAL beside it), and
        # its hash was checked: copying the bytes is enough.
        try:
            with open(dump, "rb") as src, open(target, "xb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
                dst.flush()
                os.fsync(dst.fileno())
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return
    require_empty(url)
    _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={libpq_url(url)}", str(dump)], "pg_restore")


def require_empty(url: str) -> None:
    """Refuse a PostgreSQL database that holds any table."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
    except Exception as exc:  # the driver's own errors: a refusal naming the database
        raise StorageError(f"cannot open the database {url}: {exc}") from None
    finally:
        engine.dispose()
    if tables:
        raise ConfigError(f"the database {url} is not empty ({len(tables)} tables): "
                          "restore only into a new, empty database")
