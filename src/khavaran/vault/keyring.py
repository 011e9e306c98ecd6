"""The key ring of an installation protected by a passphrase.

``HOME/keys/keyring.json`` holds, in one file::

    kdf          Argon2id's parameters and salt: passphrase -> key-encryption key
    master       the master key (32 random bytes), AES-256-GCM under that key
    signing_key  the ledger's Ed25519 private key, AES-256-GCM under the master
                 key, beside its public half

Nothing in it can be read without the passphrase.  Changing the master key or
the passphrase re-wraps what the master key wraps and replaces the file in one
rename, so an interrupted change leaves the old file, and the old passphrase,
in force.  Each ciphertext is bound (as associated data) to what it is: the
master key to the KDF parameters, the signing key to its public half.

cryptography and argon2 are imported where they are used: every command that
reads the registry imports the module that imports this one.
"""

from __future__ import annotations

import json
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khavaran.errors import ConfigError

__all__ = ["DEFAULT_KDF", "FORMAT", "KEYRING_FILE", "MIN_PASSPHRASE", "Unlocked",
           "check_new_passphrase", "derive", "new_master", "new_master_id", "normalised",
           "open_ring", "public_key_of", "read_passphrase_file", "seal_ring", "write_ring"]

KEYRING_FILE = Path("keys") / "keyring.json"
FORMAT = "khavaran-keyring/1"
MIN_PASSPHRASE = 12  # characters; a passphrase of several words passes easily
# RFC 9106's second recommended Argon2id setting: 64 MiB, 3 passes (about 0.3 s).
DEFAULT_KDF: dict[str, Any] = {"name": "argon2id", "time_cost": 3, "memory_cost": 65536,
                               "parallelism": 4}
_LIMITS = {"time_cost": (1, 64), "memory_cost": (8, 4 * 1024 * 1024), "parallelism": (1, 64)}
_MASTER_AAD = b"khavaran master key\0"
_SIGNING_AAD = b"khavaran ledger signing key\0"


@dataclass(frozen=True)
class Unlocked:
    """What the passphrase opened: the master key and the signing key's raw bytes."""

    master: bytes
    master_id: str
    signing_private: bytes
    public_hex: str


def normalised(passphrase: str) -> bytes:
    """The passphrase as bytes: typed or read from a file, the same text gives
    the same bytes (Unicode NFC, so a Persian passphrase typed on another
    keyboard still matches)."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def check_new_passphrase(passphrase: str) -> str:
    """Refuse a passphrase too short to protect anything."""
    if len(passphrase.strip()) < MIN_PASSPHRASE:
        raise ConfigError(f"a passphrase must have at least {MIN_PASSPHRASE} characters "
                          "(several words are best): nothing was changed")
    return passphrase


def read_passphrase_file(path: Path) -> str:
    """The passphrase in ``path``: its first line, without the line break."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"the passphrase file {path} does not exist "
                          "(KHAVARAN_PASSPHRASE_FILE)") from None
    except UnicodeDecodeError:
        raise ConfigError(f"the passphrase file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the passphrase file {path}: {exc.strerror}") from None
    line = text.split("\n", 1)[0].removesuffix("\r")
    if not line:
        raise ConfigError(f"the passphrase file {path} is empty: its first line is the "
                          "passphrase")
    return line


def derive(passphrase: str, kdf: dict[str, Any]) -> bytes:
    """The 32-byte key-encryption key for ``passphrase`` under ``kdf``."""
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(normalised(passphrase), bytes.fromhex(kdf["salt"]),
                           time_cost=kdf["time_cost"], memory_cost=kdf["memory_cost"],
                           parallelism=kdf["parallelism"], hash_len=32, type=Type.ID)


