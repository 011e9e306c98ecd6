#!/usr/bin/env python3
"""Verify a Khavaran custody-ledger extract without Khavaran.

    python3 verify_ledger.py EXTRACT.jsonl [--public-key KEY]

This file stands alone: it imports nothing from Khavaran, so a court, a
prosecutor or anyone else can read it in full and run it on their own
machine.  It needs Python 3.9+ and either the `cryptography` package or the
`openssl` command (3.0 or newer) to check Ed25519 signatures.

The procedure it follows (docs/evidence.md gives it in prose):

1. The first line is a header naming the format and the public keys.  Pin the
   key you obtained independently with --public-key (64 hex characters, the
   raw Ed25519 key); otherwise the header's keys are used and a warning says so.
2. Every entry line holds `body` (a JSON text), `hash` and `signature`.  The
   SHA-256 of the body's UTF-8 bytes must equal `hash`, and `signature` must be
   the Ed25519 signature of those bytes by the key the body names.
3. Inside each body, `prev` is the hash of the previous entry of the whole
   ledger and `item_prev` the hash of the previous entry of the same item
   (null for an item's first).  A full extract must chain by `prev` from the
   genesis value (64 zeros) with `seq` counting 1, 2, 3...; an item's extract
   must chain by `item_prev`.  A removed, inserted, reordered or edited entry
   breaks a chain or a hash.
4. The last line is a signed head statement naming the last entry and the
   number of entries, so that cutting entries off the end is detected too.
5. Timestamp lines carry RFC 3161 tokens over an entry's hash; with `openssl`
   they are checked by `openssl ts -verify` against the CA the line names.

Exit status 0 means every check passed; 1 means a problem was found, and each
problem is printed on its own line.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FORMAT = "khavaran-ledger-extract/1"
GENESIS = "0" * 64

__all__ = [
    "FORMAT", "GENESIS", "Entry", "canonical", "check_chain", "check_signatures",
    "key_id", "main", "signature_checker", "verify_extract",
]


def canonical(obj: Any) -> str:
    """The one JSON text of ``obj`` that is hashed and signed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def key_id(public_key_hex: str) -> str:
    """A short name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]


@dataclass(frozen=True)
class Entry:
    seq: int
    hash: str
    signature: str
    body: str


def check_chain(entries: Iterable[Entry], *, item: str | None = None,
                also: Callable[[Entry, dict[str, Any]], str | None] | None = None) -> list[str]:
    """Problems with hashes and chains, in order; [] when all is well.

    With ``item`` None the entries must be the whole ledger from its first
    entry; with an item id they must be all of that item's entries, and are
    checked by their item chain alone.  ``also`` checks each parsed body
    further and returns a problem or None.
    """
    problems: list[str] = []
    last_seq, last_hash = 0, GENESIS
    item_heads: dict[str | None, str] = {}
    for entry in entries:
        where = f"entry {entry.seq}"
        digest = hashlib.sha256(entry.body.encode("utf-8")).hexdigest()
        if digest != entry.hash:
            problems.append(f"{where}: its body does not match its hash (the entry was edited)")
        try:
            body = json.loads(entry.body)
        except ValueError:
            problems.append(f"{where}: its body is not JSON")
            continue
        if not isinstance(body, dict):
            problems.append(f"{where}: its body is not a JSON object")
            continue
        if body.get("seq") != entry.seq:
            problems.append(f"{where}: its body says seq {body.get('seq')}")
        if also is not None and (extra := also(entry, body)) is not None:
            problems.append(extra)
        if item is None:
            if entry.seq != last_seq + 1:
                problems.append(f"{where}: expected entry {last_seq + 1} here "
                                "(entries are missing, inserted or reordered)")
            if body.get("prev") != last_hash:
                problems.append(f"{where}: does not follow entry {last_seq} "
                                "(the chain is broken: an entry was removed, inserted, "
                                "reordered or edited)")
        else:
            if body.get("item") != item:
                problems.append(f"{where}: belongs to {body.get('item')}, not {item}")
            if entry.seq <= last_seq:
                problems.append(f"{where}: out of order after entry {last_seq}")
        owner = body.get("item")
        if owner is not None:
            if body.get("item_prev") != item_heads.get(owner):
                problems.append(f"{where}: does not follow the previous entry of item {owner} "
                                "(one of the item's entries was removed, inserted or edited)")
            item_heads[owner] = entry.hash
        last_seq, last_hash = entry.seq, entry.hash
    return problems


def signature_checker(public_keys: dict[str, str]) -> Callable[[Entry], bool]:
    """A function telling whether an entry's signature verifies with its key."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return _openssl_checker(public_keys)
    keys = {kid: Ed25519PublicKey.from_public_bytes(bytes.fromhex(pk))
            for kid, pk in public_keys.items()}

    def check(entry: Entry) -> bool:
        kid = _key_of(entry)
        key = keys.get(kid) if kid else None
        if key is None:
            return False
        try:
            key.verify(bytes.fromhex(entry.signature), entry.body.encode("utf-8"))
        except (InvalidSignature, ValueError):
            return False
        return True
    return check


def _key_of(entry: Entry) -> str | None:
    try:
        kid = json.loads(entry.body).get("key")
    except (ValueError, AttributeError):
        return None
    return kid if isinstance(kid, str) else None


