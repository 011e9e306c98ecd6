"""`dossier verify` checks a sealed annex too (issue 12): its own signed statement
finds an edited sealed.json even when the annex's manifests were made again, and
beside its dossier it must be the annex the dossier's signed bag-info names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bagit
import pytest

from case_scenario import build
from khavaran.export.dossier import build_dossier
from khavaran.services.registry import Registry
from khavaran.vault.keys import load_key


@pytest.fixture
def sealed(registry: Registry, tmp_path: Path) -> tuple[Path, str]:
    build(registry, tmp_path / "files")
    out = tmp_path / "prosecutor"
    build_dossier(registry, "fx-case", out, level="prosecutor", actor="tester")
    return out.with_name(out.name + ".sealed-annex"), load_key(registry.settings).public_hex


def test_a_sealed_annex_verifies(cli, sealed):
    annex, key = sealed
    done = cli("dossier", "verify", str(annex), "--public-key", key)
    assert done.exit_code == 0, done.output
    assert "signed statement" in done.output
    assert "sealed annex: the one prosecutor/bag-info.txt names" in done.output
    assert "custody extract of E" in done.output


@pytest.mark.parametrize("beside", [True, False], ids=["beside-its-dossier", "alone"])
def test_an_edited_sealed_json_is_found_with_manifests_made_again(cli, sealed, tmp_path,
                                                                  beside):
    annex, key = sealed
    if not beside:
        annex = Path(shutil.move(annex, tmp_path / "elsewhere"))
    path = annex / "data" / "sealed.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["identities"][0]["pseudonym"] = "Someone else"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    bagit.Bag(str(annex)).save(manifests=True)  # a forger makes the manifests again
    done = cli("dossier", "verify", str(annex), "--public-key", key)
    assert done.exit_code == 1
    assert "differs from the signed statement" in done.output
    if beside:
        assert "is not the one prosecutor/bag-info.txt names" in done.output


def test_a_statement_copied_from_the_dossier_does_not_vouch_for_the_annex(cli, sealed):
    annex, key = sealed
    dossier = annex.with_name("prosecutor")
    for name in ("dossier-statement.json", "dossier-signature.txt"):
        (annex / name).unlink()
        shutil.copy(dossier / name, annex / name)
    bagit.Bag(str(annex)).save(manifests=True)
    done = cli("dossier", "verify", str(annex), "--public-key", key)
    assert done.exit_code == 1
    assert "is not a sealed-annex's statement" in done.output
