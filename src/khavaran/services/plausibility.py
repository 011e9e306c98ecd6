"""Warnings about a person's dates that cannot all be true.

A death date in the future, a death before the birth, an age at death that
disagrees with the birth year by more than a year: each is kept as the source
gives it (a transcription error is still what the list says), but the import
report and the person's profile say so, so that someone checks the source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from khavaran.storage import repo

if TYPE_CHECKING:
    from khavaran.services.ingest import _Ingest

__all__ = ["DATED", "DatedFact", "batch_warnings", "date_warnings"]

# The properties the checks read.
DATED = frozenset({"death_date", "birth_date", "birth_year", "age"})
# An age without a death date is taken as the age in 1988, the year of the
# massacres that this registry documents; the warning says so.
MASSACRE_YEAR = 1988


@dataclass(frozen=True)
class DatedFact:
    property: str
    value: str
    start: dt.date | None
    end: dt.date | None
    where: str | None = None  # "file, line N" of a fact being imported


def _at(fact: DatedFact) -> str:
    return f" ({fact.where})" if fact.where else ""


def date_warnings(person: str, facts: Iterable[DatedFact], today: dt.date) -> list[str]:
    """What cannot all be true among one person's ``facts``, one message each."""
    facts = list(facts)
    deaths = [f for f in facts if f.property == "death_date"]
    births = [f for f in facts if f.property in ("birth_date", "birth_year")]
    ages = [f for f in facts if f.property == "age"]
    out = []
    for d in deaths:
        if d.start is not None and d.start > today:
            out.append(f"{person}: death date '{d.value}' is in the future{_at(d)}")
        for b in births:
            if d.end is not None and b.start is not None and d.end < b.start:
                out.append(f"{person}: death date '{d.value}' is before birth "
                           f"'{b.value}'{_at(d) or _at(b)}")
    for a in ages:
        try:
            age = int(a.value)
        except ValueError:
            continue
        spans = [(d.start.year, d.end.year, f"death in '{d.value}'") for d in deaths
                 if d.start is not None and d.end is not None]
        spans = spans or [(MASSACRE_YEAR, MASSACRE_YEAR,
                           f"no death date: taking {MASSACRE_YEAR}")]
        for b in births:
            if b.start is None or b.end is None:
                continue
            for first, last, said in spans:
                youngest = max(0, first - b.end.year - 1)
                oldest = last - b.start.year
                if age < youngest - 1 or age > oldest + 1:
                    out.append(f"{person}: age {age} and birth '{b.value}' disagree by more "
                               f"than a year ({said}){_at(a) or _at(b)}")
    return list(dict.fromkeys(out))


def batch_warnings(run: _Ingest) -> list[str]:
    """The warnings of the people whose dates an import's claims touch, reading
    their stored facts too."""
    touched: dict[str, list[DatedFact]] = {}
    seen: set[str] = set()
    for p in run.prepared:
        r = p.row
        if r["property"] in DATED and p.id not in seen:
            seen.add(p.id)
            w = p.source.where
            where = f"{w.file}, line {w.line}" if w.file else None
            touched.setdefault(r["entity_id"], []).append(DatedFact(
                r["property"], r["value"], r["date_start"], r["date_end"], where))
    # A protected person's stored facts are not quoted to someone who may not see them.
    stored = [e for e in touched if e in run.db_entities
              and (run.include_protected or not run.was_protected(e))]
    for eid, prop, value, start, end, cid in repo.dated_facts(run.conn, stored, DATED):
        if cid not in seen:
            touched[eid].append(DatedFact(prop, value, start, end))
    today = run.now.date()
    return [text for eid, facts in touched.items() for text in date_warnings(eid, facts, today)]
