"""Accounts of a team: add, list, disable, change a role, issue and revoke API
tokens, enrol a second factor.  Every change goes to the access log.

Secrets are shown once and stored only as hashes: passwords with Argon2id,
tokens and recovery codes with SHA-256 (they are long random strings, so a
fast hash is enough).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
from argon2 import PasswordHasher
from sqlalchemy import Connection, RowMapping

from khavaran.errors import NotFoundError, ValidationError
from khavaran.model.roles import Role, role
from khavaran.services.access_log import record_in
from khavaran.services.registry import Registry
from khavaran.storage import accounts as store

__all__ = ["AccountInfo", "NewSecrets", "TokenInfo", "add_account", "check_password",
           "demo_code", "disable", "enrol_totp", "hasher", "issue_token", "list_accounts",
           "new_password", "revoke_token", "set_language", "set_role", "sha256", "tokens",
           "write_demo_accounts"]

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 12
RECOVERY_CODES = 10
ISSUER = "Khavaran"
DEMO_ACCOUNTS = (("demo-admin", "admin"), ("demo-investigator", "investigator"),
                 ("demo-analyst", "analyst"), ("demo-viewer", "viewer"))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hasher() -> PasswordHasher:
    """Argon2id with argon2-cffi's defaults (RFC 9106's second recommendation)."""
    return PasswordHasher()


@dataclass
class NewSecrets:
    """What an administrator must hand over, shown once and never stored in clear."""
    name: str
    role: str
    password: str | None = None  # set when generated
    totp_secret: str | None = None
    totp_uri: str | None = None
    recovery_codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AccountInfo:
    name: str
    role: str
    disabled: bool
    second_factor: bool
    active_tokens: int


@dataclass(frozen=True)
class TokenInfo:
    id: str
    account: str
    created_at: object
    created_by: str
    revoked_at: object | None


def new_password() -> str:
    """20 letters and digits (119 bits): nothing a shell or a form mangles."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(20))


def _check_name(name: str) -> str:
    if not NAME.match(name):
        raise ValidationError("an account name is 1-64 lower-case letters, digits, '.', '_' "
                              "or '-', starting with a letter or digit", field="name")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"a password needs at least {MIN_PASSWORD} characters",
                              field="password")
    return password


def _second_factor(registry: Registry, conn: Connection, secrets_out: NewSecrets,
                   pending: bool = False) -> None:
    """Make a TOTP secret and recovery codes for ``secrets_out.name``."""
    secret = pyotp.random_base32()
    codes = ["-".join(secrets.token_hex(2) for _ in range(3)) for _ in range(RECOVERY_CODES)]
    secrets_out.totp_secret = secret
    secrets_out.totp_uri = pyotp.TOTP(secret).provisioning_uri(name=secrets_out.name,
                                                               issuer_name=ISSUER)
    secrets_out.recovery_codes = codes
    if pending:
        store.set_account(conn, secrets_out.name, totp_pending=secret)
    else:  # a new secret: the steps used with the old one say nothing of it
        store.set_account(conn, secrets_out.name, totp_secret=secret, totp_last_step=None)
    store.add_recovery_codes(conn, secrets_out.name, [sha256(c) for c in codes],
                             registry.now())


def add_account(registry: Registry, name: str, role_name: str, *, actor: str,
                password: str | None = None, second_factor: bool = False) -> NewSecrets:
    """Create an account; a password is generated when none is given.

    A role that may reveal protected identities (or any, with
    ``second_factor``) gets a TOTP secret and recovery codes at once.
    """
    _check_name(name)
    r = role(role_name)
    out = NewSecrets(name, r.name)
    if password is None:
        password = out.password = new_password()
    check_password(password)
    with registry.write() as conn:
        if store.account_row(conn, name) is not None:
            raise ValidationError(f"an account '{name}' already exists", field="name")
        store.add_account(conn, {"name": name, "role": r.name,
                                 "password_hash": hasher().hash(password), "disabled": False,
                                 "created_at": registry.now(), "created_by": actor})
        if r.needs_totp or second_factor:
            _second_factor(registry, conn, out)
        record_in(conn, registry, actor=actor, action="account-add", target=name,
                  reason=f"role {r.name}")
    return out


def _account(conn: Connection, name: str) -> RowMapping:
    row = store.account_row(conn, name)
    if row is None:
        raise NotFoundError(f"no account '{name}' (khavaran user list)")
    assert isinstance(row, RowMapping)
    return row


def list_accounts(registry: Registry) -> list[AccountInfo]:
    with registry.read() as conn:
        return [AccountInfo(r["name"], r["role"], bool(r["disabled"]),
                            r["totp_secret"] is not None,
                            sum(1 for t in store.tokens_of(conn, r["name"])
                                if t["revoked_at"] is None))
                for r in store.accounts(conn)]


