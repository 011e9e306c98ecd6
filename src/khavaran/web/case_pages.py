"""The case and evidence pages: the list of cases, a case (suspect, charges,
the element matrix, the gaps), and an evidence item (record, lineage, custody
log).  What may be seen is decided by services/case_reading.py and
services/evidence_views.py.

Roles that may write also link evidence to an element, withdraw a link and
review an item for disclosure, through the services the CLI uses
(services/cases.py, services/review.py).  A form with bad values comes back
with each error beside its field, in the page's language (status 422)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import ClientDisconnect

from khavaran.errors import NotFoundError, ValidationError
from khavaran.export.disclosure import LEVELS
from khavaran.legal.assessment import STATUSES
from khavaran.legal.frameworks import DISCLAIMER
from khavaran.services import (
    case_reading,
    cases,
    custody,
    derive_jobs,
    dossier_jobs,
    evidence,
    evidence_views,
    redaction,
    review,
    uploads,
)
from khavaran.web.deps import Reg
from khavaran.web.entry_pages import (
    NO_RECORD,
    NO_SOURCE,
    NOT_LISTED,
    field_errors,
    open_streamed_form,
)
from khavaran.web.i18n import N_, catalogue
from khavaran.web.multipart import streamed_files
from khavaran.web.pages import SignedIn, form_of, language, may, render
from khavaran.web.reading_view import helpers, vocab_in

__all__ = ["case_page", "cases_page", "evidence_page", "link_evidence", "link_item", "review_item",
           "router", "upload_evidence", "upload_form", "withdraw_link"]

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
    N_("purge"), N_("timestamp"), N_("review"), N_("access"), N_("claim"),
    N_("testimony"), N_("prosecutor"), N_("public"),
]
LINK_FIELDS = ("element", "stance", "kind", "target", "locator", "reasoning")
# The services name the CLI's options; the forms name their fields.
FORM_FIELD = {"--claim": "target", "--stance": "stance", "--reason": "reasoning",
              "--locator": "locator", "ELEMENT": "element", "--level": "level",
              "LINK": "form"}
MAX_FIELD = 10_000
# Evidence comes as recordings and scans: a browser may send up to 4 GiB in one
# form (the import limit, --max-upload, is for lists).
MAX_EVIDENCE_UPLOAD = 4 * 1024**3
INTAKE_FIELDS = ("source", "collected_by", "collected_at", "collected_where", "note")


@router.get("/cases")
async def cases_page(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "read")
    rows = await run_in_threadpool(case_reading.case_list, registry)
    return render(request, "case_list.html", {"cases": rows, **helpers()})


async def _case(request: Request, registry: Reg, who: SignedIn, case_id: str, *,
                values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                status: int = 200) -> HTMLResponse:
    sheet = await run_in_threadpool(case_reading.case_sheet, registry, case_id)
    # The dossier form offers the levels the role is cleared for (web/dossier_pages.py).
    levels = [lv for lv in LEVELS if who.role.may("export") and (
        lv not in dossier_jobs.REVEALING or who.role.may("reveal"))]
    builds = (await run_in_threadpool(dossier_jobs.dossier_jobs, registry, case_id)
              if levels else [])
    return render(request, "case_page.html", {
        "sheet": sheet, "case": sheet.case, "disclaimer": DISCLAIMER, "statuses": STATUSES,
        "may_write": who.role.may("write"), "values": values or {}, "errors": errors or {},
        "levels": levels, "builds": [b for b in builds if b.params.get("level") in levels],
        **helpers()}, status=status)


@router.get("/cases/{case_id}")
async def case_page(request: Request, registry: Reg, who: SignedIn,
                    case_id: str) -> HTMLResponse:
    await may(request, registry, who, "read")
    return await _case(request, registry, who, case_id)


def _values(form: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {n: str(form.get(n) or "").strip()[:MAX_FIELD] for n in names}


def _errors(exc: ValidationError, request: Request, fields: set[str]) -> dict[str, str]:
    exc.field = FORM_FIELD.get(exc.field or "", exc.field)
    return field_errors(exc, language(request), fields)


@router.post("/cases/{case_id}/links")
async def link_evidence(request: Request, registry: Reg, who: SignedIn,
                        case_id: str) -> Response:
    """Link a claim, an evidence item or a testimony to one element of a charge."""
    form = await form_of(request, registry, who)
    await may(request, registry, who, "write")
    v = _values(form, LINK_FIELDS)
    number, _, element = v["element"].partition(":")
    target: dict[str, str | None] = {"claim_id": None, "item_id": None, "testimony": None}
    key = {"claim": "claim_id", "evidence": "item_id", "testimony": "testimony"}.get(v["kind"])
    errors: dict[str, str] = {}
    words = catalogue(language(request))
    if key is None:
        errors["kind"] = words.gettext(NOT_LISTED)
    if not number.isdigit():
        errors["element"] = words.gettext(NOT_LISTED)
    if not errors:
        assert key is not None
        target[key] = v["target"] or None
        try:
            await run_in_threadpool(
                lambda: cases.link_evidence(registry, case_id, int(number), element,
                                            stance=v["stance"], reasoning=v["reasoning"],
                                            actor=who.name, locator=v["locator"],
                                            claim_id=target["claim_id"],
                                            item_id=target["item_id"],
                                            testimony=target["testimony"]))
        except ValidationError as exc:
            errors = _errors(exc, request, set(LINK_FIELDS))
        except NotFoundError:
            # An unknown target and one that would identify a protected person
            # read alike (services/keyed_ids.py): the form says the same for both.
            errors = {"target": words.gettext(NO_RECORD)}
    if errors:
        return await _case(request, registry, who, case_id, values=v, errors=errors,
                           status=422)
    return RedirectResponse(f"/cases/{case_id}#matrix", status_code=303)


@router.post("/cases/{case_id}/links/{link_id}/withdraw")
async def withdraw_link(request: Request, registry: Reg, who: SignedIn, case_id: str,
                        link_id: int) -> Response:
    """Withdraw a link made in error: it stops counting and stays on record."""
    form = await form_of(request, registry, who)
    await may(request, registry, who, "write")
    v = _values(form, ("withdraw",))
    try:
        await run_in_threadpool(lambda: cases.withdraw_link(
            registry, case_id, link_id, reason=v["withdraw"], actor=who.name))
    except ValidationError as exc:
        exc.field = "withdraw" if exc.field == "--reason" else exc.field
        return await _case(request, registry, who, case_id, errors=_errors(
            exc, request, {"withdraw"}) | {"link": str(link_id)}, status=422)
    return RedirectResponse(f"/cases/{case_id}#matrix", status_code=303)


async def _item(request: Request, registry: Reg, who: SignedIn, item_id: str, *,
                values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                status: int = 200) -> HTMLResponse:
    view = await run_in_threadpool(evidence_views.item_view, registry, item_id)
    may_write = who.role.may("write")
    choices = (await run_in_threadpool(evidence_views.link_choices, registry, view)
               if may_write and not view.purge else [])
    lang, words = language(request), catalogue(language(request))
    return render(request, "evidence_item.html", {
        "choices": [(c["claim_id"], f"{c['entity']} · {words.gettext(c['label'])} · "
                                    f"{vocab_in(str(c['value']), lang)}") for c in choices],
        "view": view, "it": view.item, "may_write": may_write,
        "redactable": redaction.can_redact(view.item["media_type"]),
        "makes": derive_jobs.made_kinds(view.item["media_type"]),
        "levels": review.REVIEW_LEVELS, "values": values or {}, "errors": errors or {},
        **helpers()}, status=status)


def _upload_page(request: Request, values: dict[str, str], errors: dict[str, str],
                 status: int = 200) -> HTMLResponse:
    return render(request, "evidence_new.html", {"values": values, "errors": errors,
                                                 "limit": MAX_EVIDENCE_UPLOAD}, status=status)


@router.get("/evidence/new")
async def upload_form(request: Request, registry: Reg, who: SignedIn) -> HTMLResponse:
    await may(request, registry, who, "write")
    return _upload_page(request, {"source": request.query_params.get("source", "")[:200]}, {})


@router.post("/evidence/new")
async def upload_evidence(request: Request, registry: Reg, who: SignedIn) -> Response:
    """Take the form's files into the vault as they arrive: each hashed while it
    is written to the vault's staging area, all taken in or none (the same
    intake and custody entries as `evidence add`)."""
    await may(request, registry, who, "write")
    lang = language(request)
    v: dict[str, str] = {}
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        await form_of(request, registry, who)  # a form without its token is refused first
    try:
        parts, fields, first = await open_streamed_form(request, registry, who,
                                                        MAX_EVIDENCE_UPLOAD)
        v = {k: fields.get(k, "").strip()[:MAX_FIELD] for k in INTAKE_FIELDS}
        if first is None:
            raise ValidationError("choose at least one file", field="file")
        files = streamed_files(parts, first, MAX_EVIDENCE_UPLOAD, uploads.TooLarge)
        made = await run_in_threadpool(lambda: evidence.add_evidence_streams(
            registry, files, source_id=v["source"], actor=who.name,
            collected_by=v["collected_by"] or None, collected_at=v["collected_at"] or None,
            collected_where=v["collected_where"] or None, note=v["note"] or None))
    except ClientDisconnect:
        # The sender went away part way: nothing was kept, and nobody reads an answer.
        return Response(status_code=400)
    except uploads.TooLarge as exc:
        return _upload_page(request, {}, field_errors(exc, lang, {"file"}), 413)
    except NotFoundError:  # the source
        words = catalogue(lang)
        return _upload_page(request, v, {"source": words.gettext(NO_SOURCE)}, 422)
    except ValidationError as exc:
        fields_of = {"file", "source", "collected_at"}
        exc.field = {"--collected-at": "collected_at"}.get(exc.field or "", exc.field)
        return _upload_page(request, v, field_errors(exc, lang, fields_of), 422)
    target = f"/evidence/{made[0].item_id}" if len(made) == 1 else f"/sources/{v['source']}"
    return RedirectResponse(target, status_code=303)


@router.get("/evidence/{item_id}")
async def evidence_page(request: Request, registry: Reg, who: SignedIn,
                        item_id: str) -> HTMLResponse:
    await may(request, registry, who, "read")
    return await _item(request, registry, who, item_id)


@router.post("/evidence/{item_id}/links")
async def link_item(request: Request, registry: Reg, who: SignedIn, item_id: str) -> Response:
    """Record that the item, at a locator, is the evidence for a claim
    (`khavaran evidence link`)."""
    form = await form_of(request, registry, who)
    await may(request, registry, who, "write")
    # Checked first, so that a hidden item answers as an unknown one.
    await run_in_threadpool(evidence_views.item_view, registry, item_id)
    v = _values(form, ("target", "locator"))
    try:
        await run_in_threadpool(lambda: custody.link_claim(
            registry, item_id, v["target"].strip(), locator=v["locator"], actor=who.name))
    except (ValidationError, NotFoundError) as exc:
        if isinstance(exc, NotFoundError):
            exc = ValidationError(str(exc), field="--claim")
        return await _item(request, registry, who, item_id, values=v,
                           errors=_errors(exc, request, {"target", "locator"}), status=422)
    return RedirectResponse(f"/evidence/{item_id}#links", status_code=303)


@router.post("/evidence/{item_id}/review")
async def review_item(request: Request, registry: Reg, who: SignedIn,
                      item_id: str) -> Response:
    """Record that the user reviewed the item for disclosure at a level (the
    ledger keeps who, when and the item's hash)."""
    form = await form_of(request, registry, who)
    await may(request, registry, who, "write")
    # Checked first, so that a hidden item answers as an unknown one.
    await run_in_threadpool(evidence_views.item_view, registry, item_id)
    v = _values(form, ("level", "reason"))
    try:
        await run_in_threadpool(lambda: review.review_item(
            registry, item_id, level=v["level"], reason=v["reason"], actor=who.name))
    except ValidationError as exc:
        return await _item(request, registry, who, item_id, values=v,
                           errors=_errors(exc, request, {"level", "reason"}), status=422)
    return RedirectResponse(f"/evidence/{item_id}#reviews", status_code=303)
