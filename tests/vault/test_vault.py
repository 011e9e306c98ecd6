"""The evidence vault as its users meet it: intake, copies, custody, verify, purge."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from files import docx, photo_with_gps, scan_image, text_pdf
from khavaran.errors import EvidenceError, NotFoundError, ValidationError
from khavaran.services import custody, evidence, ledger_io, purge, verification
from khavaran.services.registry import Registry
from khavaran.storage.vault_tables import (
    evidence_intake,
    evidence_item,
    evidence_meta,
    ledger_entry,
)
from khavaran.vault import verify_ledger
from s3_store import VAULT_BACKENDS, on_store

VERIFIER = Path(verify_ledger.__file__)

# The tests that meet the vault only as a user does run on the object store too
# (when the run has one); the others look at its files on disk.
ON_BOTH = {
    "test_metadata_is_read_and_gps_author_are_marked_sensitive",
    "test_media_type_comes_from_content_not_name",
    "test_khavaran_refuses_copies_it_cannot_make",
    "test_verify_passes_on_an_untouched_vault_and_records_itself",
    "test_a_copy_of_a_working_copy_is_not_taken_in_as_an_original",
    "test_a_third_party_verifies_an_export_with_only_the_public_key",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "vault_backend" in metafunc.fixturenames:
        on_both = metafunc.function.__name__ in ON_BOTH
        metafunc.parametrize("vault_backend", VAULT_BACKENDS if on_both else ["disk"])


@pytest.fixture
def vault_registry(vault_registry: Registry, vault_backend: str,
                   monkeypatch: pytest.MonkeyPatch) -> Registry:
    if vault_backend == "s3":
        return on_store(vault_registry, monkeypatch)
    return vault_registry


def add(registry: Registry, *paths: Path, **kw: str) -> list[evidence.Intake]:
    return evidence.add_evidence(registry, list(paths), source_id=kw.pop("source", "t-list"),
                                 actor="tester", **kw)


def blob(registry: Registry, sha256: str) -> Path:
    return registry.vault.path_of(sha256)


def entries(registry: Registry) -> list[dict]:
    """The vault's custody entries (the registry's own seals, kind `registry`, left out)."""
    with registry.read() as conn:
        return [json.loads(b) for b in conn.execute(
            select(ledger_entry.c.body).where(ledger_entry.c.kind != "registry")
            .order_by(ledger_entry.c.seq)).scalars()]


def seals(registry: Registry) -> int:
    """How many entries the registry's own writes have added to the ledger."""
    with registry.read() as conn:
        return len(conn.execute(select(ledger_entry.c.seq)
                                .where(ledger_entry.c.kind == "registry")).all())


# -- intake -------------------------------------------------------------------------


def test_intake_of_a_folder_hashes_and_stores_every_file_untouched(
        vault_registry: Registry, tmp_path: Path) -> None:
    folder = tmp_path / "box"
    (folder / "scans").mkdir(parents=True)
    pdf = folder / "report.pdf"
    pdf.write_bytes(text_pdf(["Commission hearing"], title="Report", author="A. Fictional"))
    photo = photo_with_gps(folder / "scans" / "grave.jpg")
    note = folder / "note.txt"
    note.write_text("Testimony notes, 1367", encoding="utf-8")

    done = add(vault_registry, folder, collected_by="Field team 3",
               collected_at="1367/06/01", collected_where="Tehran")

    assert [Path(i.path).name for i in done] == ["note.txt", "report.pdf", "grave.jpg"]
    for i, original in zip(done, [note, pdf, photo], strict=True):
        data = original.read_bytes()
        assert i.sha256 == hashlib.sha256(data).hexdigest()
        assert blob(vault_registry, i.sha256).read_bytes() == data
        assert not blob(vault_registry, i.sha256).stat().st_mode & stat.S_IWUSR
    assert [i.media_type for i in done] == ["text/plain", "application/pdf", "image/jpeg"]
    with vault_registry.read() as conn:
        item = conn.execute(select(evidence_item).where(
            evidence_item.c.id == done[1].item_id)).one()
        intake = conn.execute(select(evidence_intake).where(
            evidence_intake.c.item_id == done[1].item_id)).one()
    assert item.sha512 == hashlib.sha512(pdf.read_bytes()).hexdigest()
    assert item.size == len(pdf.read_bytes())
    assert (intake.original_name, intake.collected_by, intake.collected_text,
            intake.collected_where, intake.created_by) == (
        "report.pdf", "Field team 3", "1367/06/01", "Tehran", "tester")
    assert [e["kind"] for e in entries(vault_registry)] == ["intake"] * 3


