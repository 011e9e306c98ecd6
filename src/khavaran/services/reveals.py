"""One record of a reveal, whichever shell made it.

A protected identity shown on purpose (``--include-protected`` with ``--as`` on
the command line, a reveal on the web) is written twice in the caller's
transaction: to the record's history, as before, and to the access log, where
administrators read every reveal of the installation in one place
(services/access_log.py).  Both are committed to the ledger with the rest of
the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from sqlalchemy import Connection

from khavaran.errors import ValidationError
from khavaran.services.access_log import record_in
from khavaran.services.registry import Registry, require_actor
from khavaran.services.staging import atomic_file
from khavaran.storage.repo import append_history

__all__ = ["export_to_file", "record_export", "record_reveals"]


def record_reveals(conn: Connection, registry: Registry, *, actor: str | None, ids: Iterable[str],
                   reason: str, at: dt.datetime | None = None, via: str = "cli",
                   client: str | None = None) -> None:
    """Write the reveal of each of ``ids`` to history and to the access log.

    Parameters: ``actor`` who asked; ``reason`` why (the command, or the user's
    words); ``via`` "cli" or "web"; ``client`` the web client's address.
    """
    ids = sorted(set(ids))
    if not ids:
        return
    actor = require_actor(actor)
    at = at or registry.now()
    append_history(conn, [{
        "at": at, "actor": actor, "action": "reveal-protected", "entity_id": eid,
        "claim_id": None, "field": "identity", "old_value": None, "new_value": None,
        "reason": reason} for eid in ids])
    for eid in ids:
        record_in(conn, registry, actor=actor, action="reveal", target=eid, via=via,
                  client=client, reason=reason[:1000])


def record_export(registry: Registry, *, actor: str | None, what: str, target: str | None = None,
                  revealed: Iterable[str] = (), tag: str | None = None,
                  conn: Connection | None = None) -> None:
    """Write an export to the access log, with the reveals it made, in one
    transaction (the caller's ``conn``, or a new one).

    Parameters: ``what`` the export, in words (its access-log reason);
    ``target`` the record exported, if one; ``revealed`` the protected people
    whose identities it holds; ``tag`` the staging area's tag
    (services/staging.py), so that an interrupted export can be settled.
    """
    if conn is None:
        with registry.write() as c:
            record_export(registry, actor=actor, what=what, target=target,
                          revealed=revealed, tag=tag, conn=c)
        return
    who = actor or registry.settings.actor or "anonymous"
    record_reveals(conn, registry, actor=who, ids=revealed, reason=what)
    record_in(conn, registry, actor=who, action="export", target=target,
              reason=what + (f" {tag}" if tag else ""))


def export_to_file(registry: Registry, out: Path, write: Callable[[IO[str]], None], *,
                   actor: str | None, what: str, revealed: Callable[[], Iterable[str]]
                   ) -> None:
    """Write an export through the staging area and publish it under ``out``
    together with its access-log record (``revealed`` is asked once written)."""
    with atomic_file(registry.settings.home, out) as (path, area):
        try:
            with path.open("w", encoding="utf-8") as fh:
                write(fh)
        except OSError as exc:
            raise ValidationError(f"cannot write the export: {exc.strerror}",
                                  file=str(out)) from None
        area.publish([(path, out)], lambda tag: record_export(
            registry, actor=actor, what=what, revealed=revealed(), tag=tag), replace=True)
