"""Data entry pages: new source, new person, a cited claim (with a source picker),
prefer, assess, protect, consent, and import by upload.

Each form calls one function of services/entry.py or services/uploads.py.  A
form with bad values comes back with each error beside its field, in the
page's language, and the user's input kept (status 422).  Only roles that may
write see and use these pages; adding a protected person's identifying facts
or changing their consent needs a role that may reveal, as in the API.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from khavaran.errors import (
    DateError,
    ForbiddenError,
    ManyErrors,
    NotFoundError,
    UncitedClaimError,
    ValidationError,
)
from khavaran.model.loader import load_model
from khavaran.services import entry, uploads
from khavaran.services.access_log import record
from khavaran.services.sign_in import Principal, csrf_token, same
from khavaran.storage import queries
from khavaran.web.deps import COOKIE, Reg
from khavaran.web.i18n import N_, catalogue
from khavaran.web.multipart import StreamedForm, stream_form
from khavaran.web.pages import SignedIn, form_of, language, may, render

__all__ = ["FORM_SLACK", "PROPERTY_LABELS", "UPLOAD_PATHS", "check_streamed_token",
           "claim_action", "claim_action_form", "confirm_import", "open_streamed_form",
           "consent_form", "field_errors", "import_form", "import_progress",
           "import_progress_page", "new_claim", "new_claim_form",
           "new_person", "new_person_form", "new_source", "new_source_form", "pick_source",
           "protect", "protect_form", "record_consent", "router", "upload",
           "withdraw_consent"]

router = APIRouter(include_in_schema=False)
UPLOAD_PATHS = frozenset({"/import", "/evidence/new"})  # they check their own size
MAX_FIELD = 10_000

# What a user reads beside a field, by the kind of mistake.
REQUIRED = N_("This field is required.")
NOT_LISTED = N_("Choose one of the listed values.")
BAD_DATE = N_("This date cannot be read: write it as 1367/05/06, 1988-07-28 or Mordad 1367.")
BAD_GRADE = N_("Give a whole number from 1 to 6.")
NEEDS_SOURCE = N_("Every fact needs a source: pick one.")
NO_SOURCE = N_("There is no source with this id.")
NEEDS_PSEUDONYM = N_("A protected person needs a pseudonym.")
NEEDS_REASON = N_("Say why: history keeps the reason for each change.")
TOO_LONG = N_("This is too long.")
NUL = N_("This value holds a character that cannot be stored.")
NEEDS_ASSERTER = N_("Say who asserts this allegation.")
NEEDS_STATUS = N_("This links a person to a crime: give its procedural status and who "
                  "asserts it.")
PROTECTED = N_("This person is protected: only a user cleared to reveal identities may add "
               "this.")
MIXED = N_("Demo (fictional) and real records must not be mixed.")
NO_PROPERTY = N_("This record has no such property.")
NOT_ACCEPTED = N_("This value cannot be accepted.")
NO_RECORD = N_("There is no record with this id.")
NEEDS_LOCATOR = N_("Say where in it: a page, a paragraph or a time.")

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^required"), REQUIRED),
    (re.compile(r"is not a \w+ \(one of"), NOT_LISTED),
    (re.compile(r"not a whole number|is not 1–6"), BAD_GRADE),
    (re.compile(r"needs its source|no citation|without a source"), NEEDS_SOURCE),
    (re.compile(r"no source with id"), NO_SOURCE),
    (re.compile(r"needs a pseudonym"), NEEDS_PSEUDONYM),
    (re.compile(r"say (briefly )?why"), NEEDS_REASON),
    (re.compile(r"say where in (it|the item)"), NEEDS_LOCATOR),
    (re.compile(r"^at most .* characters"), TOO_LONG),
    (re.compile(r"NUL character"), NUL),
    (re.compile(r"who assert"), NEEDS_ASSERTER),
    (re.compile(r"procedural status"), NEEDS_STATUS),
    (re.compile(r"is a protected person"), PROTECTED),
    (re.compile(r"demo and real records must not mix|fictional record cannot refer"), MIXED),
    (re.compile(r"has no property"), NO_PROPERTY),
    (re.compile(r"no record with id"), NO_RECORD),
    (re.compile(r"give a word to look for"), N_("Give a word to look for.")),
]


def _say(e: ValidationError, lang: str) -> str:
    words = catalogue(lang)
    if isinstance(e, DateError):
        return words.gettext(BAD_DATE)
    if isinstance(e, UncitedClaimError):
        return words.gettext(NEEDS_SOURCE)
    for pattern, text in _PATTERNS:
        if pattern.search(e.message):
            return words.gettext(text)
    if lang == "en":
        return e.message
    # No Persian words for this one: say so, and give the detail as it is.
    return f"{words.gettext(NOT_ACCEPTED)} ({e.message})"


def field_errors(exc: ValidationError, lang: str, fields: set[str]) -> dict[str, str]:
    """Each error by the form field it belongs to ("form" when it is none of them)."""
    out: dict[str, str] = {}
    for e in exc.errors if isinstance(exc, ManyErrors) else [exc]:
        name = e.field if e.field in fields else "form"
        out.setdefault(name, _say(e, lang))
    return out


def _values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {n: str(form.get(n) or "")[:MAX_FIELD] for n in names}


def _vocab(name: str, lang: str) -> list[tuple[str, str]]:
    return [(code, e.fa if lang == "fa" else e.en)
            for code, e in load_model().vocabs[name].items()]


async def _writer(request: Request, registry: Any, who: Principal) -> None:
    await may(request, registry, who, "write")


# -- sources -------------------------------------------------------------------
SOURCE_FIELDS = ("kind", "title", "reliability", "author", "publisher", "publisher_type",
                 "date", "calendar", "language", "url", "note", "reason")


def _source_page(request: Request, values: dict[str, Any], errors: dict[str, str],
                 status: int = 200) -> Response:
    lang = language(request)
    return render(request, "entry_source.html", {
        "values": values, "errors": errors, "kinds": _vocab("source_kind", lang),
        "reliabilities": _vocab("source_reliability", lang),
        "publisher_types": _vocab("publisher_type", lang)}, status=status)


@router.get("/sources/new")
async def new_source_form(request: Request, registry: Reg, who: SignedIn) -> Response:
    await _writer(request, registry, who)
    return _source_page(request, {"reliability": "F", "fictional": ""}, {})


@router.post("/sources/new")
async def new_source(request: Request, registry: Reg, who: SignedIn) -> Response:
    await _writer(request, registry, who)
    form = await form_of(request, registry, who)
    v = _values(form, (*SOURCE_FIELDS, "interested_party", "fictional"))
    new = entry.SourceForm(kind=v["kind"], title=v["title"], reliability=v["reliability"],
                           author=v["author"], publisher=v["publisher"],
                           publisher_type=v["publisher_type"],
                           interested_party=bool(v["interested_party"]), date=v["date"],
                           date_calendar=v["calendar"], language=v["language"], url=v["url"],
                           note=v["note"], fictional=bool(v["fictional"]))
    try:
        sid = await run_in_threadpool(entry.create_source, registry, new, actor=who.name,
                                      reason=v["reason"] or None)
    except ValidationError as exc:
        return _source_page(request, v, field_errors(exc, language(request),
                                                     set(SOURCE_FIELDS)), 422)
    return RedirectResponse(f"/sources/{sid}", status_code=303)


@router.get("/sources/pick")
async def pick_source(request: Request, registry: Reg, who: SignedIn,
                      q: str = Query("", max_length=200),
                      source: str = Query("", max_length=200)) -> Response:
    """The source picker's choices (an htmx fragment): radio buttons of the form."""
    await may(request, registry, who, "read")
    text = q or source
    choices = await run_in_threadpool(entry.pick_sources, registry, text)
    return render(request, "entry_pick.html", {"choices": choices, "q": text})