def test_metadata_is_read_and_gps_author_are_marked_sensitive(
        vault_registry: Registry, tmp_path: Path) -> None:
    photo = photo_with_gps(tmp_path / "photo.jpg")
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(text_pdf(["x"], title="Commission list", author="A. Fictional"))
    word = docx(tmp_path / "memo.docx", title="Memo", author="B. Fictional")
    done = add(vault_registry, photo, pdf, word)
    with vault_registry.read() as conn:
        meta = {(r.item_id, r.field): (r.value, r.sensitive)
                for r in conn.execute(select(evidence_meta))}
    p, d, w = (i.item_id for i in done)
    assert meta[(p, "gps_latitude")] == ("35.610000", True)
    assert meta[(p, "gps_longitude")] == ("51.540000", True)
    assert meta[(p, "camera_time")] == ("1988:08:15 09:30:00", False)
    assert meta[(p, "camera_make")] == ("FictionalCam", False)
    assert meta[(d, "title")] == ("Commission list", False)
    assert meta[(d, "author")] == ("A. Fictional", True)
    assert meta[(d, "created")] == ("1988-08-15T09:00:00", False)
    assert meta[(d, "pages")] == ("1", False)
    assert done[2].media_type.startswith("application/vnd.openxmlformats-officedocument")
    assert meta[(w, "author")] == ("B. Fictional", True)


def test_media_type_comes_from_content_not_name(vault_registry: Registry,
                                                tmp_path: Path) -> None:
    disguised = tmp_path / "holiday.txt"
    disguised.write_bytes(text_pdf(["not a text file"]))
    (done,) = add(vault_registry, disguised)
    assert done.media_type == "application/pdf"


