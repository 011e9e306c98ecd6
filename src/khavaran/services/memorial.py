"""What the public memorial (`khavaran serve --public`) shows of a person.

Only a published person who is not protected (services/publishing.py), and of
them only the facts a memorial page carries (PUBLIC_PROPERTIES: names, dates,
places, affiliation, sentence...), never contact details, addresses, identity
documents, relatives, notes, list rows, evidence or claim ids.  Each fact keeps
its sources, by title and locator; a testimony is cited as a testimony without
its title, which often names the witness.  Built from the team app's profile
without any reveal (services/profiles.py), so what it already hides stays hidden.

Views are cached by the registry's version (services/versioned.py): a publish,
an unpublish or a protect sets the version anew, so the next request sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from khavaran.errors import NotFoundError
from khavaran.services import home, profiles, versioned
from khavaran.services.publishing import is_public
from khavaran.services.record_views import properties_of
from khavaran.services.registry import Registry
from khavaran.storage import publishing as store
from khavaran.storage import queries, reading_queries, repo

__all__ = ["PUBLIC_PROPERTIES", "PublicFact", "PublicPerson", "PublicProperty",
           "PublicSource", "public_ids", "public_person", "public_timeline"]

# A person's properties a memorial page shows (model/schema.yaml), in this order.
# Left out on purpose: relative_of (names a relative, who may be a witness),
# identity_document, residence, contact, residence_country, travel, immunity,
# alive_as_of (a suspect's), religion (a belief others may be persecuted for
# still) and note (free text, written for the team).
PUBLIC_PROPERTIES = ("name", "gender", "birth_year", "birth_date", "birth_place", "city",
                     "occupation", "affiliation", "prison", "sentence", "death_date", "age",
                     "burial_place")
TESTIMONY = "testimony"


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
    # One connection and no reveal; the profile is not cached apart from this
    # view, so that the cache holds twice as many pages.
    with registry.read() as conn:
        head = is_public(conn, person_id)
        if head is None:
            raise NotFoundError(f"no person with id '{person_id}'")
        profile = profiles.profile_in(conn, head)
        if profile.protected or profile.schema != "Person":
            raise NotFoundError(f"no person with id '{person_id}'")
        props = [p for p in properties_of(profile) if p.name in PUBLIC_PROPERTIES]
        props.sort(key=lambda p: PUBLIC_PROPERTIES.index(p.name))
        cited = {c.source_id for p in props for f in p.facts for c in f.citations}
        kinds = {k: r["kind"] for k, r in repo.source_rows(conn, cited).items()}
    out = []
    for p in props:
        facts = tuple(PublicFact(f.value, f.shown, f.script, f.qualifier, f.preferred, tuple(
            PublicSource("" if kinds.get(c.source_id) == TESTIMONY else c.title,
                         c.locator, kinds.get(c.source_id) == TESTIMONY)
            for c in f.citations)) for f in p.facts)
        out.append(PublicProperty(p.name, p.label, p.type, facts, p.conflict))
    title = profile.title.removesuffix(" [fictional]")
    return PublicPerson(profile.id, title, profile.fictional, tuple(out))


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

