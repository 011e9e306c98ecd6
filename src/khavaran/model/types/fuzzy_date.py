"""Fuzzy dates in the Solar Hijri (Jalali) and Gregorian calendars.

Testimonies rarely give an exact day: "Mordad 67", "c. 1988", "before 10 Mordad
1367".  A :class:`FuzzyDate` keeps the text verbatim, records the calendar it
was read in, and normalises it to an inclusive interval of Gregorian days so
that records written in either calendar can be compared and searched.

Reading rules
    * calendar: the ``calendar`` argument; else a marker (SH, AP, HS, ش, ه.ش,
      هجری شمسی / AD, CE, م, میلادی); else a month name; else the year:
      1300–1450 is read as Solar Hijri, 1500–2200 as Gregorian, and any other
      year needs the calendar to be given.
    * a two-digit year (67) is read as 13YY, and only in a Solar Hijri context
      (the argument, a marker, a Solar Hijri month name, or a four-digit Solar
      Hijri year at the other end of a range).
    * numeric dates are year first (1367/05/10); day first (28/07/1988) only
      when the last part has four digits.

Intervals (inclusive Gregorian days; ``None`` is an open end)
    * exact X: the first to the last day X covers.
    * before X: open start, ends the day before X begins.
    * after X: starts the day after X ends, open end.
    * circa X: X widened on each side by ``CIRCA_WIDENING``: 7 days for a day,
      1 month for a month, 2 years for a year (months and years counted in X's
      own calendar, so "c. Mordad 1367" runs from Tir to Shahrivar 1367).
    * range A – B: the first day of A to the last day of B.

Conversion
    Solar Hijri <-> Gregorian conversion is jdatetime's (its jalali_core port of
    FarsiWeb's jalali.c): an arithmetic 33-year cycle with 8 leap years (a year
    is leap when year mod 33 is 1, 5, 9, 13, 17, 22, 26 or 30).  It is tested
    day-exact against convertdate's astronomical calendar (the March equinox at
    Tehran's meridian) over 1300–1450 SH.  Outside that range the same
    arithmetic is used: years before 1304 SH (the calendar's legal adoption,
    1925) are proleptic, and results far from the present may differ by a day
    from the astronomical calendar (the two already disagree in 1254–1276 SH).
    Gregorian dates are proleptic Gregorian (no Julian calendar before 1582).
"""

from __future__ import annotations

import calendar as _gregorian_calendar
import datetime
import re
import warnings
from dataclasses import dataclass, field, replace
from enum import StrEnum

from khavaran.errors import DateError

with warnings.catch_warnings():
    # jdatetime probes the locale with the deprecated locale.getdefaultlocale()
    # at import; under LANG=C that warning would fail a warnings-as-errors run.
    warnings.simplefilter("ignore", DeprecationWarning)
    import jdatetime

__all__ = ["CIRCA_WIDENING", "QUALIFIERS", "Calendar", "DatePoint", "FuzzyDate",
           "explain_date", "parse_date", "show_date", "to_jalali"]

CIRCA_WIDENING: dict[str, int] = {"day": 7, "month": 1, "year": 2}
QUALIFIERS = ("exact", "circa", "before", "after", "range")


class Calendar(StrEnum):
    GREGORIAN = "gregorian"
    JALALI = "jalali"


_J, _G = Calendar.JALALI, Calendar.GREGORIAN
_NAME = {_J: "Solar Hijri", _G: "Gregorian"}
_AUTO_YEARS = {_J: range(1300, 1451), _G: range(1500, 2201)}
_MAX_YEAR = {_J: jdatetime.MAXYEAR, _G: datetime.MAXYEAR}
# Any other locale makes every jdatetime.date() call getdefaultlocale() again.
_FA = "fa_IR"
_FIRST = jdatetime.date(1, 1, 1, locale=_FA).togregorian()
_LAST = jdatetime.date.max.togregorian()
_ONE_DAY = datetime.timedelta(days=1)

