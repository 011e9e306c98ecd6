"""Reads and writes of accounts, tokens, sessions and the access log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, select, true, update

from khavaran.storage.account_tables import (
    access_log,
    account,
    api_token,
    recovery_code,
    web_session,
)

__all__ = [
    "account_row", "accounts", "add_account", "add_recovery_codes", "add_session", "add_token",
    "append_access", "end_session", "failures_since", "last_success", "log_rows",
    "end_sessions_of", "export_recorded", "revoke_token", "session_row", "set_account",
    "token_row", "tokens_of",
    "use_recovery_code",
]


# Built once: every request that carries a token or a session reads both.
_ACCOUNT = select(account).where(account.c.name == bindparam("name"))
_TOKEN_BY_DIGEST = select(api_token).where(api_token.c.digest == bindparam("value"))
_TOKEN_BY_ID = select(api_token).where(api_token.c.id == bindparam("value"))


def account_row(conn: Connection, name: str) -> Any:
    return conn.execute(_ACCOUNT, {"name": name}).mappings().first()


def accounts(conn: Connection) -> list[Any]:
    return list(conn.execute(select(account).order_by(account.c.name)).mappings())


def add_account(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(account).values(**row))


def set_account(conn: Connection, name: str, **values: Any) -> None:
    conn.execute(update(account).where(account.c.name == name).values(**values))


def add_recovery_codes(conn: Connection, name: str, digests: Iterable[str],
                       at: dt.datetime) -> None:
    # New codes replace the old ones: those still unused are spent.
    conn.execute(update(recovery_code).where(recovery_code.c.account == name,
                                             recovery_code.c.used_at.is_(None))
                 .values(used_at=at))
    conn.execute(insert(recovery_code), [{"digest": d, "account": name, "created_at": at}
                                         for d in digests])


def use_recovery_code(conn: Connection, name: str, digest: str, at: dt.datetime) -> bool:
    """Spend one unused code; whether it was there to spend."""
    done = conn.execute(update(recovery_code).where(
        recovery_code.c.account == name, recovery_code.c.digest == digest,
        recovery_code.c.used_at.is_(None)).values(used_at=at))
    return bool(done.rowcount == 1)


def add_token(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(api_token).values(**row))


def token_row(conn: Connection, *, digest: str | None = None, token_id: str | None = None
              ) -> Any:
    query, value = (_TOKEN_BY_DIGEST, digest) if digest else (_TOKEN_BY_ID, token_id)
    return conn.execute(query, {"value": value}).mappings().first()


def tokens_of(conn: Connection, name: str) -> list[Any]:
    return list(conn.execute(select(api_token).where(api_token.c.account == name)
                             .order_by(api_token.c.created_at)).mappings())


def revoke_token(conn: Connection, token_id: str, by: str, at: dt.datetime) -> bool:
    done = conn.execute(update(api_token).where(api_token.c.id == token_id,
                                                api_token.c.revoked_at.is_(None))
                        .values(revoked_at=at, revoked_by=by))
    return bool(done.rowcount == 1)


def add_session(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(web_session).values(**row))


_SESSION = select(web_session).where(web_session.c.digest == bindparam("digest"))


def session_row(conn: Connection, digest: str) -> Any:
    return conn.execute(_SESSION, {"digest": digest}).mappings().first()


def end_session(conn: Connection, digest: str, at: dt.datetime) -> None:
    conn.execute(update(web_session).where(web_session.c.digest == digest,
                                           web_session.c.ended_at.is_(None))
                 .values(ended_at=at))


def end_sessions_of(conn: Connection, name: str, at: dt.datetime, *,
                    keep: str | None = None) -> None:
    """End every open session of ``name`` but the one whose digest is ``keep``."""
    query = update(web_session).where(web_session.c.account == name,
                                      web_session.c.ended_at.is_(None))
    if keep is not None:
        query = query.where(web_session.c.digest != keep)
    conn.execute(query.values(ended_at=at))


def append_access(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(access_log).values(**row))


def last_success(conn: Connection, *, actor: str | None = None, client: str | None = None
                 ) -> dt.datetime | None:
    """When ``actor`` (or someone from ``client``) last signed in."""
    where = [access_log.c.action == "sign-in", access_log.c.outcome == "ok"]
    where.append(access_log.c.actor == actor if actor is not None
                 else access_log.c.client == client)
    at: dt.datetime | None = conn.execute(select(func.max(access_log.c.at)).where(*where)
                                          ).scalar()
    return at


def failures_since(conn: Connection, since: dt.datetime, *, actor: str | None = None,
                   client: str | None = None) -> tuple[int, dt.datetime | None]:
    """Failed sign-ins after ``since``: how many, and when the last one was."""
    where = [access_log.c.action == "sign-in", access_log.c.outcome != "ok",
             access_log.c.at > since]
    where.append(access_log.c.actor == actor if actor is not None
                 else access_log.c.client == client)
    row = conn.execute(select(func.count(), func.max(access_log.c.at)).where(*where)).one()
    return int(row[0]), row[1]


def log_rows(conn: Connection, *, actor: str | None = None, action: str | None = None,
             target: str | None = None, since: dt.datetime | None = None,
             until: dt.datetime | None = None, limit: int = 100, offset: int = 0
             ) -> tuple[list[Any], int]:
    """Access-log rows, newest first, filtered; and how many match in all."""
    where = []
    if actor:
        where.append(access_log.c.actor == actor)
    if action:
        where.append(access_log.c.action == action)
    if target:
        where.append(access_log.c.target == target)
    if since:
        where.append(access_log.c.at >= since)
    if until:
        where.append(access_log.c.at < until)
    cond = and_(true(), *where)
    total = int(conn.execute(select(func.count()).select_from(access_log).where(cond)).scalar()
                or 0)
    rows = conn.execute(select(access_log).where(cond)
                        .order_by(access_log.c.id.desc()).limit(limit).offset(offset))
    return list(rows.mappings()), total


def export_recorded(conn: Connection, tag: str) -> bool:
    """Whether an access-log export row's reason ends with ``tag`` (services/staging.py)."""
    return conn.execute(select(access_log.c.id).where(
        access_log.c.action == "export", access_log.c.reason.endswith(tag, autoescape=True)
    ).limit(1)).first() is not None
