"""The reading pages: home, search (with an htmx results fragment), and the
person, source, unit, place and event pages.  Each route checks the role,
calls the services (services/home.py, finding.py, record_views.py) and
renders a template; what may be seen is decided by the services."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from khavaran.errors import ValidationError
from khavaran.services import finding, home, impunity, publishing, record_views
from khavaran.services.finding import AGE_GROUPS, Filters
from khavaran.web.deps import Client, Reg
from khavaran.web.i18n import catalogue
from khavaran.web.pages import SignedIn, form_of, language, may, render
from khavaran.web.reading_view import helpers

__all__ = ["event_page", "history_page", "home_page", "person_page", "person_response",
           "place_page", "record_response", "reveal_page", "router", "search_page",
           "search_results", "source_page", "unit_page"]

router = APIRouter(include_in_schema=False)
PER_PAGE = 20
SEARCH_FIELDS = ("q", "city", "prison", "affiliation", "from", "to", "age", "served")


@router.get("/")
async def home_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "read")
    data = await run_in_threadpool(home.home, registry)
    assert data.timeline is not None
    chart = Markup(home.chart_svg(data.timeline, language(request)))  # noqa: S704  (escaped)
    return render(request, "read_home.html", {"home": data, "chart": chart, **helpers()})


def _search_params(request: Request) -> dict[str, str]:
    q = request.query_params
    return {k: q.get(k, "").strip()[:200] for k in SEARCH_FIELDS if q.get(k, "").strip()}


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value or default))
    except ValueError:
        return default


def _search_errors(request: Request, exc: ValidationError) -> dict[str, str]:
    """A service's refusal as a message beside the form field, in the page's language."""
    words = catalogue(language(request))
    field = exc.field or "q"
    if field in ("from", "to"):
        text = (words.gettext("The end of the range comes before its start.")
                if "before its start" in str(exc) else
                words.gettext("Not a date: write it as 1367/05/06, 1988-07-28 or "
                              "Mordad 1367."))
    elif field == "age":
        text = words.gettext("Choose an age group from the list.")
    elif field == "q":
        text = words.gettext("Type a name or an id to search for.")
    else:
        field, text = "q", words.gettext("This search cannot be run: change it and try again.")
    return {field: text}


async def _search(request: Request, registry: Reg) -> tuple[dict[str, Any], int]:
    params = _search_params(request)
    offset = _int(request.query_params.get("offset"), 0)
    context: dict[str, Any] = {"params": params, "errors": {}, "found": None,
                               "age_groups": AGE_GROUPS, **helpers()}
    if not params.get("q"):
        return context, 200
    filters = Filters(city=params.get("city"), prison=params.get("prison"),
                      affiliation=params.get("affiliation"), date_from=params.get("from"),
                      date_to=params.get("to"), age=params.get("age"),
                      served=params.get("served") == "1")
    try:
        context["found"] = await run_in_threadpool(
            finding.find, registry, params["q"], filters, limit=PER_PAGE, offset=offset)
    except ValidationError as exc:
        context["errors"] = _search_errors(request, exc)
        return context, 422
    return context, 200


def _query(params: dict[str, str], **changes: str | int | None) -> str:
    merged: dict[str, Any] = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@router.get("/search")
async def search_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "read")
    context, status = await _search(request, registry)
    return render(request, "read_search.html", {**context, "query": _query}, status=status)


@router.get("/search/results")
async def search_results(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    """The results and facets alone, for htmx; the whole page otherwise."""
    await may(request, registry, who, "read")
    context, status = await _search(request, registry)
    name = "read_search_results.html" if request.headers.get("hx-request") else \
        "read_search.html"
    # htmx swaps only 2xx answers: the errors are shown beside the field either way.
    return render(request, name, {**context, "query": _query},
                  status=200 if name == "read_search_results.html" else status)


async def person_response(request: Request, registry: Reg, who: SignedIn, client: Client,
                          person_id: str, *, reason: str | None = None,
                          errors: dict[str, str] | None = None, status: int = 200,
                          publish_reason: str = "") -> HTMLResponse:
    """The person page (also after a refused publish, with its error)."""
    view = await run_in_threadpool(record_views.person_view, registry, person_id,
                                   actor=who.name, reveal_reason=reason, client=client)
    may_publish = who.role.may("publish")
    shown = may_publish and await run_in_threadpool(publishing.published, registry,
                                                    person_id)
    return render(request, "read_person.html",
                  {"view": view, "profile": view.profile, "errors": errors or {},
                   "may_reveal": who.role.may("reveal"), "reason": reason or "",
                   "may_publish": may_publish, "published": shown,
                   "publish_reason": publish_reason,
                   "has_report": impunity.alleged(view.profile), **helpers()}, status=status)


_person = person_response


@router.get("/persons/{person_id}")
async def person_page(request: Request, registry: Reg, who: SignedIn, client: Client,
                      person_id: str) -> HTMLResponse:
    await may(request, registry, who, "read")
    return await _person(request, registry, who, client, person_id)


@router.post("/persons/{person_id}/reveal")
async def reveal_page(request: Request, registry: Reg, who: SignedIn, client: Client,
                      person_id: str) -> HTMLResponse:
    """A protected person's identity, for a role that may reveal, with a reason
    (written to history and the access log)."""
    form = await form_of(request, registry, who)
    await may(request, registry, who, "reveal")
    reason = str(form.get("reason", "")).strip()[:1000]
    if not reason:
        words = catalogue(language(request))
        return await _person(request, registry, who, client, person_id, status=422,
                             errors={"reason": words.gettext(
                                 "Say why you need to see this identity.")})
    return await _person(request, registry, who, client, person_id, reason=reason)


@router.get("/persons/{person_id}/history")
async def history_page(request: Request, registry: Reg, who: SignedIn, client: Client,
                       person_id: str) -> HTMLResponse:
    await may(request, registry, who, "read")
    profile, changes = await run_in_threadpool(record_views.person_history, registry,
                                               person_id, actor=who.name, client=client)
    return render(request, "read_history.html",
                  {"profile": profile, "changes": changes, **helpers()})


@router.get("/sources/{source_id}")
async def source_page(request: Request, registry: Reg, who: SignedIn,
                      source_id: str) -> HTMLResponse:
    await may(request, registry, who, "read")
    offset = _int(request.query_params.get("offset"), 0)
    view = await run_in_threadpool(record_views.source_view, registry, source_id, limit=50,
                                   offset=offset)
    return render(request, "read_source.html", {"view": view, "src": view.source,
                                                 **helpers()})


async def record_response(request: Request, registry: Reg, who: SignedIn, record_id: str,
                          kind: str, *, errors: dict[str, str] | None = None,
                          status: int = 200, publish_reason: str = "") -> HTMLResponse:
    """A unit, place or event page (a place's also after a refused publish)."""
    await may(request, registry, who, "read")
    view = await run_in_threadpool(record_views.record_view, registry, record_id, kind)
    members = (await run_in_threadpool(record_views.unit_members, registry, view)
               if kind == "Unit" else [])
    may_publish = kind == "Place" and who.role.may("publish")
    shown = may_publish and await run_in_threadpool(publishing.published, registry,
                                                    record_id)
    return render(request, "read_record.html", {
        "view": view, "profile": view.profile, "members": members, "kind": kind,
        "may_publish": may_publish, "published": shown, "publish_reason": publish_reason,
        "errors": errors or {}, **helpers()}, status=status)


_record = record_response


@router.get("/units/{unit_id}")
async def unit_page(request: Request, registry: Reg, who: SignedIn,
                    unit_id: str) -> HTMLResponse:
    """A unit (a commission): its facts, members and their careers."""
    return await _record(request, registry, who, unit_id, "Unit")


@router.get("/places/{place_id}")
async def place_page(request: Request, registry: Reg, who: SignedIn,
                     place_id: str) -> HTMLResponse:
    return await _record(request, registry, who, place_id, "Place")


@router.get("/events/{event_id}")
async def event_page(request: Request, registry: Reg, who: SignedIn,
                     event_id: str) -> HTMLResponse:
    return await _record(request, registry, who, event_id, "Event")
