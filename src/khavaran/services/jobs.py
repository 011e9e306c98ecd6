"""Background jobs: long work started from the web, done by a worker process.

One interface on both databases.  ``submit`` writes a job in the registry's
`job` table; a worker (``khavaran worker``, or the one ``khavaran serve``
starts) takes it, runs it, and writes its progress, then its result or why it
failed.  The state lives in the database, so a page reads it from any web
worker, and a job outlives the process that started it.  On PostgreSQL the
queue is procrastinate's (storage/job_queue.py): workers on as many machines
as share the database take jobs through its locking.  On SQLite a worker
claims the oldest queued job in one write transaction (storage/jobs.py).

A job is ``running`` while its worker is alive: the worker writes a heartbeat
every few seconds.  A running job whose worker has stopped (a restart, a kill)
reads as ``interrupted`` (a worker that starts also writes it so) and can be
run again.  Its output was staged (services/staging.py), so what it leaves is
the whole output with its record, or neither.

Kinds of job are listed in KINDS, each a function ``run(registry, params,
progress) -> result`` (JSON values), in the module that does the work.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import os
import secrets
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from khavaran.errors import KhavaranError, NotFoundError, ValidationError
from khavaran.services.registry import Registry, require_actor
from khavaran.storage import job_queue
from khavaran.storage import jobs as store
from khavaran.storage.engine import DATABASE_AWAY

__all__ = ["HEARTBEAT_SECONDS", "KINDS", "STALE_SECONDS", "Job", "Progress", "job_of",
           "recent", "rerun", "run_next", "submit", "sweep_interrupted", "work", "worker_name"]

HEARTBEAT_SECONDS = 5.0
# A running job whose heartbeat is older than this has lost its worker (a worker
# on another machine, whose process cannot be looked for).
STALE_SECONDS = 60.0
RETRY_SECONDS = 5.0  # a worker that cannot reach the database asks again after this
KINDS = {"derive": "khavaran.services.derive_jobs:run_derive",
         "dossier": "khavaran.services.dossier_jobs:run_build",
         "verify": "khavaran.services.verify_jobs:run_verify",
         "xref": "khavaran.services.xref_jobs:run_rematch"}


class Progress(Protocol):
    def __call__(self, step: str, done: int = 0, total: int = 0) -> None: ...


Runner = Callable[[Registry, dict[str, Any], Progress], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    params: dict[str, Any]
    state: str  # queued, running, done, failed, interrupted
    step: str | None
    done: int
    total: int
    message: str | None
    result: dict[str, Any] = field(default_factory=dict)
    attempt: int = 0
    created_by: str = ""
    created_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "interrupted")

    @property
    def may_rerun(self) -> bool:
        return self.state in ("failed", "interrupted")


def worker_name() -> str:
    """This process as a worker: host, pid and a token (a pid is reused)."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{secrets.token_hex(4)}"


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite gives timestamps back without their zone; they were written in UTC.
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def _gone(row: Any, now: dt.datetime) -> bool:
    """Whether a running job's worker has stopped: its process is not there (a
    worker on this machine), or its heartbeat is stale (anywhere)."""
    beat = _aware(row["heartbeat_at"])
    if beat is None or (now - beat).total_seconds() > STALE_SECONDS:
        return True
    host, _, rest = str(row["worker"] or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:120] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _job(row: Any, now: dt.datetime) -> Job:
    state = row["state"]
    if state == "running" and _gone(row, now):
        state = "interrupted"
    return Job(row["id"], row["kind"], json.loads(row["params"]), state, row["step"],
               row["done"], row["total"], row["message"],
               json.loads(row["result"]) if row["result"] else {}, row["attempt"],
               row["created_by"], _aware(row["created_at"]), _aware(row["finished_at"]))


def submit(registry: Registry, kind: str, params: dict[str, Any], *, actor: str | None) -> str:
    """Queue a job of ``kind`` with ``params`` (JSON values); returns its id."""
    actor = require_actor(actor)
    if kind not in KINDS:
        raise ValidationError(f"no kind of job '{kind}' (one of {', '.join(sorted(KINDS))})",
                              field="kind")
    job_id = "j-" + secrets.token_hex(12)
    with registry.write() as conn:
        store.add_job(conn, {"id": job_id, "kind": kind, "created_by": actor,
                             "params": json.dumps(params, sort_keys=True),
                             "created_at": registry.now()})
        if job_queue.uses_queue(conn):
            job_queue.defer(conn, job_id)
    return job_id


