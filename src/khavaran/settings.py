"""Every setting of Khavaran, with its default and help text.

Each can be given on the command line or by its environment variable; the
command line wins.  tests/test_docs.py checks that each is documented.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from khavaran.errors import ConfigError

__all__ = ["DEFAULT_MAX_UPLOAD", "SETTINGS", "Setting", "Settings", "parse_size"]

DEFAULT_MAX_UPLOAD = 200 * 1000 * 1000  # bytes: 200 MB
_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024,
          "mib": 1024**2, "gib": 1024**3, "k": 1000, "m": 1000**2, "g": 1000**3}


def parse_size(text: str, name: str = "max_upload") -> int:
    """A size in bytes from "200MB", "1.5 GB", "512KiB" or a plain number of bytes."""
    raw = text.strip().lower().replace("_", "")
    number = raw.rstrip("kmgib ")
    unit = raw[len(number):].strip()
    try:
        value = Decimal(number)  # exact: a float would round large sizes
    except InvalidOperation:
        raise ConfigError(f"{name}: '{text}' is not a size (e.g. 200MB, 2GB, 1048576)") from None
    if unit not in _UNITS or not value.is_finite() or value * _UNITS[unit] < 1:
        raise ConfigError(f"{name}: '{text}' is not a size (e.g. 200MB, 2GB, 1048576)")
    return int(value * _UNITS[unit])


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
    Setting("max_upload", "--max-upload", "KHAVARAN_MAX_UPLOAD", "200MB",
            "Largest file the web import accepts (e.g. 200MB, 2GB); a larger upload is "
            "refused before it is read (option of `khavaran serve`)."),
    Setting("vault", "--vault", "KHAVARAN_VAULT", None,
            "Keep the evidence files in s3://BUCKET/PREFIX, an existing bucket of an "
            "S3-compatible store (its URL in KHAVARAN_S3_ENDPOINT, keys in AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY; see docs/object-store.md). Default: the folder vault "
            "in the data home."),
    Setting("s3_endpoint", "--s3-endpoint", "KHAVARAN_S3_ENDPOINT", None,
            "URL of the S3-compatible store of an s3:// vault (e.g. http://127.0.0.1:8333); "
            "default: AWS."),
    Setting("passphrase_file", "--passphrase-file", "KHAVARAN_PASSPHRASE_FILE", None,
            "File holding the installation's passphrase (its first line): `init` protects a "
            "new installation with it; a protected one reads it to unlock (see "
            "docs/protection.md). Without it a protected installation asks at the terminal."),
)


@dataclass(frozen=True)
class Settings:
    home: Path
    db_url: str
    actor: str | None
    max_upload: int = DEFAULT_MAX_UPLOAD
    passphrase_file: Path | None = None
    vault: str | None = None  # a folder or an s3:// URL; None: HOME/vault
    s3_endpoint: str | None = None
    # How to ask for the passphrase when there is no file: set by the command
    # line when it runs at a terminal; None elsewhere (a server, a test, a pipe).
    ask_passphrase: Callable[[str], str] | None = field(default=None, compare=False,
                                                        repr=False)

    @classmethod
    def resolve(
        cls,
        *,
        home: str | None = None,
        db: str | None = None,
        actor: str | None = None,
        max_upload: str | None = None,
        passphrase_file: str | None = None,
        vault: str | None = None,
        s3_endpoint: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Settings:
        env = os.environ if env is None else env
        home_path = Path(home or env.get("KHAVARAN_HOME") or "./khavaran-data")
        db_url = db or env.get("KHAVARAN_DB") or f"sqlite:///{home_path / 'khavaran.db'}"
        actor = (actor or env.get("KHAVARAN_USER") or "").strip() or None
        size = max_upload or env.get("KHAVARAN_MAX_UPLOAD")
        limit = parse_size(size) if size else DEFAULT_MAX_UPLOAD
        phrase = passphrase_file or env.get("KHAVARAN_PASSPHRASE_FILE") or None
        where = (vault or env.get("KHAVARAN_VAULT") or "").strip() or None
        endpoint = (s3_endpoint or env.get("KHAVARAN_S3_ENDPOINT") or "").strip() or None
        return cls(home=home_path, db_url=db_url, actor=actor, max_upload=limit,
                   passphrase_file=Path(phrase) if phrase else None, vault=where,
                   s3_endpoint=endpoint)

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
