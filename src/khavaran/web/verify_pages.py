"""Verification in the browser, as a background job (services/verify_jobs.py):
one evidence item from its page (roles that may write), or the whole
installation from /verify (roles that may export, who build dossiers from
it).  The job's page (web/dossier_pages.py, /jobs/{id}) shows how far it is,
then every failure in words."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from khavaran.services import evidence_views, jobs, verify_jobs
from khavaran.web.deps import Reg
from khavaran.web.pages import SignedIn, form_of, may, render

__all__ = ["router", "verify_installation", "verify_item", "verify_page"]

router = APIRouter(include_in_schema=False)


@router.post("/evidence/{item_id}/verify")
async def verify_item(request: Request, registry: Reg, who: SignedIn,
                      item_id: str) -> Response:
    """Re-hash the item and check its custody entries in the background."""
    await form_of(request, registry, who)
    await may(request, registry, who, "write")
    # As its page: a protected witness's testimony answers as an unknown item.
    await run_in_threadpool(evidence_views.item_view, registry, item_id)
    job_id = await run_in_threadpool(lambda: verify_jobs.start_verify(
        registry, item_id, actor=who.name))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/verify")
async def verify_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "export")
    done = await run_in_threadpool(jobs.recent, registry, "verify")
    return render(request, "verify.html",
                  {"jobs": [j for j in done if not j.params.get("item")][:10]})


@router.post("/verify")
async def verify_installation(request: Request, registry: Reg, who: SignedIn) -> Response:
    """Check the vault, the ledger and every sealed registry row in the background."""
    await form_of(request, registry, who)
    await may(request, registry, who, "export")
    job_id = await run_in_threadpool(lambda: verify_jobs.start_verify(
        registry, None, actor=who.name))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
