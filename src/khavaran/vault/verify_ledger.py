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
   raw Ed25519 key).  Keys that a pinned key endorsed with a signed `key`
   entry are accepted too.  Without --public-key the header's keys are used,
   and the result is "UNVERIFIED KEY" (exit 2), never "OK".
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
5. Timestamp lines carry RFC 3161 tokens over an entry's hash.  Each must match
   a signed `timestamp` entry (by the token's SHA-256), and each such entry
   must have its token.  With --tsa-ca and `openssl` each token is checked
   by `openssl ts -verify` against the CA you give.

Exit status 0 means every check passed with the key(s) you pinned; 1 means a
problem was found, each printed on its own line; 2 means nothing was found
wrong but no key was pinned, or the file could not be read.
"""

from __future__ import annotations

import argparse
import atexit
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
    "FORMAT", "GENESIS", "BadKey", "Entry", "canonical", "check_chain", "check_signatures",
    "extend_trust", "key_id", "main", "signature_checker", "verify_extract",
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
    """A function telling whether an entry's signature verifies with its key.

    Uses PyNaCl (libsodium, about twice as fast) if installed, else the
    `cryptography` package, else the `openssl` command.
    """
    try:
        from nacl.exceptions import BadSignatureError
        from nacl.signing import VerifyKey
    except ImportError:
        return _cryptography_checker(public_keys)
    nacl_keys = {kid: VerifyKey(bytes.fromhex(pk)) for kid, pk in public_keys.items()}

    def check_nacl(entry: Entry) -> bool:
        kid = _key_of(entry)
        key = nacl_keys.get(kid) if kid else None
        if key is None:
            return False
        try:
            key.verify(entry.body.encode("utf-8"), bytes.fromhex(entry.signature))
        except (BadSignatureError, ValueError, TypeError):
            return False
        return True
    return check_nacl


def _cryptography_checker(public_keys: dict[str, str]) -> Callable[[Entry], bool]:
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
    atexit.register(shutil.rmtree, tmp, True)
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


def extend_trust(trusted: dict[str, str], entries: Iterable[Entry]) -> dict[str, str]:
    """Add the keys that a trusted key endorsed with a signed `key` entry, in order."""
    trusted = dict(trusted)
    for entry in entries:
        try:
            body = json.loads(entry.body)
            new = str((body.get("data") or {}).get("public_key", "")) \
                if body.get("kind") == "key" else ""
            if not new or len(bytes.fromhex(new)) != 32:
                continue
        except (ValueError, AttributeError):
            continue
        if signature_checker(trusted)(entry):
            trusted[key_id(new)] = new.lower()
    return trusted


class BadKey(ValueError):
    """A --public-key that is not an Ed25519 public key in hex."""


def _pinned(keys: Sequence[str]) -> dict[str, str]:
    pinned = {}
    for key in keys:
        try:
            if len(bytes.fromhex(key)) != 32:
                raise ValueError
        except ValueError:
            raise BadKey(f"--public-key {key!r}: expected 64 hex digits (the raw Ed25519 "
                         "key, as 'khavaran ledger key' prints it)") from None
        pinned[key_id(key)] = key.lower()
    return pinned


def verify_extract(lines: Sequence[str], pinned_keys: Sequence[str] = (),
                   out: Callable[[str], None] = print, tsa_ca: str | None = None) -> list[str]:
    """Check an extract's lines; print notes through ``out``, return the problems."""
    if not lines:
        return ["the extract is empty"]
    try:
        header = json.loads(lines[0])
    except ValueError:
        return ["line 1: not JSON"]
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return [f"line 1: not a {FORMAT} header"]
    item = header.get("item")
    entries: list[Entry] = []
    head: dict[str, Any] | None = None
    stamps: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise TypeError
            if "head" in row:
                head = row["head"]
            elif "timestamp" in row:
                stamps.append(row["timestamp"])
            else:
                entries.append(Entry(int(row["seq"]), str(row["hash"]),
                                     str(row["signature"]), str(row["body"])))
        except (ValueError, KeyError, TypeError):
            problems.append(f"line {number}: not a ledger line")
    if pinned_keys:
        keys = extend_trust(_pinned(pinned_keys), entries)
    else:
        keys = {}
        carried = header.get("public_keys")
        for kid, pk in (carried if isinstance(carried, dict) else {}).items():
            try:
                if len(bytes.fromhex(str(pk))) == 32 and key_id(str(pk)) == kid:
                    keys[kid] = str(pk)
            except ValueError:
                problems.append(f"line 1: the public key {kid} is not 64 hex digits")
    problems += check_chain(entries, item=item)
    check = signature_checker(keys)
    problems += check_signatures(entries, check)
    problems += _check_head(head, entries, item, check)
    problems += _check_timestamps(stamps, entries, out, tsa_ca)
    out(f"{len(entries)} entries" + (f" of item {item}" if item else "") + " checked")
    return problems


def _check_head(head: dict[str, Any] | None, entries: list[Entry], item: str | None,
                check: Callable[[Entry], bool]) -> list[str]:
    if head is None:
        return ["the extract has no head statement (it may have been cut short)"]
    if not isinstance(head, dict):
        return ["the head statement is damaged"]
    entry = Entry(-1, str(head.get("hash")), str(head.get("signature")), str(head.get("body")))
    problems = []
    if hashlib.sha256(entry.body.encode("utf-8")).hexdigest() != entry.hash or not check(entry):
        return ["the head statement's hash or signature does not verify"]
    body = json.loads(entry.body)
    if not isinstance(body, dict):
        return ["the head statement is damaged"]
    last = entries[-1].hash if entries else None
    if body.get("item") != item or body.get("entries") != len(entries) or \
            body.get("last") != last:
        problems.append(f"the head statement names {body.get('entries')} entries ending with "
                        f"{body.get('last')}, the extract has {len(entries)} ending with {last} "
                        "(entries were cut off or added)")
    return problems


def _check_timestamps(stamps: list[dict[str, Any]], entries: list[Entry],
                      out: Callable[[str], None], tsa_ca: str | None) -> list[str]:
    """Each token line must match a signed `timestamp` entry, and each entry its token."""
    recorded: dict[str, dict[str, Any]] = {}
    for entry in entries:
        try:
            body = json.loads(entry.body)
        except ValueError:
            continue  # reported by the chain check
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, dict) and body.get("kind") == "timestamp":
            recorded[str(data.get("token_sha256"))] = data
    problems = []
    for stamp in stamps:
        try:
            if not isinstance(stamp, dict):
                raise ValueError
            token = base64.b64decode(str(stamp["token"]), validate=True)
        except (KeyError, ValueError):
            problems.append("a timestamp line has no readable token")
            continue
        data = recorded.pop(hashlib.sha256(token).hexdigest(), None)
        if data is None or data.get("covers") != stamp.get("hash"):
            problems.append(f"timestamp over {stamp.get('hash')}: no signed timestamp entry "
                            "records this token (it was added or changed)")
            continue
        where = f"timestamp over entry {data.get('covers_seq')}"
        if not tsa_ca or not shutil.which("openssl"):
            out(f"{where}: token matches its signed entry; not checked against a TSA "
                "(give --tsa-ca with the TSA's CA certificate; needs openssl)")
            continue
        ok, when = _openssl_ts(token, str(data.get("covers")), tsa_ca)
        if not ok:
            problems.append(f"{where}: openssl ts -verify refused it")
        else:
            out(f"{where}: verified by openssl against {tsa_ca}; the token says {when}")
    for data in recorded.values():
        problems.append(f"the timestamp over entry {data.get('covers_seq')} that the ledger "
                        "records is missing from the extract")
    return problems


