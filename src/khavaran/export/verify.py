"""Check a dossier offline: the bag, every hash, every custody-ledger signature.

Needs nothing from the installation: the Library of Congress `bagit` library
checks the bag (manifests, Payload-Oxum, completeness), then the case file's
hashes are compared with the manifests, and each custody extract is checked
with the verifier shipped in the bag's own folder (the same code as
verify_ledger.py), against the key the caller pins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bagit

from khavaran.vault.ledger import data_of
from khavaran.vault.verify_ledger import verify_extract

__all__ = ["DossierCheck", "verify_dossier"]


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
    check.notes.append(f"bag valid: {len(bag.entries)} files, manifests "
                       f"{', '.join(sorted(bag.algorithms))} all match (bagit "
                       f"{bagit.VERSION})")
    try:
        doc = json.loads((path / "data" / "case.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        check.problems.append(f"data/case.json cannot be read: {exc}")
        return check
    for e in doc.get("exhibits", []):
        _check_exhibit(path, bag, e, public_keys or [], check)
    if not public_keys:
        check.notes.append("UNVERIFIED KEY: signatures were checked with the key the dossier "
                           "names; pin the installation's key with --public-key")
    return check


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
        return
    lines = (root / e["custody_extract"]).read_text("utf-8").splitlines()
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
