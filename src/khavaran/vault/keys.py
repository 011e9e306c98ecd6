"""The installation's Ed25519 signing key for the custody ledger.

Without a passphrase the private key lives in the data home in clear
(keys/ledger-ed25519.pem, mode 0600).  An installation initialised with a
passphrase keeps it encrypted in keys/keyring.json instead (vault/keyring.py),
and a command that signs unlocks it once per process: from the file named by
KHAVARAN_PASSPHRASE_FILE, or typed at the terminal.  Its public half is
registered in the database so that every extract can carry it.  Several
installations sharing one PostgreSQL database each register their own key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert, select

from khavaran.errors import ConfigError
from khavaran.settings import Settings
from khavaran.storage.vault_tables import ledger_entry, ledger_key
from khavaran.vault import keyring
from khavaran.vault.keyring import KEYRING_FILE, Unlocked
from khavaran.vault.verify_ledger import Entry, extend_trust, key_id

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# cryptography is imported where a key is used, not here: every command that
# reads the registry imports this module, and most never sign anything.

__all__ = ["KEYRING_FILE", "KEY_FILE", "SigningKey", "ensure_key", "is_protected", "load_key",
           "public_keys", "rotate_master_key", "trusted_keys", "unlock"]

KEY_FILE = Path("keys") / "ledger-ed25519.pem"

# What this process has unlocked, so that a server (or a command that signs
# many times) derives the key once: (key ring path, tag) -> what it opened.
# The tag is a hash of the key ring's bytes and the passphrase read from the
# file, so a changed file or passphrase is checked again; a passphrase typed at
# the terminal is asked once (tag: the ring's hash and "typed").
_UNLOCKED: dict[tuple[str, bytes], Unlocked] = {}


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    public_hex: str
    key_id: str

    def sign(self, body: str) -> str:
        return self.private.sign(body.encode("utf-8")).hex()

    @classmethod
    def of(cls, private: Ed25519PrivateKey) -> SigningKey:
        from cryptography.hazmat.primitives import serialization

        raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                                serialization.PublicFormat.Raw)
        return cls(private, raw.hex(), key_id(raw.hex()))


def is_protected(home: Path) -> bool:
    """Whether the installation at ``home`` keeps its keys under a passphrase."""
    return (home / KEYRING_FILE).exists()


def load_key(settings: Settings) -> SigningKey:
    """The installation's signing key; unlocked with the passphrase if it has one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if is_protected(settings.home):
        opened = unlock(settings)
        return SigningKey.of(Ed25519PrivateKey.from_private_bytes(opened.signing_private))
    return _load_pem(settings.home / KEY_FILE)


def unlock(settings: Settings) -> Unlocked:
    """Open the key ring of ``settings.home`` with its passphrase (once per process).

    The passphrase comes from ``settings.passphrase_file``, or else is asked
    with ``settings.ask_passphrase``; with neither the command is refused."""
    path = settings.home / KEYRING_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the key ring {path}: {exc.strerror}") from None
    where = str(path.absolute())
    ring_hash = hashlib.sha256(data).digest()
    if settings.passphrase_file is None and (where, ring_hash + b"typed") in _UNLOCKED:
        return _UNLOCKED[where, ring_hash + b"typed"]
    passphrase, source = _passphrase(settings)
    if settings.passphrase_file is None:
        tag = ring_hash + b"typed"
    else:
        tag = hashlib.sha256(ring_hash + keyring.normalised(passphrase)).digest()
    if (where, tag) not in _UNLOCKED:
        _UNLOCKED[where, tag] = keyring.open_ring(data, passphrase, path, source=source)
    return _UNLOCKED[where, tag]


def _passphrase(settings: Settings) -> tuple[str, str]:
    """The passphrase of a protected installation, and where it came from."""
    if settings.passphrase_file is not None:
        return (keyring.read_passphrase_file(settings.passphrase_file),
                f"the passphrase in {settings.passphrase_file}")
    if settings.ask_passphrase is None:
        raise ConfigError(
            f"the installation at {settings.home} is protected by a passphrase: name a "
            "file holding it with KHAVARAN_PASSPHRASE_FILE (or --passphrase-file), or run "
            "the command at a terminal to type it")
    return settings.ask_passphrase(f"passphrase of {settings.home}"), "the passphrase typed"


def _load_pem(path: Path) -> SigningKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise ConfigError(f"no ledger signing key at {path}: run 'khavaran init'") from None
    except ValueError:
        raise ConfigError(f"{path} is not a PEM private key") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 key")
    return SigningKey.of(private)


