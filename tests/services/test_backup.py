"""Backups: checked offline, incremental, refused when tampered with, never
accepted when killed part way; restored installations verify and export the
same bytes as the original."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from khavaran.cli import app
from khavaran.errors import ConfigError, IntegrityError
from khavaran.services import backup as backups
from khavaran.services.access_log import read_log
from khavaran.services.exporting import export
from khavaran.services.integrity import verify_installation
from khavaran.services.registry import Registry, open_registry
from khavaran.settings import Settings
from khavaran.storage import queries

PG_URL = os.environ.get("KHAVARAN_TEST_PG_URL")
FIXTURES = Path(__file__).parent.parent / "fixtures"


def Cli(registry: Registry):  # noqa: N802 - reads like the conftest's Cli
    def run(*args: str, user: str | None = "tester"):
        s = registry.settings
        base = ["--home", str(s.home), "--db", s.db_url, *(["--as", user] if user else [])]
        env = {"KHAVARAN_USER": None, "KHAVARAN_HOME": None, "KHAVARAN_DB": None}
        return CliRunner().invoke(app, [*base, *args], env=env)
    return run


def _source_of(registry: Registry) -> str:
    with registry.read() as conn:
        return str(queries.source_rows(conn)[0]["id"])


def _add_files(registry: Registry, folder: Path, count: int, size: int = 200,
               tag: str = "a") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(tag)
    for i in range(count):
        (folder / f"{tag}{i}.bin").write_bytes(f"{tag}{i}".encode() + rng.randbytes(size))
    result = Cli(registry)("evidence", "add", str(folder), "--source", _source_of(registry))
    assert result.exit_code == 0, result.output


def _export(registry: Registry, include_protected: bool = False) -> bytes:
    out = io.StringIO()
    export(registry, out, include_protected=include_protected,
           actor="tester" if include_protected else None)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def new_db(backend: str, tmp_path: Path) -> Iterator[str | None]:
    """Where a restore puts the database: None (the new home's file) or a new
    PostgreSQL database."""
    if backend == "sqlite":
        yield None
        return
    assert PG_URL
    name = f"r_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _restored(home: Path, db: str | None) -> Registry:
    return open_registry(Settings(home=home, db_url=db or f"sqlite:///{home / 'khavaran.db'}",
                                  actor="tester"))


def test_round_trip_exports_the_same_bytes(demo_registry: Registry, new_db: str | None,
                                           tmp_path: Path) -> None:
    _add_files(demo_registry, tmp_path / "in", 3)
    report = backups.backup(demo_registry, tmp_path / "bk", actor="tester")
    assert report.blobs_copied == 3 and report.blobs_kept == 0
    assert backups.verify_backup(tmp_path / "bk").ok

    restored = backups.restore(tmp_path / "bk", tmp_path / "new", db_url=new_db, actor="ana")
    assert restored.blobs == 3
    again = _restored(tmp_path / "new", new_db)
    try:
        check = verify_installation(again, actor="tester")
        assert check.ok, check.problems
        assert _export(again) == _export(demo_registry)
        # With identities too: the plain exports above revealed no one, so they
        # left no reveal rows behind (an export records its own after it is written).
        assert _export(again, True) == _export(demo_registry, True)
        # Recorded in the access log (and so the ledger) of each, not in the registry.
        assert read_log(again, action="restore").entries[0].actor == "ana"
        assert read_log(again, action="restore").entries[0].target == report.manifest_sha256
    finally:
        again.close()
    assert read_log(demo_registry, action="backup").entries[0].target == \
        report.manifest_sha256


def test_a_second_backup_copies_only_new_blobs(registry: Registry, vault_registry: Registry,
                                               tmp_path: Path) -> None:
    _add_files(registry, tmp_path / "one", 4, tag="one")
    first = backups.backup(registry, tmp_path / "bk", actor="tester")
    assert (first.blobs_copied, first.blobs_kept) == (4, 0)
    _add_files(registry, tmp_path / "two", 2, tag="two")
    second = backups.backup(registry, tmp_path / "bk", actor="tester")
    assert (second.blobs_copied, second.blobs_kept) == (2, 4)
    assert second.bytes_copied == 2 * (len(b"two0") + 200)
    check = backups.verify_backup(tmp_path / "bk")
    assert check.ok and check.files == 6 + 2  # blobs, database, public keys
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".bk")) == \
        [".bk.lock"]  # no staging or old folder is left


def test_backup_verify_names_a_changed_a_missing_and_an_extra_file(
        registry: Registry, vault_registry: Registry, tmp_path: Path) -> None:
    _add_files(registry, tmp_path / "in", 3)
    backups.backup(registry, tmp_path / "bk", actor="tester")
    blobs = sorted(p for p in (tmp_path / "bk" / "blobs").rglob("*") if p.is_file())
    changed, missing = blobs[0], blobs[1]
    os.chmod(changed, 0o644)
    changed.write_bytes(b"altered")
    missing.unlink()
    (tmp_path / "bk" / "notes.txt").write_text("extra")
    cli = Cli(registry)
    result = cli("backup", "verify", str(tmp_path / "bk"), user=None)
    assert result.exit_code == 1
    rel = lambda p: p.relative_to(tmp_path / "bk").as_posix()  # noqa: E731
    assert f"changed file: {rel(changed)}" in result.output
    assert f"missing file: {rel(missing)}" in result.output
    assert "extra file: notes.txt" in result.output


def test_a_changed_manifest_or_another_key_is_refused(registry: Registry, tmp_path: Path
                                                      ) -> None:
    backups.backup(registry, tmp_path / "bk", actor="tester")
    other = "ab" * 32
    check = backups.verify_backup(tmp_path / "bk", [other])
    assert not check.ok and "not by the --public-key given" in check.problems[0]
    manifest = tmp_path / "bk" / "manifest.json"
    body = json.loads(manifest.read_text())
    body["created_at"] = "2020-01-01T00:00:00.000000Z"
    manifest.write_text(json.dumps(body, sort_keys=True, separators=(",", ":")))
    result = Cli(registry)("backup", "verify", str(tmp_path / "bk"), user=None)
    assert result.exit_code == 1 and "signature does not verify" in result.output


def test_restore_refuses_a_tampered_backup_and_writes_nothing(
        demo_registry: Registry, new_db: str | None, tmp_path: Path) -> None:
    backups.backup(demo_registry, tmp_path / "bk", actor="tester")
    (tmp_path / "bk" / "public-keys.json").write_text("{}")
    result = Cli(demo_registry)("restore", str(tmp_path / "bk"), "--home",
                                str(tmp_path / "new"), *(["--db", new_db] if new_db else []))
    assert result.exit_code == 1
    assert "fails verification" in result.output and "public-keys.json" in result.output
    assert not (tmp_path / "new").exists()
    assert [p for p in tmp_path.iterdir() if "restoring" in p.name] == []
    if new_db:
        engine = create_engine(new_db)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = "
                                     "'public'")).scalar() == 0
        engine.dispose()


def test_restore_refuses_a_home_in_use(registry: Registry, tmp_path: Path) -> None:
    backups.backup(registry, tmp_path / "bk", actor="tester")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        backups.restore(tmp_path / "bk", tmp_path / "new", db_url=None, actor="ana")
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["keep.txt"]


def test_a_backup_refuses_a_folder_that_is_not_a_backup(registry: Registry, tmp_path: Path
                                                        ) -> None:
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "thesis.odt").write_text("mine")
    with pytest.raises(ConfigError, match="neither empty nor a backup"):
        backups.backup(registry, tmp_path / "bk", actor="tester")


def _spawn(registry: Registry, *args: str) -> subprocess.Popen[bytes]:
    s = registry.settings
    return subprocess.Popen(
        [sys.executable, "-m", "khavaran", "--home", str(s.home), "--db", s.db_url,
         "--as", "tester", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _accepted(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if p.is_dir() and backups.verify_backup(p).ok]


def test_a_killed_backup_leaves_nothing_that_verifies(registry: Registry,
                                                      vault_registry: Registry,
                                                      tmp_path: Path) -> None:
    _add_files(registry, tmp_path / "in", 40, size=400_000)
    parent = tmp_path / "backups"
    parent.mkdir()
    start = time.perf_counter()
    whole = _spawn(registry, "backup", "--out", str(tmp_path / "timing"))
    assert whole.wait(timeout=120) == 0
    duration = time.perf_counter() - start
    rng = random.Random(1988)
    for _attempt in range(5):
        proc = _spawn(registry, "backup", "--out", str(parent / "bk"))
        time.sleep(rng.uniform(0.0, duration))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        finished = proc.wait(timeout=60) == 0
        accepted = _accepted(parent)
        if finished:
            assert accepted == [parent / "bk"]
        if accepted:
            # Only a backup whose last step, the rename, was done: it is whole and
            # was recorded in the access log first.
            assert accepted == [parent / "bk"]
            sha = backups.verify_backup(parent / "bk").manifest_sha256
            assert sha in {e.target for e in read_log(registry, action="backup").entries}
            subprocess.run(["rm", "-rf", str(parent / "bk")], check=True)
    # The next backup clears what the killed ones left and is accepted.
    backups.backup(registry, parent / "bk", actor="tester")
    assert _accepted(parent) == [parent / "bk"]
    assert sorted(p.name for p in parent.iterdir()) == [".bk.lock", "bk"]


def test_a_killed_incremental_backup_keeps_the_previous_one(registry: Registry,
                                                            vault_registry: Registry,
                                                            tmp_path: Path) -> None:
    _add_files(registry, tmp_path / "in", 10, size=100_000)
    first = backups.backup(registry, tmp_path / "bk", actor="tester")
    _add_files(registry, tmp_path / "more", 30, size=400_000, tag="more")
    for delay in (0.05, 0.2, 0.4):
        proc = _spawn(registry, "backup", "--out", str(tmp_path / "bk"))
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        finished = proc.wait(timeout=60) == 0
        (accepted,) = _accepted(tmp_path)  # the previous backup, or the finished new one
        check = backups.verify_backup(accepted)
        if finished:
            first = backups.backup(registry, tmp_path / "bk", actor="tester")
        elif check.manifest_sha256 != first.manifest_sha256:
            # Killed after its last step, the rename, before it exited: the new backup
            # is whole (it verified) and was recorded in the access log first.
            assert check.manifest_sha256 in {
                e.target for e in read_log(registry, action="backup").entries}
            first = backups.backup(registry, tmp_path / "bk", actor="tester")


def test_a_backup_while_another_process_writes_restores_consistently(
        registry: Registry, vault_registry: Registry, new_db: str | None,
        tmp_path: Path) -> None:
    source = "t-list"
    script = tmp_path / "writer.sh"
    s = registry.settings
    lists = tmp_path / "lists"
    lists.mkdir()
    for i in range(40):
        with (lists / f"l{i}.csv").open("w") as fh:
            fh.write("source,record_id,name,birth_year,city\n")
            for j in range(50):
                fh.write(f"{source},w{i}-{j},Fictional Person {i} {j},1340,Tehran\n")
        (lists / f"e{i}.txt").write_text(f"exhibit {i}")
    k = f"{sys.executable} -m khavaran --home {s.home} --db '{s.db_url}' --as writer"
    script.write_text(
        "set -e\n"
        f"for i in $(seq 0 39); do {k} import {lists}/l$i.csv --kind list >/dev/null 2>&1; "
        f"{k} evidence add {lists}/e$i.txt --source {source} >/dev/null 2>&1; "
        f"[ -e {tmp_path}/stop ] && exit 0; done\n")
    log = (tmp_path / "writer.log").open("w")
    writer = subprocess.Popen(["bash", str(script)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while not any(p.is_file() for p in (s.home / "vault" / "sha256").rglob("*")):
            assert writer.poll() is None and time.monotonic() < deadline, \
                (tmp_path / "writer.log").read_text()
            time.sleep(0.1)
        for _ in range(3):
            report = backups.backup(registry, tmp_path / "bk", actor="tester")
            assert backups.verify_backup(tmp_path / "bk").ok
            time.sleep(0.5)
    finally:
        (tmp_path / "stop").touch()
        writer.wait(timeout=120)
        log.close()
    assert report.blobs_kept + report.blobs_copied > 0
    backups.restore(tmp_path / "bk", tmp_path / "new", db_url=new_db, actor="ana")
    again = _restored(tmp_path / "new", new_db)
    try:
        check = verify_installation(again, actor="tester")
        assert check.ok, check.problems
        stored = [p for p in (tmp_path / "new" / "vault" / "sha256").rglob("*") if p.is_file()]
        assert len(stored) == report.blobs_copied + report.blobs_kept
        with again.read() as conn:
            assert queries.counts(conn)["records"] > 0  # the writer's lists
    finally:
        again.close()


def test_restore_refuses_a_backup_of_another_database_kind(registry: Registry,
                                                           tmp_path: Path) -> None:
    backups.backup(registry, tmp_path / "bk", actor="tester")
    kind = "postgresql" if registry.settings.is_sqlite else "sqlite"
    url = "postgresql+psycopg://nobody@127.0.0.1:1/x" if kind == "postgresql" else \
        f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(ConfigError, match="database"):
        backups.restore(tmp_path / "bk", tmp_path / "new", db_url=url, actor="ana")
    assert not (tmp_path / "new").exists()


def test_integrity_error_lists_the_problem(registry: Registry, tmp_path: Path) -> None:
    backups.backup(registry, tmp_path / "bk", actor="tester")
    (tmp_path / "bk" / "extra").write_text("x")
    with pytest.raises(IntegrityError, match="extra file: extra"):
        backups.restore(tmp_path / "bk", tmp_path / "new", db_url=None, actor="ana")