_SH_MONTHS = ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
              "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand")
_SH_MONTHS_FA = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
                 "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
_G_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
             "August", "September", "October", "November", "December")
_SH_SPELLINGS = (("farvardeen", 1), ("ordibehest", 2), ("khurdad", 3), ("amordad", 5),
                 ("mordaad", 5), ("shahriwar", 6), ("shahrewar", 6), ("shahrivaar", 6),
                 ("mihr", 7), ("abaan", 8), ("aazar", 9), ("adhar", 9), ("day", 10),
                 ("dei", 10), ("isfand", 12), ("امرداد", 5), ("ابان", 8), ("اذر", 9))
_MONTH_WORDS: dict[str, tuple[Calendar, int]] = {
    **{n.lower(): (_J, i) for i, n in enumerate(_SH_MONTHS, 1)},
    **{n: (_J, i) for i, n in enumerate(_SH_MONTHS_FA, 1)},
    **{w: (_J, i) for w, i in _SH_SPELLINGS},
    **{n[:3].lower(): (_G, i) for i, n in enumerate(_G_MONTHS, 1)},
    **{n.lower(): (_G, i) for i, n in enumerate(_G_MONTHS, 1)},
    "sept": (_G, 9),
}
_FILLER = {"of", "the", "st", "nd", "rd", "th", "ماه", "سال", "روز"}

_NORMALISE = str.maketrans({
    **{chr(0x06F0 + i): str(i) for i in range(10)},   # Persian digits
    **{chr(0x0660 + i): str(i) for i in range(10)},   # Arabic-Indic digits
    "ي": "ی", "ى": "ی", "ك": "ک", "،": ",", "—": "–", "−": "-", "\u00a0": " ",
    "\u200c": "", "\u200d": "", "ـ": "", "\u064b": "",  # ZWNJ, ZWJ, tatweel, tanwin
})
_TO_PERSIAN_DIGITS = str.maketrans({str(i): chr(0x06F0 + i) for i in range(10)})

_QUALIFIER_WORDS = {
    "circa": ("circa", "about", "around", "ca.", "ca", "c.", "~", "حدودا", "حدود", "تقریبا"),
    "before": ("before", "<", "قبل از", "قبلاز", "پیش از", "پیشاز"),
    "after": ("after", ">", "بعد از", "بعداز", "پس از", "پساز"),
}
_PREFIXES = {False: {"circa": "c. ", "before": "before ", "after": "after "},
             True: {"circa": "حدود ", "before": "قبل از ", "after": "بعد از "}}
_WRAPPED_RANGES = [re.compile(p) for p in
                   (r"between (.+) and (.+)", r"from (.+) to (.+)", r"از (.+) تا (.+)")]
# A bare hyphen is a numeric separator (1988-07); only a spaced one joins a range.
_RANGE_SEP = re.compile(r"\s*(?:–|\.\.|\s-\s|\sto\s|\sتا\s)\s*")
_MARKER_RE = re.compile(r"(?<![^\W\d_])(هجری ?شمسی|ه ?\.? ?ش|a\.d|c\.e|s\.h|a\.p|h\.s"
                        r"|sh|ap|hs|ad|ce|میلادی|ش|م)\.?(?![^\W\d_])")
_MARKERS = {"هجریشمسی": _J, "هش": _J, "sh": _J, "ap": _J, "hs": _J, "ش": _J,
            "ad": _G, "ce": _G, "میلادی": _G, "م": _G}
_NUMERIC = re.compile(r"(\d+)(?:([/.-])(\d+)(?:\2(\d+))?)?")
_CALENDAR_ARGS = {"jalali": _J, "solar-hijri": _J, "sh": _J, "persian": _J,
                  "gregorian": _G, "ad": _G, "ce": _G}


