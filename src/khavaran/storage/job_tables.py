"""The table of background jobs (services/jobs.py).

A job's state is operational, not a fact of the registry: it is not sealed in
the ledger (storage/sealing.py), and its writes do not make readers' caches
stale.  What a job does to the registry (a dossier's export entries) is
written and sealed by the service it runs, as from the command line.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Integer, String, Table, Text

from khavaran.storage.tables import metadata

__all__ = ["STATES", "job"]

# queued: waiting for a worker; running: a worker has it; done: it has a result;
# failed: it stopped with a plain message; interrupted: its worker went away.
STATES = ("queued", "running", "done", "failed", "interrupted")

job = Table(
    "job", metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("params", Text, nullable=False),  # JSON
    Column("state", String(16), nullable=False),
    Column("step", String(32)),  # what it is doing now, a word the pages translate
    Column("done", Integer, nullable=False, server_default="0"),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("message", Text),  # why it failed, in words
    Column("result", Text),  # JSON
    Column("attempt", Integer, nullable=False, server_default="0"),
    Column("worker", String(200)),  # host:pid:token of the worker that has it
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    CheckConstraint("state IN ('queued','running','done','failed','interrupted')",
                    name="state"),
    Index(None, "state", "created_at"),
)
