"""What the record pages show: a person, source, unit, place or event with
every fact and its citations, conflicts side by side with the preferred value
marked, claim ids and the evidence linked to each claim, allegations with
their procedural status and who asserted it, list rows and "merged from".

Built on profiles (services/profiles.py), careers and reading: what may be
seen is decided there (services/protection.py).  A protected person is shown
under their pseudonym; the identity is revealed only by ``person_view`` with
a reason, for a caller the shell has checked may reveal, and the reveal is
written to history and the access log, as a view of a protected record is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from khavaran.errors import NotFoundError, ValidationError
from khavaran.model.loader import load_model
from khavaran.services import profiles, versioned
from khavaran.services import reading as reading_service
from khavaran.services.access_log import record
from khavaran.services.careers import Career, career_of
from khavaran.services.history import Change
from khavaran.services.profiles import Fact, Profile, display_names
from khavaran.services.protection import hidden_set
from khavaran.services.registry import Registry
from khavaran.services.witness_items import protected_witness, withheld_items
from khavaran.storage import queries, reading_queries

__all__ = ["PAGES", "Allegation", "Evidence", "Member", "PersonView", "PropertyView",
           "RecordView", "SourceView", "kind_of", "person_history", "person_view",
           "properties_of", "record_view", "related_names", "source_view", "unit_members"]

# Where each kind of record is shown.
PAGES = {"Person": "persons", "Source": "sources", "Unit": "units", "Place": "places",
         "Event": "events"}


@dataclass(frozen=True)
class Evidence:
    item_id: str
    locator: str
    media_type: str
    sha256: str
    source_id: str


@dataclass
class PropertyView:
    name: str
    label: str  # English; the pages translate it
    facts: list[Fact]  # the preferred first
    conflict: bool  # several values where one is true: shown side by side
    ref: str | None = None  # the kind of record a value points at
    type: str = "text"  # the property's type: name, text, date, vocab, ref, number...
    qualifier: str | None = None  # the vocabulary of a value's kind (a relation...)


@dataclass
class Allegation:
    fact: Fact
    record_id: str  # the posting or act that holds it
    record_kind: str
    record_title: str
    properties: list[PropertyView]  # the rest of that record: unit, title, dates...


@dataclass
class RecordView:
    profile: Profile
    properties: list[PropertyView]
    evidence: dict[str, list[Evidence]]  # claim id -> evidence linked to it
    related: dict[str, list[tuple[str, Profile]]]  # kind -> (property, record)
    allegations: list[Allegation] = field(default_factory=list)


@dataclass
class Member:
    person_id: str
    career: Career


@dataclass
class PersonView(RecordView):
    career: Career | None = None


@dataclass
class SourceView:
    source: dict[str, Any]
    claims: list[dict[str, Any]]  # this page of the claims citing it
    total: int
    withheld: int  # claims on this page hidden: they would identify a protected person
    offset: int
    limit: int
    evidence: list[dict[str, Any]]


def _label(schema: str, prop: str) -> str:
    p = load_model().schemas[schema].properties.get(prop)
    return (p.label if p and p.label else prop.replace("_", " "))


def properties_of(profile: Profile) -> list[PropertyView]:
    """The profile's facts by property in the model's order, the preferred value
    first; ``conflict`` when values of a single-valued property disagree."""
    schema = load_model().schemas[profile.schema]
    order = list(schema.properties)
    out = []
    for prop in sorted(profile.facts, key=lambda p: (order.index(p) if p in order else 99, p)):
        facts = sorted(profile.facts[prop], key=lambda f: (not f.preferred, -f.credibility))
        spec = schema.properties.get(prop)
        out.append(PropertyView(prop, _label(profile.schema, prop), facts,
                                prop in profile.conflicts,
                                spec.range if spec and spec.type == "ref" else None,
                                spec.type if spec else "text",
                                spec.qualifier if spec else None))
    return out


def _claim_ids(profile: Profile) -> list[str]:
    ids = [f.claim_id for facts in profile.facts.values() for f in facts]
    for _, other in profile.related:
        ids += [f.claim_id for facts in other.facts.values() for f in facts]
    return ids


def _view(registry: Registry, profile: Profile, revealed: bool = False) -> RecordView:
    """``revealed``: the person was revealed on request, so their own testimony
    is shown with them (another protected witness's stays withheld)."""
    with registry.read() as conn:
        rows = reading_queries.evidence_for_claims(conn, _claim_ids(profile))
        withheld = withheld_items(conn, [r["item_id"] for r in rows])
        if revealed:
            withheld = {i for i in withheld if protected_witness(conn, i) != profile.id}
    rows = [r for r in rows if r["item_id"] not in withheld]
    evidence: dict[str, list[Evidence]] = defaultdict(list)
    for r in rows:
        evidence[r["claim_id"]].append(Evidence(r["item_id"], r["locator"], r["media_type"],
                                                r["sha256"], r["source_id"]))
    related: dict[str, list[tuple[str, Profile]]] = defaultdict(list)
    allegations = []
    for prop, other in profile.related:
        related[other.schema].append((prop, other))
        for f in other.facts.get(prop, []):
            if f.allegation:
                allegations.append(Allegation(
                    f, other.id, other.schema, other.title,
                    [p for p in properties_of(other) if p.name != prop]))
    return RecordView(profile, properties_of(profile), dict(evidence), dict(related),
                      allegations)


def person_view(registry: Registry, person_id: str, *, actor: str,
                reveal_reason: str | None = None, client: str | None = None,
                via: str = "web") -> PersonView:
    """A person's page: facts, career, allegations, list rows, related records.

    A protected person is shown under their pseudonym, and the view is written
    to the access log.  With ``reveal_reason`` (the caller has checked that
    ``actor`` may reveal) the identity is shown, and the reveal is written to
    history and to the access log with the reason.
    """
    reveal = reveal_reason is not None
    if reveal:
        reveal_reason = (reveal_reason or "").strip()
        if not reveal_reason:
            raise ValidationError("say why you need to see this identity", field="reason")
    if not reveal:
        # The same for every caller: kept per registry version (services/versioned.py).
        view = versioned.cached(registry, ("person-view", person_id),
                                lambda: _person_view(registry, person_id))
        if view.profile.protected:
            # On every request, cached or not: the access log misses no view.
            record(registry, actor=actor, action="view-protected", target=view.profile.id,
                   client=client, via=via)
        return view
    # A reveal is recorded by profiles.show itself, with the reason (once).
    profile = profiles.show(registry, person_id, schema="Person", include_protected=True,
                            actor=actor, reason=(reveal_reason or "")[:1000], via=via,
                            client=client)
    return _person_view_of(registry, profile, revealed=True)


def _person_view(registry: Registry, person_id: str) -> PersonView:
    return _person_view_of(registry, profiles.show(registry, person_id, schema="Person"))


def _person_view_of(registry: Registry, profile: Profile, revealed: bool = False) -> PersonView:
    base = _view(registry, profile, revealed)
    return PersonView(base.profile, base.properties, base.evidence, base.related,
                      base.allegations, career=career_of(profile))


def person_history(registry: Registry, person_id: str, *, actor: str, limit: int = 200,
                   client: str | None = None, via: str = "web") -> tuple[Profile, list[Change]]:
    """A person (as a reader sees them) and the changes to them, newest first;
    changes that identify a protected person are left out."""
    profile = profiles.show(registry, person_id, schema="Person")
    changes = reading_service.record_history(registry, profile.id, actor=actor, limit=limit,
                                             client=client, via=via)
    return profile, changes[::-1]


def record_view(registry: Registry, record_id: str, schema: str) -> RecordView:
    """A unit, place or event (``schema``) with every fact and what refers to it;
    a unit with its members' careers in ``related["Member"]``."""
    if schema not in ("Unit", "Place", "Event"):
        raise ValidationError(f"no page for a {schema}", field="kind")
    profile = profiles.show(registry, record_id, schema=schema)
    return _view(registry, profile)


def unit_members(registry: Registry, view: RecordView) -> list[Member]:
    """The people holding posts in the unit, each with their whole career."""
    people: list[str] = []
    for prop, post in view.related.get("Posting", []):
        if prop != "unit":
            continue
        for f in post.facts.get("person", []):
            if f.value not in people:
                people.append(f.value)
    out = []
    for pid in people:
        try:
            out.append(Member(pid, career_of(profiles.show(registry, pid, schema="Person"))))
        except NotFoundError:
            continue
    return out


def source_view(registry: Registry, source_id: str, *, limit: int = 50,
                offset: int = 0) -> SourceView:
    """A source (a protected witness's testimony without what would name them),
    one page of the claims citing it, and its evidence items.  Claims that would
    identify a protected person are withheld and counted."""
    if not 1 <= limit <= 500:
        raise ValidationError("limit must be between 1 and 500", field="limit")
    if offset < 0:
        raise ValidationError("offset must be 0 or more", field="offset")
    src = reading_service.source(registry, source_id)
    with registry.read() as conn:
        rows, total = reading_queries.claims_citing(conn, source_id, limit=limit,
                                                    offset=offset)
        hidden = hidden_set(conn, {r["entity_id"] for r in rows})
        kept = [r for r in rows if r["id"] not in hidden.claims]
        names = display_names(conn, [r["entity_id"] for r in kept])
        items = [dict(r) for r in reading_queries.evidence_of_source(conn, source_id)]
        withheld = withheld_items(conn, [i["id"] for i in items])
        items = [i for i in items if i["id"] not in withheld]
    model = load_model()
    claims = []
    for r in kept:
        shown = r["value"]
        prop = model.schemas[r["schema"]].properties.get(r["property"])
        if prop is not None and prop.type == "vocab" and prop.vocab:
            shown = model.vocab_label(prop.vocab, r["value"])
        claims.append({"claim_id": r["id"], "entity_id": r["entity_id"],
                       "kind": r["schema"],
                       "entity": names.get(r["entity_id"], r["entity_id"])
                       .removesuffix(" [fictional]"),
                       "property": r["property"], "label": _label(r["schema"], r["property"]),
                       "qualifier": r["qualifier"], "value": shown, "locator": r["locator"],
                       "allegation": bool(r["allegation"]), "page": PAGES.get(r["schema"])})
    return SourceView(src, claims, total, len(rows) - len(kept), offset, limit, items)


def related_names(registry: Registry, ids: list[str]) -> dict[str, str]:
    """Readable names (pseudonyms for protected people) for record ids."""
    with registry.read() as conn:
        return {k: v.removesuffix(" [fictional]")
                for k, v in display_names(conn, ids).items()}


def kind_of(registry: Registry, record_id: str) -> str | None:
    """The kind of a record (Person, Unit...), or None when there is none."""
    with registry.read() as conn:
        row = queries.entity_row(conn, record_id)
    return str(row["schema"]) if row else None
