"""Verify the vault and its ledger, purge an item, export and timestamp the ledger."""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing
import os
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from khavaran.errors import EvidenceError, TimestampError, ValidationError
from khavaran.services.evidence import check_out, live_digests, require_item
from khavaran.services.record_checks import record_problems
from khavaran.services.registry import Registry
from khavaran.settings import Settings
from khavaran.storage.engine import make_engine
from khavaran.storage.vault_tables import (
    evidence_derivation,
    evidence_intake,
    evidence_item,
    evidence_meta,
    evidence_purge,
    ledger_entry,
    ledger_timestamp,
)
from khavaran.vault.keys import load_key, public_keys, trusted_keys
from khavaran.vault.ledger import LedgerWriter, StoredEntry, head, iso, iter_entries
from khavaran.vault.timestamps import request_token, verify_token
from khavaran.vault.verify_ledger import (
    FORMAT,
    Entry,
    canonical,
    check_chain,
    check_signatures,
    key_id,
    signature_checker,
)

__all__ = ["Report", "export_ledger", "purge", "timestamp_ledger", "trust_key", "verify"]

_SIGNATURE_WORKERS = 2  # the machines we run on have two cores
_SLICE = 50_000


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    items: int = 0
    blobs: int = 0
    entries: int = 0
    signatures: int = 0
    timestamps: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(registry: Registry, item_id: str | None, *, actor: str,
           check_signatures_too: bool = True) -> Report:
    """Re-hash files, check both chains, signatures and timestamps; record the result."""
    key = load_key(registry.settings.home)
    report = Report()
    registry.vault.settle(live_digests(registry))
    with registry.read() as conn:
        items = _items(conn, item_id)
        _check_blobs(registry, conn, items, report, whole=item_id is None)
        report.problems += record_problems(conn, items)
        trusted = trusted_keys(conn, key)
        _check_entries(conn, item_id, report, trusted)
        if check_signatures_too:
            _check_all_signatures(registry.settings, conn, item_id, report, trusted)
        _check_timestamps(conn, report)
    with registry.write() as conn:
        seq, last = head(conn)
        LedgerWriter(conn, key).append("verify", item=item_id, actor=actor, at=registry.now(),
                                       data={"result": "passed" if report.ok else "failed",
                                             "problems": len(report.problems),
                                             "items": report.items, "entries": report.entries,
                                             "head_seq": seq, "head": last})
    return report


def _items(conn: Connection, item_id: str | None) -> list[Any]:
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


def _check_blobs(registry: Registry, conn: Connection, items: list[Any], report: Report,
                 whole: bool) -> None:
    gone = {r.item_id for r in conn.execute(select(evidence_purge.c.item_id))}
    vault = registry.vault
    for item in items:
        report.items += 1
        if item.id in gone:
            if vault.path_of(item.sha256).exists():
                report.problems.append(f"item {item.id}: purged, but its file is still in "
                                       "the vault")
            continue
        report.blobs += 1
        shape = vault.shape_problem(item.sha256)
        if shape:
            report.problems.append(f"item {item.id}: its stored file {shape}")
        now = vault.rehash(item.sha256)
        if now is None:
            report.problems.append(f"item {item.id}: its stored file is missing "
                                   f"({vault.path_of(item.sha256)})")
        elif (now.sha256, now.sha512, now.size) != (item.sha256, item.sha512, item.size):
            report.problems.append(f"item {item.id}: its stored file has changed "
                                   f"(sha256 is now {now.sha256}, size {now.size} bytes; "
                                   f"recorded {item.sha256}, {item.size} bytes)")
    if whole:
        owned = {vault.path_of(item.sha256) for item in items if item.id not in gone}
        for path in sorted(set(vault.stored()) - owned):
            report.problems.append(f"the file {path} belongs to no item (it was put there "
                                   "by hand, or its item was removed)")


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
        data = json.loads(body).get("data") or {}
        signed[data.get("token_sha256")] = data
    seen = set()
    for stamp in conn.execute(select(ledger_timestamp).order_by(ledger_timestamp.c.id)):
        report.timestamps += 1
        where = f"timestamp {stamp.id} over entry {stamp.seq}"
        token_hash = hashlib.sha256(stamp.token).hexdigest()
        seen.add(token_hash)
        entry = conn.execute(select(ledger_entry.c.hash).where(
            ledger_entry.c.seq == stamp.seq)).scalar()
        data = signed.get(token_hash)
        if data is None or (data.get("covers_seq"), data.get("covers")) != (stamp.seq,
                                                                            stamp.hash):
            report.problems.append(f"{where}: no signed timestamp entry in the ledger records "
                                   "this token (it was added or changed)")
            continue
        if entry != stamp.hash:
            report.problems.append(f"{where}: entry {stamp.seq} no longer has the hash it "
                                   "timestamped")
            continue
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


# -- purge -----------------------------------------------------------------------


