"""Full-text search of the vault's texts (services/text_search.py), in either
script, for roles that may write: they work on the evidence and may open it,
and a hit shows a passage of it.  Included before the item pages, so that
/evidence/search is not read as an item's id."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from khavaran.errors import ValidationError
from khavaran.services import text_search
from khavaran.web.deps import Reg
from khavaran.web.entry_pages import field_errors
from khavaran.web.pages import SignedIn, language, may, render

__all__ = ["router", "search_texts"]

router = APIRouter(include_in_schema=False)
MAX_QUERY = 500


@router.get("/evidence/search")
async def search_texts(request: Request, registry: Reg, who: SignedIn,
                       q: str = "") -> HTMLResponse:
    await may(request, registry, who, "write")
    query = q.strip()[:MAX_QUERY]
    hits: list[text_search.TextHit] = []
    errors: dict[str, str] = {}
    if query:
        try:
            hits = await run_in_threadpool(lambda: text_search.search_texts(registry, query))
        except ValidationError as exc:
            errors = field_errors(exc, language(request), {"query"})
    return render(request, "evidence_search.html", {"q": query, "hits": hits,
                                                    "errors": errors},
                  status=422 if errors else 200)