def tokens(registry: Registry) -> list[TokenInfo]:
    """Every API token's id, holder and state (never the token itself)."""
    with registry.read() as conn:
        return [TokenInfo(t["id"], t["account"], t["created_at"], t["created_by"],
                          t["revoked_at"])
                for r in store.accounts(conn) for t in store.tokens_of(conn, r["name"])]


def disable(registry: Registry, name: str, *, actor: str) -> None:
    """Refuse the account from now on: its sessions end, its tokens stop working."""
    with registry.write() as conn:
        _account(conn, name)
        store.set_account(conn, name, disabled=True)
        store.end_sessions_of(conn, name, registry.now())
        record_in(conn, registry, actor=actor, action="account-disable", target=name)


def set_role(registry: Registry, name: str, role_name: str, *, actor: str) -> NewSecrets:
    """Change an account's role; a role that may reveal gets a second factor
    if the account has none (returned, to hand over)."""
    r: Role = role(role_name)
    out = NewSecrets(name, r.name)
    with registry.write() as conn:
        row = _account(conn, name)
        store.set_account(conn, name, role=r.name)
        if r.needs_totp and row["totp_secret"] is None:
            _second_factor(registry, conn, out)
        # Whoever is signed in keeps no rights of the old role.
        store.end_sessions_of(conn, name, registry.now())
        record_in(conn, registry, actor=actor, action="account-role", target=name,
                  reason=f"role {r.name}")
    return out


def set_language(registry: Registry, name: str, language: str | None) -> None:
    """The language ``name`` reads the pages in ("fa", "en"), or None for the
    browser's own."""
    if language not in (None, "fa", "en"):
        raise ValidationError("the language is 'fa' or 'en'", field="language")
    with registry.write() as conn:
        _account(conn, name)
        store.set_account(conn, name, language=language)


def issue_token(registry: Registry, name: str, *, actor: str) -> str:
    """A new API token for ``name``: returned once, stored as its SHA-256."""
    token_id = "tk-" + secrets.token_hex(6)
    token = f"{token_id}.{secrets.token_urlsafe(32)}"
    with registry.write() as conn:
        row = _account(conn, name)
        if row["disabled"]:
            raise ValidationError(f"the account '{name}' is disabled", field="name")
        store.add_token(conn, {"id": token_id, "account": name, "digest": sha256(token),
                               "created_at": registry.now(), "created_by": actor})
        record_in(conn, registry, actor=actor, action="token-issue", target=token_id,
                  reason=f"for {name}")
    return token


def revoke_token(registry: Registry, token: str, *, actor: str) -> str:
    """Revoke a token, given whole or by its id (tk-...); returns the id."""
    token_id = token.split(".", 1)[0]
    with registry.write() as conn:
        row = store.token_row(conn, token_id=token_id)
        if row is None:
            raise NotFoundError(f"no token '{token_id}'")
        if not store.revoke_token(conn, token_id, actor, registry.now()):
            raise ValidationError(f"the token '{token_id}' is already revoked", field="token")
        record_in(conn, registry, actor=actor, action="token-revoke", target=token_id,
                  reason=f"of {row['account']}")
    return token_id


def enrol_totp(registry: Registry, name: str, *, actor: str, via: str = "cli",
               client: str | None = None) -> NewSecrets:
    """Start (re-)enrolling a second factor: a new secret and recovery codes,
    pending until a first code confirms it (see sign_in.confirm_totp)."""
    with registry.write() as conn:
        out = NewSecrets(name, _account(conn, name)["role"])
        _second_factor(registry, conn, out, pending=True)
        record_in(conn, registry, actor=actor, action="totp-enrol", target=name, via=via,
                  client=client)
    return out


def write_demo_accounts(registry: Registry, home: Path) -> Path | None:
    """Create the four demo accounts with random passwords and TOTP secrets, and
    write them to demo-accounts.txt (mode 0600): ``name role password totp-secret``.

    Only for a home holding the fictional demo; an account already there is
    left alone (None when all are)."""
    path = home / "demo-accounts.txt"
    lines = []
    with registry.read() as conn:
        existing = {r["name"] for r in store.accounts(conn)}
    for name, role_name in DEMO_ACCOUNTS:
        if name in existing:
            continue
        made = add_account(registry, name, role_name, actor="khavaran demo",
                           second_factor=True)
        lines.append(f"{name} {role_name} {made.password} {made.totp_secret}\n")
    if not lines:
        return None
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    with path.open("a", encoding="utf-8") as f:
        f.writelines(lines)
    return path


def demo_code(home: Path, name: str) -> str:
    """The current sign-in code of a demo account, read from the home's
    demo-accounts.txt: the fictional demo's accounts only, so that trying the
    web app needs no authenticator app."""
    path = home / "demo-accounts.txt"
    if not path.exists():
        raise NotFoundError(f"{path} does not exist: only a home with the demo "
                            "(khavaran demo) has demo accounts")
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == name:
            return str(pyotp.TOTP(parts[3]).now())
    raise NotFoundError(f"'{name}' is not a demo account in {path}")
