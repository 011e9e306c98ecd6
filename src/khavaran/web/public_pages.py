"""The public memorial's pages: home (the summer-1988 timeline of the persons
it shows), search, the map of the places published, and a page per published
person with "correct this entry".
No account; what may be shown is decided by services/memorial.py and
services/publishing.py, what may be sent by services/corrections.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from khavaran.errors import RateLimitError, ValidationError
from khavaran.services import corrections, finding, home, memorial
from khavaran.web.deps import Client, Reg
from khavaran.web.i18n import catalogue
from khavaran.web.map_pages import drawing
from khavaran.web.pages import attachment, language, render
from khavaran.web.reading_view import helpers

__all__ = ["correct", "person_page", "public_home", "public_map", "public_map_svg", "router",
           "search_page", "show_person"]

router = APIRouter(include_in_schema=False)
PER_PAGE = 20


@router.get("/")
async def public_home(request: Request, registry: Reg) -> HTMLResponse:
    line = await run_in_threadpool(memorial.public_timeline, registry)
    chart = Markup(home.chart_svg(line, language(request)))  # noqa: S704  (escaped)
    return render(request, "public_home.html",
                  {"timeline": line, "chart": chart, **helpers()})


@router.get("/map")
async def public_map(request: Request, registry: Reg) -> HTMLResponse:
    found, svg = await drawing(request, registry, public=True)
    return render(request, "public_map.html", {"found": found,
                                               "chart": Markup(svg)})  # noqa: S704


@router.get("/map.svg")
async def public_map_svg(request: Request, registry: Reg) -> Response:
    _, svg = await drawing(request, registry, public=True)
    return attachment(svg, "image/svg+xml", "places-1988.svg")


def _offset(value: str | None) -> int:
    try:
        return min(max(0, int(value or 0)), 10_000)
    except ValueError:
        return 0


@router.get("/search")
async def search_page(request: Request, registry: Reg) -> HTMLResponse:
    q = request.query_params.get("q", "").strip()[:200]
    context: dict[str, Any] = {"q": q, "found": None, "error": ""}
    if q:
        try:
            context["found"] = await run_in_threadpool(
                finding.find, registry, q, limit=PER_PAGE,
                offset=_offset(request.query_params.get("offset")), public=True)
        except ValidationError:
            context["error"] = catalogue(language(request)).gettext(
                "Type a name to search for.")
            return render(request, "public_search.html", context, status=422)
    return render(request, "public_search.html", context)


async def show_person(request: Request, registry: Reg, person_id: str,
                      extra: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """A published person's page with "correct this entry" (a new question each
    time), also after a message was refused."""
    person = await run_in_threadpool(memorial.public_person, registry, person_id)
    asked = await run_in_threadpool(corrections.challenge, registry, person_id)
    context = {"person": person, "challenge": asked, "errors": {}, "text": "", "kind": "",
               "refused": "", "sent": request.query_params.get("sent") == "1", **helpers()}
    return render(request, "public_person_page.html", {**context, **(extra or {})},
                  status=status)


@router.get("/persons/{person_id}")
async def person_page(request: Request, registry: Reg, person_id: str) -> HTMLResponse:
    return await show_person(request, registry, person_id)


@router.post("/persons/{person_id}/correct")
async def correct(request: Request, registry: Reg, client: Client,
                  person_id: str) -> Response:
    """A visitor's correction or take-down request: kept as plain text for the team."""
    form = await request.form()
    v = {k: str(form.get(k) or "") for k in ("kind", "text", "token", "answer", "website")}
    lang = language(request)
    words = catalogue(lang)
    try:
        await run_in_threadpool(corrections.submit, registry, person_id, kind=v["kind"],
                                text=v["text"], language=lang, client=client,
                                token=v["token"], answer=v["answer"], honeypot=v["website"])
    except ValidationError as exc:
        field = exc.field if exc.field in ("text", "answer") else "text"
        message = (words.gettext("The answer to the question is wrong: try the new one.")
                   if field == "answer" else
                   words.gettext("Your message is longer than 10,000 characters: shorten "
                                 "it, or send it in parts.")
                   if len(v["text"]) > corrections.MAX_TEXT else
                   words.gettext("Write your message."))
        # What was typed is kept (escaped by the template), up to the limit.
        return await show_person(request, registry, person_id, {
            "errors": {field: message}, "text": v["text"][:corrections.MAX_TEXT],
            "kind": v["kind"]}, status=422)
    except RateLimitError as exc:
        refused = (words.gettext("Too many wrong answers from your address: please try "
                                 "again in an hour.") if "wrong answers" in str(exc) else
                   words.gettext("Too many messages from your address: please try "
                                 "again later."))
        return await show_person(request, registry, person_id, {
            "refused": refused,
            "text": v["text"][:corrections.MAX_TEXT], "kind": v["kind"]}, status=429)
    return RedirectResponse(f"/persons/{person_id}?sent=1#correct-title", status_code=303)
