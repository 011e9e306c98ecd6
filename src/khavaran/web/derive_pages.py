"""Working copies that Khavaran makes itself, started from an item's page as a
background job (services/derive_jobs.py): a PDF's text, or OCR of an image in
Persian and English.  The job's page (web/dossier_pages.py, /jobs/{id}) links
to the copy when it is made.  Roles that may write."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from khavaran.services import derive_jobs, evidence_views
from khavaran.web.deps import Reg
from khavaran.web.pages import SignedIn, form_of, may

__all__ = ["derive_copy", "router"]

router = APIRouter(include_in_schema=False)


@router.post("/evidence/{item_id}/derive")
async def derive_copy(request: Request, registry: Reg, who: SignedIn,
                      item_id: str) -> Response:
    form = await form_of(request, registry, who)
    await may(request, registry, who, "write")
    # As its page: a protected witness's testimony answers as an unknown item.
    await run_in_threadpool(evidence_views.item_view, registry, item_id)
    kind = str(form.get("kind") or "")
    job_id = await run_in_threadpool(lambda: derive_jobs.start_derive(
        registry, item_id, kind, actor=who.name))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
