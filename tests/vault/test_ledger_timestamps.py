"""`ledger timestamp` against a real TSA on loopback; checked offline and by openssl."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from files import text_pdf
from khavaran.errors import TimestampError
from khavaran.services import evidence, ledger_io, verification
from khavaran.services.registry import Registry
from khavaran.vault import verify_ledger
from khavaran.vault.ledger import head
from tsa import LoopbackTSA, tsa_fixture  # noqa: F401


def _one_item(registry: Registry, tmp_path: Path) -> None:
    doc = tmp_path / "doc.pdf"
    doc.write_bytes(text_pdf(["Hearing record"]))
    evidence.add_evidence(registry, [doc], source_id="t-list", actor="tester")


def test_timestamp_over_the_head_verifies_offline_and_with_openssl(
        vault_registry: Registry, tmp_path: Path, tsa: LoopbackTSA, cli) -> None:
    _one_item(vault_registry, tmp_path)
    with vault_registry.read() as conn:
        seq, covered = head(conn)
    done = cli("ledger", "timestamp", "--tsa", tsa.url, "--ca", str(tsa.ca_path))
    assert done.exit_code == 0, done.output
    assert f"entry {seq} ({covered}) timestamped" in done.output
    with vault_registry.read() as conn:
        token = conn.execute(text("SELECT token FROM ledger_timestamp")).scalar_one()
        last = json.loads(conn.execute(text(
            "SELECT body FROM ledger_entry ORDER BY seq DESC LIMIT 1")).scalar_one())
    assert last["kind"] == "timestamp" and last["data"]["covers"] == covered
    # The token's imprint is the entry's hash: openssl checks it with -digest.
    (tmp_path / "token.der").write_bytes(token)
    ok = subprocess.run(["openssl", "ts", "-verify", "-digest", covered, "-in",
                         str(tmp_path / "token.der"), "-token_in", "-CAfile", str(tsa.ca_path)],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "Verification: OK" in ok.stdout, ok.stderr
    other = subprocess.run(["openssl", "ts", "-verify", "-digest", "00" * 32, "-in",
                            str(tmp_path / "token.der"), "-token_in", "-CAfile",
                            str(tsa.ca_path)], capture_output=True, text=True, check=False)
    assert other.returncode != 0
    report = verification.verify(vault_registry, None, actor="tester")
    assert report.ok, report.problems
    assert report.timestamps == 1


def test_exported_timestamps_are_checked_by_the_standalone_verifier(
        vault_registry: Registry, tmp_path: Path, tsa: LoopbackTSA) -> None:
    _one_item(vault_registry, tmp_path)
    head = _head(vault_registry)
    ledger_io.timestamp_ledger(vault_registry, tsa.url, actor="tester", ca_pem=tsa.ca_pem)
    extract = tmp_path / "ledger.jsonl"
    ledger_io.export_ledger(vault_registry, extract)
    with vault_registry.read() as conn:
        key = conn.execute(text("SELECT public_key FROM ledger_key")).scalar_one()

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-I", verify_ledger.__file__, str(path),
                               "--public-key", key, "--tsa-ca", str(tsa.ca_path)],
                              capture_output=True, text=True, check=False)

    done = run(extract)
    assert done.returncode == 0, done.stdout
    assert f"timestamp over entry {head}: verified by openssl" in done.stdout
    lines = extract.read_text().split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith('{"timestamp"'))
    # A token line dropped, or swapped for another token, is caught.
    (tmp_path / "dropped.jsonl").write_text("\n".join(lines[:at] + lines[at + 1:]))
    assert "missing from the extract" in run(tmp_path / "dropped.jsonl").stdout
    stamp = json.loads(lines[at])
    token = bytearray(base64.b64decode(stamp["timestamp"]["token"]))
    token[-5] ^= 1
    stamp["timestamp"]["token"] = base64.b64encode(bytes(token)).decode()
    lines[at] = json.dumps(stamp)
    (tmp_path / "swapped.jsonl").write_text("\n".join(lines))
    swapped = run(tmp_path / "swapped.jsonl")
    assert swapped.returncode == 1 and "no signed timestamp entry" in swapped.stdout


def test_a_changed_token_fails_verification(vault_registry: Registry, tmp_path: Path,
                                            tsa: LoopbackTSA) -> None:
    _one_item(vault_registry, tmp_path)
    head = _head(vault_registry)
    ledger_io.timestamp_ledger(vault_registry, tsa.url, actor="tester", ca_pem=tsa.ca_pem)
    with vault_registry.engine.begin() as conn:
        if vault_registry.settings.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER ledger_timestamp_no_update")
        else:
            conn.exec_driver_sql("ALTER TABLE ledger_timestamp DISABLE TRIGGER USER")
        token = bytearray(conn.execute(text("SELECT token FROM ledger_timestamp")).scalar_one())
        token[-10] ^= 0xFF  # inside the signature
        conn.execute(text("UPDATE ledger_timestamp SET token = :t"), {"t": bytes(token)})
    report = verification.verify(vault_registry, None, actor="tester")
    assert any(f"timestamp 1 over entry {head}" in p for p in report.problems), report.problems


def _head(registry: Registry) -> int:
    with registry.read() as conn:
        return int(conn.execute(text("SELECT max(seq) FROM ledger_entry")).scalar_one())


def test_timestamp_refusals_are_clear(vault_registry: Registry, tmp_path: Path) -> None:
    _one_item(vault_registry, tmp_path)
    with pytest.raises(TimestampError, match="127.0.0.1:9"):
        ledger_io.timestamp_ledger(vault_registry, "http://127.0.0.1:9/", actor="tester",
                                      timeout=5)
    with LoopbackTSA(mode="reject") as refusing:
        with pytest.raises(TimestampError):
            ledger_io.timestamp_ledger(vault_registry, refusing.url, actor="tester")
    with vault_registry.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM ledger_timestamp")).scalar() == 0
        kinds = conn.execute(text("SELECT kind FROM ledger_entry WHERE kind != 'registry'"))\
            .scalars().all()
    assert kinds == ["intake"]
