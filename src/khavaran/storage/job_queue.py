"""The job queue on PostgreSQL: procrastinate's.

On PostgreSQL the `job` table (storage/jobs.py) holds what a page shows of a job,
and procrastinate holds the queue: `defer` adds a procrastinate job naming ours in
the same transaction that writes our row (so there is never one without the
other), and a worker takes the next one with procrastinate's own fetch (its
locking: two workers on two machines never take the same job), then writes how
it ended.  Workers register with procrastinate and beat its heartbeat, so that
the jobs of a worker that was killed are found (`Taker.settle_stalled`).

Our worker loop, not procrastinate's, runs the job: it runs in the main thread,
where Ctrl-C and SIGTERM reach it and its staging is removed as it unwinds
(services/jobs.py).  On SQLite there is no procrastinate: a worker claims from
the `job` table itself (storage/jobs.claim_next).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from sqlalchemy import Connection, text

from khavaran.errors import ConfigError
from khavaran.storage.engine import libpq_url

__all__ = ["HEARTBEAT_SECONDS", "QUEUE", "STALLED_SECONDS", "TASK", "QueueError", "Taker",
           "defer", "defer_lost", "schema_sql", "uses_queue"]

QUEUE = "khavaran"
TASK = "khavaran.job"
# A worker writes procrastinate's heartbeat this often; one silent for
# STALLED_SECONDS is taken for gone and its jobs failed (ours read as interrupted).
HEARTBEAT_SECONDS = 5.0
STALLED_SECONDS = 60.0

T = TypeVar("T")


class QueueError(Exception):
    """procrastinate could not reach the database (its ConnectorException)."""


def uses_queue(conn_or_url: Connection | str) -> bool:
    """Whether this database has procrastinate's queue (PostgreSQL does)."""
    if isinstance(conn_or_url, str):
        return conn_or_url.startswith("postgresql")
    return conn_or_url.dialect.name == "postgresql"


def _procrastinate() -> Any:
    # Imported when used: the SQLite default does without it, and start-up is measured.
    try:
        import procrastinate
    except ImportError:
        raise ConfigError("a PostgreSQL registry queues its jobs with procrastinate, which "
                          "is not installed: pip install 'khavaran[postgres]'") from None
    return procrastinate


def schema_sql() -> str:
    """procrastinate's schema, as its version installs it (a migration applies it)."""
    return str(_procrastinate().schema.SchemaManager.get_schema())


def defer(conn: Connection, job_id: str) -> None:
    """Queue our job ``job_id`` in procrastinate, inside ``conn``'s transaction."""
    procrastinate = _procrastinate()
    app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())
    raw = conn.connection.driver_connection  # the psycopg connection of our transaction
    app.configure_task(TASK, queue=QUEUE, connection=raw).defer(job_id=job_id)


def defer_lost(conn: Connection) -> list[str]:
    """Queue again, in procrastinate, each of our queued jobs that has no open entry
    there (its worker was killed between taking the entry and claiming the job, or
    it was queued before the queue was procrastinate's); their ids."""
    lost = list(conn.execute(text(
        "SELECT j.id FROM job j WHERE j.state = 'queued' AND NOT EXISTS ("
        " SELECT 1 FROM procrastinate_jobs p WHERE p.queue_name = :queue"
        " AND p.args ->> 'job_id' = j.id AND p.status IN ('todo', 'doing'))"),
        {"queue": QUEUE}).scalars())
    for job_id in lost:
        defer(conn, job_id)
    return lost


class Taker:
    """A worker's hold on the queue: registered with procrastinate (its heartbeat
    beaten from a thread of its own, while a job runs in the main thread), it
    takes the next job and writes how it ended.  Use as a context manager."""

    def __init__(self, url: str) -> None:
        procrastinate = _procrastinate()
        self._jobs = procrastinate.jobs
        self._app = procrastinate.App(connector=procrastinate.PsycopgConnector(
            conninfo=libpq_url(url), min_size=1, max_size=2))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="khavaran-queue")
        self._worker_id: int | None = None
        self._beat: concurrent.futures.Future[None] | None = None

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        from procrastinate.exceptions import ConnectorException

        try:
            return asyncio.run_coroutine_threadsafe(coro, self._loop).result()
        except ConnectorException as exc:
            raise QueueError(str(exc.__cause__ or exc)) from exc

    async def _heartbeat(self) -> None:
        assert self._worker_id is not None
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            # The database away for a moment: the next beat tries again.
            with contextlib.suppress(Exception):
                await self._app.job_manager.update_heartbeat(self._worker_id)

    def __enter__(self) -> Taker:
        self._thread.start()
        try:
            self._run(self._app.connector.open_async())
            self._worker_id = self._run(self._app.job_manager.register_worker())
        except BaseException:
            self._stop_loop()
            raise
        self._beat = asyncio.run_coroutine_threadsafe(self._heartbeat(), self._loop)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._beat is not None:
                self._beat.cancel()
            if self._worker_id is not None:
                self._run(self._app.job_manager.unregister_worker(self._worker_id))
        except Exception:  # noqa: BLE001 - a worker stopping with the database away
            pass
        finally:
            try:
                self._run(self._app.connector.close_async())
            finally:
                self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()

    def take(self) -> tuple[int, str] | None:
        """The next queued job: (procrastinate's id, our job id); None if none."""
        assert self._worker_id is not None
        found = self._run(self._app.job_manager.fetch_job([QUEUE], self._worker_id))
        if found is None or found.id is None:
            return None
        return found.id, str(found.task_kwargs.get("job_id", ""))

    def finish(self, queue_id: int, ok: bool) -> None:
        """Write how procrastinate's job ``queue_id`` ended (ours holds the detail)."""
        status = self._jobs.Status.SUCCEEDED if ok else self._jobs.Status.FAILED
        self._run(self._app.job_manager.finish_job_by_id_async(
            job_id=queue_id, status=status, delete_job=False))

    def register_again(self) -> None:
        """Register anew: a worker silent for a while (a suspended machine) may have
        been pruned as stalled by another, and its id then no longer takes jobs."""
        self._worker_id = self._run(self._app.job_manager.register_worker())

    def settle_stalled(self) -> int:
        """Fail the procrastinate jobs of workers that stopped beating (killed): ours
        read as interrupted and are run again by a new deferral.  How many."""
        async def settle() -> int:
            manager = self._app.job_manager
            stalled = list(await manager.get_stalled_jobs(
                queue=QUEUE, seconds_since_heartbeat=STALLED_SECONDS))
            for job in stalled:
                await manager.finish_job(job, self._jobs.Status.FAILED, delete_job=False)
            await manager.prune_stalled_workers(STALLED_SECONDS)
            return len(stalled)
        return self._run(settle())