# -- persons -------------------------------------------------------------------
PERSON_FIELDS = ("name", "source", "locator", "pseudonym", "reason")


def _person_page(request: Request, values: dict[str, Any], errors: dict[str, str],
                 status: int = 200) -> Response:
    return render(request, "entry_person.html", {"values": values, "errors": errors},
                  status=status)


@router.get("/persons/new")
async def new_person_form(request: Request, registry: Reg, who: SignedIn) -> Response:
    await _writer(request, registry, who)
    return _person_page(request, {}, {})


@router.post("/persons/new")
async def new_person(request: Request, registry: Reg, who: SignedIn) -> Response:
    await _writer(request, registry, who)
    form = await form_of(request, registry, who)
    v = _values(form, (*PERSON_FIELDS, "source_pick", "fictional", "protected"))
    source = v["source_pick"] or v["source"]
    new = entry.PersonForm(fictional=bool(v["fictional"]), name=v["name"], source=source,
                           locator=v["locator"], protected=bool(v["protected"]),
                           pseudonym=v["pseudonym"])
    try:
        pid = await run_in_threadpool(entry.create_person, registry, new, actor=who.name,
                                      reason=v["reason"] or None)
    except ValidationError as exc:
        return _person_page(request, v | {"source": source},
                            field_errors(exc, language(request), set(PERSON_FIELDS)), 422)
    return RedirectResponse(f"/persons/{pid}", status_code=303)


