"""The accountability tracker's reports as pages (services/reports.py): the
index, the country x action matrix, the timeline since 1988, a person's
impunity report and a country briefing, each with its PDF to download."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from khavaran.legal.assessment import STATUSES
from khavaran.services import reports
from khavaran.web.deps import Reg
from khavaran.web.pages import SignedIn, language, may, render
from khavaran.web.reading_view import helpers

__all__ = ["country_page", "country_pdf", "impunity_page", "impunity_pdf", "index_page",
           "matrix_page", "matrix_pdf", "router", "timeline_page", "timeline_pdf"]

router = APIRouter(include_in_schema=False)


@router.get("/reports")
async def index_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "read")
    index = await run_in_threadpool(reports.report_index, registry)
    return render(request, "reports.html", {"index": index, **helpers()})


@router.get("/reports/matrix")
async def matrix_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "read")
    m = await run_in_threadpool(reports.matrix_of, registry)
    return render(request, "report_matrix.html", {"m": m, **helpers()})


@router.get("/reports/timeline")
async def timeline_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "read")
    actions = await run_in_threadpool(reports.timeline_of, registry)
    return render(request, "report_timeline.html", {"actions": actions, **helpers()})


@router.get("/reports/impunity/{person_id}")
async def impunity_page(request: Request, registry: Reg, who: SignedIn,
                        person_id: str) -> HTMLResponse:
    await may(request, registry, who, "read")
    r = await run_in_threadpool(reports.impunity_of, registry, person_id)
    return render(request, "report_impunity.html",
                  {"r": r, "statuses": STATUSES, **helpers()})


@router.get("/reports/country/{code}")
async def country_page(request: Request, registry: Reg, who: SignedIn,
                       code: str) -> HTMLResponse:
    await may(request, registry, who, "read")
    b = await run_in_threadpool(reports.briefing_of, registry, code, language(request))
    return render(request, "report_country.html", {"b": b, **helpers()})


async def _pdf(request: Request, registry: Reg, who: SignedIn, kind: str,
               arg: str = "") -> Response:
    await may(request, registry, who, "read")
    name, pdf = await run_in_threadpool(reports.report_pdf, registry, kind,
                                        language(request), arg)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/reports/matrix/pdf")
async def matrix_pdf(request: Request, registry: Reg, who: SignedIn) -> Response:
    return await _pdf(request, registry, who, "matrix")


@router.get("/reports/timeline/pdf")
async def timeline_pdf(request: Request, registry: Reg, who: SignedIn) -> Response:
    return await _pdf(request, registry, who, "timeline")


@router.get("/reports/impunity/{person_id}/pdf")
async def impunity_pdf(request: Request, registry: Reg, who: SignedIn,
                     person_id: str) -> Response:
    return await _pdf(request, registry, who, "impunity", person_id)


@router.get("/reports/country/{code}/pdf")
async def country_pdf(request: Request, registry: Reg, who: SignedIn, code: str) -> Response:
    return await _pdf(request, registry, who, "country", code)