def _calendar_arg(calendar: str | Calendar | None) -> Calendar | None:
    if calendar is None or isinstance(calendar, Calendar):
        return calendar
    key = calendar.strip().lower() if isinstance(calendar, str) else None
    if key == "auto":
        return None
    if key not in _CALENDAR_ARGS:
        raise DateError(f"unknown calendar '{calendar}' (use jalali or gregorian)")
    return _CALENDAR_ARGS[key]


def _jalali(year: int, month: int, day: int) -> jdatetime.date:
    try:
        return jdatetime.date(year, month, day, locale=_FA)
    except (ValueError, TypeError, OverflowError) as exc:
        raise DateError(f"{year}/{month}/{day} is not a Solar Hijri date ({exc})") from exc


def _month_days(calendar: Calendar, year: int, month: int) -> int:
    if calendar is _G:
        return _gregorian_calendar.monthrange(year, month)[1]
    if month < 12:
        return int(jdatetime.j_days_in_month[month - 1])
    return 30 if _jalali(year, 1, 1).isleap() else 29


def _in_calendar(day: datetime.date, calendar: Calendar) -> tuple[int, int, int]:
    if calendar is _G:
        return day.year, day.month, day.day
    j = jdatetime.date.fromgregorian(date=day, locale=_FA)
    return j.year, j.month, j.day


def to_jalali(day: datetime.date) -> tuple[int, int, int]:
    """(year, month, day) in the Solar Hijri calendar of a Gregorian day."""
    return _in_calendar(day, _J)


def _check_convertible(*days: datetime.date | None) -> None:
    for day in days:
        if day is not None and not _FIRST <= day <= _LAST:
            raise DateError(f"{_day_text(day)} is outside the dates that can be converted between "
                            f"the calendars ({_day_text(_FIRST)} – {_day_text(_LAST)})")


def _day_text(day: datetime.date) -> str:
    return f"{day.day} {_G_MONTHS[day.month - 1][:3]} {day.year}"


