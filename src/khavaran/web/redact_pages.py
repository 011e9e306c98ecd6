"""Redaction in the browser: draw boxes on a page of an image or PDF, or list
passages of a text, to make a redacted working copy (services/redaction.py).

The boxes live in a plain textarea, one ``pPAGE:LEFT,TOP,WIDTH,HEIGHT`` per
line: static/redact.js draws them with the mouse or a finger, and without
JavaScript they can be typed.  Moving to another page posts the form, so boxes
already drawn are kept.  Roles that may write; a protected witness's testimony
answers as an unknown item, as its page does.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from khavaran.errors import EvidenceError, ValidationError
from khavaran.services import redaction
from khavaran.web.deps import Reg
from khavaran.web.formatting import digits
from khavaran.web.i18n import N_, catalogue
from khavaran.web.pages import SignedIn, form_of, language, may, render

__all__ = ["redact_form", "redact_page_image", "redact_submit", "router"]

router = APIRouter(include_in_schema=False)
FIELDS = ("boxes", "passages")
FORM_FIELD = {"--box": "boxes", "--remove": "passages"}
MAX_FORM = 200_000  # characters of a boxes or passages field

# The services' refusals, in the user's language with their detail kept (which
# box, which passage): (pattern of the service's message, words with its groups).
_SAID: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^box (?P<n>\d+) \((?P<box>.*)\) goes outside the page"),
     N_("Box %(n)s (%(box)s) goes outside the page: left + width and top + height must "
        "stay within 0–100%%.")),
    (re.compile(r"^box (?P<n>\d+) \((?P<box>.*)\) is outside the document: an image"),
     N_("Box %(n)s (%(box)s) is outside the document: an image has one page.")),
    (re.compile(r"^box (?P<n>\d+) \((?P<box>.*)\) is outside the document: the PDF has "
                r"(?P<pages>\d+) pages"),
     N_("Box %(n)s (%(box)s) is outside the document: the PDF has %(pages)s pages.")),
    (re.compile(r"^box (?P<n>\d+) \((?P<box>.*)\) has no area"),
     N_("Box %(n)s (%(box)s) has no area: its width and height must be more than 0.")),
    (re.compile(r"^box (?P<n>\d+) \((?P<box>.*)\) (is not|names page)"),
     N_("Box %(n)s (%(box)s) is not pPAGE:LEFT,TOP,WIDTH,HEIGHT in percent of the page "
        "(pages count from 1).")),
    (re.compile(r"^draw or give at least one box"), N_("Draw or type at least one box.")),
    (re.compile(r"^give at least one passage"), N_("Give at least one passage to remove.")),
    (re.compile(r"^passage (?P<n>\d+) is not in the text"),
     N_("Passage %(n)s is not in the text: check its spelling. Nothing was made.")),
    (re.compile(r"^passage (?P<n>\d+) has no letters"),
     N_("Passage %(n)s has no letters to look for.")),
    (re.compile(r"is text: give passages"),
     N_("This item is text: list passages to remove, not boxes.")),
    (re.compile(r"passages are for text items"),
     N_("Draw boxes on this item; passages are for text items.")),
]


def _say(exc: ValidationError, lang: str) -> str:
    words = catalogue(lang)
    for pattern, text in _SAID:
        m = pattern.search(exc.message)
        if m:
            return words.gettext(text) % {k: digits(v, lang) if k != "box" else v
                                          for k, v in m.groupdict().items()}
    return exc.message if lang == "en" else \
        f"{words.gettext('The copy was not made.')} ({exc.message})"


def _page_number(raw: object, pages: int) -> int:
    text = str(raw or "")
    page = int(text) if text.isdigit() and len(text) < 7 else 1
    return min(max(page, 1), pages)


async def _show(request: Request, registry: Reg, who: SignedIn, item_id: str, *,
                page: object = 1, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    what = await run_in_threadpool(lambda: redaction.redactable(registry, item_id,
                                                                actor=who.name))
    return render(request, "evidence_redact.html", {
        "what": what, "page": _page_number(page, what.pages), "values": values or {},
        "errors": errors or {}}, status=status)


@router.get("/evidence/{item_id}/redact")
async def redact_form(request: Request, registry: Reg, who: SignedIn, item_id: str,
                      page: int = 1) -> HTMLResponse:
    await may(request, registry, who, "write")
    return await _show(request, registry, who, item_id, page=page)


@router.get("/evidence/{item_id}/redact/page/{page}.png")
async def redact_page_image(request: Request, registry: Reg, who: SignedIn, item_id: str,
                            page: int) -> Response:
    """A page to draw on; each showing is a download in the item's custody log."""
    await may(request, registry, who, "write")
    png = await run_in_threadpool(lambda: redaction.page_preview(registry, item_id, page,
                                                                 actor=who.name))
    # The page shows evidence: no cache, shared or private, keeps a copy.
    return Response(png, media_type="image/png", headers={"cache-control": "no-store"})


@router.post("/evidence/{item_id}/redact")
async def redact_submit(request: Request, registry: Reg, who: SignedIn,
                        item_id: str) -> Response:
    form = await form_of(request, registry, who)
    await may(request, registry, who, "write")
    values = {n: str(form.get(n) or "")[:MAX_FORM] for n in FIELDS}
    shown = form.get("show_page")
    if shown is not None:  # a move to another page: keep the boxes, make nothing yet
        return await _show(request, registry, who, item_id, page=shown, values=values)
    try:
        made = await run_in_threadpool(lambda: redaction.redact(
            registry, item_id, actor=who.name, boxes=values["boxes"].splitlines(),
            passages=values["passages"].splitlines()))
    except ValidationError as exc:
        name = FORM_FIELD.get(exc.field or "", "form")
        return await _show(request, registry, who, item_id, page=form.get("page"),
                           values=values, errors={name: _say(exc, language(request))},
                           status=422)
    except EvidenceError as exc:
        words = catalogue(language(request))
        return await _show(request, registry, who, item_id, page=form.get("page"),
                           values=values, status=422,
                           errors={"form": f"{words.gettext('The copy was not made.')} "
                                           f"({exc})"})
    return RedirectResponse(f"/evidence/{made.item_id}", status_code=303)
