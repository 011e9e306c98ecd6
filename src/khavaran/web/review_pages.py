"""The review queue (issue 16): the next candidate pair of source records side
by side, each field's verdict, weight and reason, and what a judgement would
settle; same, different or unsure by button or by key (static/keys.js).

Who may do what.  Seeing the queue needs only "read": it shows list records
that a reader already sees on the person pages, a protected person's rows are
left out of it, and a viewer may follow the work.  Judging needs "write", as
every change to the registry does (the CLI's ``dedupe judge`` writes as its
``--as`` actor); the menu offers the queue to the roles that may judge.

The services do the work (services/dedupe.py): the queue reads the stored,
incrementally updated pairs (services/link_pairs.py), and a judgement that
contradicts earlier ones is refused with the chain that it contradicts,
said here in the page's language (status 422).  A later judgement of a pair
replaces an earlier one, so the recent judgements are listed with their
buttons, to judge again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from khavaran.errors import NotFoundError, ValidationError
from khavaran.linkage.compare import Reason
from khavaran.services import dedupe
from khavaran.web.deps import Reg
from khavaran.web.entry_pages import NO_RECORD, field_errors
from khavaran.web.i18n import N_, catalogue
from khavaran.web.pages import SignedIn, form_of, language, may, render

__all__ = ["judge_pair", "review_page", "router"]

router = APIRouter(include_in_schema=False)

RECENT = 8  # judgements listed under the pair, newest first
# The record fields in the order shown, with the comparison's name for each
# (services compare "father", "birth", ... where the lists say father_name ...).
ROWS = [("name", "name", N_("Name")), ("father_name", "father", N_("Father's name")),
        ("birth_year", "birth", N_("Year of birth")), ("age", "birth", N_("Age")),
        ("death_date", "death", N_("Date of death")), ("city", "city", N_("City")),
        ("prison", "prison", N_("Prison")), ("affiliation", "affiliation", N_("Affiliation")),
        ("gender", "gender", N_("Gender"))]
COMPARED = {compared for _, compared, _ in ROWS}
VERDICTS = {"agree": N_("agree"), "close": N_("close"), "differ": N_("disagree"),
            "missing": N_("missing")}
# A plain-language reason for each verdict: what the field says about the pair.
REASONS = {
    "agree": N_("The two records say the same here: this counts towards one person."),
    "close": N_("Nearly the same, or only one record says more: this counts a little."),
    "differ": N_("The two records say different things here: this counts against one "
                 "person."),
    "missing": N_("At least one record says nothing here: it counts neither way."),
}
DECISIONS = [("same", N_("Same person"), "s"), ("different", N_("Different people"), "d"),
             ("unsure", N_("Unsure"), "u")]
SAID = {"same": N_("same"), "different": N_("different"), "unsure": N_("unsure")}


def _rows(pair: dedupe.Candidate) -> list[dict[str, Any]]:
    """One row per field: both values, and each part of the comparison's verdict
    on it (a name compares word by word; birth year and age are compared as one,
    shown on the first of them that either record fills)."""
    reasons: dict[str, list[Any]] = {}
    for r in pair.reasons:
        reasons.setdefault(r.field if r.field in COMPARED else "other", []).append(r)
    rows = []
    for key, compared, label in ROWS:
        a, b = pair.a.fields.get(key, ""), pair.b.fields.get(key, "")
        if not a and not b:
            continue
        parts = reasons.pop(compared, [])
        if not parts and (not a or not b):
            parts = [Reason(compared, "missing", 0.0, "")]
        rows.append({"label": label, "a": a, "b": b, "parts": parts})
    left = [r for found in reasons.values() for r in found]
    if left:  # compared on what no row shows (the lists' own words for a field)
        rows.append({"label": N_("Other"), "a": "", "b": "", "parts": left})
    return rows


async def _page(request: Request, registry: Reg, who: SignedIn, *,
                errors: dict[str, str] | None = None, conflict: dedupe.Outcome | None = None,
                status: int = 200) -> HTMLResponse:
    pair, left = await run_in_threadpool(dedupe.next_pair, registry)
    recent = await run_in_threadpool(lambda: dedupe.judgements(registry, last=RECENT))
    return render(request, "review.html", {
        "pair": pair, "left": left, "rows": _rows(pair) if pair else [],
        "recent": recent[::-1], "may_write": who.role.may("write"),
        "decisions": DECISIONS, "verdicts": VERDICTS, "reasons": REASONS, "said": SAID,
        "errors": errors or {}, "conflict": conflict}, status=status)


@router.get("/review")
async def review_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    """The next pair to judge and how many are left."""
    await may(request, registry, who, "read")
    return await _page(request, registry, who)


@router.post("/review")
async def judge_pair(request: Request, registry: Reg, who: SignedIn) -> Response:
    """Judge two records same, different or unsure, as the signed-in user."""
    form = await form_of(request, registry, who)
    await may(request, registry, who, "write")
    a, b, decision = (str(form.get(k) or "").strip()[:200] for k in ("a", "b", "decision"))
    words = catalogue(language(request))
    try:
        done = await run_in_threadpool(lambda: dedupe.judge(registry, a, b, decision,
                                                            actor=who.name))
    except ValidationError as exc:
        errors = field_errors(exc, language(request), {"decision"})
        return await _page(request, registry, who, errors=errors, status=422)
    except NotFoundError:
        # An unknown record and a protected person's row under its own id read alike.
        return await _page(request, registry, who,
                           errors={"form": words.gettext(NO_RECORD)}, status=422)
    if done.conflicts:
        return await _page(request, registry, who, conflict=done, status=422)
    return RedirectResponse("/review", status_code=303)