# -- claims --------------------------------------------------------------------
CLAIM_FIELDS = ("property", "value", "qualifier", "calendar", "source", "locator", "quote",
                "credibility", "assessment", "status", "status_date", "asserted_by", "reason")


def _person(registry: Any, person_id: str) -> dict[str, Any]:
    with registry.read() as conn:
        row = queries.entity_row(conn, person_id)
    if row is None or row["schema"] != "Person":
        raise NotFoundError(f"no person with id '{person_id}'")
    return dict(row)


# A person's properties as the claim form names them (codes stay in data).
PROPERTY_LABELS = {
    "role": N_("role"),
    "relative_of": N_("relative of"),
    "associate_of": N_("associate of"),
    "name": N_("name"),
    "identity_document": N_("identity document"),
    "gender": N_("sex"),
    "birth_date": N_("date of birth"),
    "birth_year": N_("year of birth"),
    "age": N_("age at death"),
    "death_date": N_("date of death"),
    "birth_place": N_("place of birth"),
    "city": N_("city"),
    "prison": N_("prison"),
    "affiliation": N_("political affiliation"),
    "religion": N_("religion"),
    "civil_status": N_("civil status"),
    "occupation": N_("occupation"),
    "sentence": N_("sentence"),
    "burial_place": N_("burial place"),
    "residence": N_("residence"),
    "alive_as_of": N_("last known alive"),
    "immunity": N_("immunity"),
    "travel": N_("known travel"),
    "residence_country": N_("country of residence"),
    "travel_country": N_("country travelled to"),
    "contact": N_("contact"),
    "note": N_("note"),
}


# The qualifier vocabularies of a person's properties, each a group of the form's
# one "kind" list; the property chosen decides which group is valid.
QUALIFIER_GROUPS = (("name_kind", N_("Kind of name")), ("relation", N_("Relation")),
                    ("association", N_("Association")))


def _claim_page(request: Request, person: dict[str, Any], values: dict[str, Any],
                errors: dict[str, str], status: int = 200) -> Response:
    lang = language(request)
    words = catalogue(lang)
    props = [(p, f"{words.gettext(PROPERTY_LABELS.get(p, p))} ({p})")
             for p in sorted(load_model().schemas["Person"].properties)]
    return render(request, "entry_claim.html", {
        "person": person, "values": values, "errors": errors, "properties": props,
        "qualifiers": [(words.gettext(label), _vocab(vocab, lang))
                       for vocab, label in QUALIFIER_GROUPS],
        "assessments": _vocab("assessment", lang),
        "statuses": _vocab("procedural_status", lang)}, status=status)


@router.get("/persons/{person_id}/claims/new")
async def new_claim_form(request: Request, registry: Reg, who: SignedIn,
                         person_id: str) -> Response:
    await _writer(request, registry, who)
    person = await run_in_threadpool(_person, registry, person_id)
    return _claim_page(request, person, {"credibility": "6", "assessment": "alleged",
                                         "property": request.query_params.get("property",
                                                                              "")}, {})


