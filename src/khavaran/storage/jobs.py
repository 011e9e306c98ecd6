"""The job table's reads and writes (services/jobs.py decides what they mean).

On SQLite a worker claims the oldest queued job with one UPDATE in its own write
transaction, which takes the database's write lock first (`claim_next`).  On
PostgreSQL procrastinate's queue hands a worker the job (storage/job_queue.py)
and `claim` marks that one running.  Both UPDATEs change only a row that is still
queued, so that a job is never claimed twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from khavaran.storage.job_tables import job

__all__ = ["add_job", "claim", "claim_next", "finish_job", "job_row", "job_rows", "mark_progress",
           "requeue_job", "running_rows", "set_interrupted"]


def add_job(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(job).values(state="queued", **values))


def job_row(conn: Connection, job_id: str) -> RowMapping | None:
    return conn.execute(select(job).where(job.c.id == job_id)).mappings().first()


def job_rows(conn: Connection, *, kind: str, limit: int = 50) -> list[RowMapping]:
    """The newest jobs of ``kind``, newest first."""
    q = (select(job).where(job.c.kind == kind)
         .order_by(job.c.created_at.desc(), job.c.id).limit(limit))
    return list(conn.execute(q).mappings())


def running_rows(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(select(job).where(job.c.state == "running")).mappings())


def claim_next(conn: Connection, worker: str, now: dt.datetime) -> RowMapping | None:
    """Give the oldest queued job to ``worker``; None when nothing is queued."""
    # One UPDATE, so that SQLite takes its write lock before it reads which job.
    oldest = (select(job.c.id).where(job.c.state == "queued")
              .order_by(job.c.created_at, job.c.id).limit(1).scalar_subquery())
    return _claim(conn, job.c.id == oldest, worker, now)


def claim(conn: Connection, job_id: str, worker: str, now: dt.datetime) -> RowMapping | None:
    """Give the job ``job_id`` to ``worker`` if it is still queued; else None."""
    return _claim(conn, job.c.id == job_id, worker, now)


def _claim(conn: Connection, which: Any, worker: str, now: dt.datetime) -> RowMapping | None:
    claimed = conn.execute(update(job).where(which, job.c.state == "queued")
                           .values(state="running", worker=worker, started_at=now,
                                   heartbeat_at=now, attempt=job.c.attempt + 1, step=None,
                                   done=0, total=0))
    if claimed.rowcount != 1:
        return None
    return conn.execute(select(job).where(job.c.worker == worker, job.c.state == "running")
                        .order_by(job.c.started_at.desc()).limit(1)).mappings().first()


def mark_progress(conn: Connection, job_id: str, worker: str, now: dt.datetime, *,
                  step: str | None = None, done: int | None = None,
                  total: int | None = None) -> bool:
    """Note the worker is alive (and how far it is); False if the job is no longer
    its own (it was found interrupted and given to another)."""
    values: dict[str, Any] = {"heartbeat_at": now}
    if step is not None:
        values |= {"step": step, "done": done or 0, "total": total or 0}
    changed = conn.execute(update(job).where(job.c.id == job_id, job.c.worker == worker,
                                             job.c.state == "running").values(**values))
    return changed.rowcount == 1


def finish_job(conn: Connection, job_id: str, worker: str, now: dt.datetime, *, state: str,
               result: str | None = None, message: str | None = None) -> bool:
    changed = conn.execute(update(job).where(job.c.id == job_id, job.c.worker == worker,
                                             job.c.state == "running")
                           .values(state=state, result=result, message=message,
                                   finished_at=now, heartbeat_at=now))
    return changed.rowcount == 1


def set_interrupted(conn: Connection, job_id: str, worker: str | None,
                    now: dt.datetime) -> bool:
    """Mark a running job whose worker is gone as interrupted (only if that worker
    still has it)."""
    changed = conn.execute(update(job).where(job.c.id == job_id, job.c.worker == worker,
                                             job.c.state == "running")
                           .values(state="interrupted", finished_at=now))
    return changed.rowcount == 1


def requeue_job(conn: Connection, job_id: str, states: tuple[str, ...]) -> bool:
    """Put a job back in the queue, if it is in one of ``states``."""
    changed = conn.execute(update(job).where(job.c.id == job_id, job.c.state.in_(states))
                           .values(state="queued", worker=None, step=None, done=0, total=0,
                                   message=None, result=None, started_at=None,
                                   heartbeat_at=None, finished_at=None))
    return changed.rowcount == 1
