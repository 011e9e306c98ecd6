"""Background jobs on each database: queued, claimed once, run to a result or a
plain failure; a job whose worker is gone reads as interrupted, leaves no
half-written output, and runs again.  The dossier job records its export as
`dossier build` does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from case_scenario import build
from khavaran.services import dossier_jobs, jobs
from khavaran.services.registry import Registry, open_registry
from khavaran.services.staging import STAGING
from khavaran.storage import jobs as store
from khavaran.storage.account_tables import access_log
from khavaran.storage.vault_tables import ledger_entry
from khavaran.vault.ledger import data_of


@pytest.fixture
def scenario(registry: Registry, tmp_path: Path):
    return build(registry, tmp_path / "files")


def _exports(registry: Registry) -> list[str]:
    with registry.read() as conn:
        return list(conn.execute(select(access_log.c.reason).where(
            access_log.c.action == "export")).scalars())


def _ledger_exports(registry: Registry) -> list[dict[str, object]]:
    with registry.read() as conn:
        rows = conn.execute(select(ledger_entry.c.body).where(
            ledger_entry.c.kind == "export", ledger_entry.c.item_id.is_(None))).scalars()
        return [data_of(b) for b in rows]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_dossier_job_builds_the_bag_and_records_it_as_the_cli_does(registry, scenario):
    job_id = dossier_jobs.start_build(registry, "fx-case", "public", actor="ana")
    queued = jobs.job_of(registry, job_id)
    assert (queued.state, queued.kind, queued.created_by) == ("queued", "dossier", "ana")
    assert jobs.run_next(registry) is not None
    done = jobs.job_of(registry, job_id)
    assert done.state == "done", done.message
    out = Path(done.result["out"])
    assert (out / "bagit.txt").is_file() and (out / "data" / "case.json").is_file()
    # Outside the data home, in HOME-dossiers, readable by its owner only.
    root = dossier_jobs.dossier_folder(registry.settings)
    assert out.resolve().is_relative_to(root) and not out.resolve().is_relative_to(
        registry.settings.home.resolve())
    assert root.stat().st_mode & 0o077 == 0
    # The ledger and the access log hold the export, as for `dossier build`.
    assert [r for r in _exports(registry) if r.startswith("dossier of case fx-case (public)")]
    [entry] = _ledger_exports(registry)
    assert (entry["case"], entry["disclosure"]) == ("fx-case", "public")
    assert entry["dossier_tagmanifest_sha256"] == done.result["tagmanifest_sha256"]
    assert jobs.run_next(registry) is None  # nothing more is queued


def test_a_job_is_claimed_once(registry):
    jobs.submit(registry, "dossier", {"case": "x", "level": "public", "actor": "a"}, actor="a")
    now = registry.now()
    with registry.write() as conn:
        first = store.claim_next(conn, "w1", now)
    with registry.write() as conn:
        second = store.claim_next(conn, "w2", now)
    assert first is not None and first["worker"] == "w1" and second is None


def test_a_failure_is_a_plain_message_and_can_be_run_again(registry):
    job_id = jobs.submit(registry, "dossier", {"case": "no-such-case", "level": "public",
                                               "actor": "a"}, actor="a")
    failed = jobs.run_next(registry)
    assert failed is not None and failed.state == "failed"
    assert failed.message and "no-such-case" in failed.message
    assert failed.may_rerun and jobs.rerun(registry, job_id).state == "queued"
    with pytest.raises(Exception, match="only a failed or interrupted job"):
        jobs.rerun(registry, job_id)


def test_an_unknown_case_or_level_is_refused_before_anything_is_queued(registry):
    with pytest.raises(Exception, match="no case|case"):
        dossier_jobs.start_build(registry, "no-such-case", "public", actor="a")
    with pytest.raises(Exception, match="disclosure level"):
        dossier_jobs.start_build(registry, "no-such-case", "secret", actor="a")
    assert jobs.recent(registry, "dossier") == []


@pytest.mark.parametrize("worker", ["dead-process", "stale-heartbeat"])
def test_a_running_job_whose_worker_is_gone_is_interrupted_and_runs_again(
        registry, scenario, worker):
    job_id = dossier_jobs.start_build(registry, "fx-case", "public", actor="ana")
    now = registry.now()
    if worker == "dead-process":  # a worker on this machine that was killed
        name, beat = f"{socket.gethostname()}:{_dead_pid()}:ab", now
    else:  # a worker elsewhere that stopped writing its heartbeat
        name, beat = "elsewhere:1:ab", now.replace(year=now.year - 1)
    with registry.write() as conn:
        assert store.claim_next(conn, name, beat) is not None
    job = jobs.job_of(registry, job_id)
    assert job.state == "interrupted" and job.may_rerun
    assert jobs.sweep_interrupted(registry) == [job_id]
    assert jobs.rerun(registry, job_id).state == "queued"
    ran = jobs.run_next(registry)
    assert ran is not None and ran.state == "done" and ran.attempt == 2


def test_a_live_worker_elsewhere_is_not_taken_for_gone(registry):
    job_id = jobs.submit(registry, "dossier", {"case": "x", "level": "public", "actor": "a"},
                         actor="a")
    with registry.write() as conn:
        store.claim_next(conn, "elsewhere:1:ab", registry.now())
    assert jobs.job_of(registry, job_id).state == "running"
    assert jobs.sweep_interrupted(registry) == []
    with pytest.raises(Exception, match="is running"):
        jobs.rerun(registry, job_id)


def test_a_killed_worker_leaves_no_half_dossier_and_the_job_runs_again(
        registry, scenario):
    s = registry.settings
    job_id = dossier_jobs.start_build(registry, "fx-case", "prosecutor", actor="ana")
    before = _exports(registry)
    worker = subprocess.Popen([sys.executable, "-m", "khavaran", "--home", str(s.home),
                               "--db", s.db_url, "worker"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        staging = s.home / STAGING
        # Killed while it copies the exhibits into its staging area.
        while time.monotonic() < deadline and not any(
                (a / "bag" / "data" / "exhibits").is_dir()
                for a in (staging.iterdir() if staging.is_dir() else [])):
            time.sleep(0.002)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.communicate(timeout=30)
    job = jobs.job_of(registry, job_id)
    assert job.state == "interrupted"
    root = dossier_jobs.dossier_folder(s)
    assert [p for p in root.rglob("*") if p.is_file()] == []  # no half bag
    again = open_registry(s)  # the next command settles what the kill left
    try:
        assert _exports(again) == before
        assert jobs.rerun(again, job_id).state == "queued"
        ran = jobs.run_next(again)
        assert ran is not None and ran.state == "done", ran.message if ran else None
        assert ran.result["annex"] and Path(ran.result["annex"]).is_dir()
    finally:
        again.close()


def test_sigterm_stops_a_worker_and_marks_its_job_interrupted(registry, scenario):
    s = registry.settings
    job_id = dossier_jobs.start_build(registry, "fx-case", "public", actor="ana")
    worker = subprocess.Popen([sys.executable, "-m", "khavaran", "--home", str(s.home),
                               "--db", s.db_url, "worker"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and jobs.job_of(registry, job_id).state == "queued":
            time.sleep(0.002)
        worker.send_signal(signal.SIGTERM)
        # Python acts on a signal between two steps of Python code: a long step in C
        # (a page of the PDF rendered) on a loaded machine can take a while.
        _, err = worker.communicate(timeout=120)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert b"Traceback" not in err
    job = jobs.job_of(registry, job_id)
    # Stopped part way (interrupted), or it had already finished (done): never running.
    assert job.state in ("interrupted", "done")
    if job.state == "interrupted":
        assert not list(dossier_jobs.dossier_folder(s).rglob("bagit.txt"))


def _fails(registry: Registry, params: dict[str, object], progress: object) -> None:
    raise ValueError(f"no date for {params['name']}")


def test_a_jobs_bug_fails_the_job_and_the_log_names_its_kind_not_its_message(
        registry: Registry, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A worker's log is read by whoever runs the server: it says where a job
    failed and how, never what the error quoted (a protected name among it)."""
    monkeypatch.setitem(jobs.KINDS, "boom", f"{__name__}:_fails")
    job_id = jobs.submit(registry, "boom", {"name": "Parvaneh Example-Protected"},
                         actor="ana")
    jobs.run_next(registry)
    failed = jobs.job_of(registry, job_id)
    assert failed.state == "failed"
    assert failed.message == ("an unexpected error (ValueError); the worker's log has the "
                              "details")
    err = capsys.readouterr().err
    assert "in _fails" in err and err.rstrip().endswith("builtins.ValueError")
    assert "Parvaneh" not in err