def job_of(registry: Registry, job_id: str) -> Job:
    """The job ``job_id`` as it stands; NotFoundError if there is none."""
    with registry.read() as conn:
        row = store.job_row(conn, job_id)
    if row is None:
        raise NotFoundError(f"no job '{job_id}'")
    return _job(row, registry.now())


def recent(registry: Registry, kind: str, *, limit: int = 50) -> list[Job]:
    """The newest jobs of ``kind``, newest first."""
    with registry.read() as conn:
        rows = store.job_rows(conn, kind=kind, limit=limit)
    now = registry.now()
    return [_job(r, now) for r in rows]


def sweep_interrupted(registry: Registry) -> list[str]:
    """Write as interrupted every running job whose worker has stopped; their ids."""
    now = registry.now()
    with registry.read() as conn:
        lost = [r for r in store.running_rows(conn) if _gone(r, now)]
    done = []
    for row in lost:
        with registry.write() as conn:
            if store.set_interrupted(conn, row["id"], row["worker"], now):
                done.append(row["id"])
    return done


def rerun(registry: Registry, job_id: str) -> Job:
    """Queue again a job that failed or was interrupted (the same parameters, a
    new attempt); a job queued, running or done is refused."""
    job = job_of(registry, job_id)
    if not job.may_rerun:
        raise ValidationError(f"job {job_id} is {job.state}: only a failed or interrupted "
                              "job can be run again", field="job")
    sweep_interrupted(registry)
    with registry.write() as conn:
        if not store.requeue_job(conn, job_id, ("failed", "interrupted")):
            raise ValidationError(f"job {job_id} changed meanwhile: look again", field="job")
        if job_queue.uses_queue(conn):
            job_queue.defer(conn, job_id)
    return job_of(registry, job_id)


def _runner(kind: str) -> Runner:
    module, _, name = KINDS[kind].partition(":")
    found: Runner = getattr(importlib.import_module(module), name)
    return found


class _Heart:
    """Writes the worker's heartbeat while a job runs, from a thread of its own
    (a step such as rendering a PDF says nothing for a while)."""

    def __init__(self, registry: Registry, job_id: str, worker: str) -> None:
        self.registry, self.job_id, self.worker = registry, job_id, worker
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            try:
                with self.registry.write() as conn:
                    store.mark_progress(conn, self.job_id, self.worker, self.registry.now())
            except DATABASE_AWAY as exc:  # beat again next time; the kind only, as below
                _say_away(exc)

    def __enter__(self) -> _Heart:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def run_next(registry: Registry, worker: str | None = None,
             taker: job_queue.Taker | None = None) -> Job | None:
    """Take the next queued job and run it to its end; None if none was queued.

    On PostgreSQL the job comes from procrastinate's queue (through ``taker``, a
    worker's hold on it, or one opened for this call).

    A KhavaranError ends the job as failed with its message; any other error
    too, with its kind only (the details go to standard error, for the
    administrator).  A worker stopped part way (KeyboardInterrupt, SystemExit)
    marks the job interrupted and stops.
    """
    worker = worker or worker_name()
    if not job_queue.uses_queue(registry.settings.db_url):
        with registry.write() as conn:
            row = store.claim_next(conn, worker, registry.now())
        return None if row is None else _execute(registry, row, worker)
    if taker is None:
        with job_queue.Taker(registry.settings.db_url) as opened:
            return _run_queued(registry, worker, opened)
    return _run_queued(registry, worker, taker)