@router.post("/persons/{person_id}/claims/new")
async def new_claim(request: Request, registry: Reg, who: SignedIn, person_id: str) -> Response:
    await _writer(request, registry, who)
    form = await form_of(request, registry, who)
    person = await run_in_threadpool(_person, registry, person_id)
    v = _values(form, (*CLAIM_FIELDS, "source_pick", "include_protected"))
    source = v["source_pick"] or v["source"]
    reveal = bool(v["include_protected"])
    if reveal:
        await may(request, registry, who, "reveal")
    new = entry.ClaimForm(person_id, v["property"], v["value"], source, locator=v["locator"],
                          qualifier=v["qualifier"], calendar=v["calendar"],
                          credibility=v["credibility"], assessment=v["assessment"] or "alleged",
                          status=v["status"], status_date=v["status_date"],
                          asserted_by=v["asserted_by"], quote=v["quote"])
    try:
        await run_in_threadpool(entry.add_cited_claim, registry, new, actor=who.name,
                                reason=v["reason"] or None, include_protected=reveal)
    except ValidationError as exc:
        return _claim_page(request, person, v | {"source": source},
                           field_errors(exc, language(request), set(CLAIM_FIELDS)), 422)
    return RedirectResponse(f"/persons/{person_id}", status_code=303)


# -- prefer, assess ---------------------------------------------------------------
def _action_page(request: Request, action: str, target: str, values: dict[str, Any],
                 errors: dict[str, str], status: int = 200, **extra: Any) -> Response:
    lang = language(request)
    return render(request, "entry_action.html", {
        "action": action, "target": target, "values": values, "errors": errors,
        "assessments": _vocab("assessment", lang), **extra}, status=status)


@router.get("/claims/{claim_id}/{action}")
async def claim_action_form(request: Request, registry: Reg, who: SignedIn, claim_id: str,
                            action: str) -> Response:
    await _writer(request, registry, who)
    if action not in ("prefer", "assess"):
        raise NotFoundError("no such page")
    await run_in_threadpool(entry.claim_entity, registry, claim_id)
    return _action_page(request, action, claim_id, {}, {})


@router.post("/claims/{claim_id}/{action}")
async def claim_action(request: Request, registry: Reg, who: SignedIn, claim_id: str,
                       action: str) -> Response:
    await _writer(request, registry, who)
    form = await form_of(request, registry, who)
    if action not in ("prefer", "assess"):
        raise NotFoundError("no such page")
    reveal = who.role.may("reveal") and bool(form.get("include_protected"))
    person = await run_in_threadpool(entry.claim_entity, registry, claim_id,
                                     include_protected=reveal)
    v = _values(form, ("reason", "assessment", "credibility"))
    try:
        if action == "prefer":
            await run_in_threadpool(entry.prefer_claim, registry, claim_id, actor=who.name,
                                    reason=v["reason"], include_protected=reveal)
        else:
            await run_in_threadpool(entry.assess_claim, registry, claim_id, actor=who.name,
                                    reason=v["reason"], assessment=v["assessment"],
                                    credibility=v["credibility"], include_protected=reveal)
    except ValidationError as exc:
        return _action_page(request, action, claim_id, v, field_errors(
            exc, language(request), {"reason", "assessment", "credibility"}), 422)
    return RedirectResponse(f"/persons/{person}", status_code=303)


# -- protect, consent ---------------------------------------------------------------
@router.get("/persons/{person_id}/protect")
async def protect_form(request: Request, registry: Reg, who: SignedIn,
                       person_id: str) -> Response:
    await _writer(request, registry, who)
    await run_in_threadpool(_person, registry, person_id)
    return _action_page(request, "protect", person_id, {}, {})


@router.post("/persons/{person_id}/protect")
async def protect(request: Request, registry: Reg, who: SignedIn, person_id: str) -> Response:
    await _writer(request, registry, who)
    form = await form_of(request, registry, who)
    v = _values(form, ("pseudonym", "reason"))
    try:
        await run_in_threadpool(entry.protect_person, registry, person_id,
                                pseudonym=v["pseudonym"], actor=who.name, reason=v["reason"])
    except ValidationError as exc:
        return _action_page(request, "protect", person_id, v, field_errors(
            exc, language(request), {"pseudonym", "reason"}), 422)
    return RedirectResponse(f"/persons/{person_id}", status_code=303)


CONSENT_FIELDS = ("scope", "purpose", "given", "note")


