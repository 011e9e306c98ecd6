"""Check a dossier offline: the bag, every hash, every custody-ledger signature.

Needs nothing from the installation: the Library of Congress `bagit` library
checks the bag (manifests, Payload-Oxum, completeness), then the case file's
hashes are compared with the manifests, and each custody extract is checked
with the verifier shipped in the bag's own folder (the same code as
verify_ledger.py), against the key the caller pins.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bagit

from khavaran.vault.ledger import data_of
from khavaran.vault.verify_ledger import Entry, key_id, signature_checker, verify_extract

__all__ = ["ANNEX_SUFFIX", "SEALED", "SIGNATURE", "SIGNED_TAGS", "STATEMENT", "DossierCheck",
           "verify_dossier"]

# The tag files of the signed statement, and the tag files it vouches for.
STATEMENT = "dossier-statement.json"
SIGNATURE = "dossier-signature.txt"
SIGNED_TAGS = ("bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt")
# The disclosure level a sealed annex's statement names.
SEALED = "sealed-annex"
ANNEX_SUFFIX = ".sealed-annex"


@dataclass
class DossierCheck:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pinned: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_dossier(path: Path, public_keys: list[str] | None = None) -> DossierCheck:
    check = DossierCheck(pinned=bool(public_keys))
    try:
        bag = bagit.Bag(str(path))
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        check.problems.append(f"the bag does not validate: {exc.message}")
        check.problems += [f"  {d}" for d in exc.details]
        return check
    except bagit.BagError as exc:
        check.problems.append(f"{path} is not a readable BagIt bag: {exc}")
        return check
    # Counted as `dossier build` counts them: the payload, the files under data/.
    payload = len(bag.payload_entries())
    check.notes.append(f"bag valid: {payload} payload files under data/ and "
                       f"{len(bag.entries) - payload} tag files, manifests "
                       f"{', '.join(sorted(bag.algorithms))} all match (bagit "
                       f"{bagit.VERSION})")
    sealed = (path / "data" / "sealed.json").exists() and not (
        path / "data" / "case.json").exists()
    name = "data/sealed.json" if sealed else "data/case.json"
    try:
        doc = json.loads((path / name).read_text("utf-8"))
        exhibits = _annexed(doc) if sealed else doc.get("exhibits", [])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        check.problems.append(f"{name} cannot be read: {exc}")
        return check
    _check_statement(path, public_keys or [], check, SEALED if sealed else None)
    if sealed:
        _check_against_dossier(path, check)
    for e in exhibits:
        _check_exhibit(path, bag, e, public_keys or [], check)
    if not public_keys:
        check.notes.append("UNVERIFIED KEY: signatures were checked with the key the dossier "
                           "names; pin the installation's key with --public-key")
    return check


def _annexed(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """A sealed annex's exhibits, with the hashes its own case file gives them."""
    described = {e["number"]: e for e in doc["case_file"]["exhibits"]}
    return [{**described[number], "file": paths.get("file"),
             "custody_extract": paths.get("custody")}
            for number, paths in sorted(doc["exhibits"].items())]


def _check_against_dossier(annex: Path, check: DossierCheck) -> None:
    """An annex beside its dossier must be the one the dossier's signed bag-info names."""
    if not annex.name.endswith(ANNEX_SUFFIX):
        return
    dossier = annex.with_name(annex.name[:-len(ANNEX_SUFFIX)])
    try:
        info = (dossier / "bag-info.txt").read_text("utf-8")
    except OSError:
        check.notes.append(f"sealed annex: its dossier ({dossier.name}) is not beside it; "
                           "checked on its own signature")
        return
    tag = hashlib.sha256((annex / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
    if f"Khavaran-Sealed-Annex-Tagmanifest-SHA256: {tag}" not in info:
        check.problems.append(f"sealed annex: its tag manifest is not the one {dossier.name}"
                              "/bag-info.txt names (the annex was changed or swapped)")
    else:
        check.notes.append(f"sealed annex: the one {dossier.name}/bag-info.txt names")


def _check_statement(root: Path, keys: list[str], check: DossierCheck,
                     level: str | None = None) -> None:
    """The signed statement over bag-info.txt and the payload manifests: without it
    anyone could change a file and make the manifests again.  ``level`` is the
    disclosure the statement must name (a sealed annex's), if any."""
    try:
        body = (root / STATEMENT).read_text("utf-8")
        signature = (root / SIGNATURE).read_text("ascii").strip()
        statement = json.loads(body)
        key, named = str(statement["key"]), str(statement["public_key"])
        hashes = dict(statement["sha256"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        check.problems.append(f"the signed statement ({STATEMENT}, {SIGNATURE}) is missing "
                              f"or unreadable: {exc}")
        return
    if level is not None and statement.get("disclosure") != level:
        check.problems.append(f"{STATEMENT} is not a {level}'s statement")
        return
    pinned = {key_id(k.strip().lower()): k.strip().lower() for k in keys}
    public = pinned.get(key) if keys else named
    if public is None:
        check.problems.append(f"{STATEMENT} is signed with key {key}, not with a pinned key")
        return
    if not signature_checker({key: public})(Entry(0, "", signature, body)):
        check.problems.append(f"{STATEMENT}: the signature does not verify with key {key} "
                              "(the statement was forged or edited)")
        return
    for name in SIGNED_TAGS:
        try:
            actual = hashlib.sha256((root / name).read_bytes()).hexdigest()
        except OSError as exc:
            check.problems.append(f"{name} cannot be read: {exc.strerror}")
            continue
        if hashes.get(name) != actual:
            check.problems.append(f"{name} differs from the signed statement: the bag was "
                                  "changed after it was built")
    # bagit checks the payload only: a file added beside the tag files is ours to find.
    known = {*statement.get("tag_files", []), STATEMENT, SIGNATURE, "data",
             "tagmanifest-sha256.txt", "tagmanifest-sha512.txt"}
    for extra in sorted(p.name for p in root.iterdir() if p.name not in known):
        check.problems.append(f"{extra} is not part of the signed bag: it was added after "
                              "the bag was built")
    if not check.problems:
        check.notes.append(f"signed statement: bag-info and manifests signed by key {key}")


def _check_exhibit(root: Path, bag: Any, e: dict[str, Any], keys: list[str],
                   check: DossierCheck) -> None:
    number = e.get("number", "?")
    if e.get("file"):
        listed = bag.entries.get(e["file"], {})
        for alg in ("sha256", "sha512"):
            if listed.get(alg) != e.get(alg):
                check.problems.append(f"exhibit {number}: case.json's {alg} differs from "
                                      "the bag's manifest")
    if not e.get("custody_extract"):
        check.notes.append(f"exhibit {number}: no custody extract in this bag (withheld); "
                           "only the signed manifests vouch for it")
        return
    extract = (root / e["custody_extract"]).resolve()
    if not extract.is_relative_to(root.resolve()):  # a forged case.json must not read out
        check.problems.append(f"exhibit {number}: its custody extract is outside the bag")
        return
    lines = extract.read_text("utf-8").splitlines()
    said: list[str] = []
    problems = verify_extract(lines, keys, out=said.append)
    check.problems += [f"custody extract of {number}: {p}" for p in problems]
    recorded = set()
    for line in lines[1:]:
        row = json.loads(line)
        if "body" in row:
            recorded.add(data_of(row["body"]).get("sha256"))
    if e.get("sha256") not in recorded:
        check.problems.append(f"exhibit {number}: its custody extract does not record "
                              "this content's SHA-256")
    if not problems:
        check.notes.append(f"custody extract of {number}: " + "; ".join(said))
