"""Dossiers in the browser: build one from a case's page as a background job,
follow it on the job's page, download the bag as one archive; and check an
uploaded dossier.

Building and downloading need the ``export`` permission, and the levels that
hold identities (internal, and the prosecutor level's sealed annex) also
``reveal`` (services/dossier_jobs.py).  Checking an upload reveals nothing
and is open to every reader.  The job's page polls a fragment with htmx; the
page works without it (a link reloads it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import iterate_in_threadpool, run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.requests import ClientDisconnect

from khavaran.errors import ValidationError
from khavaran.export.archive import tar_size, tar_stream
from khavaran.export.disclosure import LEVELS
from khavaran.services import dossier_checks, dossier_jobs, jobs, uploads
from khavaran.services.sign_in import Principal
from khavaran.web.deps import Reg
from khavaran.web.entry_pages import field_errors, open_streamed_form
from khavaran.web.i18n import N_
from khavaran.web.multipart import streamed_files
from khavaran.web.pages import SignedIn, form_of, language, may, render

__all__ = ["MAX_DOSSIER_UPLOAD", "UPLOAD_PATHS", "build_dossier", "check_form",
           "check_dossier", "download_annex", "download_dossier", "job_page",
           "job_progress", "rerun_job", "router"]

router = APIRouter(include_in_schema=False)

# A dossier is its exhibits: as large as the evidence a browser may send.
MAX_DOSSIER_UPLOAD = 4 * 1024**3
UPLOAD_PATHS = frozenset({"/dossiers/verify"})  # it checks its own size
# The states of a job and the levels of a dossier, as the pages show them.
WORDS = [
    N_("queued"), N_("running"), N_("done"), N_("failed"), N_("interrupted"),
    N_("internal"), N_("prosecutor"), N_("public"),
]
# The steps a build reports (export/dossier.py), in words.
STEP = {"match": N_("Matching the alleged perpetrators with the imported lists"),
        "verify": N_("Checking the installation"), "case": N_("Reading the case"),
        "exhibits": N_("Copying the exhibits"), "report": N_("Writing the report"),
        "publish": N_("Recording the export in the ledger"),
        # and those of a verification (services/verification.py, integrity.py)
        "files": N_("Re-hashing the files"), "ledger": N_("Checking the custody ledger"),
        "registry": N_("Checking every sealed registry row"),
        # and that of a working copy (services/derive_jobs.py)
        "derive": N_("Making the working copy")}


async def _clearance(request: Request, registry: Reg, who: Principal, level: str) -> None:
    await may(request, registry, who, "export")
    if level in dossier_jobs.REVEALING:
        await may(request, registry, who, "reveal")


async def _job(request: Request, registry: Reg, who: Principal, job_id: str) -> jobs.Job:
    """The job, once the role may see it (an unknown id: 404): a dossier's to who
    may build it at its level, a verification's, a working copy's or a run of
    xref's to who may
    start it; every kind needs at least ``write``."""
    await may(request, registry, who, "write")
    job = await run_in_threadpool(jobs.job_of, registry, job_id)
    if job.kind == "verify":
        await may(request, registry, who, "write" if job.params.get("item") else "export")
    elif job.kind in ("derive", "xref"):
        pass  # as their start (a working copy, matching again): who may write
    else:
        await _clearance(request, registry, who, str(job.params.get("level", "")))
    return job


@router.post("/cases/{case_id}/dossiers")
async def build_dossier(request: Request, registry: Reg, who: SignedIn,
                        case_id: str) -> Response:
    """Start building the case's dossier at the chosen level; go to the job's page."""
    form = await form_of(request, registry, who)
    level = str(form.get("level") or "")
    await may(request, registry, who, "export")
    if level not in LEVELS:
        raise ValidationError(f"disclosure level must be one of {', '.join(LEVELS)}",
                              field="level")
    await _clearance(request, registry, who, level)
    job_id = await run_in_threadpool(lambda: dossier_jobs.start_build(
        registry, case_id, level, actor=who.name))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _job_context(job: jobs.Job, who: Principal) -> dict[str, object]:
    reveal = who.role.may("reveal")
    return {"job": job, "step": STEP.get(job.step or "", ""), "may_reveal": reveal,
            "may_annex": reveal and bool(job.result.get("annex"))}


@router.get("/jobs/{job_id}")
async def job_page(request: Request, registry: Reg, who: SignedIn,
                   job_id: str) -> HTMLResponse:
    job = await _job(request, registry, who, job_id)
    return render(request, "job_page.html", {**_job_context(job, who), "fragment": False})


@router.get("/jobs/{job_id}/progress")
async def job_progress(request: Request, registry: Reg, who: SignedIn,
                       job_id: str) -> HTMLResponse:
    """The job's state (an htmx fragment that polls until the job ends)."""
    job = await _job(request, registry, who, job_id)
    return render(request, "job_progress.html", {**_job_context(job, who), "fragment": True})


