"""The dossier's signed statement: bag-info and both payload manifests, signed
with the installation's ledger key, so that nobody can change a file and make
the manifests again.  Checked with `dossier verify` and with openssl."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import bagit
import pytest

from case_scenario import build
from khavaran.export.dossier import build_dossier
from khavaran.services.registry import Registry
from khavaran.vault.keys import load_key


@pytest.fixture
def bag(registry: Registry, tmp_path: Path) -> Path:
    build(registry, tmp_path / "files")
    out = tmp_path / "dossier"
    build_dossier(registry, "fx-case", out, level="public", actor="tester")
    return out


def test_openssl_verifies_the_statement_and_its_hashes_match(registry, bag, tmp_path):
    key = load_key(registry.settings).public_hex
    statement = json.loads((bag / "dossier-statement.json").read_text("utf-8"))
    assert statement["case"] == "fx-case" and statement["disclosure"] == "public"
    for name in ("bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"):
        assert statement["sha256"][name] == hashlib.sha256((bag / name).read_bytes()).hexdigest()
    # The recipe in the bag's README.txt, with openssl and no Khavaran.
    sig = tmp_path / "sig.bin"
    sig.write_bytes(bytes.fromhex((bag / "dossier-signature.txt").read_text().strip()))
    der = tmp_path / "key.der"
    der.write_bytes(bytes.fromhex("302a300506032b6570032100" + key))
    done = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER",
                           "-inkey", str(der), "-rawin", "-in",
                           str(bag / "dossier-statement.json"), "-sigfile", str(sig)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout
    assert "dossier-statement.json" in (bag / "tagmanifest-sha256.txt").read_text()
    assert "openssl pkeyutl -verify" in (bag / "data" / "README.txt").read_text()


def test_a_changed_file_with_remade_manifests_is_found(registry, bag, cli):
    key = load_key(registry.settings).public_hex
    case_json = bag / "data" / "case.json"
    case_json.write_text(case_json.read_text("utf-8").replace("fx-case", "fx-kase"), "utf-8")
    bagit.Bag(str(bag)).save(manifests=True)  # what a forger would do
    bad = cli("dossier", "verify", str(bag), "--public-key", key)
    assert bad.exit_code == 1
    assert "manifest-sha256.txt differs from the signed statement" in bad.output


def test_a_statement_signed_by_another_key_is_refused(registry, bag, cli):
    good = cli("dossier", "verify", str(bag), "--public-key",
               load_key(registry.settings).public_hex)
    assert good.exit_code == 0, good.output
    assert "signed statement: bag-info and manifests signed by key" in good.output
    # Exhibits withheld with their custody extracts are said to rest on the statement.
    assert "no custody extract in this bag" in good.output
    other = cli("dossier", "verify", str(bag), "--public-key", "ab" * 32)
    assert other.exit_code == 1 and "not with a pinned key" in other.output


def test_a_file_added_beside_the_tag_files_or_a_lost_manifest_is_found(registry, bag, cli):
    key = load_key(registry.settings).public_hex
    (bag / "NOTE.txt").write_text("the witness lives at ...\n")
    bagit.Bag(str(bag)).save(manifests=False)  # tag manifests made again, NOTE.txt listed
    bad = cli("dossier", "verify", str(bag), "--public-key", key)
    assert bad.exit_code == 1 and "NOTE.txt is not part of the signed bag" in bad.output
    (bag / "NOTE.txt").unlink()
    (bag / "manifest-sha512.txt").unlink()
    gone = cli("dossier", "verify", str(bag), "--public-key", key)
    assert gone.exit_code == 1 and "Traceback" not in gone.output