def purge(registry: Registry, item_id: str, *, reason: str, approved_by: str,
          actor: str) -> list[str]:
    """Delete the item's file and its working copies, leaving tombstones; returns ids."""
    if not reason.strip():
        raise ValidationError("a purge needs --reason", field="--reason")
    if not _person(approved_by) or _person(approved_by) == _person(actor):
        raise ValidationError("a purge must be approved by a second person: --approved-by "
                              "names someone other than --as", field="--approved-by")
    key = load_key(registry.settings.home)
    with registry.read() as conn:
        root = require_item(conn, item_id)
        doomed = _items(conn, item_id)
        gone = {r.item_id for r in conn.execute(select(evidence_purge.c.item_id))}
    doomed = [r for r in doomed if r.id not in gone]
    with registry.vault.changing([r.sha256 for r in doomed], live_digests(registry)):
        now = registry.now()
        with registry.write() as conn:
            ledger = LedgerWriter(conn, key)
            for item in doomed:
                conn.execute(insert(evidence_purge).values(
                    item_id=item.id, reason=reason.strip(), approved_by=approved_by.strip(),
                    created_at=now, created_by=actor))
                # Names and places that could identify a witness go with the file.
                conn.execute(delete(evidence_intake).where(evidence_intake.c.item_id == item.id))
                conn.execute(delete(evidence_meta).where(evidence_meta.c.item_id == item.id))
                ledger.append("purge", item=item.id, actor=actor, at=now, data={
                    "sha256": item.sha256, "sha512": item.sha512, "size": item.size,
                    "reason": reason.strip(), "approved_by": approved_by.strip(),
                    "with": root.id if item.id != root.id else None})
    return [r.id for r in doomed]


def _person(name: str) -> str:
    """A name as compared: NFKC, no invisible format characters, case folded."""
    folded = unicodedata.normalize("NFKC", name)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf").strip().casefold()


def trust_key(registry: Registry, public_key: str, *, actor: str, reason: str) -> str:
    """Endorse another installation's key with a signed `key` entry; returns its id."""
    key = load_key(registry.settings.home)
    try:
        ok = len(bytes.fromhex(public_key)) == 32
    except ValueError:
        ok = False
    if not ok:
        raise ValidationError("give the other installation's public key: 64 hex digits, as "
                              "'khavaran ledger key' prints it", field="KEY")
    if not reason.strip():
        raise ValidationError("say why with --reason", field="--reason")
    with registry.write() as conn:
        LedgerWriter(conn, key).append("key", item=None, actor=actor, at=registry.now(), data={
            "trust": key_id(public_key.lower()), "public_key": public_key.lower(),
            "reason": reason.strip()})
    return key_id(public_key.lower())


# -- export and timestamps -------------------------------------------------------


def export_ledger(registry: Registry, out: Path, *, item_id: str | None = None) -> int:
    """Write a JSON Lines extract (see verify_ledger.py); returns the entry count."""
    key = load_key(registry.settings.home)
    check_out(out, registry.settings.home)
    tmp = out.with_name(f".{out.name}.part")
    count, last = 0, None
    try:
        with registry.read() as conn, open(tmp, "w", encoding="utf-8") as fh:
            if item_id is not None:
                require_item(conn, item_id, live=False)
            seq, ledger_head = head(conn)
            keys = public_keys(conn)
            fh.write(canonical({"format": FORMAT, "item": item_id, "public_keys": keys,
                                "exported_at": iso(registry.now()),
                                "verify_with": "python3 verify_ledger.py THIS_FILE "
                                               "--public-key KEY"}) + "\n")
            for e in iter_entries(conn, item_id, upto=seq):
                fh.write(canonical({"seq": e.seq, "hash": e.hash, "signature": e.signature,
                                    "body": e.body}) + "\n")
                count, last = count + 1, e.hash
            if item_id is None:
                for stamp in conn.execute(select(ledger_timestamp).where(
                        ledger_timestamp.c.seq <= seq).order_by(ledger_timestamp.c.id)):
                    # The time and the TSA are in the token and its signed entry; the
                    # CA is for reference only: a verifier brings its own.
                    fh.write(canonical({"timestamp": {
                        "seq": stamp.seq, "hash": stamp.hash, "ca_pem": stamp.ca_pem,
                        "token": base64.b64encode(stamp.token).decode()}}) + "\n")
            statement = canonical({"item": item_id, "entries": count, "last": last,
                                   "ledger_seq": seq, "ledger_head": ledger_head,
                                   "key": key.key_id, "at": iso(registry.now())})
            fh.write(canonical({"head": {
                "body": statement, "signature": key.sign(statement),
                "hash": hashlib.sha256(statement.encode("utf-8")).hexdigest()}}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(tmp, out)
    except OSError as exc:
        raise EvidenceError(f"cannot write {out}: {exc.strerror}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return count


def timestamp_ledger(registry: Registry, tsa_url: str, *, actor: str,
                     ca_pem: bytes | None = None, timeout: float = 30.0) -> tuple[int, str]:
    """Have a TSA timestamp the current ledger head; returns (seq, hash) covered."""
    key = load_key(registry.settings.home)
    with registry.read() as conn:
        seq, last = head(conn)
    if seq == 0:
        raise EvidenceError("the ledger is empty: there is nothing to timestamp yet")
    token = request_token(tsa_url, bytes.fromhex(last), timeout=timeout)
    info = verify_token(token, bytes.fromhex(last), ca_pem=ca_pem)
    now = registry.now()
    with registry.write() as conn:
        ledger = LedgerWriter(conn, key)
        conn.execute(insert(ledger_timestamp).values(
            seq=seq, hash=last, tsa_url=tsa_url, token=token,
            ca_pem=ca_pem.decode() if ca_pem else None, gen_time=info.gen_time,
            created_at=now, created_by=actor))
        ledger.append("timestamp", item=None, actor=actor, at=now, data={
            "covers_seq": seq, "covers": last, "tsa": tsa_url, "gen_time": iso(info.gen_time),
            "token_sha256": hashlib.sha256(token).hexdigest()})
    return seq, last