@router.post("/jobs/{job_id}/rerun")
async def rerun_job(request: Request, registry: Reg, who: SignedIn, job_id: str) -> Response:
    """Queue again a job that failed or was interrupted."""
    await form_of(request, registry, who)
    await _job(request, registry, who, job_id)
    await run_in_threadpool(jobs.rerun, registry, job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


async def _download(request: Request, registry: Reg, who: Principal, job_id: str, *,
                    annex: bool) -> Response:
    job = await _job(request, registry, who, job_id)
    if annex:
        await may(request, registry, who, "reveal")
    got = await run_in_threadpool(lambda: dossier_jobs.delivery(registry, job, annex=annex))
    size = await run_in_threadpool(tar_size, got.folder, got.name)
    await run_in_threadpool(lambda: dossier_jobs.record_download(
        registry, job, got, actor=who.name,
        client=request.client.host if request.client else None))
    return StreamingResponse(
        iterate_in_threadpool(tar_stream(got.folder, got.name)),
        media_type="application/x-tar",
        headers={"content-disposition": f'attachment; filename="{got.name}.tar"',
                 "content-length": str(size), "cache-control": "no-store"})


@router.get("/jobs/{job_id}/dossier")
async def download_dossier(request: Request, registry: Reg, who: SignedIn,
                           job_id: str) -> Response:
    """The built dossier, one tar of its bag (recorded in the access log)."""
    return await _download(request, registry, who, job_id, annex=False)


@router.get("/jobs/{job_id}/annex")
async def download_annex(request: Request, registry: Reg, who: SignedIn,
                         job_id: str) -> Response:
    """A prosecutor-level dossier's sealed annex, one tar, for roles cleared to reveal."""
    return await _download(request, registry, who, job_id, annex=True)


def _check_page(request: Request, verdict: dossier_checks.Verdict | None,
                errors: dict[str, str], status: int = 200) -> HTMLResponse:
    return render(request, "dossier_verify.html", {
        "verdict": verdict, "errors": errors, "limit": MAX_DOSSIER_UPLOAD}, status=status)


@router.get("/dossiers/verify")
async def check_form(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "read")
    return _check_page(request, None, {})


@router.post("/dossiers/verify")
async def check_dossier(request: Request, registry: Reg, who: SignedIn) -> Response:
    """Check an uploaded dossier (a tar or zip of its bag) against this
    installation's keys, the upload streamed to the staging area."""
    await may(request, registry, who, "read")
    lang = language(request)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        await form_of(request, registry, who)  # a form without its token is refused first
    try:
        parts, _fields, first = await open_streamed_form(request, registry, who,
                                                         MAX_DOSSIER_UPLOAD)
        if first is None:
            raise ValidationError("choose a dossier archive (.tar or .zip)", field="file")
        name, stream = next(streamed_files(parts, first, MAX_DOSSIER_UPLOAD,
                                           uploads.TooLarge))
        verdict = await run_in_threadpool(lambda: dossier_checks.check_upload(
            registry, name, stream, limit=MAX_DOSSIER_UPLOAD))
    except ClientDisconnect:
        return Response(status_code=400)  # the sender went away: nothing was kept
    except uploads.TooLarge as exc:
        return _check_page(request, None, field_errors(exc, lang, {"file"}), 413)
    except ValidationError as exc:
        return _check_page(request, None, field_errors(exc, lang, {"file"}), 422)
    return _check_page(request, verdict, {})
