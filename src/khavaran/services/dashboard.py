"""The summer-1988 dashboard: executions per day and counts by city, prison,
affiliation and age group, over merged victims, narrowed by filters, beside
the estimated total with its interval.

Documented figures count named victims (merged persons); the estimate comes
from `estimate` over the registry's lists.  The two are kept apart, never added
or mixed.

Protected people are counted in no figure here, only said to be left out:
every figure can be narrowed, and two figures that differ by a protected
person (a city's cell and the same city's filtered total, the whole timeline
and the two waves') would say where they were held or when they died, which
their own page withholds.  The estimate is made without them for the same
reason (its count of people seen would differ by them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from khavaran.errors import ValidationError
from khavaran.linkage.features import canonical_place
from khavaran.services import estimation, home, versioned
from khavaran.services.registry import Registry
from khavaran.storage import reading_queries

if TYPE_CHECKING:  # NumPy and SciPy come with it: loaded when an estimate is made
    from khavaran.linkage.estimate import Estimate

__all__ = ["AGE_BANDS", "FILTERS", "WAVES", "WAVE_SPLIT", "Dashboard", "DashFilters",
           "Victim", "dashboard", "dashboard_lines", "estimate", "victims"]

AGE_BANDS = ("under_18", "18_29", "30_39", "40_59", "60_plus")
# The first wave (PMOI prisoners, from late July) and the second (leftists,
# from late August): a death dated before this day is in the first.
WAVE_SPLIT = dt.date(1988, 8, 26)  # 4 Shahrivar 1367
WAVES = ("1", "2")
FILTERS = ("city", "prison", "affiliation", "age", "wave")
_FACTS = ("city", "prison", "affiliation", "age", "birth_year")


@dataclass(frozen=True)
class DashFilters:
    city: str | None = None
    prison: str | None = None
    affiliation: str | None = None
    age: str | None = None  # one of AGE_BANDS
    wave: str | None = None  # one of WAVES

    def active(self) -> bool:
        return any((self.city, self.prison, self.affiliation, self.age, self.wave))


@dataclass
class Victim:
    """A merged victim, with what the dashboard counts by."""

    id: str
    protected: bool
    cities: set[str] = field(default_factory=set)
    prisons: set[str] = field(default_factory=set)
    affiliations: set[str] = field(default_factory=set)
    age: int | None = None
    death: tuple[dt.date, dt.date] | None = None

    @property
    def age_band(self) -> str | None:
        if self.age is None:
            return None
        for band, top in zip(AGE_BANDS, (17, 29, 39, 59), strict=False):
            if self.age <= top:
                return band
        return AGE_BANDS[-1]

    @property
    def wave(self) -> str | None:
        """The wave the date of death falls in; None when unknown or it spans both."""
        if self.death is None:
            return None
        start, end = self.death
        if start >= home.FIRST_DAY and end < WAVE_SPLIT:
            return "1"
        if start >= WAVE_SPLIT and end <= home.LAST_DAY:
            return "2"
        return None


@dataclass
class Dashboard:
    filters: DashFilters
    documented: int  # merged victims counted under the filters
    timeline: home.Timeline
    counts: dict[str, list[tuple[str, int]]]  # city, prison, affiliation, age, wave
    choices: dict[str, list[str]]  # the values each filter may take, most common first
    labels: dict[str, str]  # a place's or affiliation's key -> its spellings, Latin / Persian
    protected: int  # protected victims, counted in no figure


def _age(property_: str, value: str) -> int | None:
    """An age at death from an age claim, or from a birth year (Gregorian 19xx or
    Solar Hijri 13xx: 1988 is 1367 SH)."""
    value = value.strip()
    if not value.isdigit():
        return None
    number = int(value)
    if property_ == "age":
        return number if 0 < number < 120 else None
    for year_of_death, lo in ((1988, 1870), (1367, 1250)):
        if lo <= number <= year_of_death:
            return year_of_death - number
    return None


def victims(registry: Registry) -> tuple[list[Victim], dict[str, str]]:
    """Every merged victim, with their cities, prisons, affiliations (each by
    its key: Tarandasht and ترندشت are one city), age and chosen date of death;
    and each key's label.  The same for every reader: kept per registry version."""
    return versioned.cached(registry, ("dashboard-victims",), lambda: _victims(registry))


def _victims(registry: Registry) -> tuple[list[Victim], dict[str, str]]:
    with registry.read() as conn:
        rows = reading_queries.facts_of_victims(conn, (*_FACTS, "role"))
        protected = home.protected_people(conn)
    out: dict[str, Victim] = {}
    keys: dict[tuple[str, str], str | None] = {}
    spellings: dict[str, Counter[str]] = {}
    for r in rows:
        v = out.get(r.person)
        if v is None:
            v = out[r.person] = Victim(r.person, r.person in protected)
        if r.property in ("city", "prison", "affiliation"):
            text = r.value.strip()
            if (r.property, text) not in keys:
                keys[r.property, text] = canonical_place(r.property, text) if text else None
            key = keys[r.property, text]
            if key is None:
                continue
            key = f"{r.property}:{key.removeprefix('~')}"
            spellings.setdefault(key, Counter())[text] += 1
            _values(v, r.property).add(key)
        elif r.property in ("age", "birth_year") and v.age is None:
            v.age = _age(r.property, r.value)
    for person, span in home.deaths(registry).items():
        if person in out:
            out[person].death = span
    return sorted(out.values(), key=lambda v: v.id), {
        key: _label(names) for key, names in spellings.items()}


