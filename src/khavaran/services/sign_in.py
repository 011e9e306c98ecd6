"""Who is asking: sign-in with password and second factor, web sessions, API
tokens, and the limit on failed sign-ins.

Every sign-in, successful or not, and every refused session or token goes to
the access log.  Messages never say which part was wrong, so that they do
not confirm that an account exists.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection

from khavaran.errors import AuthError, RateLimitError, ValidationError
from khavaran.model.roles import Role, role
from khavaran.services.access_log import record, record_in
from khavaran.services.accounts import check_password, hasher, sha256
from khavaran.services.registry import Registry
from khavaran.services.totp import matching_step, normalise_code
from khavaran.storage import accounts as store

__all__ = ["SESSION_HOURS", "Principal", "SignedIn", "confirm_totp", "csrf_token",
           "delay_after", "end_session", "principal_for_session", "principal_for_token",
           "change_password", "same", "sign_in", "sign_out"]

SESSION_HOURS = 8
FREE_FAILURES = 3  # failed sign-ins allowed before delays start
MAX_DELAY = 15 * 60  # seconds
WINDOW = dt.timedelta(hours=1)  # failures older than this are forgiven
REFUSED = "wrong name, password or code"
# A real Argon2id hash, verified when the account does not exist, so that an
# unknown name costs as much time as a known one.
_DUMMY = hasher().hash(secrets.token_hex(16))


@dataclass(frozen=True)
class Principal:
    """An account making a request, and how it proved who it is."""
    name: str
    role: Role
    via: str  # "token" or "session"
    session: str | None = None  # the session's digest, to end it
    language: str | None = None  # of the pages, when the account chose one


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    session_id: str  # goes in the cookie; only its digest is stored
    csrf: str
    expires_at: dt.datetime


def csrf_token(session_id: str) -> str:
    """The CSRF token of a session: derived from the session id, which the
    page's scripts cannot read (HttpOnly cookie), and not reversible."""
    return sha256("csrf:" + session_id)