def _consent_page(request: Request, registry: Any, who: Principal, person_id: str,
                  values: dict[str, Any], errors: dict[str, str], status: int = 200
                  ) -> Response:
    person = _person(registry, person_id)
    consents: list[dict[str, Any]] = []
    if not person["protected"] or who.role.may("reveal"):
        with registry.read() as conn:
            consents = [dict(c) for c in queries.consents_for(conn, person_id)]
    return _action_page(request, "consent", person_id, values, errors, status,
                        consents=consents, person=person)


@router.get("/persons/{person_id}/consents")
async def consent_form(request: Request, registry: Reg, who: SignedIn,
                       person_id: str) -> Response:
    await _writer(request, registry, who)
    return await run_in_threadpool(_consent_page, request, registry, who, person_id, {}, {})


async def _consent_rights(request: Request, registry: Any, who: Principal,
                          person_id: str) -> None:
    """A protected person's consent is theirs to give: changing it takes a role
    that may reveal (recorded), as adding their identifying facts does."""
    await _writer(request, registry, who)
    person = await run_in_threadpool(_person, registry, person_id)
    if person["protected"]:
        await may(request, registry, who, "reveal")


@router.post("/persons/{person_id}/consents")
async def record_consent(request: Request, registry: Reg, who: SignedIn,
                         person_id: str) -> Response:
    await _consent_rights(request, registry, who, person_id)
    form = await form_of(request, registry, who)
    v = _values(form, CONSENT_FIELDS)
    try:
        await run_in_threadpool(entry.record_consent, registry, person_id, scope=v["scope"],
                                purpose=v["purpose"], given=v["given"], note=v["note"],
                                actor=who.name, include_protected=who.role.may("reveal"))
    except ValidationError as exc:
        return await run_in_threadpool(
            _consent_page, request, registry, who, person_id, v,
            field_errors(exc, language(request), set(CONSENT_FIELDS)), 422)
    return RedirectResponse(f"/persons/{person_id}/consents", status_code=303)


@router.post("/persons/{person_id}/consents/{consent_id}/withdraw")
async def withdraw_consent(request: Request, registry: Reg, who: SignedIn, person_id: str,
                           consent_id: str) -> Response:
    await _consent_rights(request, registry, who, person_id)
    form = await form_of(request, registry, who)
    v = _values(form, ("withdrawn_date",))
    try:
        await run_in_threadpool(entry.withdraw_consent, registry, person_id, consent_id,
                                actor=who.name, date=v["withdrawn_date"],
                                include_protected=who.role.may("reveal"))
    except ValidationError as exc:
        return await run_in_threadpool(
            _consent_page, request, registry, who, person_id, v,
            field_errors(exc, language(request), {"withdrawn_date"}), 422)
    return RedirectResponse(f"/persons/{person_id}/consents", status_code=303)


# -- import ----------------------------------------------------------------------
KINDS = ("Person", "list", "source", "consent", "Unit", "Posting", "Place", "Event", "Act",
         "action")


def _import_page(request: Request, errors: dict[str, str], status: int = 200,
                 **extra: Any) -> Response:
    return render(request, "entry_import.html", {
        "errors": errors, "kinds": KINDS, "limit": request.app.state.max_upload,
        "limit_mb": _megabytes(request.app.state.max_upload), **extra}, status=status)


def _megabytes(n: int) -> str:
    return f"{n / 1000**2:g}"


@router.get("/import")
async def import_form(request: Request, registry: Reg, who: SignedIn) -> Response:
    await _writer(request, registry, who)
    return _import_page(request, {})


def _too_large(request: Request, exc: uploads.TooLarge) -> Response:
    words = catalogue(language(request))
    text = words.gettext(N_("The file is larger than the limit of %(limit)s MB: nothing was "
                            "kept.")) % {"limit": _megabytes(exc.limit)}
    return _import_page(request, {"file": text}, 413)


