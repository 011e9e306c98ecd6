"""Verify the vault and its ledger, purge an item, export and timestamp the ledger."""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from khavaran.errors import TimestampError
from khavaran.services.evidence import live_digests, require_item, uploads_begun
from khavaran.services.record_checks import record_problems
from khavaran.services.registry import Registry
from khavaran.services.witness_items import (
    guard_item,
    protected_witness,
    record_item_reveal,
    withheld_items,
)
from khavaran.settings import Settings
from khavaran.storage.engine import make_engine
from khavaran.storage.vault_tables import (
    evidence_derivation,
    evidence_item,
    evidence_purge,
    ledger_entry,
    ledger_timestamp,
)
from khavaran.vault.keys import load_key, trusted_keys
from khavaran.vault.ledger import LedgerWriter, StoredEntry, data_of, head, iso, iter_entries
from khavaran.vault.verify_ledger import (
    Entry,
    check_chain,
    check_signatures,
    signature_checker,
)

__all__ = ["Report", "items_with_copies", "verify"]

_SIGNATURE_WORKERS = 2  # the machines we run on have two cores
_SLICE = 50_000


WITHHELD = "[a protected witness's testimony: withheld]"


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    # what is worth knowing but proves nothing wrong: an object a killed upload left
    notes: list[str] = field(default_factory=list)
    items: int = 0
    blobs: int = 0
    entries: int = 0
    signatures: int = 0
    timestamps: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(registry: Registry, item_id: str | None, *, actor: str,
           check_signatures_too: bool = True, include_protected: bool = False,
           progress: Callable[[str, int, int], None] | None = None) -> Report:
    """Re-hash files, check both chains, signatures and timestamps; record the result.

    Parameters: ``item_id`` one item and its copies (None: the whole vault);
    ``include_protected`` verify a protected witness's testimony
    (services/witness_items.py; recorded); ``progress(step, done, total)`` is
    told of each step ("files", with the files re-hashed; "ledger").
    """
    say = progress or _quiet
    key = load_key(registry.settings)
    report = Report()
    registry.vault.settle(live_digests(registry))
    witness = None
    with registry.read() as conn:
        if item_id is not None:
            witness = guard_item(conn, item_id, include_protected, actor)
        items = items_with_copies(conn, item_id)
        _check_blobs(registry, conn, items, report, whole=item_id is None, say=say)
        say("ledger", 0, 0)
        report.problems += record_problems(conn, items)
        trusted = trusted_keys(conn, key)
        _check_entries(conn, item_id, report, trusted)
        if check_signatures_too:
            _check_all_signatures(registry.settings, conn, item_id, report, trusted)
        _check_timestamps(conn, report)
        secret = withheld_items(conn, [i.id for i in items]) if item_id is None else set()
        hidden = [i for i in items if i.id in secret]
        if include_protected:  # named on request: each witness named is a reveal
            named = [i for i in hidden if _withheld(report.problems, [i]) != report.problems]
            witnesses = {protected_witness(conn, i.id) for i in named}
        else:
            report.problems = _withheld(report.problems, hidden)
            witnesses = set()
    with registry.write() as conn:
        seq, last = head(conn)
        LedgerWriter(conn, key).append("verify", item=item_id, actor=actor, at=registry.now(),
                                       data={"result": "passed" if report.ok else "failed",
                                             "problems": len(report.problems),
                                             "items": report.items, "entries": report.entries,
                                             "head_seq": seq, "head": last})
        record_item_reveal(conn, registry, witness, actor, f"evidence verify {item_id}")
        for w in sorted(w for w in witnesses if w):
            record_item_reveal(conn, registry, w, actor, "evidence verify --all")
    return report


def _withheld(problems: list[str], hidden: list[Any]) -> list[str]:
    """The problems with every id, hash and stored path of a protected witness's
    testimony items taken out: a failure says what failed, not that the vault
    holds that testimony (an id or a hash names the file; the path is its hash)."""
    if not hidden:
        return problems
    words = sorted({w for i in hidden for w in (i.id, i.sha256, i.sha512)}, key=len,
                   reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words))
    return [pattern.sub(WITHHELD, p) for p in problems]


