"""The home page's data: counts, recent changes and the summer-1988 timeline
of executions per day, with a server-rendered SVG chart of it.

Recent changes never show a protected identity: changes to a protected
person's identifying facts are left out (ids and all, as in history), and
people are named by pseudonym.  Revealing is done on a person's page, on
purpose, never on the home page.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from sqlalchemy import Connection

from khavaran.model.types.fuzzy_date import to_jalali
from khavaran.services.history import Change
from khavaran.services.profiles import display_names
from khavaran.services.protection import hidden_set
from khavaran.services.registry import Registry
from khavaran.storage import queries, reading_queries

__all__ = ["FIRST_DAY", "LAST_DAY", "SH_MONTHS_FA", "Day", "Home", "Timeline", "chart_svg",
           "deaths", "home", "persian_digits", "protected_people", "recent_changes", "timeline",
           "timeline_of"]

# The summer of 1988: from the ceasefire (18 Jul 1988) to the end of
# Shahrivar 1367 (22 Sep 1988), when the second wave ended.
FIRST_DAY = dt.date(1988, 7, 19)
LAST_DAY = dt.date(1988, 9, 22)
_G_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TO_FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
SH_MONTHS_FA = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
                "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")


def persian_digits(text: str) -> str:
    """ASCII digits as Persian digits."""
    return text.translate(_TO_FA)


@dataclass(frozen=True)
class Day:
    day: dt.date
    count: int

    @property
    def jalali(self) -> str:
        """The day as Solar Hijri Y/M/D, e.g. 1367/05/06."""
        y, m, d = to_jalali(self.day)
        return f"{y}/{m:02d}/{d:02d}"

    def label(self, lang: str, *, year: bool = True) -> str:
        """The day in the page's language: Solar Hijri in Persian, Gregorian in English."""
        if lang == "fa":
            y, m, d = to_jalali(self.day)
            return persian_digits(f"{d} {SH_MONTHS_FA[m - 1]}" + (f" {y}" if year else ""))
        return (f"{self.day.day} {_G_SHORT[self.day.month - 1]}"
                + (f" {self.day.year}" if year else ""))


@dataclass
class Timeline:
    days: list[Day]
    persons: int  # merged victims with a date of death to the day within the summer
    imprecise: int  # merged victims whose date is known only to the month or less

    @property
    def peak(self) -> int:
        return max((d.count for d in self.days), default=0)


@dataclass
class Home:
    counts: dict[str, int]
    # (change, name of the record, its kind)
    changes: list[tuple[Change, str | None, str | None]] = field(default_factory=list)
    timeline: Timeline | None = None


def timeline(registry: Registry, first: dt.date = FIRST_DAY,
             last: dt.date = LAST_DAY, *, only: set[str] | None = None) -> Timeline:
    """Executions per day between ``first`` and ``last``, counting each merged
    person once, on the day of their chosen date of death (``deaths``).  A
    person whose chosen date is not known to the day is counted in
    ``imprecise``, not on any day.  With ``only``, only those merged persons
    count (the public memorial's)."""
    chosen = deaths(registry)
    if only is not None:
        chosen = {p: span for p, span in chosen.items() if p in only}
    return timeline_of(chosen.values(), first, last)


def deaths(registry: Registry) -> dict[str, tuple[dt.date, dt.date]]:
    """Each merged victim's date of death as a span (first and last possible
    day): their preferred one, else the most credible, then the earliest recorded.

    Protected people are left out: one day's bar less on a narrowed chart (the
    dashboard's) than on this one would give their date of death, which their
    own page withholds."""
    with registry.read() as conn:
        rows = reading_queries.death_dates_of_victims(conn)
        shut = protected_people(conn)
    best: dict[str, tuple[tuple[bool, int, dt.datetime], dt.date, dt.date]] = {}
    for r in rows:
        rank = (not r["preferred"], -r["credibility"], r["created_at"])
        person = r["person"]
        if person in shut:
            continue
        if person not in best or rank < best[person][0]:
            best[person] = (rank, r["date_start"], r["date_end"] or r["date_start"])
    return {person: (start, end) for person, (_, start, end) in best.items()}


def timeline_of(spans: Iterable[tuple[dt.date, dt.date]], first: dt.date = FIRST_DAY,
                last: dt.date = LAST_DAY) -> Timeline:
    """The timeline of these dates of death (one per person)."""
    per_day: Counter[dt.date] = Counter()
    imprecise = 0
    for start, end in spans:
        if end < first or start > last:
            continue
        if start == end:
            per_day[start] += 1
        else:
            imprecise += 1
    days = [Day(first + dt.timedelta(days=i), per_day.get(first + dt.timedelta(days=i), 0))
            for i in range((last - first).days + 1)]
    return Timeline(days, sum(per_day.values()), imprecise)


