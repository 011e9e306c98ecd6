"""Dossiers: real BagIt bags, checked with the Library of Congress tool, poppler
and our offline verifier; disclosure levels searched byte by byte."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import bagit
import pytest
from PIL import Image
from sqlalchemy import func, select

from case_scenario import COORDINATES, PROTECTED_NAMES, PSEUDONYM_KEYS, build
from khavaran.errors import IntegrityError, ValidationError
from khavaran.export.dossier import build_dossier
from khavaran.services.registry import Registry
from khavaran.storage.case_tables import case_charge, case_link
from khavaran.storage.tables import entity
from khavaran.storage.vault_tables import evidence_item, ledger_entry
from khavaran.vault.keys import load_key

BAGIT = Path(sys.executable).with_name("bagit.py")


@pytest.fixture
def scenario(registry: Registry, tmp_path: Path):
    return build(registry, tmp_path / "files")


def bagit_validates(path: Path) -> None:
    done = subprocess.run([sys.executable, str(BAGIT), "--validate", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "is valid" in done.stderr


def every_byte(folder: Path) -> bytes:
    """All the bag's bytes, plus the PDF's text as pdftotext reads it."""
    out = b""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            out += path.read_bytes()
            if path.suffix == ".pdf":
                out += subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                      check=True).stdout
    return out


def exhibit_of(bag: Path, item_id: str) -> dict:
    doc = json.loads((bag / "data" / "case.json").read_text("utf-8"))
    return next(e for e in doc["exhibits"] if e["item"] == item_id)


def ledger_count(registry: Registry) -> int:
    """Ledger entries besides verifications (a build checks the installation first and
    records that check), the registry's own seals and access-log rows (the export's
    and its reveals')."""
    with registry.read() as conn:
        return conn.execute(select(func.count()).select_from(ledger_entry).where(
            ledger_entry.c.kind.not_in(("verify", "registry", "access")))).scalar()