def test_identical_content_is_stored_once_and_the_second_intake_recorded(
        vault_registry: Registry, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "copy-of-a.txt"
    a.write_text("same bytes")
    b.write_text("same bytes")
    first = add(vault_registry, a)
    second = add(vault_registry, b, source="t-report")
    assert first[0].item_id == second[0].item_id
    assert (first[0].repeat, second[0].repeat) == (False, True)
    files = [p for p in vault_registry.vault.blobs.rglob("*") if p.is_file()]
    assert len(files) == 1
    with vault_registry.read() as conn:
        intakes = conn.execute(select(evidence_intake.c.original_name, evidence_intake.c.repeat,
                                      evidence_intake.c.source_id)
                               .order_by(evidence_intake.c.id)).all()
    assert [tuple(r) for r in intakes] == [("a.txt", False, "t-list"),
                                           ("copy-of-a.txt", True, "t-report")]
    kinds = [(e["kind"], e["data"]["repeat"]) for e in entries(vault_registry)]
    assert kinds == [("intake", False), ("intake", True)]


def test_bad_input_registers_nothing(vault_registry: Registry, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("fine")
    broken = tmp_path / "broken"
    broken.symlink_to(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [([good, broken], EvidenceError, "broken link"),
             ([good, tmp_path / "missing.txt"], EvidenceError, "not there"),
             ([good, Path("/dev/null")], EvidenceError, "device"),
             ([empty], EvidenceError, "no files")]
    for paths, error, words in cases:
        with pytest.raises(error, match=words):
            add(vault_registry, *paths)
    with pytest.raises(NotFoundError, match="no source with id 'nope'"):
        add(vault_registry, good, source="nope")
    with pytest.raises(ValidationError, match="--collected-at"):
        add(vault_registry, good, collected_at="1367/13/40")
    with vault_registry.read() as conn:
        assert conn.execute(select(evidence_item)).all() == []
    assert entries(vault_registry) == []
    assert not [p for p in vault_registry.vault.root.rglob("*") if p.is_file()
                and p.name != ".lock"]


# -- working copies -----------------------------------------------------------------


def test_derived_copies_record_lineage_and_khavaran_makes_pdf_text(
        vault_registry: Registry, tmp_path: Path) -> None:
    pdf = tmp_path / "list.pdf"
    pdf.write_bytes(text_pdf(["Commission list page one", "Page two"]))
    (original,) = add(vault_registry, pdf)
    made = evidence.derive(vault_registry, original.item_id, kind="text", actor="tester")
    assert blob(vault_registry, made.sha256).read_text() == \
        "Commission list page one\fPage two"
    translation = tmp_path / "en.txt"
    translation.write_text("Translated list")
    tr = evidence.derive(vault_registry, made.item_id, kind="translation", actor="tester",
                         file=translation, tool="human: translator T-2",
                         params='{"from": "fa", "to": "en"}')
    (root,) = custody.lineage(vault_registry, tr.item_id)
    assert (root.id, root.kind) == (original.item_id, "original")
    assert [(c.id, c.kind) for c in root.children] == [(made.item_id, "text")]
    assert root.children[0].tool.startswith("pypdf ")
    assert [(c.id, c.kind, c.tool) for c in root.children[0].children] == [
        (tr.item_id, "translation", "human: translator T-2")]
    derive_entry = next(e for e in entries(vault_registry)
                        if e["kind"] == "derive" and e["item"] == tr.item_id)
    assert derive_entry["data"]["parent"] == made.item_id
    assert derive_entry["data"]["parent_sha256"] == made.sha256
    assert derive_entry["data"]["params"] == {"from": "fa", "to": "en"}
    parent_log = [e["kind"] for e in custody.custody_log(vault_registry, original.item_id)]
    assert parent_log == ["intake", "derivation"]


def test_ocr_reads_persian_and_english_from_a_scan(vault_registry: Registry,
                                                   tmp_path: Path) -> None:
    (scan,) = add(vault_registry, scan_image(tmp_path / "scan.png"))
    made = evidence.derive(vault_registry, scan.item_id, kind="ocr", actor="tester")
    words = blob(vault_registry, made.sha256).read_text(encoding="utf-8")
    assert "Khavaran" in words
    assert "خاوران" in words
    info = custody.item_info(vault_registry, made.item_id)
    (parent,) = info["parents"]
    assert parent["tool"].startswith("tesseract ")
    assert json.loads(parent["params"]) == {"languages": "fas+eng"}


def test_khavaran_refuses_copies_it_cannot_make(vault_registry: Registry,
                                                tmp_path: Path) -> None:
    note = tmp_path / "n.txt"
    note.write_text("plain")
    (item,) = add(vault_registry, note)
    with pytest.raises(EvidenceError, match="PDFs only"):
        evidence.derive(vault_registry, item.item_id, kind="text", actor="tester")
    with pytest.raises(EvidenceError, match="images only"):
        evidence.derive(vault_registry, item.item_id, kind="ocr", actor="tester")
    with pytest.raises(ValidationError, match="--tool"):
        evidence.derive(vault_registry, item.item_id, kind="redaction", actor="tester",
                        file=note)
    with pytest.raises(ValidationError, match="unknown kind"):
        evidence.derive(vault_registry, item.item_id, kind="poem", actor="tester")


# -- custody --------------------------------------------------------------------------


def test_reading_an_item_never_changes_it(vault_registry: Registry, tmp_path: Path) -> None:
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(text_pdf(["Evidence"]))
    (item,) = add(vault_registry, pdf)
    path = blob(vault_registry, item.sha256)
    before = (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_mode)
    custody.item_info(vault_registry, item.item_id)
    custody.lineage(vault_registry, item.item_id)
    custody.custody_log(vault_registry, item.item_id)
    custody.download(vault_registry, item.item_id, tmp_path / "out.pdf", actor="tester")
    evidence.derive(vault_registry, item.item_id, kind="text", actor="tester")
    verification.verify(vault_registry, item.item_id, actor="tester")
    assert (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_mode) == before
    assert (tmp_path / "out.pdf").read_bytes() == pdf.read_bytes()


def test_custody_transfers_downloads_and_links_go_to_the_ledger(
        demo_registry: Registry, tmp_path: Path) -> None:
    with demo_registry.read() as conn:
        claim_id, source_id = conn.execute(text(
            "SELECT claim_id, source_id FROM citation ORDER BY id LIMIT 1")).one()
    doc = tmp_path / "doc.txt"
    doc.write_text("a fictional document")
    (item,) = add(demo_registry, doc, source=source_id)
    assert custody.transfer(demo_registry, item.item_id, to="Legal team",
                            reason="case review", actor="tester") == "tester"
    with pytest.raises(ValidationError, match="holds"):
        custody.transfer(demo_registry, item.item_id, to="Legal team", reason="again",
                         actor="tester")
    custody.download(demo_registry, item.item_id, tmp_path / "copy.txt", actor="tester",
                     purpose="translation")
    with pytest.raises(EvidenceError, match="exists already"):
        custody.download(demo_registry, item.item_id, tmp_path / "copy.txt", actor="tester")
    custody.link_claim(demo_registry, item.item_id, claim_id, locator="p. 2", actor="tester")
    log = custody.custody_log(demo_registry, item.item_id)
    assert [e["kind"] for e in log] == ["intake", "transfer", "download", "link"]
    assert log[1]["data"] == {"from": "tester", "to": "Legal team", "reason": "case review"}
    assert log[2]["data"]["purpose"] == "translation"
    assert log[3]["data"] == {"claim": claim_id, "locator": "p. 2"}
    assert custody.item_info(demo_registry, item.item_id)["custodian"] == "Legal team"


def test_a_claim_must_cite_the_items_source_to_be_linked(demo_registry: Registry,
                                                         tmp_path: Path) -> None:
    with demo_registry.read() as conn:
        claim_id, source_id = conn.execute(text(
            "SELECT claim_id, source_id FROM citation ORDER BY id LIMIT 1")).one()
        other = conn.execute(text("SELECT id FROM source WHERE id NOT IN "
                                  "(SELECT source_id FROM citation WHERE claim_id = :c) "
                                  "ORDER BY id LIMIT 1"), {"c": claim_id}).scalar()
    doc = tmp_path / "doc.txt"
    doc.write_text("unrelated")
    (item,) = add(demo_registry, doc, source=other)
    with pytest.raises(ValidationError, match="does not cite the source"):
        custody.link_claim(demo_registry, item.item_id, claim_id, locator="p. 1",
                           actor="tester")
    with pytest.raises(NotFoundError):
        custody.link_claim(demo_registry, item.item_id, "no-such-claim", locator="p. 1",
                           actor="tester")
    assert [e["kind"] for e in custody.custody_log(demo_registry, item.item_id)] == ["intake"]


def test_the_database_refuses_to_change_ledger_rows(vault_registry: Registry,
                                                    tmp_path: Path) -> None:
    doc = tmp_path / "d.pdf"
    doc.write_bytes(text_pdf(["x"], title="T"))
    (item,) = add(vault_registry, doc)
    for sql in ("UPDATE ledger_entry SET kind = 'view'", "DELETE FROM ledger_entry",
                "UPDATE evidence_item SET size = 1", "DELETE FROM evidence_item",
                "DELETE FROM evidence_intake", "UPDATE evidence_meta SET value = 'x'"):
        with pytest.raises(Exception, match="append-only|only be deleted by purging"):
            with vault_registry.write() as conn:
                conn.execute(text(sql))
    assert [e["item"] for e in entries(vault_registry)] == [item.item_id]


# -- verification ---------------------------------------------------------------------


def _tamper(registry: Registry, *sql: str) -> None:
    """Change rows as someone with the database file would: past the triggers."""
    tables = ("ledger_entry", "evidence_item", "evidence_intake", "evidence_meta",
              "evidence_purge")
    with registry.engine.begin() as conn:
        for table in tables:
            if registry.settings.is_sqlite:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_update")
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            else:
                conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for statement in sql:
            conn.exec_driver_sql(statement)


@pytest.fixture
def three_items(vault_registry: Registry, tmp_path: Path) -> list[evidence.Intake]:
    files = []
    for n in range(3):
        f = tmp_path / f"f{n}.txt"
        f.write_text(f"document {n}")
        files.append(f)
    done = [add(vault_registry, f)[0] for f in files]
    custody.transfer(vault_registry, done[0].item_id, to="B", reason="r", actor="tester")
    return done


def _from_first_intake(text: str, offset: int) -> str:
    """Entry numbers 1, 2, 3 ... in ``text`` moved past ``offset`` earlier entries."""
    return re.sub(r"(seq = |seq |entry )(\d{1,2})\b",
                  lambda m: f"{m.group(1)}{int(m.group(2)) + offset}", text)


def _problems(registry: Registry) -> list[str]:
    report = verification.verify(registry, None, actor="tester")
    return report.problems


def test_verify_passes_on_an_untouched_vault_and_records_itself(
        vault_registry: Registry, three_items: list[evidence.Intake]) -> None:
    report = verification.verify(vault_registry, None, actor="tester")
    assert report.ok, report.problems
    custody_entries = 4 + seals(vault_registry)  # 3 intakes, a transfer, the registry's
    assert (report.items, report.blobs, report.entries, report.signatures) == (
        3, 3, custody_entries, custody_entries)
    last = entries(vault_registry)[-1]
    assert (last["kind"], last["item"], last["data"]["result"]) == ("verify", None, "passed")
    item_report = verification.verify(vault_registry, three_items[0].item_id, actor="tester")
    assert item_report.ok and item_report.entries == 2
    assert entries(vault_registry)[-1]["item"] == three_items[0].item_id


def test_verify_finds_a_changed_byte_and_a_missing_file(
        vault_registry: Registry, three_items: list[evidence.Intake]) -> None:
    changed = blob(vault_registry, three_items[0].sha256)
    os.chmod(changed, 0o644)
    data = bytearray(changed.read_bytes())
    data[3] ^= 1
    changed.write_bytes(bytes(data))
    os.chmod(changed, 0o444)  # as a careful forger would
    blob(vault_registry, three_items[1].sha256).unlink()
    problems = _problems(vault_registry)
    assert len(problems) == 2
    assert f"item {three_items[0].item_id}: its stored file has changed" in problems[0]
    assert f"item {three_items[1].item_id}: its stored file is missing" in problems[1]
    assert entries(vault_registry)[-1]["data"]["result"] == "failed"


@pytest.mark.parametrize("attack, expected", [
    ("UPDATE ledger_entry SET body = replace(body, '\"actor\":\"tester\"', "
     "'\"actor\":\"mallory\"') WHERE seq = 2",
     ["entry 2: its body does not match its hash", "entry 2: its signature does not verify"]),
    ("DELETE FROM ledger_entry WHERE seq = 2",
     ["entry 3: expected entry 2 here", "entry 3: does not follow entry 1"]),
    ("UPDATE ledger_entry SET seq = 100 WHERE seq = 2; "
     "UPDATE ledger_entry SET seq = 2 WHERE seq = 3; "
     "UPDATE ledger_entry SET seq = 3 WHERE seq = 100",
     ["entry 2: its body says seq 3", "entry 2: does not follow entry 1"]),
    ("UPDATE ledger_entry SET signature = (SELECT signature FROM ledger_entry WHERE seq = 1) "
     "WHERE seq = 3", ["entry 3: its signature does not verify"]),
    ("UPDATE ledger_entry SET item_id = NULL WHERE seq = 1",
     ["entry 1: its columns differ from its signed body"]),
    ("UPDATE evidence_item SET size = 5 WHERE id IN (SELECT item_id FROM ledger_entry "
     "WHERE seq = 1)",
     ["its record (hashes, size, media type, role, source, who or when) differs"]),
    ("UPDATE evidence_item SET source_id = 't-report'",
     ["its record (hashes, size, media type, role, source, who or when) differs"]),
    ("DELETE FROM evidence_intake WHERE id = 2", ["its intake records differ"]),
    ("INSERT INTO evidence_purge VALUES ((SELECT item_id FROM ledger_entry WHERE seq = 1), "
     "'x', 'x', '2026-01-01 00:00:00', 'x')",
     ["is marked purged, but the ledger has no purge entry"]),
    ("UPDATE evidence_item SET created_by = 'mallory'", ["who or when) differs"]),
    ("INSERT INTO evidence_meta VALUES ((SELECT item_id FROM ledger_entry WHERE seq = 1), "
     "'gps_latitude', '35.7', true)", ["its metadata differs"]),
    ("UPDATE ledger_entry SET body = 'not json' WHERE seq = 2",
     ["entry 2: its body does not match its hash", "entry 2: its body is not JSON"]),
    ("UPDATE evidence_intake SET original_name = 'renamed.txt' WHERE id = 1",
     ["its intake records differ from what the ledger committed to"]),
])
def test_verify_names_each_kind_of_ledger_tampering(
        vault_registry: Registry, three_items: list[evidence.Intake], attack: str,
        expected: list[str]) -> None:
    # The attacks count entries from the first intake: the registry's own seals
    # (init, the test sources) come before it.
    first = seals(vault_registry)
    attack, expected = _from_first_intake(attack, first), [
        _from_first_intake(words, first) for words in expected]
    _tamper(vault_registry, *attack.split("; "))
    problems = _problems(vault_registry)
    for words in expected:
        assert any(words in p for p in problems), (words, problems)


def test_verify_finds_an_entry_inserted_in_the_middle(
        vault_registry: Registry, three_items: list[evidence.Intake]) -> None:
    with vault_registry.read() as conn:
        rows = conn.execute(select(ledger_entry).order_by(ledger_entry.c.seq)).all()
    forged = json.loads(rows[1].body) | {"actor": "mallory"}
    body = verify_ledger.canonical(forged)
    # Shift the later entries up by one and put the forgery in the gap.
    statements = ["UPDATE ledger_entry SET seq = seq + 1000 WHERE seq >= 2",
                  "UPDATE ledger_entry SET seq = seq - 999 WHERE seq >= 1000",
                  "INSERT INTO ledger_entry (seq, item_id, kind, hash, prev, body, signature) "
                  f"VALUES (2, '{rows[1].item_id}', 'intake', "
                  f"'{hashlib.sha256(body.encode()).hexdigest()}', 'forged-prev', "
                  f"'{body}', '{'00' * 64}')"]
    _tamper(vault_registry, *statements)
    problems = _problems(vault_registry)
    assert any("entry 2: its signature does not verify" in p for p in problems), problems
    assert any("entry 3: its body says seq 2" in p for p in problems), problems


def test_verify_finds_a_writable_a_linked_and_a_stray_file(
        vault_registry: Registry, three_items: list[evidence.Intake], tmp_path: Path) -> None:
    os.chmod(blob(vault_registry, three_items[0].sha256), 0o666)
    target = blob(vault_registry, three_items[1].sha256)
    outside = tmp_path / "outside"
    outside.write_bytes(target.read_bytes())
    os.unlink(target)
    target.symlink_to(outside)
    stray = vault_registry.vault.blobs / "ab" / "cd" / ("ab" * 32)
    stray.parent.mkdir(parents=True)
    stray.write_text("planted")
    shallow = vault_registry.vault.blobs / "stray.txt"
    shallow.write_text("planted too")
    problems = _problems(vault_registry)
    assert any(str(shallow) in p and "belongs to no item" in p for p in problems)
    assert f"item {three_items[0].item_id}: its stored file is writable (mode 666, should " \
        "be 444)" in problems
    assert f"item {three_items[1].item_id}: its stored file is a symbolic link, not the " \
        "stored file" in problems
    assert any(str(stray) in p and "belongs to no item" in p for p in problems)


def test_an_entry_signed_by_a_key_nobody_trusted_fails(
        vault_registry: Registry, three_items: list[evidence.Intake]) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from khavaran.vault.keys import SigningKey
    from khavaran.vault.ledger import LedgerWriter

    rogue = SigningKey.of(Ed25519PrivateKey.generate())
    with vault_registry.write() as conn:  # plain inserts: no trigger stops them
        conn.execute(text("INSERT INTO ledger_key VALUES (:k, :p, '2026-01-01 00:00:00')"),
                     {"k": rogue.key_id, "p": rogue.public_hex})
        LedgerWriter(conn, rogue).append("transfer", item=three_items[0].item_id,
                                         actor="mallory", at=vault_registry.now(),
                                         data={"from": "B", "to": "Mallory", "reason": "x"})
    problems = _problems(vault_registry)
    assert any(f"signed by key {rogue.key_id}, which this installation does not trust" in p
               for p in problems), problems
    # Endorsed by the installation's own key, the other key is trusted.
    ledger_io.trust_key(vault_registry, rogue.public_hex, actor="tester",
                           reason="second office")
    assert _problems(vault_registry) == []


def test_cli_verify_exits_non_zero_and_names_the_failure(
        vault_registry: Registry, three_items: list[evidence.Intake], cli) -> None:
    ok = cli("evidence", "verify", "--all")
    assert ok.exit_code == 0, ok.output
    assert "3 item(s), 3 file(s) re-hashed" in ok.output and "all verified" in ok.output
    blob(vault_registry, three_items[2].sha256).unlink()
    bad = cli("evidence", "verify", "--all")
    assert bad.exit_code == 1
    assert f"FAILED: item {three_items[2].item_id}: its stored file is missing" in bad.output
    assert cli("evidence", "verify").exit_code != 0  # neither ITEM nor --all


# -- purge ----------------------------------------------------------------------------


def test_purge_needs_a_second_person_and_leaves_a_verifiable_tombstone(
        vault_registry: Registry, tmp_path: Path) -> None:
    pdf = tmp_path / "testimony.pdf"
    pdf.write_bytes(text_pdf(["Witness account"], author="Witness W-7"))
    (item,) = add(vault_registry, pdf, collected_by="Researcher R", collected_where="Karaj")
    copy = evidence.derive(vault_registry, item.item_id, kind="text", actor="tester")
    with pytest.raises(ValidationError, match="second person"):
        purge.purge(vault_registry, item.item_id, reason="consent withdrawn",
                           approved_by="Tester ", actor="tester")
    with pytest.raises(ValidationError, match="--reason"):
        purge.purge(vault_registry, item.item_id, reason=" ", approved_by="Dana",
                           actor="tester")
    gone = purge.purge(vault_registry, item.item_id, reason="consent withdrawn",
                              approved_by="Dana", actor="tester")
    assert set(gone) == {item.item_id, copy.item_id}
    assert not blob(vault_registry, item.sha256).exists()
    assert not blob(vault_registry, copy.sha256).exists()
    with vault_registry.read() as conn:
        assert conn.execute(select(evidence_intake)).all() == []
        assert conn.execute(select(evidence_meta)).all() == []
        kept = conn.execute(select(evidence_item.c.sha256)).scalars().all()
    assert set(kept) == {item.sha256, copy.sha256}
    tombstones = [e for e in entries(vault_registry) if e["kind"] == "purge"]
    assert {t["data"]["sha256"] for t in tombstones} == {item.sha256, copy.sha256}
    assert all(t["data"]["approved_by"] == "Dana" for t in tombstones)
    assert verification.verify(vault_registry, None, actor="tester").ok
    with pytest.raises(EvidenceError, match="purged"):
        add(vault_registry, pdf)
    with pytest.raises(EvidenceError, match="purged"):
        custody.download(vault_registry, item.item_id, tmp_path / "x.pdf", actor="tester")
    info = custody.item_info(vault_registry, item.item_id)
    assert info["purge"]["reason"] == "consent withdrawn" and info["intakes"] == []
    assert "Researcher R" not in json.dumps(entries(vault_registry))
    assert "Karaj" not in json.dumps(entries(vault_registry))
    # Details put back, or the purge record edited, after the purge: both caught.
    _tamper(vault_registry,
            f"INSERT INTO evidence_meta VALUES ('{item.item_id}', 'author', 'W', true)",
            "UPDATE evidence_purge SET approved_by = 'Someone else'")
    problems = verification.verify(vault_registry, None, actor="tester").problems
    assert any("is purged, but intake or metadata rows for it are back" in p
               for p in problems), problems
    assert any("its purge record (reason, approver, who or when) differs" in p
               for p in problems), problems


def test_a_copy_of_a_working_copy_is_not_taken_in_as_an_original(
        vault_registry: Registry, tmp_path: Path) -> None:
    note, translation = tmp_path / "note.txt", tmp_path / "en.txt"
    note.write_text("original words")
    translation.write_text("translated words")
    (item,) = add(vault_registry, note)
    evidence.derive(vault_registry, item.item_id, kind="translation", actor="tester",
                    file=translation, tool="human")
    with pytest.raises(EvidenceError, match="same bytes as the working copy"):
        add(vault_registry, translation, source="t-report")
    assert verification.verify(vault_registry, None, actor="tester").ok


def test_outputs_never_follow_a_planted_link(vault_registry: Registry,
                                             three_items: list[evidence.Intake],
                                             tmp_path: Path) -> None:
    original = blob(vault_registry, three_items[0].sha256)
    before = original.read_bytes()
    out = tmp_path / "o"
    out.mkdir()
    (out / ".e.jsonl.part").symlink_to(original)  # where a naive writer would write
    ledger_io.export_ledger(vault_registry, out / "e.jsonl")
    assert original.read_bytes() == before
    assert not (out / "e.jsonl").is_symlink()
    (out / "f.jsonl").symlink_to(original)
    with pytest.raises(EvidenceError, match="exists already"):
        ledger_io.export_ledger(vault_registry, out / "f.jsonl")
    with pytest.raises(EvidenceError, match="exists already"):
        custody.download(vault_registry, three_items[0].item_id, out / "f.jsonl",
                         actor="tester")
    assert original.read_bytes() == before and verification.verify(
        vault_registry, None, actor="tester").ok


# -- export and third-party verification ----------------------------------------------


def _run_verifier(extract: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The system's python, outside our virtualenv: the script must stand alone.
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    return subprocess.run([python, "-I", str(VERIFIER), str(extract), *args],
                          capture_output=True, text=True, check=False, cwd="/")


def _public_key(registry: Registry) -> str:
    with registry.read() as conn:
        return conn.execute(text("SELECT public_key FROM ledger_key")).scalar_one()


def test_a_third_party_verifies_an_export_with_only_the_public_key(
        vault_registry: Registry, three_items: list[evidence.Intake], tmp_path: Path) -> None:
    full, one = tmp_path / "ledger.jsonl", tmp_path / "item.jsonl"
    assert ledger_io.export_ledger(vault_registry, full) == 4 + seals(vault_registry)
    assert ledger_io.export_ledger(vault_registry, one,
                                      item_id=three_items[0].item_id) == 2
    key = _public_key(vault_registry)
    for extract in (full, one):
        done = _run_verifier(extract, "--public-key", key)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "OK: every hash, chain and signature verifies" in done.stdout
    wrong = _run_verifier(full, "--public-key", "11" * 32)
    assert wrong.returncode == 1 and "signature does not verify" in wrong.stdout
    unpinned = _run_verifier(full)
    assert unpinned.returncode == 2 and "UNVERIFIED KEY" in unpinned.stdout
    assert "OK" not in unpinned.stdout
    garbled = _run_verifier(full, "--public-key", "zz")
    assert garbled.returncode == 2 and "64 hex digits" in garbled.stderr


def test_line_separators_inside_text_do_not_break_an_extract(
        vault_registry: Registry, three_items: list[evidence.Intake], tmp_path: Path) -> None:
    custody.transfer(vault_registry, three_items[1].item_id, to="Clerk",
                     reason="first\u2028second\u0085third", actor="tester")
    extract = tmp_path / "x.jsonl"
    ledger_io.export_ledger(vault_registry, extract, item_id=three_items[1].item_id)
    done = _run_verifier(extract, "--public-key", _public_key(vault_registry))
    assert done.returncode == 0, done.stdout


def test_the_standalone_verifier_catches_edits_removals_and_truncation(
        vault_registry: Registry, three_items: list[evidence.Intake], tmp_path: Path) -> None:
    custody.transfer(vault_registry, three_items[0].item_id, to="C", reason="r",
                     actor="tester")
    one = tmp_path / "item.jsonl"
    ledger_io.export_ledger(vault_registry, one, item_id=three_items[0].item_id)
    lines = one.read_text().splitlines()
    assert len(lines) == 5  # header, intake, two transfers, head

    def check(changed: list[str]) -> str:
        path = tmp_path / "changed.jsonl"
        path.write_text("\n".join(changed) + "\n")
        done = _run_verifier(path, "--public-key", _public_key(vault_registry))
        assert done.returncode == 1, done.stdout
        return done.stdout

    edited = lines.copy()
    edited[2] = edited[2].replace("B", "Z", 1)
    assert "FAILED" in check(edited)
    assert "does not follow the previous entry of item" in check(lines[:2] + lines[3:])
    assert "cut off or added" in check(lines[:3] + lines[4:])
    assert "no head statement" in check(lines[:-1])


@pytest.mark.parametrize("checker", ["signature_checker", "_cryptography_checker",
                                     "_openssl_checker"])
def test_signatures_check_the_same_with_libsodium_cryptography_and_openssl(
        vault_registry: Registry, three_items: list[evidence.Intake], checker: str) -> None:
    keys = {verify_ledger.key_id(_public_key(vault_registry)): _public_key(vault_registry)}
    with vault_registry.read() as conn:
        rows = conn.execute(select(ledger_entry).order_by(ledger_entry.c.seq)).all()
    check = getattr(verify_ledger, checker)(keys)
    good = [verify_ledger.Entry(r.seq, r.hash, r.signature, r.body) for r in rows]
    assert all(check(e) for e in good)
    intake = next(e for e in good if '"kind":"intake"' in e.body)
    forged = verify_ledger.Entry(intake.seq, intake.hash, intake.signature,
                                 intake.body.replace("tester", "mallory"))
    assert forged.body != intake.body
    assert not check(forged)


def test_cli_key_export_and_verifier_for_a_third_party(
        vault_registry: Registry, three_items: list[evidence.Intake], cli, tmp_path: Path) -> None:
    shown = cli("ledger", "key")
    assert shown.exit_code == 0 and _public_key(vault_registry) in shown.output
    exported = cli("ledger", "export")  # to standard output
    assert exported.exit_code == 0, exported.output
    extract = tmp_path / "stdout.jsonl"
    extract.write_text(exported.output)
    written = cli("ledger", "verifier", "--out", str(tmp_path / "court"))
    assert written.exit_code == 0, written.output
    script = tmp_path / "court" / "verify_ledger.py"
    assert script.read_bytes() == VERIFIER.read_bytes()
    done = subprocess.run([sys.executable, "-I", str(script), str(extract), "--public-key",
                           _public_key(vault_registry)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout
    again = cli("ledger", "verifier", "--out", str(tmp_path / "court"))
    assert again.exit_code == 1 and "exists already" in again.output
    home = vault_registry.settings.home
    inside = cli("ledger", "export", "--out", str(home / "vault" / "x.jsonl"))
    assert inside.exit_code == 1 and "inside the data home" in inside.output
    assert not (home / "vault" / "x.jsonl").exists()


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["head", "timestamp", "seq", "hash",
                                                       "body", "signature", "token", "x"]),
                                      inner, max_size=4), max_leaves=8)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.integers(min_value=0, max_value=10), junk=JSON | st.text(max_size=40))
def test_the_standalone_verifier_reports_any_damaged_line_without_crashing(
        vault_registry: Registry, tmp_path: Path, where: int, junk: object) -> None:
    extract = tmp_path / "ledger.jsonl"
    if not extract.exists():
        doc = tmp_path / "doc.txt"
        doc.write_text("a document")
        add(vault_registry, doc)
        ledger_io.export_ledger(vault_registry, extract)
    lines = extract.read_text().split("\n")[:-1]
    key = _public_key(vault_registry)
    assert verify_ledger.verify_extract(lines, [key], out=lambda _: None) == []
    at = where % len(lines)
    damaged = lines.copy()
    damaged[at] = junk if isinstance(junk, str) else json.dumps(junk)
    if damaged[at] == lines[at]:
        return
    problems = verify_ledger.verify_extract(damaged, [key], out=lambda _: None)
    assert problems, (at, damaged[at])


def test_persian_names_are_kept_and_line_breaks_escaped(vault_registry: Registry,
                                                        tmp_path: Path) -> None:
    persian = tmp_path / "گزارش‌ها.txt"  # with a ZWNJ, as Persian writes it
    persian.write_text("one")
    odd = tmp_path / "a\nFAKE LINE.txt"
    odd.write_text("two")
    done = add(vault_registry, persian, odd)
    info = [custody.item_info(vault_registry, i.item_id)["intakes"][0]["original_name"]
            for i in done]
    assert info == ["گزارش‌ها.txt", "a\\nFAKE LINE.txt"]
