"""The accountability tracker's actions: what a state or body did, when, about whom.

An action is a record of kind Action (model/schema.yaml): each of its facts is
a cited claim like any other, so it has history, export and the same checks.
Court steps already recorded as procedural statuses of an allegation (charged,
convicted, upheld on appeal...) are shown as actions too, derived on reading,
so that nobody enters them twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from hashlib import blake2b

from sqlalchemy import Connection, RowMapping, select

from khavaran.errors import NotFoundError, ValidationError
from khavaran.model.loader import Model, load_model
from khavaran.model.records import CitationIn, ClaimIn, EntityIn, Where
from khavaran.model.types.fuzzy_date import parse_date
from khavaran.services.ingest import Batch, IngestReport, ingest
from khavaran.services.profiles import display_names
from khavaran.services.registry import Registry
from khavaran.storage import queries
from khavaran.storage.tables import claim, claim_status, entity, source

__all__ = ["COURT_STEPS", "CSV_COLUMNS", "ActionIn", "ActionView", "Cite", "action_id",
           "actions_in", "add_action", "batch_for", "label", "label_of", "list_actions",
           "read_action_rows", "show_action"]

# procedural status of an allegation -> the action type it is in the tracker
COURT_STEPS = {"charged": "indictment", "convicted": "verdict", "acquitted": "verdict",
               "upheld_on_appeal": "appeal", "overturned": "appeal", "released": "release"}
# Action properties that may hold several values.
MANY = ("target", "target_unit", "subject")


@dataclass
class ActionIn:
    """One action as a user enters it; ``source`` and ``locator`` cite every fact."""

    action_type: str
    actor: str
    date: str
    source: str
    locator: str = ""
    id: str | None = None
    targets: list[str] = field(default_factory=list)
    target_units: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    addressee: str | None = None
    follows: str | None = None
    outcome: str | None = None
    document: str | None = None
    regime: str | None = None
    note: str | None = None
    calendar: str | None = None
    fictional: bool = False


@dataclass(frozen=True)
class Cite:
    source_id: str
    title: str
    locator: str


@dataclass
class ActionView:
    id: str
    action_type: str
    actor: str  # an actor code, or who asserted a court step when it is no code
    jurisdiction: str | None
    date: str  # as entered
    date_shown: str  # both calendars
    start: dt.date | None
    targets: list[tuple[str, str]] = field(default_factory=list)  # (id, display name)
    target_units: list[tuple[str, str]] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    addressee: str | None = None
    follows: str | None = None
    outcome: str | None = None
    document: str | None = None
    regime: str | None = None
    note: str | None = None
    sources: list[Cite] = field(default_factory=list)
    fictional: bool = False
    derived_from: str | None = None  # the allegation claim a court step comes from
    step: str | None = None  # a court step's procedural status, whose label is its outcome
    # Taken back: its claims rejected (a retracted xref match, services/xref_retract.py).
    # Kept on record and shown by its id, counted nowhere.
    retracted: bool = False

    def label(self, lang: str = "en") -> str:
        return label(load_model(), "action_type", self.action_type, lang)

    def actor_label(self, lang: str = "en") -> str:
        return label(load_model(), "actor", self.actor, lang)


def label_of(vocab: str, code: str, lang: str = "en") -> str:
    """A code's label in ``lang`` (en or fa); the code itself if it is none."""
    return label(load_model(), vocab, code, lang)


def label(model: Model, vocab: str, code: str, lang: str) -> str:
    entry = model.vocabs[vocab].get(code)
    if entry is None:
        return code
    return entry.fa if lang == "fa" else entry.en


def action_id(a: ActionIn) -> str:
    """Stable: the same action entered again is the same record."""
    parts = "\x1f".join([a.action_type, a.actor, a.date, ",".join(sorted(a.targets)),
                         ",".join(sorted(a.target_units)), ",".join(sorted(a.subjects)),
                         a.document or ""])
    return "act-" + blake2b(parts.encode("utf-8"), digest_size=12).hexdigest()


CSV_COLUMNS = ("id", "action_type", "actor", "date", "calendar", "target", "target_unit",
               "subject", "addressee", "follows", "outcome", "document", "regime", "note",
               "source", "locator", "fictional")
CSV_REQUIRED = ("action_type", "actor", "date", "source")