@dataclass(frozen=True)
class DatePoint:
    """A date at day, month or year precision in one calendar."""

    calendar: Calendar
    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        calendar = _calendar_arg(self.calendar)
        if calendar is None:
            raise DateError("a DatePoint needs a calendar, not 'auto'")
        object.__setattr__(self, "calendar", calendar)
        for name in ("year", "month", "day"):
            value = getattr(self, name)
            if value is not None and type(value) is not int:
                raise DateError(f"{name} must be a whole number, not {value!r}")
        cal, name = self.calendar, _NAME[self.calendar]
        if not 1 <= self.year <= _MAX_YEAR[cal]:
            raise DateError(f"year {self.year} is outside the {name} years that can be "
                            f"handled (1-{_MAX_YEAR[cal]})")
        if self.month is None:
            if self.day is not None:
                raise DateError(f"day {self.day} is given without a month")
        elif not 1 <= self.month <= 12:
            raise DateError(f"month {self.month} does not exist in the {name} calendar (1-12)")
        elif self.day is not None:
            days = _month_days(cal, self.year, self.month)
            if not 1 <= self.day <= days:
                why = f"; {self.year} is not a leap year" if cal is _J and self.month == 12 else ""
                month = (_SH_MONTHS if cal is _J else _G_MONTHS)[self.month - 1]
                raise DateError(f"day {self.day} does not exist in {month} {self.year} "
                                f"({days} days{why})")
        if cal is _G:
            _check_convertible(self.first_day(), self.last_day())

    @property
    def precision(self) -> str:
        return "day" if self.day is not None else "month" if self.month is not None else "year"

    def first_day(self) -> datetime.date:
        """The first Gregorian day this point covers."""
        return self._gregorian(self.month or 1, self.day or 1)

    def last_day(self) -> datetime.date:
        """The last Gregorian day this point covers."""
        month = self.month or 12
        return self._gregorian(month, self.day or _month_days(self.calendar, self.year, month))

    def _gregorian(self, month: int, day: int) -> datetime.date:
        if self.calendar is _G:
            return datetime.date(self.year, month, day)
        day_: datetime.date = _jalali(self.year, month, day).togregorian()
        return day_

    def _shifted(self, units: int) -> DatePoint:
        if self.month is None:
            return replace(self, year=self.year + units)
        index = self.year * 12 + self.month - 1 + units
        return replace(self, year=index // 12, month=index % 12 + 1)


@dataclass(frozen=True)
class FuzzyDate:
    """A date as entered (``text``) with its normalised Gregorian interval."""

    text: str
    calendar: Calendar
    qualifier: str
    point: DatePoint
    until: DatePoint | None = None

    def __post_init__(self) -> None:
        calendar = _calendar_arg(self.calendar)
        if calendar is None:
            raise DateError("a FuzzyDate needs the calendar it was read in, not 'auto'")
        object.__setattr__(self, "calendar", calendar)
        if self.qualifier not in QUALIFIERS:
            raise DateError(f"unknown qualifier '{self.qualifier}' (use {', '.join(QUALIFIERS)})")
        if (self.until is not None) != (self.qualifier == "range"):
            raise DateError("a range needs a second date, and only a range can have one")
        if any(p.calendar is not self.calendar for p in (self.point, self.until) if p):
            raise DateError("both ends of a date must be in the calendar it was read in")
        if self.until is not None and self.until.first_day() < self.point.first_day():
            ends, starts = (_describe(p, self.calendar, False) for p in (self.until, self.point))
            raise DateError(f"the range ends ({ends}) before it starts ({starts})")
        try:
            interval = self._interval()
        except (DateError, OverflowError) as exc:
            raise DateError(f"'{self.text}' reaches beyond the dates that can be handled "
                            f"({_day_text(_FIRST)} – {_day_text(_LAST)})") from exc
        _check_convertible(*interval)

    @property
    def precision(self) -> str:
        return self.point.precision

    @property
    def start(self) -> datetime.date | None:
        """First day of the interval, inclusive; None when open (before X)."""
        return self._interval()[0]

    @property
    def end(self) -> datetime.date | None:
        """Last day of the interval, inclusive; None when open (after X)."""
        return self._interval()[1]

    def _interval(self) -> tuple[datetime.date | None, datetime.date | None]:
        point = self.point
        if self.qualifier == "before":
            return None, point.first_day() - _ONE_DAY
        if self.qualifier == "after":
            return point.last_day() + _ONE_DAY, None
        if self.qualifier == "circa":
            return _widened(point, -1), _widened(point, +1)
        return point.first_day(), (self.until or point).last_day()

    def gregorian_text(self) -> str:
        """The date in the Gregorian calendar, e.g. "1 Aug 1988"."""
        return _render(self, _G, persian=False)

    def jalali_text(self) -> str:
        """The date in the Solar Hijri calendar in Latin letters, e.g. "10 Mordad 1367 SH"."""
        return _render(self, _J, persian=False)

    def persian_text(self) -> str:
        """The date in the Solar Hijri calendar in Persian script, e.g. "۱۰ مرداد ۱۳۶۷"."""
        return _render(self, _J, persian=True)

    def both(self) -> str:
        """One display line: the calendar it was read in first, the other in brackets."""
        if self.calendar is _J:
            return f"{self.jalali_text()} ({self.gregorian_text()})"
        return f"{self.gregorian_text()} ({self.jalali_text()})"


def _widened(point: DatePoint, sign: int) -> datetime.date:
    units = CIRCA_WIDENING[point.precision] * sign
    if point.precision == "day":
        return point.first_day() + datetime.timedelta(days=units)
    moved = point._shifted(units)
    return moved.first_day() if sign < 0 else moved.last_day()


def _words(year: int, month: int | None, day: int | None, cal: Calendar, persian: bool) -> str:
    names = _SH_MONTHS_FA if persian else _SH_MONTHS if cal is _J else [m[:3] for m in _G_MONTHS]
    # A year below 100 is padded, or it would read back as a two-digit year (13YY).
    year_text = f"{year:04d}" if year < 100 else str(year)
    text = " ".join(x for x in (day and str(day), month and names[month - 1],
                                year and year_text) if x)
    return text.translate(_TO_PERSIAN_DIGITS) if persian else text


def _span(first: datetime.date, last: datetime.date, cal: Calendar, persian: bool,
          full: bool = False) -> str:
    (y1, m1, d1), (y2, m2, d2) = _in_calendar(first, cal), _in_calendar(last, cal)
    left = _words(y1 if full or y1 != y2 else 0, m1, d1, cal, persian)
    return f"{left} {'تا' if persian else '–'} {_words(y2, m2, d2, cal, persian)}"


def _describe(point: DatePoint, cal: Calendar, persian: bool) -> str:
    if point.calendar is cal:
        return _words(point.year, point.month, point.day, cal, persian)
    if point.precision == "day":
        return _words(*_in_calendar(point.first_day(), cal), cal, persian)
    return _span(point.first_day(), point.last_day(), cal, persian)


def _render(fd: FuzzyDate, cal: Calendar, persian: bool) -> str:
    point, until, q = fd.point, fd.until, fd.qualifier
    if until is not None and point.calendar is not cal:
        body = _span(point.first_day(), until.last_day(), cal, persian, full=True)
    elif until is not None:
        a, b = _describe(point, cal, persian), _describe(until, cal, persian)
        body = f"از {a} تا {b}" if persian else f"{a} – {b}"
    elif q in ("before", "after") and point.calendar is not cal:
        # Say the boundary day itself: "before Mordad 1367" is "before 23 Jul 1988".
        day = point.first_day() if q == "before" else point.last_day()
        body = _words(*_in_calendar(day, cal), cal, persian)
    else:
        body = _describe(point, cal, persian)
    shown = {_in_calendar(d, cal)[0] for p in (point, until) if p
             for d in (p.first_day(), p.last_day())}
    # A year the reader would not detect by itself gets its calendar marker.
    marked = cal is _J and not persian or not all(y in _AUTO_YEARS[cal] for y in shown)
    suffix = ("" if not marked else " ه.ش" if persian else " SH" if cal is _J else " AD")
    return f"{_PREFIXES[persian].get(q, '')}{body}{suffix}"


@dataclass
class _Side:
    """One end of the text as read, before the calendar is known."""

    text: str
    year: str | None = None      # digits as written: "67" and "1367" are read differently
    month: int | None = None
    day: int | None = None
    value: int | None = None     # the year once the calendar is known
    bare: bool = False           # a lone number: a year, or a day if the other end has one
    signals: list[tuple[Calendar, str]] = field(default_factory=list)


def _strip_qualifier(s: str) -> tuple[str, str]:
    for qualifier, words in _QUALIFIER_WORDS.items():
        for word in words:
            rest = s[len(word):]
            if s.startswith(word) and not (rest and rest[0].isalpha()):
                return qualifier, rest.strip()
    return "exact", s


def _split_range(s: str, text: str) -> list[str]:
    for pattern in _WRAPPED_RANGES:
        if m := pattern.fullmatch(s):
            return [m[1], m[2]]
    parts = _RANGE_SEP.split(s)
    if len(parts) > 2:
        raise DateError(f"'{text}' has more than one range separator")
    if not all(parts):
        raise DateError(f"'{text}' looks like a range but one end is missing")
    return parts


def _read_side(s: str, text: str, rules: list[str]) -> _Side:
    side = _Side(s)

    def take_marker(m: re.Match[str]) -> str:
        cal = _MARKERS[re.sub(r"[\s.]", "", m[1])]
        side.signals.append((cal, f"the calendar marker '{m[0]}'"))
        return " "

    rest = _MARKER_RE.sub(take_marker, s).strip(" ,.")
    if re.search(r"\d{7}", rest):
        raise DateError(f"'{text}' has a number too long to be part of a date")
    if m := _NUMERIC.fullmatch(rest):
        parts = [p for p in (m[1], m[3], m[4]) if p is not None]
        side.bare = len(parts) == 1
        if len(parts) > 1 and len(parts[-1]) == 4 and len(parts[0]) <= 2:
            parts.reverse()
            rules.append(f"'{rest}' read {('month', 'day')[len(parts) == 3]} first, since its "
                         "last part is a four-digit year")
        side.year = parts[0]
        side.month = int(parts[1]) if len(parts) > 1 else None
        side.day = int(parts[2]) if len(parts) > 2 else None
        return side
    tokens = [t for t in re.findall(r"\d+|[^\W\d_]+", rest) if t not in _FILLER]
    if not tokens or re.sub(r"\d+|[^\W\d_]+|[\s,.]", "", rest):
        raise DateError(f"cannot read '{text}' as a date (try 1367/05/10, 10 Mordad 1367, "
                        "1988-07-28 or 28 July 1988)")
    words = [i for i, t in enumerate(tokens) if not t.isdecimal()]
    for i in words:
        if tokens[i] not in _MONTH_WORDS:
            raise DateError(f"cannot read '{tokens[i]}' in '{text}': not a month name or "
                            "a known word")
    if len(words) != 1:
        raise DateError(f"'{text}' has more than one month name" if words else
                        f"cannot read '{text}' as a date: numbers without a month name")
    at = words[0]
    cal, side.month = _MONTH_WORDS[tokens[at]]
    side.signals.append((cal, f"the month name '{tokens[at]}'"))
    before, after = tokens[:at], tokens[at + 1:]
    if len(before) > 1 or len(before) + len(after) > 2:
        raise DateError(f"cannot read '{text}' as a date: too many numbers")
    if before:
        side.day, side.year = int(before[0]), after[0] if after else None
    elif len(after) == 2:
        side.day, side.year = int(after[0]), after[1]
    elif after and len(after[0]) <= 2 and cal is _G:
        side.day = int(after[0])   # "July 28" as the first end of a range
    elif after:
        side.year = after[0]
    return side


def _resolve_calendar(arg: Calendar | None, sides: list[_Side]) -> tuple[Calendar, str]:
    signals = [(arg, "the calendar argument")] if arg else []
    # Markers outrank month names, whichever end of a range they are on.
    signals += sorted((sig for x in sides for sig in x.signals), key=lambda sig: "month" in sig[1])
    if not signals:
        for year in (int(x.year) for x in sides if x.year and len(x.year) > 2):
            found = [c for c, years in _AUTO_YEARS.items() if year in years]
            if not found:
                raise DateError(f"year {year} is outside the years read without a calendar "
                                "(1300–1450 Solar Hijri, 1500–2200 Gregorian): give the "
                                "calendar explicitly (jalali or gregorian)")
            signals.append((found[0], f"the year {year}"))
    if not signals:
        short = next((x.year for x in sides if x.year), None)
        if short is None:
            raise DateError("no year given: write the year in full, e.g. 1367 or 1988")
        raise DateError(f"two-digit year '{short}' needs context: write the year in full "
                        "(e.g. 1367 or 1988) or give the calendar as Solar Hijri")
    cal, why = signals[0]
    for other, reason in signals[1:]:
        if other is not cal:
            raise DateError(f"the calendar is unclear: {why} says {_NAME[cal]} but {reason} "
                            f"says {_NAME[other]}")
    if why.startswith("the month name"):
        # Nothing stronger than a month name: catch a year from the other calendar.
        wrong = _G if cal is _J else _J
        for year_text in (x.year for x in sides if x.year and len(x.year) == 4):
            if int(year_text) in _AUTO_YEARS[wrong]:
                raise DateError(f"{why} is {_NAME[cal]} but {year_text} looks like a "
                                f"{_NAME[wrong]} "
                                f"year: write the {_NAME[cal]} year or give the calendar")
    return cal, why


def _parse(text: str, calendar: str | Calendar | None) -> tuple[FuzzyDate, str, list[str]]:
    if not isinstance(text, str):
        raise DateError(f"a date must be text, not {type(text).__name__}")
    arg = _calendar_arg(calendar)
    s = " ".join(text.translate(_NORMALISE).casefold().split()).replace("اردی بهشت", "اردیبهشت")
    if not s:
        raise DateError("no date given: the text is empty")
    part = _read_part(text, s, arg)
    if part is not None:
        return part
    qualifier, s = _strip_qualifier(s)
    if not s:
        raise DateError(f"'{text}' has a qualifier but no date")
    rules: list[str] = []
    sides = [_read_side(half, text, rules) for half in _split_range(s, text)]
    if len(sides) == 2:
        if qualifier != "exact":
            raise DateError(f"a range cannot also be '{qualifier}': give the range's two ends")
        qualifier = "range"
        for x, y in (sides, sides[::-1]):
            if x.bare and len(x.year or "") <= 2 and y.day is not None:   # "1–20 Mordad 1367"
                x.day, x.year, x.bare = int(x.year or 0), None, False
    cal, why = _resolve_calendar(arg, sides)
    for x in sides:
        if x.year is None or len(x.year) > 2:
            x.value = int(x.year) if x.year else None
        elif len(x.year) == 2 and cal is _J:
            x.value = 1300 + int(x.year)
            rules.append(f"two-digit year '{x.year}' read as {x.value} (13YY, Solar Hijri context)")
        elif len(x.year) == 2:
            raise DateError(f"two-digit year '{x.year}' is read only in the Solar Hijri calendar: "
                            "write the Gregorian year in full (e.g. 1988)")
        else:
            raise DateError(f"year '{x.year}' is too short: write the year in full "
                            "(e.g. 1367 or 1988)")
    for x, y in (sides, sides[::-1]) if len(sides) == 2 else ():
        if x.value is None and y.value is not None:
            taken = "month and year" if x.month is None and x.day is not None else "year"
            rules.append(f"'{x.text}' takes its {taken} from '{y.text}'")
            x.value = y.value
        if x.day is not None and x.month is None:
            x.month = y.month
    for x in sides:
        if x.value is None:
            raise DateError(f"'{x.text}' has no year: write the year in full, e.g. 1367 or 1988")
    points = [DatePoint(cal, x.value or 0, x.month, x.day) for x in sides]
    unit = points[0].precision
    if qualifier == "circa":
        n = CIRCA_WIDENING[unit]
        rules.append(f"circa widens a {unit}-precision date by {n} {unit}{'s' * (n > 1)} "
                     "on each side")
    elif qualifier in ("before", "after"):
        rules.append(f"'{qualifier}' leaves one side open and excludes the date itself")
    fd = FuzzyDate(text, cal, qualifier, points[0], points[1] if len(points) == 2 else None)
    return fd, why, rules


# "early/mid/late Mordad 1367": days 1-10, 11-20, 21 to the month's end.
_THIRDS = {"early": 0, "mid": 1, "middle": 1, "late": 2, "end": 2,
           "اوایل": 0, "اوائل": 0, "اواسط": 1, "اواخر": 2}
# Seasons as the Iranian calendar has them: spring is Farvardin to Khordad, so
# "summer 1367" is Tir to Shahrivar (22 June to 22 September 1988).  A Gregorian
# year Y is read as the Solar Hijri year that starts in it (Y - 621).
_SEASONS = {"spring": 1, "summer": 4, "autumn": 7, "fall": 7, "winter": 10,
            "بهار": 1, "تابستان": 4, "پاییز": 7, "پائیز": 7, "زمستان": 10}


def _read_part(text: str, s: str, arg: Calendar | None
               ) -> tuple[FuzzyDate, str, list[str]] | None:
    """Part of a month or a season, read as a range; None when ``s`` is neither."""
    word, _, rest = s.partition(" ")
    word = word.removesuffix("-")
    if word in ("of", "ی") or not rest:
        return None
    rest = rest.removeprefix("of ").strip()
    if word in _THIRDS:
        month, why, rules = _parse(rest, arg)
        p = month.point
        if month.qualifier != "exact" or p.precision != "month" or p.month is None:
            raise DateError(f"'{text}': '{word}' needs a month and year, e.g. 'late Mordad "
                            "1367'")
        third = _THIRDS[word]
        last = _month_days(p.calendar, p.year, p.month) if third == 2 else 10 * third + 10
        fd = FuzzyDate(text, p.calendar, "range", replace(p, day=10 * third + 1),
                       replace(p, day=last))
        return fd, why, rules + [f"'{word}' reads days {10 * third + 1} to {last} "
                                 "of the month"]
    if word in _SEASONS:
        year, why, rules = _parse(rest, arg)
        p = year.point
        if year.qualifier != "exact" or p.precision != "year":
            raise DateError(f"'{text}': '{word}' needs a year only, e.g. 'summer 1367'")
        sh = p.year if p.calendar is _J else p.year - 621
        first = _SEASONS[word]
        fd = FuzzyDate(text, _J, "range", DatePoint(_J, sh, first),
                       DatePoint(_J, sh, first + 2))
        if p.calendar is _G:
            why = "the season, which the Iranian calendar defines"
        return fd, why, rules + [
            f"'{word}' is the Iranian calendar's season: {_SH_MONTHS[first - 1]} to "
            f"{_SH_MONTHS[first + 1]} {sh} SH"
            + (f" (the Solar Hijri year that starts in {p.year})" if p.calendar is _G else "")]
    return None


def parse_date(text: str, calendar: str | Calendar | None = None) -> FuzzyDate:
    """Read a date as typed by a documenter; raise DateError if it cannot be read or
    does not exist.  ``calendar``: None/"auto" to detect, "jalali" or "gregorian"."""
    return _parse(text, calendar)[0]


def show_date(text: str, calendar: str | Calendar | None = None) -> str:
    """A stored date as every view prints it: in both calendars, the one it was
    written in first (``FuzzyDate.both``), as person show does.  Wording that
    cannot be read as a date is shown as it is: it was kept as written.

    Parameters: ``text`` the wording kept; ``calendar`` the calendar it was read
    in (as stored beside it), None to detect."""
    try:
        return parse_date(text, calendar).both()
    except DateError:
        return text


def explain_date(text: str, calendar: str | Calendar | None = None) -> list[str]:
    """How ``text`` is read, one line per fact, for the ``khavaran date`` command.

    Raises DateError like :func:`parse_date` when the text cannot be read."""
    fd, why, rules = _parse(text, calendar)
    normalised = " ".join(text.translate(_NORMALISE).split())
    start = fd.start.isoformat() if fd.start else "open (no earliest day)"
    end = fd.end.isoformat() if fd.end else "open (no latest day)"
    lines = [f"read: '{text}'"]
    if normalised != text.strip():
        lines.append(f"normalised: '{normalised}'")
    if why.startswith("the year"):
        years = _AUTO_YEARS[fd.calendar]
        why += f": years {years.start}–{years.stop - 1} are read as {_NAME[fd.calendar]}"
    how = "given explicitly" if why == "the calendar argument" else f"from {why}"
    lines += [
        f"calendar: {_NAME[fd.calendar]} ({how})",
        f"precision: {fd.precision}",
        f"qualifier: {fd.qualifier}",
        f"Gregorian interval: {start} to {end} (inclusive)",
        f"Gregorian: {fd.gregorian_text()}",
        f"Solar Hijri: {fd.jalali_text()}",
        f"Persian: {fd.persian_text()}",
    ]
    return lines + [f"rule: {rule}" for rule in rules]