def _openssl_checker(public_keys: dict[str, str]) -> Callable[[Entry], bool]:
    if not shutil.which("openssl"):
        raise SystemExit("verify_ledger: needs the 'cryptography' package or the 'openssl' "
                         "command to check signatures")
    tmp = tempfile.mkdtemp(prefix="verify-ledger-")
    pems: dict[str, str] = {}
    # An Ed25519 SubjectPublicKeyInfo is this fixed 12-byte prefix and the raw key.
    prefix = bytes.fromhex("302a300506032b6570032100")
    for kid, pk in public_keys.items():
        path = os.path.join(tmp, f"{kid}.pem")
        der = base64.encodebytes(prefix + bytes.fromhex(pk)).decode()
        with open(path, "w") as fh:
            fh.write(f"-----BEGIN PUBLIC KEY-----\n{der}-----END PUBLIC KEY-----\n")
        pems[kid] = path

    def check(entry: Entry) -> bool:
        kid = _key_of(entry)
        if kid not in pems:
            return False
        data, sig = os.path.join(tmp, "data"), os.path.join(tmp, "sig")
        with open(data, "wb") as fh:
            fh.write(entry.body.encode("utf-8"))
        with open(sig, "wb") as fh:
            fh.write(bytes.fromhex(entry.signature))
        done = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pems[kid], "-rawin",
             "-in", data, "-sigfile", sig], capture_output=True, check=False)
        return done.returncode == 0
    return check


def check_signatures(entries: Iterable[Entry], check: Callable[[Entry], bool]) -> list[str]:
    return [f"entry {e.seq}: its signature does not verify with the ledger key "
            "(the entry was forged or edited)" for e in entries if not check(e)]


def verify_extract(lines: Sequence[str], pinned_key: str | None = None,
                   out: Callable[[str], None] = print) -> list[str]:
    """Check an extract's lines; print notes through ``out``, return the problems."""
    if not lines:
        return ["the extract is empty"]
    try:
        header = json.loads(lines[0])
    except ValueError:
        return ["line 1: not JSON"]
    if header.get("format") != FORMAT:
        return [f"line 1: not a {FORMAT} header"]
    keys: dict[str, str] = dict(header.get("public_keys") or {})
    if pinned_key:
        keys = {key_id(pinned_key): pinned_key.lower()}
    else:
        out("warning: using the public keys the extract carries; pin the key you obtained "
            "independently with --public-key")
    item = header.get("item")
    entries: list[Entry] = []
    head: dict[str, Any] | None = None
    stamps: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            row = json.loads(line)
            if "head" in row:
                head = row["head"]
            elif "timestamp" in row:
                stamps.append(row["timestamp"])
            else:
                entries.append(Entry(int(row["seq"]), str(row["hash"]),
                                     str(row["signature"]), str(row["body"])))
        except (ValueError, KeyError, TypeError):
            problems.append(f"line {number}: not a ledger line")
    problems += check_chain(entries, item=item)
    problems += check_signatures(entries, signature_checker(keys))
    problems += _check_head(head, entries, item, signature_checker(keys))
    problems += _check_timestamps(stamps, {e.hash for e in entries}, out)
    out(f"{len(entries)} entries" + (f" of item {item}" if item else "") + " checked")
    return problems


def _check_head(head: dict[str, Any] | None, entries: list[Entry], item: str | None,
                check: Callable[[Entry], bool]) -> list[str]:
    if head is None:
        return ["the extract has no head statement (it may have been cut short)"]
    entry = Entry(-1, str(head.get("hash")), str(head.get("signature")), str(head.get("body")))
    problems = []
    if hashlib.sha256(entry.body.encode("utf-8")).hexdigest() != entry.hash or not check(entry):
        return ["the head statement's hash or signature does not verify"]
    body = json.loads(entry.body)
    last = entries[-1].hash if entries else None
    if body.get("item") != item or body.get("entries") != len(entries) or \
            body.get("last") != last:
        problems.append(f"the head statement names {body.get('entries')} entries ending with "
                        f"{body.get('last')}, the extract has {len(entries)} ending with {last} "
                        "(entries were cut off or added)")
    return problems


def _check_timestamps(stamps: list[dict[str, Any]], hashes: set[str],
                      out: Callable[[str], None]) -> list[str]:
    problems = []
    for stamp in stamps:
        digest = str(stamp.get("hash"))
        if digest not in hashes:
            problems.append(f"timestamp over {digest}: no such entry in the extract")
            continue
        if not shutil.which("openssl") or not stamp.get("ca_pem"):
            out(f"timestamp over entry {stamp.get('seq')}: not checked "
                "(needs openssl and the TSA's CA certificate)")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            token, ca = os.path.join(tmp, "token.der"), os.path.join(tmp, "ca.pem")
            with open(token, "wb") as fh:
                fh.write(base64.b64decode(stamp["token"]))
            with open(ca, "w") as fh:
                fh.write(stamp["ca_pem"])
            done = subprocess.run(
                ["openssl", "ts", "-verify", "-digest", digest, "-in", token, "-token_in",
                 "-CAfile", ca], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            problems.append(f"timestamp over entry {stamp.get('seq')}: openssl ts -verify "
                            "refused it")
        else:
            out(f"timestamp over entry {stamp.get('seq')}: verified by openssl "
                f"({stamp.get('gen_time')}, {stamp.get('tsa')})")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Khavaran custody-ledger extract.")
    parser.add_argument("extract", help="the JSON Lines file written by 'khavaran ledger export'")
    parser.add_argument("--public-key", help="the ledger's Ed25519 public key, 64 hex digits")
    args = parser.parse_args(argv)
    try:
        with open(args.extract, encoding="utf-8") as fh:
            lines = [line for line in fh.read().splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {args.extract}: {exc}", file=sys.stderr)
        return 2
    problems = verify_extract(lines, args.public_key)
    for problem in problems:
        print(f"FAILED: {problem}")
    print("FAILED" if problems else "OK: every hash, chain and signature verifies")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
