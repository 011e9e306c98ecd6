"""The team app's side of the public memorial: publish and unpublish a person
(on their page) and the review queue of what the memorial's visitors sent
(``/corrections``), for roles that may publish.  The services decide
(services/publishing.py, services/corrections.py); each change is in history."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from khavaran.errors import ValidationError
from khavaran.services import publishing
from khavaran.web.deps import Client, Reg
from khavaran.web.i18n import catalogue
from khavaran.web.pages import SignedIn, form_of, language, may
from khavaran.web.reading_pages import person_response

__all__ = ["publish_page", "router", "unpublish_page"]

router = APIRouter(include_in_schema=False)


async def _publishing(request: Request, registry: Reg, who: SignedIn, client: Client,
                      person_id: str, on: bool) -> Response:
    await may(request, registry, who, "publish")
    form = await form_of(request, registry, who)
    reason = str(form.get("publish_reason", "")).strip()[:1000]
    change = publishing.publish if on else publishing.unpublish
    try:
        await run_in_threadpool(change, registry, person_id, actor=who.name, reason=reason)
    except ValidationError as exc:
        words = catalogue(language(request))
        text = (words.gettext("Say why: history keeps the reason for each change.")
                if exc.field == "reason" else
                words.gettext("A protected person is never published."))
        return await person_response(request, registry, who, client, person_id, status=422,
                                     errors={"publish_reason": text}, publish_reason=reason)
    return RedirectResponse(f"/persons/{person_id}", status_code=303)


@router.post("/persons/{person_id}/publish")
async def publish_page(request: Request, registry: Reg, who: SignedIn, client: Client,
                       person_id: str) -> Response:
    return await _publishing(request, registry, who, client, person_id, True)


@router.post("/persons/{person_id}/unpublish")
async def unpublish_page(request: Request, registry: Reg, who: SignedIn, client: Client,
                         person_id: str) -> Response:
    return await _publishing(request, registry, who, client, person_id, False)
