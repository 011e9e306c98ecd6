"""The custody ledger: append signed, chained entries; read them back.

Each entry's body is canonical JSON holding its sequence number, the hash
of the previous entry of the whole ledger (`prev`), the hash of the same
item's previous entry (`item_prev`), who, when, what and the signing key's
id.  The SHA-256 of the body is the entry's hash; the Ed25519 signature is
over the body.  verify_ledger.py, which stands alone, states the procedure.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from khavaran.storage.vault_tables import ledger_entry, ledger_lock
from khavaran.vault.keys import SigningKey
from khavaran.vault.verify_ledger import GENESIS, Entry, canonical

__all__ = ["KINDS", "Appended", "LedgerWriter", "StoredEntry", "body_of", "data_of", "head",
           "iso", "iter_entries"]

# Every kind of event the ledger records.
KINDS = frozenset({
    "intake", "view", "download", "copy", "derive", "derivation", "export", "transfer",
    "verify", "link", "purge", "timestamp", "key", "case", "registry", "review", "access",
})


def iso(at: dt.datetime) -> str:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# Built once: building the statement per entry cost more than signing it.
_INSERT = insert(ledger_entry)


@dataclass(frozen=True)
class Appended:
    seq: int
    hash: str
    body: dict[str, Any]


class LedgerWriter:
    """Appends within the caller's transaction.

    Creating one takes the ledger lock (see ledger_lock), so from then until
    the transaction ends no other writer can append: the chain cannot fork.
    """

    def __init__(self, conn: Connection, key: SigningKey) -> None:
        self.conn = conn
        self.key = key
        conn.execute(update(ledger_lock).where(ledger_lock.c.id == 1)
                     .values(writes=ledger_lock.c.writes + 1))
        row = conn.execute(select(ledger_entry.c.seq, ledger_entry.c.hash)
                           .order_by(ledger_entry.c.seq.desc()).limit(1)).first()
        self.seq: int = row.seq if row else 0
        self.hash: str = row.hash if row else GENESIS
        self._item_heads: dict[str, str | None] = {}
        self._batch: list[dict[str, Any]] | None = None

    def look_ahead(self, items: Sequence[str]) -> None:
        """Read the newest entry of each of these items at once, for the appends to come."""
        wanted = sorted(set(items) - self._item_heads.keys())
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            self._item_heads.update(dict.fromkeys(part))
            newest = select(func.max(ledger_entry.c.seq)).where(
                ledger_entry.c.item_id.in_(part)).group_by(ledger_entry.c.item_id)
            for r in self.conn.execute(select(ledger_entry.c.item_id, ledger_entry.c.hash)
                                       .where(ledger_entry.c.seq.in_(newest))):
                self._item_heads[r.item_id] = r.hash

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """Appends inside are written together when the block ends (one statement
        for many entries); the caller's later statements see them.  If the block
        fails, none is written and the writer is as it was before it."""
        if self._batch is not None:
            raise RuntimeError("the ledger writer is already batching")
        before = (self.seq, self.hash, dict(self._item_heads))
        self._batch = []
        try:
            yield
            if self._batch:
                self.conn.execute(_INSERT, self._batch)
        except BaseException:
            self.seq, self.hash, self._item_heads = before
            raise
        finally:
            self._batch = None

    def _item_head(self, item: str) -> str | None:
        if item not in self._item_heads:
            self._item_heads[item] = self.conn.execute(
                select(ledger_entry.c.hash).where(ledger_entry.c.item_id == item)
                .order_by(ledger_entry.c.seq.desc()).limit(1)).scalar()
        return self._item_heads[item]

    def append(self, kind: str, *, item: str | None, actor: str, at: dt.datetime,
               data: dict[str, Any]) -> Appended:
        if kind not in KINDS:
            raise ValueError(f"unknown ledger event {kind}")
        body: dict[str, Any] = {
            "v": 1, "seq": self.seq + 1, "prev": self.hash, "item": item,
            "item_prev": self._item_head(item) if item else None,
            "kind": kind, "actor": actor, "at": iso(at), "key": self.key.key_id, "data": data,
        }
        text = canonical(body)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        row = {"seq": body["seq"], "item_id": item, "kind": kind, "hash": digest,
               "prev": self.hash, "body": text, "signature": self.key.sign(text)}
        if self._batch is not None:
            self._batch.append(row)
        else:
            self.conn.execute(_INSERT, row)
        self.seq, self.hash = body["seq"], digest
        if item:
            self._item_heads[item] = digest
        return Appended(self.seq, digest, body)


def body_of(text: str) -> dict[str, Any]:
    """An entry's body as a dict; {} for one that is damaged (the chain check says so)."""
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def data_of(text: str) -> dict[str, Any]:
    data = body_of(text).get("data")
    return data if isinstance(data, dict) else {}


def head(conn: Connection) -> tuple[int, str]:
    """The newest entry's seq and hash; (0, GENESIS) for an empty ledger."""
    row = conn.execute(select(ledger_entry.c.seq, ledger_entry.c.hash)
                       .order_by(ledger_entry.c.seq.desc()).limit(1)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


@dataclass(frozen=True)
class StoredEntry(Entry):
    item_id: str | None
    kind: str


def iter_entries(conn: Connection, item: str | None = None,
                 upto: int | None = None) -> Iterator[StoredEntry]:
    """Entries in ledger order, streamed; only ``item``'s when given."""
    q = select(ledger_entry.c.seq, ledger_entry.c.hash, ledger_entry.c.signature,
               ledger_entry.c.body, ledger_entry.c.item_id, ledger_entry.c.kind
               ).order_by(ledger_entry.c.seq)
    if item is not None:
        q = q.where(ledger_entry.c.item_id == item)
    if upto is not None:
        q = q.where(ledger_entry.c.seq <= upto)
    # On the statement, not the connection: that would change the connection for good.
    for r in conn.execute(q.execution_options(yield_per=10_000)):
        yield StoredEntry(r.seq, r.hash, r.signature, r.body, r.item_id, r.kind)