def ensure_key(settings: Settings, conn: Connection,
               passphrase: str | None = None) -> tuple[SigningKey, str | None]:
    """Load the home's key, creating it first if there is none; register it.

    Parameters: ``passphrase`` protect the key with it (default: the one in
    ``settings.passphrase_file``, if any).  A home whose key is in clear gets it
    wrapped, and the clear file removed, when a passphrase is given.  Returns
    the key and what was done: "created", "protected" or None.
    """
    home = settings.home
    done = None
    typed = passphrase is not None
    if not is_protected(home):
        if passphrase is None and settings.passphrase_file is not None:
            passphrase = keyring.read_passphrase_file(settings.passphrase_file)
        pem = home / KEY_FILE
        if passphrase is not None:
            keyring.check_new_passphrase(passphrase)
            done = _protect(settings, pem, passphrase, typed=typed)
        elif not pem.exists():
            _write_new_pem(pem)
            done = "created"
    key = load_key(settings)
    known = conn.execute(select(ledger_key.c.key_id).where(
        ledger_key.c.key_id == key.key_id)).first()
    if known is None:
        conn.execute(insert(ledger_key).values(
            key_id=key.key_id, public_key=key.public_hex, created_at=dt.datetime.now(dt.UTC)))
    return key, done


def _protect(settings: Settings, pem: Path, passphrase: str, *, typed: bool) -> str:
    """Write a key ring holding the home's key (a new one if there is none)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    existing = pem.exists()
    private = _load_pem(pem).private if existing else Ed25519PrivateKey.generate()
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    opened = Unlocked(keyring.new_master(), keyring.new_master_id(), raw,
                      SigningKey.of(private).public_hex)
    _install(settings, keyring.seal_ring(passphrase, opened), passphrase, opened, typed=typed)
    if existing:
        _shred(pem)
    return "protected" if existing else "created"


def rotate_master_key(settings: Settings, new_passphrase: str | None = None) -> str:
    """Give the installation a new master key (and ``new_passphrase``, if given).

    Only what the master key wraps is re-wrapped; the signing key stays the
    same.  The new key ring replaces the old in one rename: until then the old
    one, and the old passphrase, stay in force.  Returns the new master key's id.
    """
    if not is_protected(settings.home):
        raise ConfigError(f"the installation at {settings.home} has no passphrase, so no "
                          "master key: 'khavaran init --passphrase' gives it one")
    path = settings.home / KEYRING_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the key ring {path}: {exc.strerror}") from None
    passphrase, source = _passphrase(settings)
    current = keyring.open_ring(data, passphrase, path, source=source)
    typed = new_passphrase is not None
    if new_passphrase is None:
        new_passphrase = passphrase
    keyring.check_new_passphrase(new_passphrase)
    opened = Unlocked(keyring.new_master(), keyring.new_master_id(),
                      current.signing_private, current.public_hex)
    _install(settings, keyring.seal_ring(new_passphrase, opened), new_passphrase, opened,
             typed=settings.passphrase_file is None or typed)
    return opened.master_id


def _install(settings: Settings, data: bytes, passphrase: str, opened: Unlocked, *,
             typed: bool) -> None:
    path = settings.home / KEYRING_FILE
    keyring.write_ring(path, data)
    # This process knows the passphrase already: it need not derive the key again.
    ring_hash = hashlib.sha256(data).digest()
    tag = (ring_hash + b"typed" if typed
           else hashlib.sha256(ring_hash + keyring.normalised(passphrase)).digest())
    _UNLOCKED[str(path.absolute()), tag] = opened


def _write_new_pem(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    os.rename(tmp, path)  # never a half-written key


def _shred(path: Path) -> None:
    """Overwrite the clear key file, then remove it.  (A journaling file system or
    an SSD may keep old blocks: docs/protection.md says what that means.)"""
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.write(b"\0" * size)
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()


def public_keys(conn: Connection) -> dict[str, str]:
    """Every well-formed registered public key, by key id.

    A row whose id is not its key's own id, or whose key is not 32 bytes of
    hex, is left out: it can sign nothing that verifies.
    """
    keys = {}
    for r in conn.execute(select(ledger_key)):
        try:
            if len(bytes.fromhex(r.public_key)) == 32 and key_id(r.public_key) == r.key_id:
                keys[r.key_id] = r.public_key
        except ValueError:
            continue
    return keys


def trusted_keys(conn: Connection, own: SigningKey) -> dict[str, str]:
    """The keys whose signatures this installation accepts.

    Registering a key in the database is not enough: anyone with the database
    could register one.  Trusted are this installation's own key and the
    keys that a trusted key endorsed with a signed `key` entry ('ledger
    trust'), in ledger order.
    """
    rows = conn.execute(select(ledger_entry.c.seq, ledger_entry.c.hash,
                               ledger_entry.c.signature, ledger_entry.c.body)
                        .where(ledger_entry.c.kind == "key").order_by(ledger_entry.c.seq))
    trusted = extend_trust({own.key_id: own.public_hex},
                           (Entry(r.seq, r.hash, r.signature, r.body) for r in rows))
    return trusted
