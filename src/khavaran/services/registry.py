"""Open or create a registry: a data home plus its database."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import OperationalError

from khavaran.errors import ConfigError, StorageError
from khavaran.services.keyed_ids import key_protected
from khavaran.services.staging import STAGING, sweep
from khavaran.settings import Settings
from khavaran.storage import sealing
from khavaran.storage.engine import make_engine
from khavaran.storage.migrate import (
    current_revision,
    head_revision,
    is_current,
    is_known,
    upgrade,
)
from khavaran.storage.triggers import restore_triggers
from khavaran.vault.blobs import Vault
from khavaran.vault.keys import is_protected, load_key
from khavaran.vault.ledger import LedgerWriter

__all__ = ["Registry", "init_registry", "make_vault", "open_registry", "require_actor"]


def make_vault(settings: Settings) -> Vault:
    """The vault that ``settings`` name: the disk folder, or an object store."""
    if settings.vault is None:
        return Vault(settings.home / "vault")
    from khavaran.vault.s3 import S3Vault  # boto3 only for those who use it

    # Staging, the lock and the intents stay on this machine's disk.
    return S3Vault(settings.home / "vault", settings.vault, settings.s3_endpoint)


def require_actor(actor: str | None) -> str:
    """Revealing or changing anything needs a named person."""
    if not actor or not actor.strip():
        raise ConfigError("this needs a name to record: give --as NAME or KHAVARAN_USER")
    return actor


@dataclass
class Registry:
    settings: Settings
    engine: Engine
    notes: list[str] = field(default_factory=list)  # what opening it had to repair

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction: committed whole at the end, rolled back on any error.

        What it wrote to the registry's tables is sealed in the ledger before the
        commit (storage/sealing.py): one signed entry per transaction.  A key
        under a passphrase is unlocked first, so that a wrong passphrase is
        refused before anything is done."""
        if is_protected(self.settings.home):
            load_key(self.settings)
        with self.engine.begin() as conn:
            sealing.begin(conn)
            try:
                yield conn
                journal = conn.info.get(sealing.JOURNAL)
                sealing.seal(conn, lambda: LedgerWriter(conn, load_key(self.settings)),
                             self.settings.actor or "khavaran", self.now())
                sealing.count_change(conn, journal)
            finally:
                conn.info.pop(sealing.JOURNAL, None)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    _vault: Vault | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def vault(self) -> Vault:
        if self._vault is None:  # one store client per registry
            self._vault = make_vault(self.settings)
        return self._vault

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def close(self) -> None:
        self.engine.dispose()


def init_registry(settings: Settings, *,
                  passphrase: str | None = None) -> tuple[Registry, bool]:
    """Create the data home and bring the database to the newest schema.

    Parameters: ``passphrase`` protect the installation's keys with it
    (default: the one in ``settings.passphrase_file``, if any; an installation
    already protected keeps its own and is unlocked with it).
    Returns the registry and whether anything had to be created or migrated.
    """
    _check_home(settings)
    _check_passphrase(settings, passphrase)
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the data home {settings.home}: {exc.strerror}") from None
    with contextlib.suppress(PermissionError):  # a home someone else owns stays theirs
        # The data home holds protected names in clear: its owner's alone (a home
        # made before this, readable by every local user, is closed here too).
        settings.home.chmod(0o700)
    from alembic.util.exc import CommandError

    from khavaran.vault.keys import KEYRING_FILE, ensure_key

    engine = make_engine(settings.db_url)
    with _closed_on_error(engine):
        try:
            before = current_revision(engine)
            upgrade(engine)
        except OperationalError as exc:
            raise StorageError(f"cannot open the database {settings.db_url}: "
                               f"{exc.orig}") from None
        except CommandError:
            raise StorageError(f"the database {settings.db_url} has a schema ({before}) that "
                               "this version of Khavaran does not know: use a newer "
                               "Khavaran") from None
        # The ledger's signing key is made here, once, so that every entry ever
        # written by this installation is signed by it.
        with engine.begin() as conn:
            key, key_done = ensure_key(settings, conn, passphrase)
        with engine.begin() as conn:
            notes = restore_triggers(conn)
            # A registry made before its rows (or those of a table that joined the
            # seal later, such as the account tables) were sealed in the ledger gets
            # one entry sealing all of them (as they are now).
            sealed = set(conn.execute(select(sealing.registry_seal.c.table_name)
                                      .distinct()).scalars())
            unsealed = [name for name in sealing.SEALED if name not in sealed]
            if unsealed:
                seq = sealing.seal_everything(conn, lambda: LedgerWriter(conn, key),
                                              settings.actor or "khavaran init",
                                              dt.datetime.now(dt.UTC), unsealed)
                if seq is not None and before is not None:
                    notes.append(f"the registry's rows are now sealed in the ledger "
                                 f"(entry {seq})")
        with engine.begin() as conn:
            # Claims that identify a protected person, written before keyed ids
            # existed, take theirs now (sealed like any other write).
            sealing.begin(conn)
            keyed = key_protected(conn)
            if keyed:
                sealing.seal(conn, lambda: LedgerWriter(conn, key),
                             settings.actor or "khavaran init", dt.datetime.now(dt.UTC))
                notes.append(f"{keyed} claims of protected people are now known by keyed ids")
        make_vault(settings).create()
        if key_done == "protected":
            notes.append(f"the ledger's signing key is now protected by the passphrase "
                         f"({settings.home / KEYRING_FILE}); the clear key file was removed")
        elif key_done == "created" and is_protected(settings.home):
            notes.append(f"the ledger's signing key is kept under the passphrase "
                         f"({settings.home / KEYRING_FILE}): every command that signs needs "
                         "it, and without it nothing more can be signed (docs/protection.md)")
    return (_swept(Registry(settings, engine, notes)),
            before != head_revision() or key_done is not None)


