"""The team app's side of the public memorial: publish and unpublish a person
(on their page) or a place (on its page, for the memorial's map), and the
review queue of what the memorial's visitors sent (``/corrections``), for roles
that may publish.  The services decide
(services/publishing.py, services/corrections.py); each change is in history."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from khavaran.errors import ValidationError
from khavaran.services import corrections, publishing
from khavaran.web.deps import Client, Reg
from khavaran.web.i18n import catalogue
from khavaran.web.pages import SignedIn, form_of, language, may, render
from khavaran.web.reading_pages import person_response, record_response

__all__ = ["close_correction", "corrections_page", "publish_page", "publish_place_page",
           "router", "unpublish_page", "unpublish_place_page"]

router = APIRouter(include_in_schema=False)


# (is a place, shown on the map) -> (publish, unpublish)
_CHANGES = {False: (publishing.publish, publishing.unpublish),
            True: (publishing.publish_place, publishing.unpublish_place)}


async def _publishing(request: Request, registry: Reg, who: SignedIn, client: Client,
                      record_id: str, on: bool, place: bool = False) -> Response:
    """Publish or unpublish a person (on the memorial) or a place (on its map);
    a refusal is shown on the record's page, beside the reason's field."""
    await may(request, registry, who, "publish")
    form = await form_of(request, registry, who)
    reason = str(form.get("publish_reason", "")).strip()[:1000]
    change = _CHANGES[place][0 if on else 1]
    try:
        await run_in_threadpool(change, registry, record_id, actor=who.name, reason=reason)
    except ValidationError as exc:
        words = catalogue(language(request))
        errors = {"publish_reason": words.gettext(
            "Say why: history keeps the reason for each change.") if exc.field == "reason"
            else words.gettext("The public map draws only prisons, cities and burial "
                               "sites with coordinates: add this place's first.")
            if place else words.gettext("A protected person is never published.")}
        if place:
            return await record_response(request, registry, who, record_id, "Place",
                                         status=422, errors=errors, publish_reason=reason)
        return await person_response(request, registry, who, client, record_id, status=422,
                                     errors=errors, publish_reason=reason)
    return RedirectResponse(f"/{'places' if place else 'persons'}/{record_id}",
                            status_code=303)


@router.post("/persons/{person_id}/publish")
async def publish_page(request: Request, registry: Reg, who: SignedIn, client: Client,
                       person_id: str) -> Response:
    return await _publishing(request, registry, who, client, person_id, True)


@router.post("/persons/{person_id}/unpublish")
async def unpublish_page(request: Request, registry: Reg, who: SignedIn, client: Client,
                         person_id: str) -> Response:
    return await _publishing(request, registry, who, client, person_id, False)


@router.post("/places/{place_id}/publish")
async def publish_place_page(request: Request, registry: Reg, who: SignedIn, client: Client,
                             place_id: str) -> Response:
    return await _publishing(request, registry, who, client, place_id, True, place=True)


@router.post("/places/{place_id}/unpublish")
async def unpublish_place_page(request: Request, registry: Reg, who: SignedIn,
                               client: Client, place_id: str) -> Response:
    return await _publishing(request, registry, who, client, place_id, False, place=True)


async def _queue(request: Request, registry: Reg, errors: dict[str, str] | None = None,
                 status: int = 200) -> HTMLResponse:
    shown = request.query_params.get("status", "open")
    items = await run_in_threadpool(corrections.queue, registry,
                                    status=shown if shown in ("open", "rejected", "done")
                                    else "open")
    return render(request, "corrections.html", {"items": items, "errors": errors or {},
                                                "shown": shown}, status=status)


@router.get("/corrections")
async def corrections_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    """What the memorial's visitors sent: take-down requests first."""
    await may(request, registry, who, "publish")
    return await _queue(request, registry)


@router.post("/corrections/{correction_id}/{action}")
async def close_correction(request: Request, registry: Reg, who: SignedIn,
                           correction_id: str, action: str) -> Response:
    """Reject a message, or mark it done (a take-down: unpublishing the person)."""
    await may(request, registry, who, "publish")
    form = await form_of(request, registry, who)
    if action not in ("reject", "done"):
        return await _queue(request, registry, status=404)
    reason = str(form.get("reason", "")).strip()[:1000]
    try:
        await run_in_threadpool(corrections.resolve, registry, correction_id,
                                status="rejected" if action == "reject" else "done",
                                actor=who.name, reason=reason)
    except ValidationError as exc:
        words = catalogue(language(request))
        text = (words.gettext("Say why: history keeps the reason for each change.")
                if exc.field == "reason" else
                words.gettext("This message has been closed already."))
        return await _queue(request, registry, {correction_id: text}, status=422)
    return RedirectResponse("/corrections", status_code=303)