@router.post("/import")
async def upload(request: Request, registry: Reg, who: SignedIn) -> Response:
    """Stream the upload to the staging area, check it whole, show the report."""
    await _writer(request, registry, who)
    limit: int = request.app.state.max_upload
    length = request.headers.get("content-length", "")
    declared = int(length) if length.isdigit() else None
    try:
        uploads.check_size(declared, limit)
    except uploads.TooLarge as exc:
        return _too_large(request, exc)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        await form_of(request, registry, who)  # a form without its token is refused first
        return _import_page(request, {"file": catalogue(language(request)).gettext(REQUIRED)},
                            422)
    try:
        staged = await _receive(request, registry, who, limit, declared)
    except uploads.TooLarge as exc:
        return _too_large(request, exc)
    except ValidationError as exc:
        return _import_page(request, field_errors(exc, language(request),
                                                  {"file", "kind"}), 422)
    check = await run_in_threadpool(uploads.check_upload, registry, staged)
    if not check.ok:
        uploads.discard(staged)  # nothing is kept of a file that cannot be imported
    return render(request, "entry_import_report.html", {"check": check},
                  status=200 if check.ok else 422)


async def check_streamed_token(request: Request, registry: Any, who: Principal,
                               fields: dict[str, str]) -> None:
    """A streamed form's token, read from the fields before its file: checked
    before a byte of the file is written (form_of cannot, it reads the body)."""
    if who.via != "session":
        return
    session = request.cookies.get(COOKIE, "")
    if not session or not same(fields.get("csrf", ""), csrf_token(session)):
        await run_in_threadpool(
            record, registry, actor=who.name, action="denied", outcome="refused",
            client=request.client.host if request.client else None, via="web",
            reason=f"no valid CSRF token: POST {request.url.path}")
        raise ForbiddenError("this form has expired or did not come from Khavaran: "
                             "reload the page and try again")


# The fields and part headers around the files, counted in a streamed form's size.
FORM_SLACK = 1 << 20


async def open_streamed_form(request: Request, registry: Any, who: Principal,
                             limit: int) -> tuple[StreamedForm, dict[str, str], str | None]:
    """A form with files, opened to be read as it arrives: a body declared larger
    than ``limit`` (and the form around it) is refused before it is read, and the
    token among the fields before the first file is checked before a byte of a
    file is.  Returns the form, those fields and the first file's name (None: no
    file)."""
    length = request.headers.get("content-length", "")
    uploads.check_size(int(length) if length.isdigit() else None, limit + FORM_SLACK)
    parts = stream_form(request)
    fields, first = await parts.fields_until_file()
    await check_streamed_token(request, registry, who, fields)
    return parts, fields, first


async def _receive(request: Request, registry: Any, who: Principal, limit: int,
                   declared: int | None) -> uploads.Staged:
    """The form's file, streamed: the body is parsed as it arrives and the file
    part written to the staging area, stopping at the limit.  The form's token
    comes before the file and is checked before a byte of it is written."""
    parts = stream_form(request)
    fields, name = await parts.fields_until_file()
    await check_streamed_token(request, registry, who, fields)
    if name is None:
        raise ValidationError("required", field="file")
    return await uploads.stage(registry, parts.file_chunks(), name=name,
                               kind=fields.get("kind") or None, actor=who.name, limit=limit,
                               declared=declared)


@router.post("/import/confirm")
async def confirm_import(request: Request, registry: Reg, who: SignedIn) -> Response:
    """Start importing a checked upload (all or nothing) and show its progress."""
    await _writer(request, registry, who)
    form = await form_of(request, registry, who)
    token = str(form.get("token") or "")
    staged = await run_in_threadpool(uploads.staged, registry, token, actor=who.name)
    await run_in_threadpool(uploads.start_import, registry, staged,
                            reason=str(form.get("reason") or "")[:1000] or None)
    return RedirectResponse(f"/import/{token}", status_code=303)


@router.get("/import/{token}")
async def import_progress_page(request: Request, registry: Reg, who: SignedIn,
                               token: str) -> Response:
    await _writer(request, registry, who)
    state = await run_in_threadpool(uploads.import_state, registry, token, actor=who.name)
    return render(request, "entry_import_done.html", {"state": state, "token": token,
                                                      "fragment": False})


@router.get("/import/{token}/progress")
async def import_progress(request: Request, registry: Reg, who: SignedIn,
                          token: str) -> Response:
    """The progress of an import (an htmx fragment that polls until it ends)."""
    await _writer(request, registry, who)
    state = await run_in_threadpool(uploads.import_state, registry, token, actor=who.name)
    return render(request, "entry_import_progress.html", {"state": state, "token": token,
                                                      "fragment": True})
