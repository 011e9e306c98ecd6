"""The public memorial's pages: home (the summer-1988 timeline of the persons
it shows), search and a page per published person.  No account, no form but
"correct this entry" (web/public_corrections.py); what may be shown is decided
by services/memorial.py and services/publishing.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from khavaran.errors import ValidationError
from khavaran.services import finding, home, memorial
from khavaran.web.deps import Reg
from khavaran.web.i18n import catalogue
from khavaran.web.pages import language, render
from khavaran.web.reading_view import helpers

__all__ = ["person_page", "public_home", "router", "search_page", "show_person"]

router = APIRouter(include_in_schema=False)
PER_PAGE = 20


@router.get("/")
async def public_home(request: Request, registry: Reg) -> HTMLResponse:
    line = await run_in_threadpool(memorial.public_timeline, registry)
    chart = Markup(home.chart_svg(line, language(request)))  # noqa: S704  (escaped)
    return render(request, "public_home.html",
                  {"timeline": line, "chart": chart, **helpers()})


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
    """A published person's page (also after a correction was sent or refused)."""
    person = await run_in_threadpool(memorial.public_person, registry, person_id)
    return render(request, "public_person_page.html",
                  {"person": person, **helpers(), **(extra or {})}, status=status)


@router.get("/persons/{person_id}")
async def person_page(request: Request, registry: Reg, person_id: str) -> HTMLResponse:
    return await show_person(request, registry, person_id)