def protected_people(conn: Connection) -> set[str]:
    """Protected people, as merged persons: a person with any protected member is one."""
    shut = set(queries.protected_entities(conn))
    return shut | set(reading_queries.heads_of(conn, shut).values())


def recent_changes(registry: Registry,
                   limit: int = 20) -> list[tuple[Change, str | None, str | None]]:
    """The last changes, newest first, each with the name and kind of its
    record as a reader sees it (a protected person by pseudonym); changes that
    would identify a protected person are left out."""
    with registry.read() as conn:
        rows = reading_queries.recent_history(conn, limit * 3)
        hidden = hidden_set(conn, {r["entity_id"] for r in rows if r["entity_id"]})
        # Reveals are left out, as from a plain export: beside the change that
        # needed one, it would tie that change to the protected person.
        kept = [r for r in rows if not hidden.hides_history(r)
                and r["action"] != "reveal-protected"][:limit]
        ids = [r["entity_id"] for r in kept if r["entity_id"]]
        names = display_names(conn, ids)
        kinds = {k: str(v["schema"]) for k, v in queries.entities(conn, ids).items()}
    return [(Change(r["at"], r["actor"], r["action"], r["entity_id"], r["claim_id"],
                    r["field"], r["old_value"], r["new_value"], r["reason"]),
             names[r["entity_id"]].removesuffix(" [fictional]") if r["entity_id"] in names
             else None, kinds.get(r["entity_id"] or "")) for r in kept]


def home(registry: Registry, *, changes: int = 20) -> Home:
    """Counts (victims as merged persons, list records, sources, evidence items,
    cases), the last ``changes`` changes and the summer-1988 timeline."""
    with registry.read() as conn:
        counts = reading_queries.home_counts(conn)
    return Home(counts, recent_changes(registry, changes), timeline(registry))


def _words(lang: str) -> dict[str, str]:
    if lang == "fa":
        return {"title": "اعدام‌ها در هر روز، تابستان ۱۳۶۷",
                "one": "{n} اعدام در {day}", "axis": "شمار"}
    return {"title": "Executions per day, summer 1988",
            "one": "{n} executions on {day}", "axis": "count"}


def chart_svg(line: Timeline, lang: str = "en", *, width: int = 720,
              height: int = 240) -> str:
    """The timeline as an SVG bar chart (text, no script): a bar per day with a
    ``<title>`` naming the day in both calendars and the count, the y axis in
    counts, the x axis labelled weekly in the page's calendar and digits.  In
    Persian the days run right to left."""
    words = _words(lang)
    num = persian_digits if lang == "fa" else str
    # The counts' axis stands where reading starts: on the right in Persian.
    rtl = lang == "fa"
    left, right, top, bottom = (10, 40, 24, 40) if rtl else (40, 10, 24, 40)
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(line.days), 1)
    step = plot_w / n
    peak = max(line.peak, 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="{escape(words["title"])}" class="timeline-chart">',
           f"<title>{escape(words['title'])}</title>"]
    # y axis: 0, half and the peak
    for value in sorted({0, peak // 2, peak}):
        y = top + plot_h - plot_h * value / peak
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                   'stroke="#ccc" stroke-width="1"/>')
        out.append(f'<text x="{width - right + 4 if rtl else left - 4}" y="{y + 4:.1f}" '
                   f'font-size="11" text-anchor="{"start" if rtl else "end"}">'
                   f"{num(str(value))}</text>")
    for i, d in enumerate(line.days):
        slot = (n - 1 - i) if lang == "fa" else i
        x = left + slot * step
        h = plot_h * d.count / peak
        both = f"{d.jalali}{'' if lang == 'fa' else ' SH'} ({d.day.isoformat()})"
        tip = words["one"].format(n=num(str(d.count)), day=num(both) if lang == "fa" else both)
        out.append(f'<rect x="{x + 0.5:.1f}" y="{top + plot_h - h:.1f}" '
                   f'width="{max(step - 1, 1):.1f}" height="{h:.1f}" class="bar">'
                   f"<title>{escape(tip)}</title></rect>")
        if i % 7 == 0:
            short = escape(d.label(lang, year=False))
            out.append(f'<text x="{x + step / 2:.1f}" y="{height - bottom + 16}" '
                       f'font-size="11" text-anchor="middle">{short}</text>')
    # Centred over the axis: an anchor at either end flips with the text's script.
    out.append(f'<text x="{width - right / 2 if rtl else left / 2}" y="{top - 8}" '
               f'font-size="11" text-anchor="middle">{escape(words["axis"])}</text>')
    out.append("</svg>")
    return "\n".join(out)
