"""Run the Alembic migrations from inside the package (no alembic.ini needed)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["current_revision", "head_revision", "is_current", "is_known", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(?:None|['\"]([^'\"]+)['\"])\s*$",
                   re.MULTILINE)


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema; safe to run again."""
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def is_known(revision: str) -> bool:
    """Whether this version of Khavaran has the migration ``revision``."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(_config())
    return revision in {s.revision for s in scripts.walk_revisions()}


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _plain_head() -> str | None:
    """The newest revision read from the migration files as text, or None when
    they do not form one plain chain (then Alembic has to decide)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        body = path.read_text(encoding="utf-8")
        rev, down = _REVISION.findall(body), _DOWN.search(body)
        if len(rev) != 1 or down is None:
            return None
        revisions.add(rev[0])
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_current(engine: Engine) -> bool:
    """Whether the database is at the newest schema, checked without Alembic.

    Importing Alembic and reading every migration takes longer than most
    commands; this reads the one-row version table and the files' text.  A
    False answer is not final: callers ask Alembic why.
    """
    head = _plain_head()
    if head is None:
        return False
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return list(rows) == [head]