def delay_after(failures: int) -> int:
    """Seconds to wait after ``failures`` failed sign-ins: none for the first
    few, then doubling up to fifteen minutes."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(2 ** (failures - FREE_FAILURES), MAX_DELAY))


def _wait(conn: Connection, now: dt.datetime, *, actor: str | None = None,
          client: str | None = None) -> int:
    last_ok = store.last_success(conn, actor=actor, client=client)
    since = now - WINDOW
    if last_ok is not None:
        last_ok = last_ok if last_ok.tzinfo else last_ok.replace(tzinfo=dt.UTC)
        since = max(since, last_ok)
    count, last = store.failures_since(conn, since, actor=actor, client=client)
    if last is None:
        return 0
    last = last if last.tzinfo else last.replace(tzinfo=dt.UTC)
    left = delay_after(count) - (now - last).total_seconds()
    return max(0, int(left + 0.999))


def _second_factor_ok(conn: Connection, registry: Registry, row: object, code: str | None
                      ) -> bool:
    secret = row["totp_secret"]  # type: ignore[index]
    if secret is None:
        return True
    if not code or not _is_text(code):
        return False
    totp = normalise_code(code)
    if totp is not None:
        # A TOTP code, in any digits: good once, within its window.
        step = matching_step(secret, totp, registry.now(),
                             row["totp_last_step"])  # type: ignore[index]
        if step is None:
            return False
        store.set_account(conn, row["name"], totp_last_step=step)  # type: ignore[index]
        return True
    code = code.strip().replace(" ", "")
    return store.use_recovery_code(conn, row["name"], sha256(code.lower()),  # type: ignore[index]
                                   registry.now())


def _is_text(code: str) -> bool:
    """Whether ``code`` can be stored and hashed as UTF-8 (a JSON body may carry a
    lone surrogate, such as "\\ud800")."""
    try:
        code.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _password_ok(row: object, password: str) -> bool:
    """Whether ``password`` is the enabled account's; an unknown account costs
    the same Argon2id check, so that timing does not tell it apart."""
    try:
        hasher().verify(row["password_hash"] if row else _DUMMY,  # type: ignore[index]
                        password)
    except (VerificationError, InvalidHashError):
        return False
    return row is not None and not row["disabled"]  # type: ignore[index]


def sign_in(registry: Registry, name: str, password: str, code: str | None = None, *,
            client: str | None = None) -> SignedIn:
    """Check name, password and (for accounts that have one) a TOTP code or an
    unused recovery code; open a new session.

    Raises RateLimitError while the account or the address must wait, and
    AuthError for anything wrong; both are written to the access log.
    """
    now = registry.now()
    name = name.strip()[:200]
    with registry.read() as conn:
        wait = max(_wait(conn, now, actor=name), _wait(conn, now, client=client)
                   if client else 0)
    if wait:
        record(registry, actor=name, action="sign-in", outcome="refused", client=client,
               via="web", reason="too many failed sign-ins")
        raise RateLimitError(f"too many failed sign-ins: try again in {wait} s", wait)
    with registry.write() as conn:
        row = store.account_row(conn, name)
        ok = _password_ok(row, password)
        needs = row is not None and role(row["role"]).needs_totp
        if ok and needs and row["totp_secret"] is None:
            ok = False  # a role that may reveal never signs in on a password alone
        ok = ok and _second_factor_ok(conn, registry, row, code)
        if ok:
            assert row is not None
            session_id = secrets.token_urlsafe(32)
            expires = now + dt.timedelta(hours=SESSION_HOURS)
            store.add_session(conn, {"digest": sha256(session_id), "account": name,
                                     "created_at": now, "expires_at": expires})
            record_in(conn, registry, actor=name, action="sign-in", client=client, via="web")
    if not ok:
        record(registry, actor=name, action="sign-in", outcome="failed", client=client,
               via="web")
        raise AuthError(REFUSED)
    principal = Principal(name, role(row["role"]), "session", sha256(session_id),
                          row["language"])
    return SignedIn(principal, session_id, csrf_token(session_id), expires)


def end_session(registry: Registry, session_id: str) -> None:
    """End the session of a cookie presented at sign-in: the new session gets a
    new id, so that a cookie planted before sign-in is worth nothing."""
    with registry.write() as conn:
        store.end_session(conn, sha256(session_id), registry.now())


def sign_out(registry: Registry, principal: Principal, *, client: str | None = None) -> None:
    with registry.write() as conn:
        if principal.session:
            store.end_session(conn, principal.session, registry.now())
        record_in(conn, registry, actor=principal.name, action="sign-out", client=client,
                  via="web")


def _refuse(registry: Registry, what: str, client: str | None, actor: str = "anonymous"
            ) -> AuthError:
    record(registry, actor=actor, action="denied", outcome="refused", client=client,
           via="web", reason=what)
    return AuthError(what)


def principal_for_token(registry: Registry, token: str, *, client: str | None = None
                        ) -> Principal:
    """The account a bearer token belongs to; AuthError (logged) otherwise."""
    with registry.read() as conn:
        row = store.token_row(conn, digest=sha256(token))
        account = store.account_row(conn, row["account"]) if row else None
    if row is None or account is None:
        raise _refuse(registry, "invalid token", client)
    if row["revoked_at"] is not None:
        raise _refuse(registry, "revoked token", client, row["account"])
    if account["disabled"]:
        raise _refuse(registry, "account disabled", client, row["account"])
    return Principal(account["name"], role(account["role"]), "token",
                     language=account["language"])


def principal_for_session(registry: Registry, session_id: str, *,
                          client: str | None = None) -> Principal:
    """The account of a session cookie; AuthError (logged) when it is unknown,
    ended or expired."""
    digest = sha256(session_id)
    with registry.read() as conn:
        row = store.session_row(conn, digest)
        account = store.account_row(conn, row["account"]) if row else None
    if row is None or account is None:
        raise _refuse(registry, "no such session", client)
    expires = row["expires_at"]
    expires = expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)
    if row["ended_at"] is not None or expires <= registry.now():
        raise _refuse(registry, "session ended or expired: sign in again", client,
                      row["account"])
    if account["disabled"]:
        raise _refuse(registry, "account disabled", client, row["account"])
    return Principal(account["name"], role(account["role"]), "session", digest,
                     account["language"])


def confirm_totp(registry: Registry, name: str, code: str, *, client: str | None = None
                 ) -> None:
    """Make a pending second factor the account's own, given a first code from it."""
    with registry.write() as conn:
        row = store.account_row(conn, name)
        pending = row["totp_pending"] if row else None
        if pending is None:
            raise ValidationError("no second factor is waiting to be confirmed: enrol first",
                                  field="code")
        totp = normalise_code(code) if _is_text(code) else None
        if totp is None:
            raise ValidationError("a code is the six digits the authenticator app shows",
                                  field="code")
        step = matching_step(pending, totp, registry.now(), None)
        if step is None:
            raise ValidationError("that code does not match the new secret", field="code")
        store.set_account(conn, name, totp_secret=pending, totp_pending=None,
                          totp_last_step=step)
        record_in(conn, registry, actor=name, action="totp-confirm", target=name,
                  client=client, via="web")


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def change_password(registry: Registry, name: str, current: str, new: str, *,
                    keep_session: str | None = None,
                    client: str | None = None) -> None:
    """Replace an account's password, given the current one.  Every other
    session of the account ends: whoever else held one must sign in again."""
    check_password(new)
    with registry.write() as conn:
        row = store.account_row(conn, name)
        ok = _password_ok(row, current)
        if ok:
            now = registry.now()
            store.set_account(conn, name, password_hash=hasher().hash(new))
            store.end_sessions_of(conn, name, now, keep=keep_session)
            record_in(conn, registry, actor=name, action="password-change", target=name,
                      client=client, via="web")
    if not ok:
        record(registry, actor=name, action="password-change", outcome="failed",
               client=client, via="web")
        raise ValidationError("the current password is wrong", field="current")
