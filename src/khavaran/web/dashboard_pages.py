"""The summer-1988 dashboard (services/dashboard.py): the page, narrowed by
filters in its query string, and its chart as an SVG file to download."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from khavaran.errors import ValidationError
from khavaran.services import dashboard, home
from khavaran.services.chart_png import svg_to_png
from khavaran.web.deps import Reg
from khavaran.web.i18n import catalogue
from khavaran.web.pages import SignedIn, attachment, language, may, render
from khavaran.web.reading_view import helpers

__all__ = ["board_of", "dashboard_page", "estimate_part", "router", "timeline_png",
           "timeline_svg"]

router = APIRouter(include_in_schema=False)


def _filters(request: Request) -> dashboard.DashFilters:
    q = request.query_params
    chosen = {name: q.get(name, "").strip()[:200] or None for name in dashboard.FILTERS}
    return dashboard.DashFilters(**chosen)


async def board_of(request: Request, registry: Reg) -> tuple[dashboard.Dashboard, str | None]:
    """The dashboard for the filters asked; the unfiltered one, and the field
    refused, when a filter names a value no victim has."""
    try:
        return await run_in_threadpool(dashboard.dashboard, registry, _filters(request)), None
    except ValidationError as exc:
        return await run_in_threadpool(dashboard.dashboard, registry), exc.field


@router.get("/dashboard")
async def dashboard_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "read")
    return await _page(request, registry)


async def _page(request: Request, registry: Reg, **extra: Any) -> HTMLResponse:
    board, refused = await board_of(request, registry)
    chart = Markup(home.chart_svg(board.timeline, language(request)))  # noqa: S704  (escaped)
    errors = {}
    if refused:
        errors[refused] = catalogue(language(request)).gettext(
            "No victim has this value: choose one from the list.")
    return render(request, "dashboard.html",
                  {"board": board, "chart": chart, "errors": errors,
                   "query": request.url.query, **helpers(), **extra},
                  status=422 if refused else 200)


@router.get("/dashboard/estimate")
async def estimate_part(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    """The estimate of the page's selection: the section alone for htmx, which
    asks for it once the page is shown; the whole page otherwise."""
    await may(request, registry, who, "read")
    try:
        found, why = await run_in_threadpool(dashboard.estimate, registry, _filters(request))
    except ValidationError:  # a filter no victim matches: the page says which
        return await _page(request, registry)
    context = {"estimate": found, "why": why}
    if request.headers.get("hx-request"):
        return render(request, "dashboard_estimate.html", context)
    return await _page(request, registry, estimate_ready=True, **context)


async def _chart(request: Request, registry: Reg, who: SignedIn) -> str | Response:
    """The chart of the page with the same filters, as SVG; a refusal (422) when a
    filter names a value no victim has."""
    await may(request, registry, who, "read")
    board, refused = await board_of(request, registry)
    if refused:
        return Response(f"no victim has this {refused}", status_code=422,
                        media_type="text/plain; charset=utf-8")
    return home.chart_svg(board.timeline, language(request))


@router.get("/dashboard/timeline.svg")
async def timeline_svg(request: Request, registry: Reg, who: SignedIn) -> Response:
    """The chart of the page with the same filters, as a file."""
    svg = await _chart(request, registry, who)
    if isinstance(svg, Response):
        return svg
    return attachment(svg, "image/svg+xml", "executions-summer-1988.svg")


@router.get("/dashboard/timeline.png")
async def timeline_png(request: Request, registry: Reg, who: SignedIn) -> Response:
    """The same, drawn as PNG (services/chart_png.py)."""
    svg = await _chart(request, registry, who)
    if isinstance(svg, Response):
        return svg
    png = await run_in_threadpool(svg_to_png, svg)
    return attachment(png, "image/png", "executions-summer-1988.png")
