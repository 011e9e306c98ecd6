"""The case and evidence pages: the list of cases, a case (suspect, charges,
the element matrix, the gaps), and an evidence item (record, lineage, custody
log).  Reading only: what may be seen is decided by services/case_reading.py
and services/evidence_views.py."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from khavaran.legal.assessment import STATUSES
from khavaran.legal.frameworks import DISCLAIMER
from khavaran.services import case_reading, evidence_views
from khavaran.web.deps import Reg
from khavaran.web.i18n import N_
from khavaran.web.pages import SignedIn, may, render
from khavaran.web.reading_view import helpers

__all__ = ["case_page", "cases_page", "evidence_page", "router"]

router = APIRouter(include_in_schema=False)

# Words the pages take from the services' data, for the catalogue: element
# statuses and kinds, a link's stance, an item's role and kind of copy, and
# the kinds of custody entries an item's log holds.
WORDS = [
    N_("no evidence"), N_("single source"), N_("corroborated"), N_("contested"),
    N_("contextual"), N_("material"), N_("mental"), N_("supports"), N_("contradicts"),
    N_("original"), N_("working"), N_("ocr"), N_("text"), N_("translation"),
    N_("redaction"), N_("transcript"), N_("transcode"), N_("excerpt"),
    N_("intake"), N_("view"), N_("download"), N_("copy"), N_("derive"),
    N_("derivation"), N_("export"), N_("transfer"), N_("verify"), N_("link"),
    N_("purge"), N_("timestamp"), N_("review"), N_("access"),
]


@router.get("/cases")
async def cases_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "read")
    rows = await run_in_threadpool(case_reading.case_list, registry)
    return render(request, "case_list.html", {"cases": rows, **helpers()})


@router.get("/cases/{case_id}")
async def case_page(request: Request, registry: Reg, who: SignedIn,
                    case_id: str) -> HTMLResponse:
    await may(request, registry, who, "read")
    sheet = await run_in_threadpool(case_reading.case_sheet, registry, case_id)
    return render(request, "case_page.html", {"sheet": sheet, "case": sheet.case,
                                              "disclaimer": DISCLAIMER, "statuses": STATUSES,
                                              **helpers()})


@router.get("/evidence/{item_id}")
async def evidence_page(request: Request, registry: Reg, who: SignedIn,
                        item_id: str) -> HTMLResponse:
    await may(request, registry, who, "read")
    view = await run_in_threadpool(evidence_views.item_view, registry, item_id)
    return render(request, "evidence_item.html", {"view": view, "it": view.item,
                                                  **helpers()})
