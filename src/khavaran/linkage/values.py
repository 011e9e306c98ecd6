"""Read one optional cell of a list: a birth year, an age, a date of death, a sex.

Linkage and the registry's list import read cells alike, through the built-in
vocabularies (conventions.py): a value either reads or raises a
ValidationError naming its field.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from khavaran.errors import DateError, ValidationError
from khavaran.linkage.conventions import read_sex, translate_date
from khavaran.model.types.fuzzy_date import parse_date
from khavaran.model.types.persian_name import normalize

__all__ = ["OPTIONAL_FIELDS", "read_age", "read_birth_year", "read_calendar", "read_death",
           "read_gender"]

# The cells that may be unknown: everything but source, record_id and name.
OPTIONAL_FIELDS = ("father_name", "birth_year", "age", "death_date", "city", "prison",
                   "affiliation", "gender", "calendar")
_NUMBER = re.compile(r"\d+")
CALENDARS = {"": "", "jalali": "jalali", "solar-hijri": "jalali", "sh": "jalali",
             "persian": "jalali", "gregorian": "gregorian", "g": "gregorian", "ad": "gregorian",
             "شمسی": "jalali", "میلادی": "gregorian", "auto": ""}


@lru_cache(maxsize=1 << 14)
def read_birth_year(text: str, field: str = "birth_year") -> tuple[int, int]:
    """Gregorian years a birth year or date of birth spans (1340 SH spans two)."""
    digits = normalize(text)
    if digits.isdigit() and len(digits) == 4:
        y = int(digits)
        if 1250 <= y <= 1420:  # Solar Hijri: a year spans two Gregorian years
            return y + 621, y + 622
        if 1850 <= y <= 2030:
            return y, y
        raise ValidationError(f"'{text}' is not a plausible birth year", field=field)
    try:
        d = parse_date(translate_date(text))
    except DateError as exc:
        raise ValidationError(exc.message, field=field) from None
    if d.start is None or d.end is None:
        raise ValidationError(f"'{text}' is open-ended; give a year", field=field)
    return d.start.year, d.end.year


@lru_cache(maxsize=1024)
def read_age(text: str) -> int:
    found = _NUMBER.findall(normalize(text))
    if len(found) != 1 or not 0 < int(found[0]) < 120:
        raise ValidationError(f"'{text}' is not an age in years", field="age")
    return int(found[0])


def read_calendar(text: str) -> str:
    """"jalali", "gregorian", "" (detect), or the text for parse_date to judge."""
    return CALENDARS.get(text.strip().casefold(), text.strip())


@lru_cache(maxsize=1 << 14)
def read_death(text: str, calendar: str) -> tuple[datetime.date, datetime.date, str]:
    """First and last day and precision of a date of death."""
    try:
        d = parse_date(translate_date(text), read_calendar(calendar) or None)
    except DateError as exc:
        raise ValidationError(exc.message, field="death_date") from None
    if d.start is None or d.end is None:
        raise ValidationError(f"'{text}' is open-ended; give a date", field="death_date")
    return d.start, d.end, d.precision


def read_gender(text: str) -> str:
    """"male", "female" or "unknown", from any of the built-in ways of writing sex."""
    code = read_sex(text)
    if code is None:
        raise ValidationError(
            f"'{text}' is not a gender (m/f, male/female, H/F, homme/femme, Mann/Frau, مرد/زن, "
            "unknown)", field="gender")
    return code