def _openssl_ts(token: bytes, digest: str, ca: str) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "token.der")
        with open(path, "wb") as fh:
            fh.write(token)
        done = subprocess.run(["openssl", "ts", "-verify", "-digest", digest, "-in", path,
                               "-token_in", "-CAfile", ca], capture_output=True, text=True,
                              check=False)
        shown = subprocess.run(["openssl", "ts", "-reply", "-in", path, "-token_in", "-text"],
                               capture_output=True, text=True, check=False)
    when = next((line.split(":", 1)[1].strip() for line in shown.stdout.splitlines()
                 if line.startswith("Time stamp:")), "an unreadable time")
    return done.returncode == 0, when


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Khavaran custody-ledger extract.")
    parser.add_argument("extract", help="the JSON Lines file written by 'khavaran ledger export'")
    parser.add_argument("--public-key", action="append", default=[],
                        help="a ledger public key you obtained independently, 64 hex digits "
                             "(repeat for several installations)")
    parser.add_argument("--tsa-ca", help="the time-stamping authority's CA certificate (PEM) "
                                         "to check timestamp tokens with")
    args = parser.parse_args(argv)
    try:
        with open(args.extract, encoding="utf-8", newline="") as fh:
            # Only \n ends a line: U+2028 and friends may sit inside a JSON string.
            lines = [line for line in fh.read().split("\n") if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {args.extract}: {exc}", file=sys.stderr)
        return 2
    try:
        problems = verify_extract(lines, args.public_key, tsa_ca=args.tsa_ca)
    except BadKey as exc:
        print(exc, file=sys.stderr)
        return 2
    for problem in problems:
        print(f"FAILED: {problem}")
    if problems:
        print("FAILED")
        return 1
    if not args.public_key:
        print("UNVERIFIED KEY: the hashes, chains and signatures agree with the keys the "
              "extract carries, but anyone can make an extract with keys of their own. Run "
              "again with --public-key KEY, the key you obtained independently.")
        return 2
    print("OK: every hash, chain and signature verifies with the key(s) you gave")
    return 0


if __name__ == "__main__":
    sys.exit(main())
