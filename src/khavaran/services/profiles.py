"""The current view of a record, derived from its claims, with every citation.

A profile never shows a fact without its sources, nor an allegation without
its procedural status and who asserted it.  A protected person is shown under
their pseudonym, without identifying facts, unless the caller asks for them;
that access is written to history.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, RowMapping

from khavaran.errors import NotFoundError
from khavaran.model.loader import Model, load_model
from khavaran.model.types.fuzzy_date import parse_date, show_date
from khavaran.model.types.persian_name import script
from khavaran.services import versioned
from khavaran.services.keyed_ids import shown_ids
from khavaran.services.plausibility import DATED, DatedFact, date_warnings
from khavaran.services.protection import identifies, identifying_properties
from khavaran.services.registry import Registry, require_actor
from khavaran.services.reveals import record_reveals
from khavaran.storage import queries

__all__ = ["SINGLE", "Citation", "Fact", "Profile", "Status", "display_names", "profile_in",
           "show"]

# Properties that hold one true value: several different values are a conflict.
SINGLE = {"gender", "birth_date", "birth_year", "age", "death_date", "kind", "date", "event",
          "victim", "unit", "person", "act_type", "start_date", "end_date", "parent",
          "coordinates", "place"}


@dataclass(frozen=True)
class Citation:
    source_id: str
    title: str
    locator: str
    publisher_type: str | None
    reliability: str
    interested_party: bool


@dataclass(frozen=True)
class Status:
    status: str
    label: str
    date: str | None
    asserted_by: str
    source_id: str | None
    locator: str | None
    date_text: str | None = None  # as entered, for a page to show in its own language
    date_calendar: str | None = None


@dataclass
class Fact:
    claim_id: str
    property: str
    qualifier: str | None
    value: str
    shown: str  # the value as a reader sees it: dates in both calendars, refs by name
    credibility: int
    assessment: str
    allegation: bool
    preferred: bool
    preferred_by: str | None
    preferred_at: Any
    citations: list[Citation] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    script: str | None = None  # for names: "fa", "latin" or "mixed"
    norm: str = ""  # the comparable form: one date written in two calendars is one


@dataclass
class Profile:
    id: str
    schema: str
    title: str
    fictional: bool
    protected: bool
    revealed: bool
    facts: dict[str, list[Fact]] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    related: list[tuple[str, Profile]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    withheld: int = 0
    members: list[str] = field(default_factory=list)  # list persons merged into this one
    warnings: list[str] = field(default_factory=list)  # dates that cannot all be true


def _consent(row: RowMapping) -> dict[str, Any]:
    """A consent record, with its dates as every view prints dates (``*_shown``)."""
    out = dict(row)
    for when in ("given", "withdrawn"):
        text = row[f"{when}_text"]
        out[f"{when}_shown"] = show_date(text, row[f"{when}_calendar"]) if text else None
    return out


def _shown_value(model: Model, schema: str, row: RowMapping, names: dict[str, str]) -> str:
    prop = model.schemas[schema].properties.get(row["property"])
    value: str = row["value"]
    if prop is None:
        return value
    if prop.type == "date":
        return parse_date(value, row["date_calendar"]).both()
    if prop.type == "vocab" and prop.vocab:
        return model.vocab_label(prop.vocab, value)
    if prop.type == "ref":
        return f"{names.get(value, value)} [{value}]"
    return value


def display_names(conn: Connection, ids: list[str], *, reveal: bool = False,
                  revealed: set[str] | None = None) -> dict[str, str]:
    """A short readable name for each id: pseudonyms for protected people.

    With ``reveal``, protected people are named too, and their ids are added to
    ``revealed`` so that the caller can record the access."""
    rows = queries.entities(conn, ids)
    claims = queries.claims_for(conn, rows, ["name", "title", "kind", "act_type", "action_type",
                                               "date"])
    by_entity: dict[str, list[RowMapping]] = defaultdict(list)
    for c in claims:
        by_entity[c["entity_id"]].append(c)
    out = {}
    for eid, row in rows.items():
        if row["protected"]:
            if not reveal:
                out[eid] = f"{row['pseudonym']} (protected)"
                continue
            if revealed is not None:
                revealed.add(eid)
        cs = by_entity.get(eid, [])
        names = [c for c in cs if c["property"] == "name"]
        names.sort(key=lambda c: (not c["preferred"], c["qualifier"] not in ("full", None),
                                  c["created_at"]))
        if names:
            latin = [c["value"] for c in names if c["value"].isascii()]
            persian = [c["value"] for c in names if not c["value"].isascii()]
            parts = ([latin[0]] if latin else []) + ([persian[0]] if persian else [])
            label = " / ".join(parts)
        else:
            # Units and places have names; postings, events and acts are named by
            # what they are, then when.
            order = {"title": 0, "kind": 1, "act_type": 1, "action_type": 1, "date": 2}
            label = " ".join(c["value"] for c in sorted(cs, key=lambda c: order[c["property"]]))
            label = label.replace("_", " ") or eid
        out[eid] = label + (" [fictional]" if row["fictional"] else "")
    return out


def _facts(conn: Connection, model: Model, schema: str, claim_rows: list[RowMapping],
           names: dict[str, str], reveal: bool) -> dict[str, list[Fact]]:
    ids = [c["id"] for c in claim_rows]
    cites: dict[str, list[Citation]] = defaultdict(list)
    rows = queries.citations_for(conn, ids)
    witnesses = queries.entities(conn, {r["witness_id"] for r in rows if r["witness_id"]})
    for r in rows:
        title = r["title"]
        witness = witnesses.get(r["witness_id"])
        if witness is not None and witness["protected"] and not reveal:
            # A testimony's title often names its witness.
            title = f"testimony of {witness['pseudonym']}"
        cites[r["claim_id"]].append(Citation(r["source_id"], title, r["locator"],
                                             r["publisher_type"], r["reliability"],
                                             bool(r["interested_party"])))
    stats: dict[str, list[Status]] = defaultdict(list)
    for r in queries.statuses_for(conn, ids):
        date = parse_date(r["date_text"], r["date_calendar"]).both() if r["date_text"] else None
        stats[r["claim_id"]].append(Status(r["status"],
                                           model.vocab_label("procedural_status", r["status"]),
                                           date, r["asserted_by"], r["source_id"], r["locator"],
                                           r["date_text"], r["date_calendar"]))
    facts: dict[str, list[Fact]] = defaultdict(list)
    props = model.schemas[schema].properties
    shown = shown_ids(conn, ids)  # a protected person's identifying claims: keyed ids
    for c in claim_rows:
        is_name = c["property"] in props and props[c["property"]].type == "name"
        facts[c["property"]].append(Fact(
            shown[c["id"]], c["property"], c["qualifier"], c["value"],
            _shown_value(model, schema, c, names), c["credibility"], c["assessment"],
            bool(c["allegation"]), bool(c["preferred"]), c["preferred_by"], c["preferred_at"],
            cites[c["id"]], stats[c["id"]], script(c["value"]) if is_name else None,
            c["value_norm"]))
    return dict(facts)


def _profile(conn: Connection, model: Model, row: RowMapping, reveal: bool,
             with_related: bool, revealed: set[str]) -> Profile:
    eid, schema = row["id"], row["schema"]
    # A person merged by linkage judgements is the sum of its list persons.
    members = queries.group_members(conn, eid) if schema == "Person" else [eid]
    if len(members) > 1:
        eid = queries.person_of(conn, eid)
        others = queries.entities(conn, members)
        if any(r["protected"] for r in others.values()):
            row = next(r for r in others.values() if r["protected"])
    hidden = bool(row["protected"]) and not reveal
    claim_rows = queries.claims_for(conn, members)
    withheld = 0
    if hidden:
        withheld = sum(1 for c in claim_rows if identifies(schema, c))
        claim_rows = [c for c in claim_rows if not identifies(schema, c)]
    if not reveal:
        # A link such as "sibling of" a protected person identifies them too.
        linking = identifying_properties()[schema]
        targets = queries.entities(conn, [c["ref_id"] for c in claim_rows
                                          if c["ref_id"] and c["property"] in linking])
        shut = {t for t, r in targets.items() if r["protected"]}
        if hidden:
            # Counted on a protected person only: on anyone else a count of withheld
            # facts would say that they are a protected person's relative.
            withheld += sum(1 for c in claim_rows if c["ref_id"] in shut)
        claim_rows = [c for c in claim_rows if c["ref_id"] not in shut]
    refs = [c["value"] for c in claim_rows if c["ref_id"]]
    names = display_names(conn, refs + [eid], reveal=reveal, revealed=revealed)
    if hidden:
        names[eid] = f"{row['pseudonym']} (protected)"
    profile = Profile(eid, schema, names.get(eid, eid), bool(row["fictional"]),
                      bool(row["protected"]), reveal and bool(row["protected"]),
                      _facts(conn, model, schema, claim_rows, names, reveal), withheld=withheld,
                      members=members if len(members) > 1 else [])
    if schema == "Person":
        profile.warnings = date_warnings(eid, (
            DatedFact(c["property"], c["value"], c["date_start"], c["date_end"])
            for c in claim_rows if c["property"] in DATED), dt.datetime.now(dt.UTC).date())
    for prop, facts in profile.facts.items():
        if prop in SINGLE and len({f.norm for f in facts}) > 1:
            profile.conflicts.append(prop)
    if with_related:
        referring = queries.referring_entities(conn, eid)
        rows = queries.entities(conn, [e for e, _ in referring])
        # Posts first (roles and careers), then events, then acts.
        rank = {"Posting": 0, "Unit": 1, "Place": 2, "Event": 3, "Act": 4, "Person": 5}
        referring.sort(key=lambda r: (rank.get(rows[r[0]]["schema"], 9), r[0]))
        secret = identifying_properties()
        for other, prop in referring:
            o = rows[other]
            if (o["protected"] or hidden) and not reveal and prop in secret[o["schema"]]:
                # A relation identifies both sides: a protected relative, or the
                # relatives of a protected person (counted on the protected side only).
                profile.withheld += int(hidden)
                continue
            profile.related.append((prop, _profile(conn, model, o, reveal, False, revealed)))
        if schema == "Person" and not hidden:
            for r in queries.records_for(conn, members):
                profile.records.append({"source": r["source_id"], "record_id": r["record_id"],
                                        "raw": json.loads(r["raw"])})
        if schema == "Person" and (reveal or not row["protected"]):
            profile.consents = [_consent(c) for c in queries.consents_for(conn, eid)]
    return profile


def show(registry: Registry, entity_id: str, *, schema: str | None = None,
         include_protected: bool = False, actor: str | None = None,
         reason: str | None = None, via: str = "cli", client: str | None = None) -> Profile:
    """The profile of one record.

    Parameters: ``schema`` if given, the record must be of that kind;
    ``include_protected`` reveal a protected person's identity (needs ``actor``,
    and the access is recorded in history and the access log, with ``reason``,
    ``via`` and ``client``).
    """
    if include_protected:
        require_actor(actor)
    else:
        # The same for every caller: kept per registry version (services/versioned.py).
        return versioned.cached(registry, ("profile", entity_id, schema),
                                lambda: _show(registry, entity_id, schema))
    return _show(registry, entity_id, schema, include_protected=True, actor=actor,
                 reason=reason, via=via, client=client)


def _show(registry: Registry, entity_id: str, schema: str | None, *,
          include_protected: bool = False, actor: str | None = None,
          reason: str | None = None, via: str = "cli", client: str | None = None) -> Profile:
    model = load_model()
    with registry.read() as conn:
        row = queries.entity_row(conn, entity_id)
        if row is None or (schema and row["schema"] != schema):
            kind = (schema or "record").lower()
            # Newcomers type a name where an id is asked for.
            raise NotFoundError(f"no {kind} with id '{entity_id}'; to find one by name: "
                                f"khavaran search \"{entity_id}\"")
        revealed: set[str] = set()
        profile = _profile(conn, model, row, include_protected, True, revealed)
    if revealed:
        require_actor(actor)
        with registry.write() as conn:
            record_reveals(conn, registry, actor=actor, ids=revealed, via=via, client=client,
                           reason=reason or f"show {entity_id} --include-protected")
    return profile


def profile_in(conn: Connection, entity_id: str, *, reveal: bool = False,
               revealed: set[str] | None = None) -> Profile:
    """A record's profile within the caller's transaction; the caller records any
    revealed access (ids added to ``revealed``)."""
    row = queries.entity_row(conn, entity_id)
    if row is None:
        raise NotFoundError(f"no record with id '{entity_id}'")
    return _profile(conn, load_model(), row, reveal, True,
                    revealed if revealed is not None else set())