def read_action_rows(rows: list[tuple[int, dict[str, str]]], header: list[str],
                     name: str) -> Batch:
    """Actions from CSV rows (docs/import-formats.md); several targets in one cell
    are separated by " | "."""
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise ValidationError(f"unknown column(s) {unknown} (columns: {', '.join(CSV_COLUMNS)})",
                              file=name, line=1)
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise ValidationError(f"missing required column(s) {missing}", file=name, line=1)
    batch = Batch()
    for line, row in rows:
        v = {k: x.strip() for k, x in row.items()}
        try:
            for col in CSV_REQUIRED:
                if not v[col]:
                    raise ValidationError("required value is empty", field=col)
            flag = v.get("fictional", "").lower()
            if flag not in ("", "0", "1", "true", "false", "yes", "no"):
                raise ValidationError(f"'{v['fictional']}' is not true or false",
                                      field="fictional")

            def many(col: str, v: dict[str, str] = v) -> list[str]:
                return [x.strip() for x in v.get(col, "").split(" | ") if x.strip()]

            action = ActionIn(
                action_type=v["action_type"], actor=v["actor"], date=v["date"],
                source=v["source"], locator=v.get("locator", ""), id=v.get("id") or None,
                targets=many("target"), target_units=many("target_unit"),
                subjects=many("subject"), addressee=v.get("addressee") or None,
                follows=v.get("follows") or None, outcome=v.get("outcome") or None,
                document=v.get("document") or None, regime=v.get("regime") or None,
                note=v.get("note") or None, calendar=v.get("calendar") or None,
                fictional=flag in ("1", "true", "yes"))
            one = batch_for(action, Where(name, line))
        except ValidationError as exc:
            raise exc.located(file=name, line=line) from None
        batch.extend(one)
    return batch


def batch_for(a: ActionIn, where: Where) -> Batch:
    """The entity and cited claims of one action (checked by ingest)."""
    model = load_model()
    model.check_code("action_type", a.action_type, "action_type")
    model.check_code("actor", a.actor, "actor")
    if not a.date.strip():
        raise ValidationError("an action needs a date", field="date")
    if not (a.targets or a.target_units or a.subjects):
        raise ValidationError("an action needs a target: a person, a unit or a subject "
                              "(killings_1988, state_of_iran)", field="target")
    eid = a.id or action_id(a)
    cites = [CitationIn(a.source, a.locator)] if a.source.strip() else []
    batch = Batch()
    batch.entities.append(EntityIn(eid, "Action", fictional=a.fictional, where=where))
    values: list[tuple[str, str | None]] = [
        ("action_type", a.action_type), ("actor", a.actor), ("date", a.date),
        *(("target", t) for t in a.targets), *(("target_unit", u) for u in a.target_units),
        *(("subject", s) for s in a.subjects), ("addressee", a.addressee),
        ("follows", a.follows), ("outcome", a.outcome), ("document", a.document),
        ("regime", a.regime), ("note", a.note)]
    for prop, value in values:
        if value is not None and value.strip():
            batch.claims.append(ClaimIn(eid, prop, value.strip(), citations=cites,
                                        calendar=a.calendar if prop == "date" else None,
                                        credibility=2, where=where))
    return batch


def add_action(registry: Registry, action: ActionIn, *, actor: str) -> tuple[str, IngestReport]:
    """Record one action, every fact cited to ``action.source``; returns its id.

    Parameters: ``action`` what was done (type and actor from the vocabularies in
    model/vocab/accountability.yaml, targets that exist in the registry);
    ``actor`` who records it.  The action is fictional when its source is.
    Nothing is written if any part is refused.
    """
    with registry.write() as conn:
        # A demo source makes a demo action: the two must never mix.
        fictional = conn.execute(select(source.c.fictional)
                                 .where(source.c.id == action.source)).scalar()
        if fictional is not None:
            action = replace(action, fictional=bool(fictional))
        batch = batch_for(action, Where("action add", None))
        report = ingest(conn, batch, actor=actor, label="action add", now=registry.now())
    return batch.entities[0].id, report


def _cites(conn: Connection, claim_ids: Iterable[str]) -> dict[str, list[Cite]]:
    out: dict[str, list[Cite]] = defaultdict(list)
    for c in queries.citations_for(conn, claim_ids):
        out[c["claim_id"]].append(Cite(c["source_id"], c["title"], c["locator"]))
    return out


