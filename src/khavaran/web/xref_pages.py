"""The xref review queue (issue 20): each candidate match of an alleged
perpetrator with a person of an imported sanctions or PEP list, the
registry's person beside the list's entity, the score and its reasons, and
same, different or unsure by button.

Who may do what, as on the linkage queue (web/review_pages.py): looking needs
"read" (the candidates are alleged perpetrators, never protected people, and
public lists), judging and matching again need "write"; the menu offers the
page to the roles that may judge.  A "same" writes cited postings and
sanction actions, a later "different" or "unsure" takes them back
(services/xref.py, services/xref_retract.py).

With htmx a judgement replaces its card with what it did; without JavaScript
the form posts and the page comes back.  A protected person's id and an
unknown one are refused with the same words, so that the form confirms no
guess.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from khavaran.errors import NotFoundError, ValidationError
from khavaran.services import xref, xref_jobs, xref_view
from khavaran.web.deps import Reg
from khavaran.web.entry_pages import NO_RECORD, field_errors
from khavaran.web.i18n import N_, catalogue
from khavaran.web.pages import SignedIn, form_of, language, may, render

__all__ = ["judge", "match_again", "router", "show_page", "xref_page"]

router = APIRouter(include_in_schema=False)

SHOWN = 10   # cards on the page
RECENT = 8   # judgements listed under them, newest first
DECISIONS = [("same", N_("Same person")), ("different", N_("Different people")),
             ("unsure", N_("Unsure"))]
SAID = {"same": N_("same"), "different": N_("different"), "unsure": N_("unsure")}
# The comparison's reasons by field (khavaran.linkage.compare and xref._extra).
FIELDS = {"name": N_("Name"), "birth": N_("Year of birth"), "gender": N_("Gender"),
          "nationality": N_("Nationality"), "position": N_("Position")}
VERDICTS = {"agree": N_("agree"), "close": N_("close"), "differ": N_("disagree"),
            "missing": N_("missing")}


def _context(who: SignedIn) -> dict[str, Any]:
    return {"may_write": who.role.may("write"), "decisions": DECISIONS, "said": SAID,
            "fields": FIELDS, "verdicts": VERDICTS}


async def show_page(request: Request, registry: Reg, who: SignedIn, *,
                    errors: dict[str, str] | None = None, imported: Any = None,
                    upload_error: str | None = None, bad_lines: list[str] | None = None,
                    status: int = 200) -> HTMLResponse:
    """The queue, with what the last action did (web/xref_lists.py uploads)."""
    cards, left = await run_in_threadpool(lambda: xref_view.xref_cards(registry, limit=SHOWN))
    recent = await run_in_threadpool(lambda: xref_view.xref_judgements(registry, last=RECENT))
    sets = await run_in_threadpool(xref_view.datasets, registry)
    return render(request, "xref.html", {
        **_context(who), "cards": cards, "left": left, "recent": recent, "datasets": sets,
        "errors": errors or {}, "imported": imported,
        "upload_error": upload_error, "bad_lines": bad_lines or []}, status=status)


@router.get("/xref")
async def xref_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    """The candidates to judge, the likeliest first, and how many are left."""
    await may(request, registry, who, "read")
    return await show_page(request, registry, who)


@router.post("/xref")
async def judge(request: Request, registry: Reg, who: SignedIn) -> Response:
    """Judge a candidate same, different or unsure, as the signed-in user."""
    form = await form_of(request, registry, who)
    await may(request, registry, who, "write")
    person, ref, decision, note = (str(form.get(k) or "").strip()[:400]
                                   for k in ("person", "ref", "decision", "note"))
    words = catalogue(language(request))
    try:
        done = await run_in_threadpool(lambda: xref.judge_xref(
            registry, person, ref, decision, actor=who.name, note=note or None))
    except ValidationError as exc:
        errors = field_errors(exc, language(request), {"decision"})
    except NotFoundError:
        # An unknown person and a protected one read alike.
        errors = {"form": words.gettext(NO_RECORD)}
    else:
        if request.headers.get("hx-request"):
            # The names as the recent judgements give them, and the count left
            # (swapped into the page's heading out of band).
            latest = await run_in_threadpool(lambda: xref_view.xref_judgements(registry,
                                                                               last=1))
            _, left = await run_in_threadpool(lambda: xref_view.xref_cards(registry,
                                                                           limit=1))
            return render(request, "xref_judged.html", {
                **_context(who), "done": done, "left": left,
                "judged": latest[0] if latest else None})
        return RedirectResponse("/xref", status_code=303)
    if request.headers.get("hx-request"):
        # htmx swaps no error response: the card comes back with the error in it.
        cards, _ = await run_in_threadpool(lambda: xref_view.xref_cards(registry, limit=0))
        card = next((c for c in cards if (c.candidate.person_id, c.candidate.ref)
                     == (person, ref)), None)
        return render(request, "xref_judged.html", {
            **_context(who), "done": None, "card": card, "errors": errors})
    return await show_page(request, registry, who, errors=errors, status=422)


@router.post("/xref/run")
async def match_again(request: Request, registry: Reg, who: SignedIn) -> Response:
    """Match the alleged perpetrators against the imported lists again (after an
    import, or after new facts about them), in the background: against a whole
    OpenSanctions export it takes longer than a page should wait."""
    await form_of(request, registry, who)
    await may(request, registry, who, "write")
    job_id = await run_in_threadpool(lambda: xref_jobs.start_rematch(registry,
                                                                     actor=who.name))
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
