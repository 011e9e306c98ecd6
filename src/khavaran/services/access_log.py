"""The access log: every view of a protected record, every reveal, every
export, every sign-in (successful or not) and every refused request.

Append-only (the database refuses changes) and never expiring; each row is
committed to the signed custody ledger in the same transaction, so a row
removed or altered later breaks the chain.  Rows hold ids, account names and
the user's own reason, never a protected value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from khavaran.errors import ValidationError
from khavaran.model.access_actions import ACTIONS, OUTCOMES
from khavaran.services.registry import Registry
from khavaran.storage import accounts as store
from khavaran.vault.keys import load_key
from khavaran.vault.ledger import LedgerWriter, iso
from khavaran.vault.verify_ledger import canonical

__all__ = ["ACTIONS", "Access", "LogPage", "read_log", "record", "record_in"]



@dataclass(frozen=True)
class Access:
    id: int
    at: dt.datetime
    actor: str
    action: str
    target: str | None
    outcome: str
    client: str | None
    via: str
    reason: str | None
    seq: int


@dataclass
class LogPage:
    entries: list[Access]
    total: int
    limit: int
    offset: int


def record_in(conn: Connection, registry: Registry, *, actor: str, action: str,
              target: str | None = None, outcome: str = "ok", client: str | None = None,
              via: str = "cli", reason: str | None = None) -> int:
    """Append one row, and its ledger entry, in the caller's transaction;
    returns the ledger entry's number."""
    if action not in ACTIONS or outcome not in OUTCOMES:
        raise ValueError(f"unknown access {action}/{outcome}")
    at = registry.now()
    row = {"at": at, "actor": actor[:200], "action": action, "target": target,
           "outcome": outcome, "client": client, "via": via, "reason": reason}
    digest = hashlib.sha256(canonical({**row, "at": iso(at)}).encode("utf-8")).hexdigest()
    entry = LedgerWriter(conn, load_key(registry.settings)).append(
        "access", item=None, actor=actor[:200], at=at,
        data={"action": action, "outcome": outcome, "record": digest})
    store.append_access(conn, {**row, "seq": entry.seq})
    return entry.seq


def record(registry: Registry, **kw: Any) -> int:
    """Append one row in its own transaction (see record_in for the fields)."""
    with registry.write() as conn:
        return record_in(conn, registry, **kw)


def read_log(registry: Registry, *, actor: str | None = None, action: str | None = None,
             target: str | None = None, since: dt.datetime | None = None,
             until: dt.datetime | None = None, limit: int = 100, offset: int = 0) -> LogPage:
    """Entries newest first, filtered by who, what, which record and when.

    Parameters: ``limit`` at most this many (1-1000); ``offset`` skip this many.
    Reading the log is for administrators: callers check the role.
    """
    if action is not None and action not in ACTIONS:
        raise ValidationError(f"unknown action '{action}' (one of {', '.join(sorted(ACTIONS))})",
                              field="action")
    if not 1 <= limit <= 1000 or offset < 0:
        raise ValidationError("limit must be 1-1000 and offset at least 0", field="limit")
    with registry.read() as conn:
        rows, total = store.log_rows(conn, actor=actor, action=action, target=target,
                                     since=since, until=until, limit=limit, offset=offset)
    return LogPage([Access(r["id"], r["at"], r["actor"], r["action"], r["target"],
                           r["outcome"], r["client"], r["via"], r["reason"], r["seq"])
                    for r in rows], total, limit, offset)
