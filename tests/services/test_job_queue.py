"""On PostgreSQL the background jobs go through procrastinate's queue: a job is
queued there in the transaction that writes it, workers on several processes
(machines, in a team) each take a job once, and the queue's entries of a killed
worker are settled by the next worker.  Read through procrastinate's own table,
as an administrator would look at it."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from sqlalchemy import text

from khavaran.services import jobs, verify_jobs
from khavaran.services.registry import Registry
from khavaran.storage import jobs as store


def _queue(registry: Registry) -> list[tuple[Any, ...]]:
    with registry.read() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT args->>'job_id', status, queue_name, task_name FROM procrastinate_jobs "
            "ORDER BY id"))]


def _worker(registry: Registry) -> subprocess.Popen[str]:
    s = registry.settings
    return subprocess.Popen([sys.executable, "-m", "khavaran", "--home", str(s.home),
                             "--db", s.db_url, "worker", "--once"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_job_is_queued_in_procrastinate_with_its_row_and_ended_there(pg_registry):
    job_id = verify_jobs.start_verify(pg_registry, None, actor="ana")
    assert _queue(pg_registry) == [(job_id, "todo", "khavaran", "khavaran.job")]
    ran = jobs.run_next(pg_registry)
    assert ran is not None and ran.id == job_id and ran.state == "done", ran
    assert _queue(pg_registry) == [(job_id, "succeeded", "khavaran", "khavaran.job")]
    assert jobs.run_next(pg_registry) is None


def test_a_job_run_again_is_queued_again(pg_registry):
    job_id = jobs.submit(pg_registry, "dossier", {"case": "no-such-case", "level": "public",
                                                  "actor": "a"}, actor="a")
    assert jobs.run_next(pg_registry).state == "failed"  # type: ignore[union-attr]
    jobs.rerun(pg_registry, job_id)
    assert [s for _, s, *_ in _queue(pg_registry)] == ["failed", "todo"]


def test_a_job_queued_twice_runs_once(pg_registry):
    """A second queue entry for a job already taken (a rerun racing a worker) is
    ended without running the job again."""
    job_id = verify_jobs.start_verify(pg_registry, None, actor="ana")
    with pg_registry.write() as conn:
        from khavaran.storage.job_queue import defer
        defer(conn, job_id)
    ran = jobs.run_next(pg_registry)
    assert ran is not None and ran.attempt == 1
    assert jobs.run_next(pg_registry) is None
    assert sorted(s for _, s, *_ in _queue(pg_registry)) == ["failed", "succeeded"]
    assert jobs.job_of(pg_registry, job_id).attempt == 1


def test_two_workers_at_once_run_each_job_exactly_once(pg_registry):
    ids = [verify_jobs.start_verify(pg_registry, None, actor="ana") for _ in range(8)]
    procs = [_worker(pg_registry), _worker(pg_registry)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0 and "Traceback" not in err, err
    # Each says how many it ran; together, every job once.
    counts = [int(out.split()[0]) for out, _ in outs]
    assert sum(counts) == len(ids), outs
    for job_id in ids:
        job = jobs.job_of(pg_registry, job_id)
        assert (job.state, job.attempt) == ("done", 1), job
    assert {s for _, s, *_ in _queue(pg_registry)} == {"succeeded"}


def _taken_by_a_silent_worker(conn) -> None:
    """Every queue entry taken ('doing') by a worker whose heartbeat is two minutes old."""
    wid = conn.execute(text("INSERT INTO procrastinate_workers (last_heartbeat) "
                            "VALUES (now() - interval '2 minutes') RETURNING id")).scalar()
    conn.execute(text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w"),
                 {"w": wid})


def test_the_queue_entry_of_a_killed_worker_is_settled_by_the_next(pg_registry):
    """A worker killed mid-job leaves procrastinate's entry 'doing' and its
    heartbeat stops: the next worker, once the heartbeat is old, fails that
    entry (ours reads interrupted and is run again by a new entry)."""
    job_id = verify_jobs.start_verify(pg_registry, None, actor="ana")
    with pg_registry.write() as conn:
        # As a worker that took the job and was then killed: its entry taken, its
        # heartbeat two minutes old, our row running under a worker long gone.
        _taken_by_a_silent_worker(conn)
        store.claim(conn, job_id, "elsewhere:1:ab", pg_registry.now().replace(year=2000))
    assert jobs.job_of(pg_registry, job_id).state == "interrupted"
    proc = _worker(pg_registry)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and out.startswith("0 job(s)"), (out, err)
    assert [s for _, s, *_ in _queue(pg_registry)] == ["failed"]
    assert jobs.rerun(pg_registry, job_id).state == "queued"
    ran = jobs.run_next(pg_registry)
    assert ran is not None and (ran.state, ran.attempt) == ("done", 2)
    assert [s for _, s, *_ in _queue(pg_registry)] == ["failed", "succeeded"]


def test_the_migration_removes_the_queue_and_puts_it_back(pg_registry):
    from alembic import command

    from khavaran.storage.engine import make_engine
    from khavaran.storage.migrate import _config

    def tables() -> set[str]:
        with pg_registry.read() as conn:
            return set(conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE 'procrastinate%'"
                " AND schemaname = current_schema()")).scalars())

    assert "procrastinate_jobs" in tables()
    engine = make_engine(pg_registry.settings.db_url)
    cfg = _config()
    try:
        for target, present in (("0016", False), ("head", True)):
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                (command.downgrade if target == "0016" else command.upgrade)(cfg, target)
            assert ("procrastinate_jobs" in tables()) is present
    finally:
        engine.dispose()
    job_id = verify_jobs.start_verify(pg_registry, None, actor="ana")
    assert jobs.run_next(pg_registry).id == job_id  # type: ignore[union-attr]


def test_a_job_whose_entry_was_taken_by_a_killed_worker_runs_after_all(pg_registry):
    """Killed between taking procrastinate's entry and claiming our job: the entry is
    'doing' under a silent worker, our job still 'queued'.  The next worker fails the
    entry and queues the job again, then runs it."""
    job_id = verify_jobs.start_verify(pg_registry, None, actor="ana")
    with pg_registry.write() as conn:
        _taken_by_a_silent_worker(conn)
    assert jobs.job_of(pg_registry, job_id).state == "queued"
    proc = _worker(pg_registry)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and out.startswith("1 job(s)"), (out, err)
    job = jobs.job_of(pg_registry, job_id)
    assert (job.state, job.attempt) == ("done", 1)
    assert [s for _, s, *_ in _queue(pg_registry)] == ["failed", "succeeded"]
