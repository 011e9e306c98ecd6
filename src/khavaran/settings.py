"""Every setting of Khavaran, with its default and help text.

Each can be given on the command line or by its environment variable; the
command line wins.  tests/test_docs.py checks that each is documented.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from khavaran.errors import ConfigError

__all__ = ["SETTINGS", "Setting", "Settings"]


@dataclass(frozen=True)
class Setting:
    name: str
    option: str
    env: str
    default: str | None
    help: str


SETTINGS = (
    Setting("home", "--home", "KHAVARAN_HOME", "./khavaran-data",
            "Data home: holds the SQLite database, the evidence vault and the ledger key."),
    Setting("db", "--db", "KHAVARAN_DB", None,
            "Database URL (sqlite:///path or postgresql+psycopg://...); "
            "default: SQLite file khavaran.db in the data home."),
    Setting("user", "--as", "KHAVARAN_USER", None,
            "Who is making the change; required for every write except init and demo."),
)


@dataclass(frozen=True)
class Settings:
    home: Path
    db_url: str
    actor: str | None

    @classmethod
    def resolve(
        cls,
        *,
        home: str | None = None,
        db: str | None = None,
        actor: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Settings:
        env = os.environ if env is None else env
        home_path = Path(home or env.get("KHAVARAN_HOME") or "./khavaran-data")
        db_url = db or env.get("KHAVARAN_DB") or f"sqlite:///{home_path / 'khavaran.db'}"
        actor = (actor or env.get("KHAVARAN_USER") or "").strip() or None
        return cls(home=home_path, db_url=db_url, actor=actor)

    def require_actor(self) -> str:
        """The name to record on a write; refuse the write if there is none."""
        if not self.actor:
            raise ConfigError(
                "this command changes the registry: say who you are with --as NAME "
                "or the KHAVARAN_USER environment variable"
            )
        if len(self.actor) > 200:
            raise ConfigError("--as NAME must be at most 200 characters")
        return self.actor

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")
