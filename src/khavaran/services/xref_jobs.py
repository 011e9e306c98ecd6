"""Matching again as a background job (the /xref page's "Match again"):
`khavaran xref` compares every alleged perpetrator with every imported
person, which against a whole OpenSanctions export takes longer than a page
should wait.  The worker that `khavaran serve` starts runs it (services/jobs.py)."""

from __future__ import annotations

from typing import Any

from khavaran.services import jobs, xref
from khavaran.services.registry import Registry, require_actor

__all__ = ["run_rematch", "start_rematch"]


def start_rematch(registry: Registry, *, actor: str | None) -> str:
    """Queue a run of xref; the job's id."""
    actor = require_actor(actor)
    return jobs.submit(registry, "xref", {"actor": actor}, actor=actor)


def run_rematch(registry: Registry, params: dict[str, Any],
                progress: jobs.Progress) -> dict[str, Any]:
    progress("match")
    run = xref.run_xref(registry)
    return {"suspects": run.suspects, "persons": run.persons, "compared": run.compared,
            "stored": run.stored}
