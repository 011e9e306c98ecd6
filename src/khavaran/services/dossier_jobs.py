"""A dossier built as a background job, and handed over as one archive.

The job calls the same ``build_dossier`` as `khavaran dossier build`, so the
ledger and the access log record it exactly as they record the command: one
`export` entry per exhibit and one for the dossier, the reveals a level makes,
and the staging that leaves a whole bag with its record or neither.

Bags are written outside the data home (build_dossier refuses a folder inside
it, where backups and the vault live): to ``HOME-dossiers`` beside it, a
folder only the owner may read, one new folder per attempt.  A download is a
tar made on the way out (export/archive.py), recorded in the access log.

Who may: a role with the ``export`` permission; the levels that hold
identities (internal, and prosecutor's sealed annex) also need ``reveal``,
the web's clearance for what the command line asks ``--as`` for.  The web
layer checks the role; this module checks what it is given.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khavaran.errors import NotFoundError, ValidationError
from khavaran.export.disclosure import LEVELS
from khavaran.services import jobs
from khavaran.services.access_log import record_in
from khavaran.services.cases import load_case
from khavaran.services.registry import Registry, require_actor
from khavaran.settings import Settings

__all__ = ["REVEALING", "Delivery", "delivery", "dossier_folder", "dossier_jobs",
           "record_download", "run_build", "start_build"]

# The levels whose output holds protected identities: the internal bag, and the
# prosecutor's sealed annex.
REVEALING = frozenset({"internal", "prosecutor"})


def dossier_folder(settings: Settings) -> Path:
    """Where built dossiers are kept: ``HOME-dossiers``, beside the data home."""
    home = settings.home.resolve()
    return home.with_name(home.name + "-dossiers")


def start_build(registry: Registry, case_id: str, level: str, *, actor: str | None) -> str:
    """Queue the build of ``case_id``'s dossier at disclosure ``level``; the job's id."""
    actor = require_actor(actor)
    if level not in LEVELS:
        raise ValidationError(f"disclosure level must be one of {', '.join(LEVELS)}",
                              field="level")
    with registry.read() as conn:
        load_case(conn, case_id)  # an unknown case is refused now, not by the worker
    return jobs.submit(registry, "dossier", {"case": case_id, "level": level,
                                         "actor": actor}, actor=actor)


def run_build(registry: Registry, params: dict[str, Any],
              progress: jobs.Progress) -> dict[str, Any]:
    """The job: build the dossier into a new folder; what was built, for its page."""
    from khavaran.export.dossier import build_dossier  # WeasyPrint: only in the worker

    root = dossier_folder(registry.settings)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    attempt = root / secrets.token_hex(8)
    attempt.mkdir(mode=0o700)
    case_id, level = str(params["case"]), str(params["level"])
    built = build_dossier(registry, case_id, attempt / "dossier", level=level,
                          actor=str(params["actor"]), progress=progress)
    return {"case": case_id, "level": level, "out": str(built.out),
            "annex": str(built.annex) if built.annex else None, "exhibits": built.exhibits,
            "files": built.files, "octets": built.octets, "seq": built.seq,
            "head": built.head, "tagmanifest_sha256": built.tagmanifest_sha256,
            "withheld": built.withheld}


@dataclass(frozen=True)
class Delivery:
    folder: Path
    name: str  # the archive's top folder, and its file name without .tar
    case: str
    level: str


def delivery(registry: Registry, job: jobs.Job, *, annex: bool = False) -> Delivery:
    """The built bag (or its sealed annex) of a finished dossier job."""
    result = job.result
    path = result.get("annex") if annex else result.get("out")
    if job.kind != "dossier" or job.state != "done" or not path:
        raise NotFoundError(f"job {job.id} has no {'sealed annex' if annex else 'dossier'} "
                            "to download")
    folder = Path(path)
    root = dossier_folder(registry.settings)
    if not folder.resolve().is_relative_to(root) or not folder.is_dir():
        raise NotFoundError(f"the dossier of job {job.id} is no longer kept ({folder}): "
                            "build it again")
    case, level = str(result["case"]), str(result["level"])
    name = f"{case}-{level}" + ("-sealed-annex" if annex else "")
    return Delivery(folder, name, case, level)


def record_download(registry: Registry, job: jobs.Job, got: Delivery, *, actor: str,
                    client: str | None) -> None:
    """A download of a built dossier is an export of it, in the access log."""
    what = "sealed annex" if got.name.endswith("-sealed-annex") else "dossier"
    with registry.write() as conn:
        record_in(conn, registry, actor=actor, action="export", target=got.case, via="web",
                  client=client, reason=f"download of the {what} of case {got.case} "
                                        f"({got.level}) built by job {job.id}")


def dossier_jobs(registry: Registry, case_id: str, limit: int = 10) -> list[jobs.Job]:
    """The newest dossier jobs of a case, newest first."""
    return [j for j in jobs.recent(registry, "dossier", limit=200)
            if j.params.get("case") == case_id][:limit]
