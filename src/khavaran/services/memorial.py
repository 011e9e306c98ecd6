"""What the public memorial (`khavaran serve --public`) shows of a person.

Only a published person who is not protected (services/publishing.py), and of
them only the facts a memorial page carries (PUBLIC_PROPERTIES: names, dates,
places, affiliation, sentence...), never contact details, addresses, identity
documents, relatives, notes, list rows, evidence or claim ids.  Each fact keeps
its sources, by title and locator; a testimony, or any source that names its
witness, is cited as a testimony without its title, which often names the witness.
No protected person is ever among them (a merged person with a protected member
is not public), and none of these
properties refers to another record, so nothing here can name a protected one.

Views are cached by the registry's version (services/versioned.py): a publish,
an unpublish or a protect sets the version anew, so the next request sees it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from khavaran.errors import NotFoundError
from khavaran.model.loader import load_model
from khavaran.model.types.persian_name import script
from khavaran.services import home, versioned
from khavaran.services.profiles import SINGLE
from khavaran.services.registry import Registry
from khavaran.storage import publishing as store
from khavaran.storage import queries, reading_queries

__all__ = ["PUBLIC_PROPERTIES", "PublicFact", "PublicPerson", "PublicProperty",
           "PublicSource", "is_testimony", "public_ids", "public_person", "public_timeline"]

# A person's properties a memorial page shows (model/schema.yaml), in this order.
# Left out on purpose: relative_of and associate_of (may name a witness),
# identity_document, residence, contact, residence_country, travel, immunity,
# alive_as_of (a suspect's), religion (a belief others may be persecuted for
# still) and note (free text, written for the team).
PUBLIC_PROPERTIES = ("name", "gender", "birth_year", "birth_date", "birth_place", "city",
                     "occupation", "affiliation", "prison", "sentence", "death_date", "age",
                     "burial_place")
TESTIMONY = "testimony"


def is_testimony(kind: str | None, witness_id: str | None) -> bool:
    """Whether a source is cited as "a witness's testimony", without its title: a
    testimony, or any source that names its witness (a letter, an interview), whose
    title so often names them."""
    return kind == TESTIMONY or bool(witness_id)


@dataclass(frozen=True)
class PublicSource:
    title: str  # "" for a testimony: the page says "a testimony"
    locator: str
    testimony: bool


@dataclass(frozen=True)
class PublicFact:
    value: str  # as recorded: a date in its own calendar, a name in its script
    shown: str  # as a reader sees it: dates in both calendars, vocabulary labels
    script: str | None  # for names: "fa", "latin" or "mixed"
    qualifier: str | None
    preferred: bool
    sources: tuple[PublicSource, ...]


@dataclass(frozen=True)
class PublicProperty:
    name: str
    label: str
    type: str
    facts: tuple[PublicFact, ...]
    conflict: bool


@dataclass(frozen=True)
class PublicPerson:
    id: str
    title: str
    fictional: bool
    properties: tuple[PublicProperty, ...] = field(default_factory=tuple)


def public_person(registry: Registry, person_id: str) -> PublicPerson:
    """A published person's memorial page; NotFoundError for anyone else,
    the same answer as for an id that does not exist."""
    return versioned.cached(registry, ("public-person", person_id),
                            lambda: _public_person(registry, person_id))


def _public_person(registry: Registry, person_id: str) -> PublicPerson:
    # Its own few statements rather than the team app's profile (related records,
    # list rows, date checks...): a memorial of 30,000 pages is mostly read from
    # pages not in the cache, so this cost is what a visitor waits for.
    model = load_model()
    schema = model.schemas["Person"]
    with registry.read() as conn:
        found = store.public_head(conn, person_id)
        if found is None:
            raise NotFoundError(f"no person with id '{person_id}'")
        head, fictional = found
        members = queries.group_members(conn, head)
        claims = queries.claims_for(conn, members, PUBLIC_PROPERTIES)
        cites: dict[str, list[PublicSource]] = defaultdict(list)
        for c in queries.citations_for(conn, [r["id"] for r in claims]):
            testimony = is_testimony(c["source_kind"], c["witness_id"])
            cites[c["claim_id"]].append(PublicSource("" if testimony else c["title"],
                                                     c["locator"], testimony))
    by_prop: dict[str, list[Any]] = defaultdict(list)
    for r in claims:
        by_prop[r["property"]].append(r)
    out = []
    for prop in sorted(by_prop, key=PUBLIC_PROPERTIES.index):
        spec = schema.properties[prop]
        rows = sorted(by_prop[prop], key=lambda r: (not r["preferred"], -r["credibility"]))
        facts = tuple(PublicFact(
            r["value"], model.vocab_label(spec.vocab, r["value"])
            if spec.type == "vocab" and spec.vocab else r["value"],
            script(r["value"]) if spec.type == "name" else None, r["qualifier"],
            bool(r["preferred"]), tuple(cites[r["id"]])) for r in rows)
        conflict = prop in SINGLE and len({r["value_norm"] for r in rows}) > 1
        out.append(PublicProperty(prop, spec.label or prop.replace("_", " "), spec.type,
                                  facts, conflict))
    return PublicPerson(head, _title(by_prop.get("name", []), head), fictional, tuple(out))


def _title(names: list[Any], head: str) -> str:
    """The name the page is headed with, as the team app's pages choose it
    (profiles.display_names): the preferred full name, Latin then Persian."""
    names = sorted(names, key=lambda c: (not c["preferred"], c["qualifier"] not in
                                         ("full", None), c["created_at"]))
    latin = [c["value"] for c in names if c["value"].isascii()]
    persian = [c["value"] for c in names if not c["value"].isascii()]
    return " / ".join(([latin[0]] if latin else []) + ([persian[0]] if persian else [])) \
        or head


def public_ids(registry: Registry) -> list[str]:
    """Every person the memorial shows (published and not protected)."""
    with registry.read() as conn:
        ids = store.published_ids(conn)
        members = reading_queries.members_of(conn, ids)
        every = [m for ms in members.values() for m in ms]
        shut = {m for m, r in queries.entities(conn, every).items() if r["protected"]}
    return [i for i in ids if not shut & set(members[i])]


def public_timeline(registry: Registry) -> home.Timeline:
    """The summer-1988 timeline of the persons the memorial shows."""
    return versioned.cached(registry, ("public-timeline",),
                            lambda: home.timeline(registry, only=set(public_ids(registry))))