def _run_queued(registry: Registry, worker: str, taker: job_queue.Taker) -> Job | None:
    while (taken := taker.take()) is not None:
        queue_id, job_id = taken
        try:
            with registry.write() as conn:
                row = store.claim(conn, job_id, worker, registry.now())
        except BaseException:
            # Not claimed: end the entry; the job, still queued, is queued again by
            # the next settling (defer_lost).
            with contextlib.suppress(Exception):
                taker.finish(queue_id, ok=False)
            raise
        if row is None:  # deferred twice, or the job is gone: nothing to run
            taker.finish(queue_id, ok=False)
            continue
        ran: Job | None = None
        try:
            ran = _execute(registry, row, worker)
        finally:
            # Ours holds what happened (interrupted too); procrastinate's is ended
            # so that no worker takes it for stalled.
            taker.finish(queue_id, ok=ran is not None and ran.state == "done")
        return ran
    return None


def _execute(registry: Registry, row: Any, worker: str) -> Job:
    """Run the claimed job ``row`` and write how it ended."""
    job_id = row["id"]

    def progress(step: str, done: int = 0, total: int = 0) -> None:
        with registry.write() as conn:
            store.mark_progress(conn, job_id, worker, registry.now(), step=step, done=done,
                                total=total)

    def finish(state: str, result: str | None = None, message: str | None = None) -> None:
        with registry.write() as conn:
            store.finish_job(conn, job_id, worker, registry.now(), state=state,
                             result=result, message=message)

    try:
        with _Heart(registry, job_id, worker):
            result = _runner(row["kind"])(registry, json.loads(row["params"]), progress)
    except KhavaranError as exc:
        finish("failed", message=str(exc)[:4000])
    except Exception as exc:  # a job's bug must not stop the worker
        # Where it failed and the kind of error, not its message: a message may
        # quote what the job read, a protected name among it.
        sys.stderr.write("".join(traceback.format_tb(exc.__traceback__))
                         + f"{type(exc).__module__}.{type(exc).__qualname__}\n")
        finish("failed", message=f"an unexpected error ({type(exc).__name__}); the "
                                 "worker's log has the details")
    except BaseException:
        finish("interrupted")
        raise
    else:
        finish("done", result=json.dumps(result, sort_keys=True, default=str))
    return job_of(registry, job_id)


def _say_away(exc: BaseException) -> None:
    # The kind of error only: the driver's message may quote a statement's values.
    reason = getattr(exc, "orig", None) or exc.__cause__ or exc
    sys.stderr.write("khavaran worker: the database did not answer "
                     f"({type(reason).__qualname__}); trying again\n")


def work(registry: Registry, *, stop: threading.Event, poll: float = 1.0,
         once: bool = False) -> int:
    """Run queued jobs until ``stop`` is set (or, with ``once``, until none is
    queued); returns how many ran.  Jobs of workers that stopped are written
    as interrupted first."""
    worker = worker_name()
    sweep_interrupted(registry)
    if not job_queue.uses_queue(registry.settings.db_url):
        return _loop(registry, worker, None, stop=stop, poll=poll, once=once)
    with job_queue.Taker(registry.settings.db_url) as taker:
        _settle_queue(registry, taker)
        return _loop(registry, worker, taker, stop=stop, poll=poll, once=once)


def _settle_queue(registry: Registry, taker: job_queue.Taker) -> None:
    """Fail the entries of killed workers, then queue again the jobs left with none."""
    taker.settle_stalled()
    with registry.write() as conn:
        job_queue.defer_lost(conn)


def _loop(registry: Registry, worker: str, taker: job_queue.Taker | None, *,
          stop: threading.Event, poll: float, once: bool) -> int:
    ran = 0
    settled = time.monotonic()
    while not stop.is_set():
        try:
            if run_next(registry, worker, taker) is not None:
                ran += 1
                continue
            if taker is not None and time.monotonic() - settled > job_queue.STALLED_SECONDS:
                # Idle: settle what workers killed since left behind (a long-running
                # worker would otherwise leave their jobs queued for good).
                _settle_queue(registry, taker)
                settled = time.monotonic()
        except (*DATABASE_AWAY, job_queue.QueueError) as exc:
            # The database went away for a moment (a restart): wait, then ask again.
            _say_away(exc)
            stop.wait(RETRY_SECONDS)
            if taker is not None:
                with contextlib.suppress(job_queue.QueueError):
                    taker.register_again()
            continue
        if once:
            break
        stop.wait(poll)
    return ran
