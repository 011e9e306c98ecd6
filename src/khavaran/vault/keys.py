"""The installation's Ed25519 signing key for the custody ledger.

The private key lives in the data home (keys/ledger-ed25519.pem, mode 0600);
its public half is registered in the database so that every extract can carry
it.  Several installations sharing one PostgreSQL database each register
their own key.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert, select

from khavaran.errors import ConfigError
from khavaran.storage.vault_tables import ledger_entry, ledger_key
from khavaran.vault.verify_ledger import Entry, extend_trust, key_id

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# cryptography is imported where a key is used, not here: every command that
# reads the registry imports this module, and most never sign anything.

__all__ = ["KEY_FILE", "SigningKey", "ensure_key", "load_key", "public_keys", "trusted_keys"]

KEY_FILE = Path("keys") / "ledger-ed25519.pem"


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


def load_key(home: Path) -> SigningKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = home / KEY_FILE
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise ConfigError(f"no ledger signing key at {path}: run 'khavaran init'") from None
    except ValueError:
        raise ConfigError(f"{path} is not a PEM private key") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 key")
    return SigningKey.of(private)


def ensure_key(home: Path, conn: Connection) -> tuple[SigningKey, bool]:
    """Load the home's key, creating it first if there is none; register it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = home / KEY_FILE
    created = False
    if not path.exists():
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
        created = True
    key = load_key(home)
    known = conn.execute(select(ledger_key.c.key_id).where(
        ledger_key.c.key_id == key.key_id)).first()
    if known is None:
        conn.execute(insert(ledger_key).values(
            key_id=key.key_id, public_key=key.public_hex, created_at=dt.datetime.now(dt.UTC)))
    return key, created


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
