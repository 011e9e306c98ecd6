"""Data entry by hand: what the web forms and the CLI's `source add` and
`person add` do.

A source or a person gets a generated id (``s-`` or ``p-`` and eight base32
characters), checked against the registry in the same transaction that adds
it.  Everything else reuses the rules of ingest.py (through adding.py and
editing.py): this module only gathers a form's values, checks each field so
that every mistake is reported at once with its field's name, and maps the
fields that ingest names after a property back to the form's own.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table

from khavaran.errors import (
    DateError,
    KhavaranError,
    ManyErrors,
    NotFoundError,
    ValidationError,
    raise_all,
)
from khavaran.model.loader import load_model
from khavaran.model.records import CitationIn, ClaimIn, ConsentIn, EntityIn, SourceIn, StatusIn
from khavaran.model.types.fuzzy_date import parse_date
from khavaran.services import editing
from khavaran.services.ingest import Batch, ingest
from khavaran.services.keyed_ids import claim_by_id
from khavaran.services.protection import is_hidden_claim
from khavaran.services.registry import Registry
from khavaran.storage import queries, repo
from khavaran.storage.source_search import find_sources
from khavaran.storage.tables import entity, source

__all__ = [
    "ClaimForm", "PersonForm", "SourceChoice", "SourceForm", "add_cited_claim", "assess_claim",
    "claim_entity", "create_person", "create_source", "new_id", "pick_sources", "prefer_claim",
    "protect_person", "record_consent", "withdraw_consent",
]

ID_TRIES = 20
MAX_TEXT = 10_000
PICK_LIMIT = 20


def new_id(conn: Connection, prefix: str, table: Table) -> str:
    """``prefix`` and eight random base32 characters, unused in ``table``."""
    for _ in range(ID_TRIES):
        candidate = prefix + base64.b32encode(secrets.token_bytes(5)).decode().lower()
        if not repo.existing_ids(conn, table, [candidate]):
            return candidate
    raise KhavaranError(f"no unused id found after {ID_TRIES} tries")  # pragma: no cover


def _text(value: str | None) -> str | None:
    """A form's optional text: blank is none."""
    value = (value or "").strip()
    return value or None


class _Checks:
    """Collects every field's error, so that a form shows them all at once."""

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def run(self, name: str, check: Callable[[], Any]) -> Any:
        try:
            return check()
        except ValidationError as exc:
            exc.field = name
            self.errors.append(exc)
            return None

    def fail(self, name: str, message: str) -> None:
        self.errors.append(ValidationError(message, field=name))

    def text(self, name: str, value: str | None, *, required: bool = False,
             limit: int = MAX_TEXT) -> None:
        if required and not (value or "").strip():
            self.fail(name, "required")
        elif value and len(value) > limit:
            self.fail(name, f"at most {limit:,} characters")
        elif value and "\x00" in value:
            self.fail(name, "the value holds a NUL character (U+0000)")

    def done(self) -> None:
        raise_all(self.errors)