def items_with_copies(conn: Connection, item_id: str | None) -> list[Any]:
    if item_id is None:
        return list(conn.execute(select(evidence_item).order_by(evidence_item.c.id)))
    require_item(conn, item_id, live=False)
    # An item's verification covers its working copies too.
    ids: list[str] = []
    todo = [item_id]
    while todo:
        current = todo.pop()
        if current in ids:
            continue  # lineage has no cycles, but never loop
        ids.append(current)
        todo.extend(r.child_id for r in conn.execute(select(evidence_derivation.c.child_id)
                                                      .where(evidence_derivation.c.parent_id
                                                             == current)))
    return list(conn.execute(select(evidence_item).where(evidence_item.c.id.in_(ids))
                             .order_by(evidence_item.c.id)))


def _quiet(step: str, done: int, total: int) -> None:
    return None


def _check_blobs(registry: Registry, conn: Connection, items: list[Any], report: Report,
                 whole: bool, say: Callable[[str, int, int], None] = _quiet) -> None:
    gone = {r.item_id for r in conn.execute(select(evidence_purge.c.item_id))}
    vault = registry.vault
    lingering = [item for item in items if item.id in gone and vault.exists(item.sha256)]
    kept = [item for item in items if item.id not in gone]
    report.items += len(items)
    report.blobs += len(kept)
    rehashed = vault.rehash_each([item.sha256 for item in kept])
    for n, (item, now) in enumerate(zip(kept, rehashed, strict=True)):
        say("files", n, len(kept))
        shape = vault.shape_problem(item.sha256)
        if shape:
            report.problems.append(f"item {item.id}: its stored file {shape}")
        if now is None:
            report.problems.append(f"item {item.id}: its stored file is missing "
                                   f"({vault.where(item.sha256)})")
        elif (now.sha256, now.sha512, now.size) != (item.sha256, item.sha512, item.size):
            report.problems.append(f"item {item.id}: its stored file has changed "
                                   f"(sha256 is now {now.sha256}, size {now.size} bytes; "
                                   f"recorded {item.sha256}, {item.size} bytes)")
    owned = {vault.where(item.sha256) for item in items if item.id not in gone}
    strays = sorted(set(vault.stored()) - owned) if whole else []
    if not strays and not lingering:
        return
    # A command may be between placing (or removing) files and committing:
    # look again with the vault lock held, against the database as it is now.
    with vault.locked():
        vault.recover(live_digests(registry))
        live = live_digests(registry)({_name(p) for p in strays} |
                                      {i.sha256 for i in lingering})
        for item in lingering:
            if item.sha256 not in live and vault.exists(item.sha256):
                report.problems.append(f"item {item.id}: purged, but its file is still in "
                                       "the vault")
        begun = {}
        if vault.uploads_recorded:
            with registry.read() as conn:
                begun = uploads_begun(conn, [_name(p) for p in strays])
        for path in strays:
            if vault.present(path) and not (_name(path) in live
                                            and path == vault.where(_name(path))):
                if path == vault.where(_name(path)) and _name(path) in begun and \
                        getattr(vault.rehash(_name(path)), "sha256", None) == _name(path):
                    at = begun[_name(path)]
                    at = (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
                    report.notes.append(
                        f"the file {path} was left by an upload that began at "
                        f"{at:%Y-%m-%d %H:%M} UTC and was never recorded (a command killed "
                        "part way): no item holds it; 'khavaran vault tidy' removes it a day "
                        "after its upload began")
                    continue
                report.problems.append(f"the file {path} belongs to no item (it was put "
                                       "there by hand, or its item was removed)")


def _name(where: str) -> str:
    """The last part of a stored file's address: its SHA-256, if it is one of ours."""
    return where.rsplit("/", 1)[-1]


def _check_entries(conn: Connection, item_id: str | None, report: Report,
                   trusted: dict[str, str]) -> None:
    """Both chains over the whole ledger, and each row's columns against its body."""

    def columns(entry: Entry, body: dict[str, Any]) -> str | None:
        assert isinstance(entry, StoredEntry)
        if body.get("key") not in trusted:
            return (f"entry {entry.seq}: signed by key {body.get('key')}, which this "
                    "installation does not trust (see 'khavaran ledger trust')")
        if body.get("item") != entry.item_id or body.get("kind") != entry.kind:
            return (f"entry {entry.seq}: its columns differ from its signed body "
                    "(the row was edited)")
        return None

    report.problems += check_chain(iter_entries(conn), also=columns)
    counted = select(func.count()).select_from(ledger_entry)
    if item_id is not None:
        counted = counted.where(ledger_entry.c.item_id == item_id)
    report.entries = conn.execute(counted).scalar_one()


def _check_all_signatures(settings: Settings, conn: Connection, item_id: str | None,
                          report: Report, keys: dict[str, str]) -> None:
    if item_id is not None:
        entries = list(iter_entries(conn, item_id))
        report.signatures = len(entries)
        report.problems += check_signatures(entries, signature_checker(keys))
        return
    last = conn.execute(select(func.max(ledger_entry.c.seq))).scalar() or 0
    slices = [(lo, min(lo + _SLICE - 1, last)) for lo in range(1, last + 1, _SLICE)]
    if len(slices) <= 1:
        found = [_signature_slice(settings.db_url, lo, hi, keys) for lo, hi in slices]
    else:
        # Each worker reads its own slice from the database: nothing big is pickled.
        # Spawned, not forked: a child must not inherit the parent's open connections.
        with ProcessPoolExecutor(_SIGNATURE_WORKERS,
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            found = list(pool.map(_signature_slice, [settings.db_url] * len(slices),
                                  [lo for lo, _ in slices], [hi for _, hi in slices],
                                  [keys] * len(slices)))
    for checked, problems in found:
        report.signatures += checked
        report.problems += problems


def _signature_slice(db_url: str, lo: int, hi: int,
                     keys: dict[str, str]) -> tuple[int, list[str]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            q = select(ledger_entry.c.seq, ledger_entry.c.hash, ledger_entry.c.signature,
                       ledger_entry.c.body).where(ledger_entry.c.seq.between(lo, hi))
            entries = [Entry(r.seq, r.hash, r.signature, r.body) for r in conn.execute(q)]
    finally:
        engine.dispose()
    return len(entries), check_signatures(entries, signature_checker(keys))


def _check_timestamps(conn: Connection, report: Report) -> None:
    """Each stored token verifies and matches its signed `timestamp` entry, both ways."""
    signed: dict[Any, dict[str, Any]] = {}
    for body in conn.execute(select(ledger_entry.c.body).where(
            ledger_entry.c.kind == "timestamp")).scalars():
        recorded = data_of(body)
        signed[recorded.get("token_sha256")] = recorded
    seen = set()
    for stamp in conn.execute(select(ledger_timestamp).order_by(ledger_timestamp.c.id)):
        report.timestamps += 1
        where = f"timestamp {stamp.id} over entry {stamp.seq}"
        token_hash = hashlib.sha256(stamp.token).hexdigest()
        seen.add(token_hash)
        entry = conn.execute(select(ledger_entry.c.hash).where(
            ledger_entry.c.seq == stamp.seq)).scalar()
        data = signed.get(token_hash) or {}
        if not data or (data.get("covers_seq"), data.get("covers"), data.get("tsa"),
                            data.get("gen_time")) != (stamp.seq, stamp.hash, stamp.tsa_url,
                                                      iso(stamp.gen_time)):
            report.problems.append(f"{where}: no signed timestamp entry in the ledger records "
                                   "this token (it was added or changed)")
            continue
        if entry != stamp.hash:
            report.problems.append(f"{where}: entry {stamp.seq} no longer has the hash it "
                                   "timestamped")
            continue
        from khavaran.vault.timestamps import verify_token  # only when there are tokens

        try:
            info = verify_token(stamp.token, bytes.fromhex(stamp.hash),
                                ca_pem=stamp.ca_pem.encode() if stamp.ca_pem else None)
        except TimestampError as exc:
            report.problems.append(f"{where}: {exc}")
            continue
        if iso(info.gen_time) != data.get("gen_time"):
            report.problems.append(f"{where}: the token's time {iso(info.gen_time)} is not the "
                                   f"time its ledger entry records ({data.get('gen_time')})")
    for token_hash, recorded in signed.items():
        if token_hash not in seen:
            report.problems.append(f"the timestamp over entry {recorded.get('covers_seq')} that "
                                   "the ledger records is missing from the store")