def _label(spellings: Counter[str]) -> str:
    """The commonest spelling in Latin script, then the commonest in another."""
    ordered = [text for text, _ in sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))]
    latin = [t for t in ordered if t.isascii()]
    other = [t for t in ordered if not t.isascii()]
    return " / ".join(([latin[0]] if latin else []) + ([other[0]] if other else []))


def _values(v: Victim, name: str) -> set[str]:
    if name == "city":
        return v.cities
    if name == "prison":
        return v.prisons
    if name == "affiliation":
        return v.affiliations
    one = v.age_band if name == "age" else v.wave
    return {one} if one else set()


def _keeps(v: Victim, f: DashFilters) -> bool:
    return all(getattr(f, name) is None or getattr(f, name) in _values(v, name)
               for name in FILTERS)


def _check(f: DashFilters, choices: dict[str, list[str]]) -> None:
    for name in FILTERS:
        value = getattr(f, name)
        if value is not None and value not in choices[name]:
            raise ValidationError(f"no {name} '{value}' among the victims: choose one "
                                  "from the list", field=name)


def dashboard(registry: Registry, filters: DashFilters | None = None) -> Dashboard:
    """The dashboard of the victims ``filters`` select (all of them by default)."""
    f = filters or DashFilters()
    everyone, labels = victims(registry)
    choices = _choices(everyone)
    _check(f, choices)
    kept = [v for v in everyone if _keeps(v, f) and not v.protected]
    counts = {name: _count(kept, name) for name in FILTERS}
    counts["age"] = sorted(counts["age"], key=lambda kv: AGE_BANDS.index(kv[0]))
    counts["wave"] = sorted(counts["wave"])
    line = home.timeline_of(v.death for v in kept if v.death is not None)
    return Dashboard(f, len(kept), line, counts, choices, labels,
                     sum(1 for v in everyone if v.protected))


def _choices(everyone: list[Victim]) -> dict[str, list[str]]:
    choices = {name: [value for value, _ in _count(everyone, name)] for name in FILTERS}
    choices["age"] = [b for b in AGE_BANDS if b in choices["age"]]
    choices["wave"] = [w for w in WAVES if w in choices["wave"]]
    return choices


def _count(people: list[Victim], name: str) -> list[tuple[str, int]]:
    """Victims per value of ``name``, most first; protected people in none."""
    counts: Counter[str] = Counter()
    for v in people:
        if not v.protected:
            counts.update(_values(v, name))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def estimate(registry: Registry, filters: DashFilters | None = None
             ) -> tuple[Estimate | None, str]:
    """The estimated total of the victims ``filters`` select, from `estimate`
    over the registry's lists: of all victims, or of a city's; none for a
    narrower selection, which the lists' overlaps cannot carry.  With no
    estimate, why: "narrower", "no-lists", "no-overlap" or "not-estimated".

    It takes seconds (NumPy, SciPy and the models), so the page asks for it apart."""
    f = filters or DashFilters()
    _check(f, _choices(victims(registry)[0]))
    if any((f.prison, f.affiliation, f.age, f.wave)):
        return None, "narrower"
    by = "city" if f.city else None
    found = versioned.cached(registry, ("dashboard-estimate", by),
                             lambda: _estimates(registry, by))
    if isinstance(found, str):
        return None, found
    for e in found:
        if e.stratum == f.city and e.estimated:
            return e, ""
    return None, "not-estimated"


def _estimates(registry: Registry, by: str | None) -> list[Estimate] | str:
    try:
        captures = estimation.without_protected(estimation.from_registry(registry))
    except ValidationError:
        return "no-lists"
    try:
        return estimation.run(captures, by=by)
    except ValidationError:  # no one on two lists: the estimate would be infinite
        return "no-overlap"


def dashboard_lines(board: Dashboard, top: int = 15) -> list[str]:
    """The dashboard as text: the documented count, then each tally (``top`` rows)."""
    chosen = [f"{n}={getattr(board.filters, n)}" for n in FILTERS if getattr(board.filters, n)]
    out = [f"Documented victims (merged persons): {board.documented:,}"
           + (f" (filters: {', '.join(chosen)})" if chosen else ""),
           f"Executions per day: {board.timeline.persons:,} victims dated to the day, "
           f"{board.timeline.imprecise:,} known only to the month or less"]
    if board.protected:
        out.append(f"{board.protected} protected victim(s) counted in no figure")
    for name in FILTERS:
        out.append(f"By {name}:")
        for value, n in board.counts[name][:top]:
            out.append(f"  {board.labels.get(value, value)}: {n:,}")
    out.append("Estimated totals are not added to these: see `khavaran estimate`.")
    return out