def seal_ring(passphrase: str, unlocked: Unlocked, kdf: dict[str, Any] | None = None) -> bytes:
    """The key ring file's bytes: ``unlocked``'s keys under ``passphrase``.

    Parameters: ``kdf`` Argon2id's cost (time_cost, memory_cost in KiB,
    parallelism; default DEFAULT_KDF); a new salt is drawn each time.
    """
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    params = {**(kdf or DEFAULT_KDF), "name": "argon2id", "salt": secrets.token_hex(16)}
    _check_kdf(params, Path(KEYRING_FILE))
    kek = derive(passphrase, params)
    m_nonce, s_nonce = secrets.token_bytes(12), secrets.token_bytes(12)
    wrapped = AESGCM(kek).encrypt(m_nonce, unlocked.master, _master_aad(params,
                                                                         unlocked.master_id))
    encrypted = AESGCM(unlocked.master).encrypt(
        s_nonce, unlocked.signing_private, _SIGNING_AAD + unlocked.public_hex.encode())
    ring = {"format": FORMAT, "kdf": params,
            "master": {"id": unlocked.master_id, "nonce": m_nonce.hex(),
                       "wrapped": wrapped.hex()},
            "signing_key": {"public_key": unlocked.public_hex, "nonce": s_nonce.hex(),
                            "encrypted": encrypted.hex()}}
    return (json.dumps(ring, indent=1, sort_keys=True) + "\n").encode("ascii")


def open_ring(data: bytes, passphrase: str, path: Path, *, source: str) -> Unlocked:
    """Unlock the key ring ``data`` (read from ``path``) with ``passphrase``.

    Parameters: ``source`` where the passphrase came from, named in the refusal.
    Refuses, decrypting nothing, when the passphrase is wrong or the file was
    altered.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ring = _parsed(data, path)
    kdf, master, signing = ring["kdf"], ring["master"], ring["signing_key"]
    kek = derive(passphrase, kdf)
    try:
        key = AESGCM(kek).decrypt(bytes.fromhex(master["nonce"]),
                                  bytes.fromhex(master["wrapped"]),
                                  _master_aad(kdf, master["id"]))
    except InvalidTag:
        raise ConfigError(f"wrong passphrase: {source} does not unlock {path} (or the key "
                          "ring was altered); nothing was decrypted or written") from None
    public = signing["public_key"].lower()
    try:
        private = AESGCM(key).decrypt(bytes.fromhex(signing["nonce"]),
                                      bytes.fromhex(signing["encrypted"]),
                                      _SIGNING_AAD + public.encode())
    except InvalidTag:
        raise ConfigError(f"{path}: the signing key does not decrypt under the master key "
                          "(the key ring was altered)") from None
    return Unlocked(key, master["id"], private, public)


def public_key_of(data: bytes, path: Path) -> str:
    """The public half of the signing key the ring holds (no passphrase needed)."""
    return str(_parsed(data, path)["signing_key"]["public_key"]).lower()


def write_ring(path: Path, data: bytes) -> None:
    """Replace the key ring at ``path`` with ``data`` in one rename (mode 0600).

    Until the rename the old file is untouched: an interruption leaves it, and
    its passphrase, in force.  A temporary file left by one is replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    tmp.unlink(missing_ok=True)  # left by an interruption, perhaps with another mode
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.rename(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def new_master_id() -> str:
    return secrets.token_hex(8)


def new_master() -> bytes:
    return secrets.token_bytes(32)


def _master_aad(kdf: dict[str, Any], master_id: str) -> bytes:
    return _MASTER_AAD + json.dumps({"kdf": kdf, "id": master_id}, sort_keys=True).encode()


def _parsed(data: bytes, path: Path) -> dict[str, Any]:
    try:
        ring = json.loads(data)
        if not isinstance(ring, dict) or ring.get("format") != FORMAT:
            raise ValueError("format")
        for part, fields in (("master", ("id", "nonce", "wrapped")),
                             ("signing_key", ("public_key", "nonce", "encrypted"))):
            for name in fields:
                value = ring[part][name]
                if not isinstance(value, str):
                    raise ValueError(f"{part}.{name}")
                bytes.fromhex(value)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is not a Khavaran key ring ({FORMAT}): {exc}") from None
    _check_kdf(ring.get("kdf"), path)
    return ring


def _check_kdf(kdf: Any, path: Path) -> None:
    """Refuse parameters no installation would write (an altered file must not
    make unlocking take hours or all the memory)."""
    try:
        if kdf["name"] != "argon2id" or not 16 <= len(bytes.fromhex(kdf["salt"])) <= 64:
            raise ValueError
        for name, (low, high) in _LIMITS.items():
            value = kdf[name]
            if type(value) is not int or not low <= value <= high:
                raise ValueError
        if kdf["memory_cost"] < 8 * kdf["parallelism"]:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise ConfigError(f"{path}: the key derivation parameters are not Argon2id's within "
                          f"bounds ({', '.join(f'{k} {a}-{b}' for k, (a, b) in _LIMITS.items())}"
                          ", a salt of 16-64 bytes)") from None