def _on_field(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """Name the form's field where ingest named a property or column."""
    errors = exc.errors if isinstance(exc, ManyErrors) else [exc]
    for e in errors:
        if e.field in names:
            e.field = names[e.field]
    if isinstance(exc, ManyErrors):
        exc.field = errors[0].field
    return exc


# -- sources -------------------------------------------------------------------
@dataclass
class SourceForm:
    """A new source as a form gives it; text fields are stripped, blank is none."""

    kind: str
    title: str
    reliability: str = "F"
    author: str | None = None
    publisher: str | None = None
    publisher_type: str | None = None
    interested_party: bool = False
    date: str | None = None
    date_calendar: str | None = None
    language: str | None = None
    based_on: Sequence[str] = ()
    url: str | None = None
    note: str | None = None
    fictional: bool = False


def _check_source(form: SourceForm) -> None:
    model, c = load_model(), _Checks()
    if not form.kind.strip():
        c.fail("kind", "required")
    else:
        c.run("kind", lambda: model.check_code("source_kind", form.kind.strip(), "kind"))
    c.run("reliability", lambda: model.check_code("source_reliability",
                                                  form.reliability.strip() or "F", "reliability"))
    if _text(form.publisher_type):
        c.run("publisher_type", lambda: model.check_code(
            "publisher_type", (form.publisher_type or "").strip(), "publisher_type"))
    c.text("title", form.title, required=True, limit=2000)
    for name in ("author", "publisher", "url", "note"):
        c.text(name, getattr(form, name))
    if _text(form.date):
        c.run("date", lambda: parse_date((form.date or "").strip(), _text(form.date_calendar)))
    c.text("language", form.language, limit=16)
    c.done()


def create_source(registry: Registry, form: SourceForm, *, actor: str,
                  reason: str | None = None) -> str:
    """Add a source under a new id and return it.

    Parameters: ``form`` the source's fields (kind, title and reliability are
    checked against the vocabularies, the date read in either calendar);
    ``actor`` who adds it; ``reason`` kept in history.  Every bad field is
    reported at once (ManyErrors); nothing is written then.
    """
    _check_source(form)
    with registry.write() as conn:
        sid = new_id(conn, "s-", source)
        new = SourceIn(
            id=sid, kind=form.kind.strip(), title=form.title.strip(),
            reliability=form.reliability.strip() or "F", author=_text(form.author),
            publisher=_text(form.publisher), publisher_type=_text(form.publisher_type),
            interested_party=form.interested_party, date=_text(form.date),
            date_calendar=_text(form.date_calendar), language=_text(form.language),
            based_on=[b.strip() for b in form.based_on if b.strip()], url=_text(form.url),
            note=_text(form.note), fictional=form.fictional)
        label = f"source add {sid}" + (f": {reason}" if reason else "")
        ingest(conn, Batch(sources=[new]), actor=actor, now=registry.now(), label=label)
    return sid


@dataclass
class SourceChoice:
    id: str
    kind: str
    title: str
    reliability: str
    fictional: bool


def pick_sources(registry: Registry, text: str, *, limit: int = PICK_LIMIT) -> list[SourceChoice]:
    """Sources whose id or title holds ``text``, for a picker.  A protected
    witness's testimony is found by its id only and shown without its title,
    which would often name the witness."""
    text = text.strip()[:200]
    if not text:
        return []
    with registry.read() as conn:
        rows = find_sources(conn, text, limit * 2)
        pseudonyms = {r["witness_id"]: info.pseudonym for r in rows if r["witness_protected"]
                      for info in [repo.entity_info(conn, [r["witness_id"]])[r["witness_id"]]]}
    out = []
    for r in rows:
        title = r["title"]
        if r["witness_protected"]:
            if not r["id_match"]:
                continue
            title = f"testimony of {pseudonyms[r['witness_id']]}"
        out.append(SourceChoice(r["id"], r["kind"], title, r["reliability"],
                                bool(r["fictional"])))
    return out[:limit]


# -- persons -------------------------------------------------------------------
@dataclass
class PersonForm:
    """A new person, with the name as a first cited claim when one is given."""

    fictional: bool = False
    name: str | None = None
    source: str | None = None
    locator: str | None = None
    protected: bool = False
    pseudonym: str | None = None


def create_person(registry: Registry, form: PersonForm, *, actor: str,
                  reason: str | None = None) -> str:
    """Add a person under a new id and return it.

    Parameters: ``form`` whether the person is fictional (demo data), a name
    with its source and locator (a name needs a source: every fact is cited),
    and whether the person is protected, under which pseudonym; ``actor`` who
    adds them; ``reason`` kept in history.  The person and their name are
    written together or not at all.
    """
    c = _Checks()
    name, src = _text(form.name), _text(form.source)
    c.text("name", form.name, limit=1000)
    c.text("locator", form.locator, limit=1000)
    c.text("pseudonym", form.pseudonym, limit=200)
    if name and not src:
        c.fail("source", "a name needs its source: every fact is cited")
    if src and not name:
        c.fail("name", "required")
    if form.protected and not _text(form.pseudonym):
        c.fail("pseudonym", "a protected person needs a pseudonym")
    c.done()
    with registry.write() as conn:
        pid = new_id(conn, "p-", entity)
        batch = Batch(entities=[EntityIn(pid, "Person", fictional=form.fictional,
                                         protected=form.protected,
                                         pseudonym=_text(form.pseudonym))])
        if name and src:
            batch.claims.append(ClaimIn(pid, "name", name, qualifier="full", citations=[
                CitationIn(src, (form.locator or "").strip())]))
        label = f"person add {pid}" + (f": {reason}" if reason else "")
        try:
            ingest(conn, batch, actor=actor, now=registry.now(), label=label)
        except ValidationError as exc:
            raise _on_field(exc, {"entity": "name", "property": "name"}) from None
    return pid


# -- claims --------------------------------------------------------------------
@dataclass
class ClaimForm:
    """One cited claim as a form gives it."""

    entity: str
    property: str
    value: str
    source: str
    locator: str = ""
    qualifier: str | None = None
    calendar: str | None = None
    credibility: str | int = 6
    assessment: str = "alleged"
    status: str | None = None
    status_date: str | None = None
    asserted_by: str | None = None
    quote: str | None = None
    sources: Sequence[str] = field(default_factory=list)  # more sources, same locator


def _credibility(value: str | int) -> int:
    if isinstance(value, int):
        number = value
    else:
        try:
            number = int(str(value).strip() or "6")
        except ValueError:
            raise ValidationError(f"'{value}' is not a whole number 1–6",
                                  field="credibility") from None
    if not 1 <= number <= 6:
        raise ValidationError(f"credibility {number} is not 1–6", field="credibility")
    return number


def add_cited_claim(registry: Registry, form: ClaimForm, *, actor: str,
                    reason: str | None = None, include_protected: bool = False) -> str:
    """Add one claim with its citation and return the claim's id.

    Parameters: ``form`` the record, property, value, source and locator, and
    for an allegation its procedural status and who asserts it;
    ``include_protected`` allows an identifying fact about a protected person
    (the access is recorded).  The errors of ingest that name the property
    are given on the form's ``value`` field.
    """
    c, model = _Checks(), load_model()
    c.text("value", form.value, required=True)
    if not form.source.strip():
        c.fail("source", "a fact needs its source: every fact is cited")
    c.text("source", form.source, limit=64)
    c.text("locator", form.locator, limit=1000)
    c.text("quote", form.quote, limit=MAX_TEXT)
    credibility = c.run("credibility", lambda: _credibility(form.credibility))
    c.run("assessment", lambda: model.check_code("assessment", form.assessment.strip(),
                                                 "assessment"))
    status = _text(form.status)
    if status:
        c.run("status", lambda: model.check_code("procedural_status", status, "status"))
        if not _text(form.asserted_by):
            c.fail("asserted_by", "an allegation's status needs who asserts it")
    if _text(form.status_date):
        c.run("status_date", lambda: parse_date((form.status_date or "").strip()))
    with registry.read() as conn:
        row = queries.entity_row(conn, form.entity)
    if row is None:
        raise NotFoundError(f"no record with id '{form.entity}'")
    if form.property not in model.schemas[row["schema"]].properties:
        c.fail("property", f"a {row['schema']} has no property '{form.property}'")
    c.done()
    sources = [form.source.strip(), *(s.strip() for s in form.sources if s.strip())]
    statuses = [StatusIn(status, (form.asserted_by or "").strip(),
                         _text(form.status_date))] if status else []
    claim = ClaimIn(form.entity, form.property, form.value.strip(),
                    qualifier=_text(form.qualifier), calendar=_text(form.calendar),
                    citations=[CitationIn(s, (form.locator or "").strip(), _text(form.quote))
                               for s in dict.fromkeys(sources)],
                    statuses=statuses, credibility=credibility or 6,
                    assessment=form.assessment.strip())
    try:
        cid, _ = editing.add_claim(registry, claim, actor=actor, reason=reason,
                                   include_protected=include_protected)
    except ValidationError as exc:
        raise _on_field(exc, {form.property: "value", f"{form.property} qualifier": "qualifier",
                              "entity": "value", "status_source": "source"}) from None
    return cid


def prefer_claim(registry: Registry, claim_id: str, *, actor: str, reason: str,
                 include_protected: bool = False) -> list[str]:
    """Mark a claim's value preferred among its conflicting values (editing.prefer)."""
    return editing.prefer(registry, claim_id, actor=actor, reason=reason,
                          include_protected=include_protected)


def assess_claim(registry: Registry, claim_id: str, *, actor: str, reason: str,
                 assessment: str | None = None, credibility: str | int | None = None,
                 include_protected: bool = False) -> int:
    """Change a claim's assessment or credibility (editing.assess); blank is unchanged."""
    grade = None
    if credibility is not None and str(credibility).strip():
        grade = _credibility(credibility)
    return editing.assess(registry, claim_id, actor=actor, reason=reason,
                          assessment=_text(assessment), credibility=grade,
                          include_protected=include_protected)


def protect_person(registry: Registry, person_id: str, *, pseudonym: str, actor: str,
                   reason: str) -> None:
    """Protect a person under a pseudonym (editing.protect)."""
    editing.protect(registry, person_id, pseudonym=pseudonym, actor=actor, reason=reason)


def claim_entity(registry: Registry, claim_id: str, *, include_protected: bool = False) -> str:
    """The record a claim is about; a hidden claim is not found, as in editing."""
    with registry.read() as conn:
        row = claim_by_id(conn, claim_id)
        if row is None or (is_hidden_claim(conn, row) and not include_protected):
            raise NotFoundError(f"no claim with id '{claim_id}'")
        return str(row["entity_id"])


# -- consent -------------------------------------------------------------------
def _check_date(c: _Checks, name: str, value: str | None) -> None:
    if _text(value):
        try:
            parse_date((value or "").strip())
        except (DateError, ValidationError) as exc:
            exc.field = name
            c.errors.append(exc)


def record_consent(registry: Registry, person_id: str, *, scope: str, purpose: str,
                   actor: str, given: str | None = None, note: str | None = None,
                   include_protected: bool = False) -> str:
    """Record a person's consent (what was agreed, for which use, when); returns its id.

    Recording the same consent again changes nothing.  A protected person's
    consent needs ``include_protected`` (the access is recorded), as in an import.
    """
    from khavaran.model import ids

    c = _Checks()
    c.text("scope", scope, required=True, limit=1000)
    c.text("purpose", purpose, required=True, limit=1000)
    c.text("note", note)
    _check_date(c, "given", given)
    c.done()
    new = ConsentIn(person=person_id, scope=scope.strip(), purpose=purpose.strip(),
                    given=_text(given), note=_text(note))
    _consent_batch(registry, new, actor, f"consent of {person_id}", include_protected)
    return ids.consent_id(new.person, new.scope, new.purpose, new.given)


def withdraw_consent(registry: Registry, person_id: str, consent_id: str, *, actor: str,
                     date: str | None = None, include_protected: bool = False) -> bool:
    """Mark a consent withdrawn (on ``date``); returns whether it changed.  A
    withdrawn consent is never restored: a new consent is recorded instead."""
    c = _Checks()
    _check_date(c, "withdrawn_date", date)
    c.done()
    with registry.read() as conn:
        found = next((r for r in queries.consents_for(conn, person_id)
                      if r["id"] == consent_id), None)
    if found is None:
        raise NotFoundError(f"no consent '{consent_id}' of '{person_id}'")
    if found["withdrawn"]:
        return False
    old = ConsentIn(person=person_id, scope=found["scope"], purpose=found["purpose"],
                    given=found["given_text"], withdrawn=True, withdrawn_date=_text(date))
    _consent_batch(registry, old, actor, f"consent of {person_id} withdrawn",
                   include_protected)
    return True


def _consent_batch(registry: Registry, new: ConsentIn, actor: str, label: str,
                   include_protected: bool) -> None:
    with registry.write() as conn:
        try:
            ingest(conn, Batch(consents=[new]), actor=actor, now=registry.now(), label=label,
                   include_protected=include_protected)
        except ValidationError as exc:
            raise _on_field(exc, {"given": "given", "withdrawn_date": "withdrawn_date"}) \
                from None