def _recorded(conn: Connection, names: dict[str, str]) -> list[ActionView]:
    rows = queries.entities(conn, conn.execute(
        select(entity.c.id).where(entity.c.schema == "Action")).scalars())
    claims = queries.claims_for(conn, rows)
    cites = _cites(conn, [c["id"] for c in claims])
    by_entity: dict[str, list[RowMapping]] = defaultdict(list)
    for c in claims:
        by_entity[c["entity_id"]].append(c)
    refs = [str(c["ref_id"]) for c in claims if c["ref_id"]]
    names.update(display_names(conn, [r for r in refs if r not in names]))
    out = []
    for eid, cs in by_entity.items():
        one = {str(c["property"]): c for c in cs}
        date = one.get("date")
        start = date["date_start"] if date else None
        shown = parse_date(str(date["value"]), date["date_calendar"]).both() if date else ""
        view = ActionView(
            id=eid, action_type=str(one["action_type"]["value"]) if "action_type" in one
            else "", actor=str(one["actor"]["value"]) if "actor" in one else "",
            jurisdiction=None, date=str(date["value"]) if date else "", date_shown=shown,
            start=start if isinstance(start, dt.date) else None,
            fictional=bool(rows[eid]["fictional"]),
            retracted=all(c["assessment"] == "rejected" for c in cs))
        for c in cs:
            prop, value = str(c["property"]), str(c["value"])
            if prop == "target":
                view.targets.append((value, names.get(value, value)))
            elif prop == "target_unit":
                view.target_units.append((value, names.get(value, value)))
            elif prop == "subject":
                view.subjects.append(value)
            elif prop in ("addressee", "follows", "outcome", "document", "regime", "note"):
                setattr(view, prop, value)
            for cite in cites.get(str(c["id"]), []):
                if cite not in view.sources:
                    view.sources.append(cite)
        out.append(view)
    return out


def _actor_code(model: Model, asserted_by: str) -> str:
    """A court step names who asserted it in words: find the actor it is, if any."""
    wanted = asserted_by.strip().casefold()
    for code, entry in model.vocabs["actor"].items():
        if wanted in (code, entry.en.casefold(), entry.fa.casefold()):
            return code
    return asserted_by


def _court_steps(conn: Connection, names: dict[str, str]) -> list[ActionView]:
    model = load_model()
    q = (select(claim_status, claim.c.entity_id, source.c.title)
         .join(claim, claim.c.id == claim_status.c.claim_id)
         .join(entity, entity.c.id == claim.c.entity_id)
         .outerjoin(source, source.c.id == claim_status.c.source_id)
         .where(claim.c.allegation.is_(True), claim.c.property == "role",
                claim_status.c.status.in_(list(COURT_STEPS)),
                entity.c.protected.is_(False))
         .order_by(claim_status.c.date_start, claim_status.c.id))
    rows = list(conn.execute(q).mappings())
    fictional = queries.entities(conn, [r["entity_id"] for r in rows])
    names.update(display_names(conn, [r["entity_id"] for r in rows
                                      if r["entity_id"] not in names]))
    out = []
    for r in rows:
        person = str(r["entity_id"])
        actor = _actor_code(model, str(r["asserted_by"]))
        date = str(r["date_text"] or "")
        out.append(ActionView(
            id=f"step-{r['id']}", action_type=COURT_STEPS[str(r["status"])], actor=actor,
            jurisdiction=None, date=date,
            date_shown=parse_date(date, r["date_calendar"]).both() if date else "",
            start=r["date_start"], targets=[(person, names.get(person, person))],
            outcome=label(model, "procedural_status", str(r["status"]), "en"),
            sources=[Cite(r["source_id"], r["title"], r["locator"] or "")]
            if r["source_id"] else [], fictional=bool(fictional[person]["fictional"]),
            derived_from=str(r["claim_id"]), step=str(r["status"])))
    return out


def actions_in(conn: Connection, *, retracted: bool = False) -> list[ActionView]:
    """Every action, recorded or derived from court steps, oldest first (those
    taken back only with ``retracted``)."""
    model = load_model()
    names: dict[str, str] = {}
    recorded = [a for a in _recorded(conn, names) if retracted or not a.retracted]
    seen = {(a.action_type, t, a.start) for a in recorded for t, _ in a.targets}
    steps = [s for s in _court_steps(conn, names)
             if (s.action_type, s.targets[0][0], s.start) not in seen]
    out = recorded + steps
    for a in out:
        entry = model.vocabs["actor"].get(a.actor)
        a.jurisdiction = entry.attr("jurisdiction") if entry else None
    out.sort(key=lambda a: (a.start or dt.date.max, a.id))
    return out


def list_actions(registry: Registry, *, country: str | None = None,
                 target: str | None = None) -> list[ActionView]:
    """Actions oldest first, only those of ``country`` (a jurisdiction code) or
    about ``target`` (a person or unit id) when given."""
    model = load_model()
    if country is not None:
        model.check_code("jurisdiction", country, "--country")
    with registry.read() as conn:
        if target is not None:
            row = queries.entity_row(conn, target)
            if row is None or row["protected"]:
                raise NotFoundError(f"no record with id '{target}'")
        found = actions_in(conn)
    if country is not None:
        found = [a for a in found if a.jurisdiction == country]
    if target is not None:
        found = [a for a in found if target in {t for t, _ in a.targets + a.target_units}]
    return found


def show_action(registry: Registry, action_id_: str) -> ActionView:
    """One action (recorded, or a court step by its step-… id), a retracted one too."""
    with registry.read() as conn:
        for a in actions_in(conn, retracted=True):
            if a.id == action_id_:
                return a
    raise NotFoundError(f"no action with id '{action_id_}'")