def _check_passphrase(settings: Settings, passphrase: str | None) -> None:
    """Refuse a wrong passphrase, or a new one too weak, before anything is
    created or migrated."""
    from khavaran.vault import keyring

    if is_protected(settings.home):
        if passphrase is not None:
            raise ConfigError(f"the installation at {settings.home} has a passphrase already: "
                              "'khavaran key rotate --new-passphrase' changes it")
        load_key(settings)
    elif passphrase is not None:
        keyring.check_new_passphrase(passphrase)
    elif settings.passphrase_file is not None:
        keyring.check_new_passphrase(keyring.read_passphrase_file(settings.passphrase_file))


@contextmanager
def _closed_on_error(engine: Engine) -> Iterator[None]:
    """A registry that could not be opened must not keep its connections: the
    caller never gets the engine to close."""
    try:
        yield
    except BaseException:
        engine.dispose()
        raise


def _swept(registry: Registry) -> Registry:
    """Clear what an interrupted command left in the data home's staging folder
    (finishing the publishing of an export that was recorded)."""
    if (registry.settings.home / STAGING).is_dir():
        with registry.read() as conn:
            registry.notes.extend(sweep(registry.settings.home, conn))
    return registry


def _check_home(settings: Settings) -> None:
    if settings.home.exists() and not settings.home.is_dir():
        raise ConfigError(f"the data home {settings.home} is a file, not a folder")


def open_registry(settings: Settings) -> Registry:
    """Open an initialised registry, or say how to create one."""
    _check_home(settings)
    path = settings.db_url.split(":///", 1)[1] if settings.is_sqlite and ":///" in \
        settings.db_url else ""
    if path and path != ":memory:" and not Path(path).is_file():
        raise StorageError(f"no registry at {settings.db_url}: run 'khavaran init' first "
                           "(or set --home/--db)")
    engine = make_engine(settings.db_url)
    with _closed_on_error(engine):
        try:
            if is_current(engine):
                return _swept(Registry(settings, engine))
            revision = current_revision(engine)
        except OperationalError as exc:
            raise StorageError(f"cannot open the database {settings.db_url}: "
                               f"{exc.orig}") from None
        if revision is None:
            raise StorageError(f"no registry at {settings.db_url}: run 'khavaran init' first "
                               "(or set --home/--db)")
        if revision != head_revision():
            if not is_known(revision):
                raise StorageError(f"the database {settings.db_url} has a schema ({revision}) "
                                   "that this version of Khavaran does not know: use a newer "
                                   "Khavaran")
            raise StorageError(
                f"the registry's schema ({revision}) is not the current one "
                f"({head_revision()}): run 'khavaran init' to migrate it")
    return Registry(settings, engine)
