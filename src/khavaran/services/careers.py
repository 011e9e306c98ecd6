"""A person's career since 1988 and standing now, each fact with its sources.

Built on the Posting records and the standing properties of a person
(model/schema.yaml), read through profiles so that protection applies as it
does everywhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from khavaran.errors import ValidationError
from khavaran.model.types.fuzzy_date import parse_date
from khavaran.services import profiles
from khavaran.services.profiles import Fact, Profile
from khavaran.services.registry import Registry

__all__ = ["STANDING", "Career", "Post", "career", "career_of"]

STANDING = ("alive_as_of", "death_date", "immunity", "residence", "residence_country", "travel",
            "travel_country")


@dataclass
class Post:
    posting_id: str
    unit_id: str | None
    unit: str  # as a reader sees it
    titles: list[Fact]
    start: Fact | None
    end: Fact | None
    allegation: bool  # a seat on an implicating unit (a death commission)
    facts: list[Fact] = field(default_factory=list)  # every fact of the post, for sources

    @property
    def sort_key(self) -> dt.date:
        if self.start is None:
            return dt.date.max
        try:
            return parse_date(self.start.value).start or dt.date.max
        except ValidationError:
            return dt.date.max


@dataclass
class Career:
    person_id: str
    title: str
    fictional: bool
    protected: bool
    posts: list[Post]
    standing: dict[str, list[Fact]]
    withheld: int = 0


def _first(facts: list[Fact]) -> Fact | None:
    if not facts:
        return None
    preferred = [f for f in facts if f.preferred]
    return (preferred or facts)[0]


def career_of(profile: Profile) -> Career:
    """The career in a person's profile (its Posting records and standing facts)."""
    posts = []
    for prop, related in profile.related:
        if prop != "person" or related.schema != "Posting":
            continue
        f = related.facts
        unit = _first(f.get("unit", []))
        person_facts = f.get("person", [])
        posts.append(Post(
            posting_id=related.id, unit_id=unit.value if unit else None,
            unit=unit.shown if unit else "", titles=f.get("title", []),
            start=_first(f.get("start_date", [])), end=_first(f.get("end_date", [])),
            allegation=any(p.allegation for p in person_facts),
            facts=[x for facts in f.values() for x in facts]))
    posts.sort(key=lambda p: (p.sort_key, p.posting_id))
    standing = {p: profile.facts[p] for p in STANDING if profile.facts.get(p)}
    return Career(profile.id, profile.title, profile.fictional, profile.protected, posts,
                  standing, profile.withheld)


def career(registry: Registry, person_id: str, *, include_protected: bool = False,
           actor: str | None = None) -> Career:
    """Every post a person held, oldest first, and their standing now.

    Parameters: ``person_id`` a Person's id; ``include_protected`` reveal a
    protected person (needs ``actor``; recorded in history).
    """
    profile = profiles.show(registry, person_id, schema="Person",
                            include_protected=include_protected, actor=actor)
    return career_of(profile)
