"""The ledger as a whole: export extracts, timestamp the head, trust other keys."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re
from pathlib import Path
from typing import TextIO

from sqlalchemy import insert, select

from khavaran.errors import EvidenceError, ForbiddenError, ValidationError
from khavaran.services.evidence import new_file, require_item
from khavaran.services.registry import Registry, require_actor
from khavaran.services.witness_items import (
    guard_item,
    protected_witness,
    record_item_reveal,
    withheld_items,
)
from khavaran.storage.vault_tables import evidence_item, ledger_timestamp
from khavaran.vault.keys import load_key, public_keys, trusted_keys
from khavaran.vault.ledger import LedgerWriter, head, iso, iter_entries
from khavaran.vault.verify_ledger import FORMAT, canonical, key_id

__all__ = ["export_ledger", "print_extract", "timestamp_ledger", "trust_key", "write_extract"]


def trust_key(registry: Registry, public_key: str, *, actor: str, reason: str) -> str:
    """Endorse another installation's key with a signed `key` entry; returns its id."""
    key = load_key(registry.settings)
    public_key = public_key.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", public_key):
        raise ValidationError("give the other installation's public key: 64 hex digits, as "
                              "'khavaran ledger key' prints it", field="KEY")
    if not reason.strip():
        raise ValidationError("say why with --reason", field="--reason")
    with registry.write() as conn:
        if key_id(public_key) in trusted_keys(conn, key):
            raise ValidationError(f"key {key_id(public_key)} is trusted already", field="KEY")
        LedgerWriter(conn, key).append("key", item=None, actor=actor, at=registry.now(), data={
            "trust": key_id(public_key.lower()), "public_key": public_key.lower(),
            "reason": reason.strip()})
    return key_id(public_key.lower())


def export_ledger(registry: Registry, out: Path, *, item_id: str | None = None,
                  include_protected: bool = False, actor: str | None = None) -> int:
    """Write a JSON Lines extract (see verify_ledger.py); returns the entry count.

    Parameters: ``item_id`` only this item's entries; ``include_protected``
    allow a protected witness's testimony (services/witness_items.py: needs
    ``actor``, recorded before the file appears at ``out``).
    """
    witnesses = _guard(registry, item_id, include_protected, actor)
    with new_file(out, registry.settings.home) as raw:
        fh = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        count = write_extract(registry, fh, item_id=item_id)
        fh.flush()
        fh.detach()  # new_file closes and syncs the file itself
        _record(registry, witnesses, actor, item_id)
    return count


def print_extract(registry: Registry, fh: TextIO, *, item_id: str | None = None,
                  include_protected: bool = False, actor: str | None = None) -> int:
    """Write the extract to an open stream (standard output), as export_ledger
    does to a file; a reveal is recorded before the first line is written."""
    witnesses = _guard(registry, item_id, include_protected, actor)
    _record(registry, witnesses, actor, item_id)
    return write_extract(registry, fh, item_id=item_id)


def _guard(registry: Registry, item_id: str | None, include_protected: bool,
           actor: str | None) -> list[str]:
    """The protected witnesses whose testimony's custody the export holds (each
    a reveal to record).  One item's extract answers a hidden item as unknown;
    the whole ledger, holding every intake entry with its source and hashes, is
    refused without ``include_protected``: with a file's bytes, they would tell
    that it is the witness's testimony."""
    with registry.read() as conn:
        if item_id is not None:
            witness = guard_item(conn, item_id, include_protected, actor)
            return [witness] if witness else []
        items = conn.execute(select(evidence_item.c.id)).scalars().all()
        witnesses = sorted({w for i in withheld_items(conn, items)
                            if (w := protected_witness(conn, i)) is not None})
    if witnesses and not include_protected:
        raise ForbiddenError("the ledger holds the custody of a protected witness's testimony: "
                             "export it whole with --include-protected (needs --as; recorded), "
                             "or one item's entries with --item")
    if witnesses:
        require_actor(actor)
    return witnesses


def _record(registry: Registry, witnesses: list[str], actor: str | None,
            item_id: str | None) -> None:
    if witnesses:
        what = f"ledger export --item {item_id}" if item_id else "ledger export"
        with registry.write() as conn:
            for witness in witnesses:
                record_item_reveal(conn, registry, witness, actor, what)


def write_extract(registry: Registry, fh: TextIO, *, item_id: str | None = None,
                  upto: tuple[int, str] | None = None, at: dt.datetime | None = None) -> int:
    """Write the extract's lines to ``fh``; returns the entry count.

    It shows any item's entries, a protected witness's testimony too: it is for
    callers that decided what may be shown (a dossier's exhibits); commands
    use export_ledger or print_extract.

    ``upto`` (seq, hash) ends it at an earlier ledger head and ``at`` dates it:
    the same head and date give the same bytes (Ed25519 signs deterministically).
    """
    key = load_key(registry.settings)
    count, last = 0, None
    at = at or registry.now()
    with registry.read() as conn:
        if item_id is not None:
            require_item(conn, item_id, live=False)
        seq, ledger_head = upto or head(conn)
        keys = public_keys(conn)
        fh.write(canonical({"format": FORMAT, "item": item_id, "public_keys": keys,
                            "exported_at": iso(at),
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
                           "key": key.key_id, "at": iso(at)})
    fh.write(canonical({"head": {
        "body": statement, "signature": key.sign(statement),
        "hash": hashlib.sha256(statement.encode("utf-8")).hexdigest()}}) + "\n")
    return count


def timestamp_ledger(registry: Registry, tsa_url: str, *, actor: str,
                     ca_pem: bytes | None = None, timeout: float = 30.0) -> tuple[int, str]:
    """Have a TSA timestamp the current ledger head; returns (seq, hash) covered."""
    # Imported here: asn1crypto costs every other command ~10 MB of memory.
    from khavaran.vault.timestamps import request_token, verify_token

    key = load_key(registry.settings)
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