def test_internal_dossier_is_a_valid_bag_of_exact_copies(registry, scenario, tmp_path, cli):
    out = tmp_path / "dossier"
    before = ledger_count(registry)
    built = build_dossier(registry, "fx-case", out, actor="tester")
    bagit_validates(out)
    doc = json.loads((out / "data" / "case.json").read_text("utf-8"))
    assert doc["format"] == "khavaran-dossier/1" and doc["fictional"] is True
    assert "not legal advice" in doc["disclaimer"]
    numbers = [e["number"] for e in doc["exhibits"]]
    assert numbers[:2] == ["E001", "E002"]
    with registry.read() as conn:
        items = {r.id: r for r in conn.execute(select(evidence_item))}
    for e in doc["exhibits"]:
        data = (out / e["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == e["sha256"] == items[e["item"]].sha256
        assert hashlib.sha512(data).hexdigest() == e["sha512"]
        assert (out / e["custody_extract"]).is_file()
    kinds = {e["kind"] for e in doc["exhibits"]}
    assert {"original", "translation", "redaction"} <= kinds
    # The export is recorded after the bag: one entry per exhibit and one for the dossier.
    assert ledger_count(registry) == before + len(doc["exhibits"]) + 1
    # Built as of the ledger's head: the entry just before its exports.
    with registry.read() as conn:
        first_export = conn.execute(select(func.min(ledger_entry.c.seq)).where(
            ledger_entry.c.kind == "export")).scalar()
    assert built.seq == first_export - 1
    # The standalone verifier in the bag checks an extract with the pinned key.
    key = load_key(registry.settings).public_hex
    done = subprocess.run([sys.executable, str(out / "data/custody/verify_ledger.py"),
                           str(out / "data/custody/E001.jsonl"), "--public-key", key],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    ok = cli("dossier", "verify", str(out), "--public-key", key)
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip().endswith("OK")
    assert cli("dossier", "verify", str(out)).exit_code == 2


def test_the_report_is_a_pdf_with_persian_right_to_left_in_an_embedded_font(
        registry, scenario, tmp_path):
    out = tmp_path / "dossier"
    build_dossier(registry, "fx-case", out, actor="tester")
    pdf = out / "data" / "report.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(r[-5] == "yes" for r in rows), fonts  # emb column
    assert all("DejaVu-Sans" in r[0] for r in rows), fonts  # the one font with Persian glyphs
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for needle in ("Element matrix", "Gaps", "Exhibit index", "Custody summary",
                   "Bahram Fictional-Kazemi", "chief justice", "not legal advice"):
        assert needle in text
    # pdftotext gives Persian back in logical order only if the glyphs were shaped and
    # laid out right to left with their Unicode mapping.
    assert "بهرام" in text and "کاظمی" in text
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "2", "-png", str(pdf),
                    str(tmp_path / "page")], check=True)
    page = Image.open(sorted(tmp_path.glob("page-*.png"))[0]).convert("L")
    lo, hi = page.getextrema()
    assert hi - lo > 100  # something is drawn on the cover


def test_two_builds_at_one_ledger_head_have_identical_manifests(registry, scenario, tmp_path):
    first = build_dossier(registry, "fx-case", tmp_path / "a", actor="tester")
    second = build_dossier(registry, "fx-case", tmp_path / "b", as_of=first.head,
                           actor="tester")
    assert second.seq == first.seq
    for name in ("manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt",
                 "bag-info.txt", "dossier-statement.json", "dossier-signature.txt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # Without --as-of the head has moved on (the first export), and so has the bag.
    third = build_dossier(registry, "fx-case", tmp_path / "c", actor="tester")
    assert third.seq > first.seq
    assert (tmp_path / "c" / "manifest-sha256.txt").read_bytes() != \
        (tmp_path / "a" / "manifest-sha256.txt").read_bytes()


@pytest.mark.parametrize("level", ["prosecutor", "public"])
def test_no_byte_of_a_disclosed_bag_identifies_a_protected_person(
        registry, scenario, tmp_path, level):
    internal = tmp_path / "internal"
    build_dossier(registry, "fx-case", internal, actor="tester")
    out = tmp_path / level
    build_dossier(registry, "fx-case", out, level=level, actor="tester")
    bagit_validates(out)
    sealed = tmp_path / "sealed"
    build_dossier(registry, "fx-case", sealed, level="prosecutor", actor="tester")
    # Everything Khavaran knows of the case: the internal bag and a sealed annex.
    inside = every_byte(internal) + every_byte(tmp_path / "sealed.sealed-annex")
    found = every_byte(out)
    needles = PROTECTED_NAMES + PSEUDONYM_KEYS
    if level == "public":
        needles += ["testimony-shirin.txt", "grave-site-photo.jpg"]
    # The testimony's id and hashes: with its bytes, they would tell which file it is.
    with registry.read() as conn:
        testimony = conn.execute(select(evidence_item).where(
            evidence_item.c.id == scenario.items["testimony"])).one()
    needles += [testimony.id, testimony.sha256, testimony.sha512, testimony.id[3:19]]
    patterns = [re.compile(re.escape(n.encode())) for n in needles] + COORDINATES
    for pattern in patterns:
        # Khavaran wrote it elsewhere, so the search can find it...
        assert pattern.search(inside), pattern
        # ...and this one does not.
        assert not pattern.search(found), pattern
    doc = json.loads((out / "data" / "case.json").read_text("utf-8"))
    withheld = " ".join(w["what"] + " " + w["why"] for w in doc["withheld"])
    exhibits = {e["kind"]: e for e in doc["exhibits"]}
    assert "protected witness" in withheld
    assert exhibits["redaction"]["file"] is not None  # the redacted copy goes instead
    assert "Witness Alpha" in found.decode("utf-8", "replace")
    annex = out.with_name(out.name + ".sealed-annex")
    if level == "prosecutor":
        bagit_validates(annex)
        sealed = every_byte(annex)
        assert b"Shirin Fictional-Namdar" in sealed and b"Witness Alpha" in sealed
        info = (out / "bag-info.txt").read_text()
        tag = hashlib.sha256((annex / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
        assert f"Khavaran-Sealed-Annex-Tagmanifest-SHA256: {tag}" in info
    else:
        assert not annex.exists()
        assert "sensitive metadata" in withheld


def test_tampering_is_found_offline(registry, scenario, tmp_path, cli):
    out = tmp_path / "dossier"
    build_dossier(registry, "fx-case", out, actor="tester")
    key = load_key(registry.settings).public_hex
    exhibit = out / exhibit_of(out, scenario.items["judgment"])["file"]
    exhibit.write_bytes(exhibit.read_bytes().replace(b"ordered", b"advised"))
    bad = cli("dossier", "verify", str(out), "--public-key", key)
    assert bad.exit_code == 1
    assert exhibit.name in bad.output and "FAILED" in bad.output


def test_a_forged_custody_entry_is_found(registry, scenario, tmp_path, cli):
    out = tmp_path / "dossier"
    build_dossier(registry, "fx-case", out, actor="tester")
    key = load_key(registry.settings).public_hex
    extract = out / "data" / "custody" / "E001.jsonl"
    lines = extract.read_text().splitlines()
    lines[1] = lines[1].replace("tester", "someone")
    extract.write_text("\n".join(lines) + "\n")
    # Re-hash the manifests so that only the signatures can tell.
    bag = bagit.Bag(str(out))
    bag.save(manifests=True)
    bad = cli("dossier", "verify", str(out), "--public-key", key)
    assert bad.exit_code == 1
    assert "custody extract of E001" in bad.output


def test_a_damaged_vault_file_stops_the_build_and_leaves_nothing(registry, scenario, tmp_path):
    with registry.read() as conn:
        sha = conn.execute(select(evidence_item.c.sha256).where(
            evidence_item.c.id == scenario.items["judgment"])).scalar()
    blob = registry.vault.path_of(sha)
    os.chmod(blob, 0o644)
    blob.write_bytes(blob.read_bytes() + b"tampered")
    before = ledger_count(registry)
    folder = tmp_path / "dossiers"
    folder.mkdir()
    with pytest.raises(IntegrityError, match="its stored file has changed"):
        build_dossier(registry, "fx-case", folder / "dossier", actor="tester")
    assert list(folder.iterdir()) == []  # no bag, no partial bag, no temporary folder
    assert ledger_count(registry) == before


def test_an_existing_folder_is_never_overwritten(registry, scenario, tmp_path, cli):
    out = tmp_path / "dossier"
    out.mkdir()
    done = cli("dossier", "build", "fx-case", "--out", str(out))
    assert done.exit_code != 0 and "exists already" in done.output
    assert list(out.iterdir()) == []


def test_unknown_level_and_head_are_refused(registry, scenario, tmp_path):
    with pytest.raises(ValidationError, match="disclosure level"):
        build_dossier(registry, "fx-case", tmp_path / "x", level="press", actor="tester")
    with pytest.raises(Exception, match="no ledger entry"):
        build_dossier(registry, "fx-case", tmp_path / "x", as_of="f" * 64, actor="tester")
    assert not (tmp_path / "x").exists()


def test_the_cli_builds_and_prints_what_it_withheld(cli, scenario, tmp_path):
    out = tmp_path / "bag"
    done = cli("dossier", "build", "fx-case", "--out", str(out), "--disclosure", "public")
    assert done.exit_code == 0, done.output
    assert "disclosure public" in done.output and "withheld: exhibit" in done.output
    assert "not legal advice" in done.output


def test_export_entries_name_the_bag_they_wrote(registry, scenario, tmp_path):
    built = build_dossier(registry, "fx-case", tmp_path / "bag", actor="tester")
    with registry.read() as conn:
        rows = conn.execute(select(ledger_entry.c.item_id, ledger_entry.c.body).where(
            ledger_entry.c.kind == "export").order_by(ledger_entry.c.seq)).all()
    bodies = [json.loads(r.body) for r in rows]
    assert all(b["data"]["dossier_tagmanifest_sha256"] == built.tagmanifest_sha256
               for b in bodies)
    tag = hashlib.sha256((tmp_path / "bag" / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
    assert built.tagmanifest_sha256 == tag
    assert rows[-1].item_id is None and bodies[-1]["data"]["as_of_seq"] == built.seq
    assert {r.item_id for r in rows[:-1]} == set(scenario.items.values())


def test_a_real_record_in_a_fictional_case_stops_the_dossier(registry, scenario, tmp_path):
    # Imports, charges and links all refuse to mix; this guard is the last one, for a
    # registry changed behind their back (here, a flag changed directly in the database).
    with registry.write() as conn:
        conn.execute(entity.update().where(entity.c.id == "act-fx-2").values(fictional=False))
    before = ledger_count(registry)
    with pytest.raises(ValidationError, match="mixes fictional demo records with real ones"):
        build_dossier(registry, "fx-case", tmp_path / "bag", actor="tester")
    assert not (tmp_path / "bag").exists() and ledger_count(registry) == before


def test_a_changed_framework_is_said_in_the_dossier_and_never_drops_a_charge(
        registry, scenario, tmp_path):
    # Rows as an older framework would have left them (inserts are allowed; the
    # tables are append-only): a link to an element the framework no longer has...
    with registry.write() as conn:
        conn.execute(case_link.insert().values(
            case_id="fx-case", number=1, element="murder-old-element", stance="supports",
            source_id="s-fx-testimony-b", locator="para 4", reasoning="an old reading",
            seq=1, created_at=dt.datetime.now(dt.UTC), created_by="tester"))
    built = build_dossier(registry, "fx-case", tmp_path / "a", actor="tester")
    doc = json.loads((built.out / "data" / "case.json").read_text("utf-8"))
    assert [o["element"] for o in doc["orphaned_links"]] == ["murder-old-element"]
    assert "no longer has" in doc["framework_warnings"][0]
    text = subprocess.run(["pdftotext", str(built.out / "data" / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "murder-old-element" in text
    # ...and a charge whose crime is gone: no dossier, rather than one without it.
    with registry.write() as conn:
        conn.execute(case_charge.insert().values(
            case_id="fx-case", number=2, crime="cah-old-crime", mode="co-perpetration",
            seq=1, created_at=dt.datetime.now(dt.UTC), created_by="tester"))
    with pytest.raises(ValidationError, match="charge.s. 2 name a crime or mode"):
        build_dossier(registry, "fx-case", tmp_path / "b", actor="tester")
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("level", ["internal", "prosecutor", "public"])
def test_the_bags_readme_checks_custody_with_an_extract_the_bag_holds(
        cli, scenario, tmp_path, level):
    # A prosecutor's or the public's bag may withhold E001's extract: its README
    # must not send the reader to a file that is not there.
    out = tmp_path / "bag"
    assert cli("dossier", "build", "fx-case", "--out", str(out), "--disclosure",
               level).exit_code == 0
    readme = (out / "data" / "README.txt").read_text("utf-8")
    held = sorted(p.name for p in (out / "data" / "custody").glob("*.jsonl"))
    step = readme.split("3. Custody:", 1)[1].split("4. Signature:", 1)[0]
    if not held:
        assert "no custody extract is in this bag" in step
        return
    named = step.split("verify_ledger.py ", 1)[1].split()[0]
    assert Path(named).name in held
    key = load_key(cli.registry.settings).public_hex
    # Run as the README says, from the bag's folder.
    done = subprocess.run([sys.executable, "data/custody/verify_ledger.py", named,
                           "--public-key", key], cwd=out, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_build_and_verify_count_the_same_files(cli, scenario, tmp_path):
    out = tmp_path / "bag"
    built = cli("dossier", "build", "fx-case", "--out", str(out), "--disclosure", "public")
    payload = sum(1 for p in (out / "data").rglob("*") if p.is_file())
    exhibits = sum(1 for p in (out / "data" / "exhibits").iterdir())
    assert (f"{payload} payload files under data/ (" in built.output
            and f"; {exhibits} of them exhibit files), disclosure public" in built.output)
    key = load_key(cli.registry.settings).public_hex
    checked = cli("dossier", "verify", str(out), "--public-key", key)
    assert f"bag valid: {payload} payload files under data/ and " in checked.output
