"""Search for the pages: the cross-script, spelling-tolerant name search of
services/search.py, grouped by merged person, each hit with what tells it
apart, narrowed by facets (city, prison, affiliation, execution date in
either calendar, age group, sentence already served) and paged.

Protection: hits come from services/search.py, which finds a protected person
only by pseudonym; a list person merged into a protected person is dropped
when found by a real name (the name would point at the protected person), and
a protected person's identifying facts (names, father's name, birth year, list
rows) are never shown in a hit nor counted in a facet.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from khavaran.errors import DateError, ValidationError
from khavaran.model.types.fuzzy_date import parse_date, to_jalali
from khavaran.services import search as search_service
from khavaran.services import versioned
from khavaran.services.profiles import display_names
from khavaran.services.protection import PROTECTED_CELL, identifies
from khavaran.services.registry import Registry
from khavaran.storage import queries, reading_queries
from khavaran.storage.publishing import published_among

__all__ = ["AGE_GROUPS", "CANDIDATES", "MAX_PAGE", "PROTECTED_CELL", "Everything", "Filters",
           "Finding", "PersonHit", "date_range", "find", "find_everything", "served"]


MAX_PAGE = 100
# Records ranked per search for the pages: totals and facets count the persons
# among them.  More would cost more than the page's time budget (docs/
# benchmarks.md); a query matching more says so (``capped``), to be narrowed.
CANDIDATES = 100
AGE_GROUPS = ("under_18", "over_60")
_PROPS = ("name", "city", "prison", "affiliation", "age", "death_date", "birth_year",
          "sentence")
# Words that say a sentence had been served (or the prisoner was kept past it,
# or re-arrested): "melli-kesh" (ملی‌کش) is the prisoners' word for it.
_SERVED = re.compile(r"served|completed|finished|expired|ended|past (?:its|the) end|"
                     r"re-?arrest|ملی ?‌?کش|پایان|تمام|سپری|بازداشت (?:مجدد|دوباره)",
                     re.IGNORECASE)


@lru_cache(maxsize=4096)
def _jalali(day: dt.date) -> tuple[int, int, int]:
    return to_jalali(day)


def served(sentence: str) -> bool:
    """Whether a recorded sentence says it had already been served."""
    return bool(_SERVED.search(sentence))


@dataclass(frozen=True)
class Filters:
    city: str | None = None
    prison: str | None = None
    affiliation: str | None = None
    date_from: str | None = None  # either calendar: 1367/05/06, 1988-07-28, Mordad 1367
    date_to: str | None = None
    age: str | None = None  # one of AGE_GROUPS
    served: bool = False

    def active(self) -> bool:
        return any((self.city, self.prison, self.affiliation, self.date_from, self.date_to,
                    self.age, self.served))


@dataclass
class PersonHit:
    id: str  # the merged person
    title: str
    protected: bool
    fictional: bool
    score: float
    matched: str
    fathers: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    prisons: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    ages: list[int] = field(default_factory=list)
    birth_years: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)  # dates of death, both calendars
    lists: list[str] = field(default_factory=list)  # "source record" of each list row
    members: list[str] = field(default_factory=list)  # list persons merged, when several
    sentences: list[str] = field(default_factory=list)
    spans: list[tuple[dt.date, dt.date]] = field(default_factory=list, repr=False)

    @cached_property
    def served(self) -> bool:
        return any(served(s) for s in self.sentences)

    @cached_property
    def months(self) -> set[str]:
        """The Solar Hijri months (Y/MM) this person died in, by the dates of
        death known to the day or the month."""
        out = set()
        for s, e in self.spans:
            month = _jalali(s)[:2]
            if month == _jalali(e)[:2]:
                out.add(f"{month[0]}/{month[1]:02d}")
        return out


@dataclass
class Finding:
    query: str
    filters: Filters
    hits: list[PersonHit]  # this page
    total: int  # persons matching, all pages
    offset: int
    limit: int
    facets: dict[str, list[tuple[str, int]]]
    capped: bool  # more records matched the name than were ranked
    span: tuple[dt.date | None, dt.date | None] = (None, None)

    @property
    def first(self) -> int:
        return self.offset + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.hits)

    @property
    def more(self) -> bool:
        return self.offset + self.limit < self.total


def date_range(date_from: str | None,
               date_to: str | None) -> tuple[dt.date | None, dt.date | None]:
    """The Gregorian days from the start of ``date_from`` to the end of
    ``date_to``, each written in either calendar (1367/05/06, ۱۳۶۷/۰۵/۰۶,
    1988-07-28, Mordad 1367, 1988); None for an empty side.  A bad date or
    an empty range is a ValidationError naming the field (``from``, ``to``)."""
    ends: list[dt.date | None] = []
    for name, text, side in (("from", date_from, 0), ("to", date_to, 1)):
        text = (text or "").strip()
        if not text:
            ends.append(None)
            continue
        try:
            fd = parse_date(text)
        except (DateError, ValidationError) as exc:
            raise ValidationError(f"'{text}' is not a date: {exc}", field=name) from None
        day = fd.start if side == 0 else fd.end
        if day is None:
            raise ValidationError(f"'{text}' is open-ended: give a date", field=name)
        ends.append(day)
    start, end = ends
    if start and end and start > end:
        raise ValidationError("the end of the range comes before its start", field="to")
    return start, end


def _check(filters: Filters, limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    if offset < 0:
        raise ValidationError("offset must be 0 or more", field="offset")
    if filters.age and filters.age not in AGE_GROUPS:
        raise ValidationError(f"unknown age group '{filters.age}' (one of "
                              f"{', '.join(AGE_GROUPS)})", field="age")


def _group(registry: Registry, hits: list[search_service.Hit]) -> list[PersonHit]:
    """Hits grouped by merged person, best first, with what the facets and
    filters need; ``_detail`` adds the rest for the hits shown."""
    with registry.read() as conn:
        heads = reading_queries.heads_of(conn, [h.id for h in hits])
        members = reading_queries.members_of(conn, set(heads.values()))
        every = [m for ms in members.values() for m in ms]
        merged = [m for ms in members.values() if len(ms) > 1 for m in ms]
        protected = {m for m, row in queries.entities(conn, merged).items() if row["protected"]}
        claims = reading_queries.telling_claims(conn, every, _PROPS)
    protected |= {h.id for h in hits if h.protected}
    shut = {h for h, ms in members.items() if any(m in protected for m in ms)}
    out: dict[str, PersonHit] = {}
    for h in hits:
        head = heads[h.id]
        if head in shut and not h.protected:
            continue  # a real name of someone merged into a protected person
        if head in out:
            out[head].score = max(out[head].score, h.score)
            continue
        out[head] = PersonHit(head, h.title, head in shut, h.fictional, h.score,
                              h.matched if not h.protected else h.title,
                              members=members[head] if len(members[head]) > 1 else [])
    of = {m: head for head in out for m in members[head]}
    for c in claims:
        owner = of.get(c.entity_id)
        if owner is None or (owner in shut and identifies("Person", c._mapping)):
            continue
        hit, prop, value = out[owner], c.property, c.value
        if prop == "name":
            _add(hit.fathers, value)
        elif prop == "city":
            _add(hit.cities, value)
        elif prop == "prison":
            _add(hit.prisons, value)
        elif prop == "affiliation":
            _add(hit.affiliations, value)
        elif prop == "sentence":
            _add(hit.sentences, value)
        elif prop == "birth_year":
            _add(hit.birth_years, value)
        elif prop == "age" and value.isdigit():
            _add(hit.ages, int(value))
        elif prop == "death_date" and c.date_start is not None:
            hit.spans.append((c.date_start, c.date_end or c.date_start))
            hit.dates.append(f"{c.date_calendar or ''}\x00{value}")
    return sorted(out.values(), key=lambda p: (-p.score, p.id))


def _detail(registry: Registry, people: list[PersonHit]) -> None:
    """What only the hits shown need: their list rows, dates of death in both
    calendars, and the names of merged persons."""
    with registry.read() as conn:
        records = queries.records_for(conn, [m for p in people for m in p.members or [p.id]])
        titles = display_names(conn, [p.id for p in people if p.members and not p.protected])
    of = {m: p for p in people for m in p.members or [p.id]}
    for r in records:
        owner = of.get(r["person_id"])
        if owner is not None and not owner.protected:
            _add(owner.lists, f"{r['source_id']} {r['record_id']}")
    for p in people:
        if p.id in titles:
            p.title = titles[p.id].removesuffix(" [fictional]")
        shown: list[str] = []
        for raw in p.dates:
            calendar, _, value = raw.partition("\x00")
            _add(shown, parse_date(value, calendar or None).both())
        p.dates = shown


def _add(values: list, value: object) -> None:  # type: ignore[type-arg]
    if value not in values:
        values.append(value)


def _keeps(p: PersonHit, f: Filters, span: tuple[dt.date | None, dt.date | None],
           skip: str = "") -> bool:
    if skip != "city" and f.city and f.city not in p.cities:
        return False
    if skip != "prison" and f.prison and f.prison not in p.prisons:
        return False
    if skip != "affiliation" and f.affiliation and f.affiliation not in p.affiliations:
        return False
    if skip != "age" and f.age == "under_18" and not any(a < 18 for a in p.ages):
        return False
    if skip != "age" and f.age == "over_60" and not any(a > 60 for a in p.ages):
        return False
    if skip != "served" and f.served and not p.served:
        return False
    start, end = span
    if skip != "date" and (start or end):
        lo, hi = start or dt.date.min, end or dt.date.max
        if not any(s <= hi and e >= lo for s, e in p.spans):
            return False
    return True


def _facets(people: list[PersonHit], f: Filters,
            span: tuple[dt.date | None, dt.date | None]) -> dict[str, list[tuple[str, int]]]:
    """Counts of persons per value, each facet counted over the results of the
    other filters (so that choosing a city still shows the other cities).

    A protected person counts in the total, and in a city's cell when it holds
    at least PROTECTED_CELL people, but in no narrower cell (prison,
    affiliation, month, age, sentence): a small cell would single them out."""
    out: dict[str, list[tuple[str, int]]] = {}
    for name, attr in (("city", "cities"), ("prison", "prisons"),
                       ("affiliation", "affiliations")):
        counts: Counter[str] = Counter()
        shielded: Counter[str] = Counter()
        for p in people:
            if not _keeps(p, f, span, skip=name):
                continue
            if p.protected:
                if name == "city":
                    shielded.update(getattr(p, attr))
                continue
            counts.update(getattr(p, attr))
        for value, n in shielded.items():
            if counts[value] + n >= PROTECTED_CELL:
                counts[value] += n
        out[name] = sorted(((v, n) for v, n in counts.items() if n),
                           key=lambda kv: (-kv[1], kv[0]))[:15]
    month: Counter[str] = Counter()
    ages: Counter[str] = Counter()
    served_n = 0
    for p in (p for p in people if not p.protected):
        if _keeps(p, f, span, skip="date"):
            month.update(p.months)
        if _keeps(p, f, span, skip="age"):
            ages.update(g for g, ok in (("under_18", any(a < 18 for a in p.ages)),
                                        ("over_60", any(a > 60 for a in p.ages))) if ok)
        if _keeps(p, f, span, skip="served") and p.served:
            served_n += 1
    out["month"] = sorted(month.items())
    out["age"] = [(g, ages[g]) for g in AGE_GROUPS]
    out["served"] = [("served", served_n)]
    return out


def find(registry: Registry, query: str, filters: Filters | None = None, *,
         limit: int = 20, offset: int = 0, public: bool = False) -> Finding:
    """People whose names match ``query`` in either script, one hit per merged
    person, narrowed by ``filters``; the page from ``offset`` of ``limit``.

    The total and the facets count the persons matching the name (and the
    other filters) among the best ``CANDIDATES`` records ranked; ``capped``
    says when more may have matched.  Protected people are found only by
    pseudonym.  With ``public``, only the persons the public memorial shows
    (published, none of their list persons protected) are found or counted.
    """
    filters = filters or Filters()
    _check(filters, limit, offset)
    text = query.strip()
    if not text:
        raise ValidationError("give a name or id to search for", field="q")
    span = date_range(filters.date_from, filters.date_to)
    # The same for every caller: kept per registry version (services/versioned.py).
    return versioned.cached(registry, ("find", text, filters, limit, offset, public),
                            lambda: _find(registry, text, filters, span, limit, offset,
                                          public))


def _find(registry: Registry, text: str, filters: Filters,
          span: tuple[dt.date | None, dt.date | None], limit: int, offset: int,
          public: bool = False) -> Finding:
    hits = search_service.search(registry, text, limit=CANDIDATES, schema="Person")
    people = _group(registry, list(hits))
    if public:
        with registry.read() as conn:
            shown = published_among(conn, [p.id for p in people])
        people = [p for p in people if p.id in shown and not p.protected]
    kept = [p for p in people if _keeps(p, filters, span)]
    page = kept[offset:offset + limit]
    _detail(registry, page)
    return Finding(text, filters, page, len(kept), offset, limit,
                   _facets(people, filters, span), hits.capped or len(hits) >= CANDIDATES,
                   span)


@dataclass
class Everything:
    """What `khavaran search` prints: the persons (one per merged person, with
    what tells them apart, and how many match), then the other records."""

    people: Finding | None  # None when another kind was asked for
    others: list[search_service.Hit]  # places, units... best first


def find_everything(registry: Registry, query: str, *, limit: int = 20,
                    schema: str | None = None) -> Everything:
    """Records whose names match ``query`` in either script, for the command line.

    Parameters: ``limit`` at most this many persons (1 to MAX_PAGE counted;
    up to search.CANDIDATES accepted) and as many other records; ``schema``
    one kind only (Person, Place, Unit...).  Protected people are found only by
    pseudonym, as in ``find``.
    """
    if not 1 <= limit <= search_service.CANDIDATES:
        raise ValidationError(f"limit must be 1 to {search_service.CANDIDATES}",
                              field="limit")
    others: list[search_service.Hit] = []
    if schema != "Person":
        others = [h for h in search_service.search(registry, query, limit=limit, schema=schema)
                  if h.schema != "Person"]
    people = None
    if schema in (None, "Person"):
        people = find(registry, query, limit=min(limit, MAX_PAGE))
    return Everything(people, others)
