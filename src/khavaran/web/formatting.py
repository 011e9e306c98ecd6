"""How values read on a page: digits in the page's script, dates in both
calendars, times in the team's clock."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from khavaran.errors import KhavaranError
from khavaran.model.types.fuzzy_date import parse_date

__all__ = ["day", "digits", "moment"]

_PERSIAN = str.maketrans({str(i): chr(0x06F0 + i) for i in range(10)})
_MONTHS_FA = {"Jan": "ژانویه", "Feb": "فوریه", "Mar": "مارس", "Apr": "آوریل", "May": "مه",
              "Jun": "ژوئن", "Jul": "ژوئیه", "Aug": "اوت", "Sep": "سپتامبر", "Oct": "اکتبر",
              "Nov": "نوامبر", "Dec": "دسامبر"}


def digits(value: object, lang: str) -> str:
    """``value`` as text, with Persian digits in the Persian interface."""
    text = "" if value is None else str(value)
    return text.translate(_PERSIAN) if lang == "fa" else text


def day(value: object, lang: str, calendar: str | None = None) -> str:
    """A date (or date text, exact or not) in both calendars, the page's first:
    "۸ مرداد ۱۳۶۷ (۳۰ ژوئیه ۱۹۸۸)" or "30 Jul 1988 (8 Mordad 1367 SH)".
    Text that is not a date is shown as it was recorded.  ``calendar`` is the
    one the text was entered in, where it was recorded ("1367" alone is a
    Solar Hijri year only if so)."""
    if value is None or value == "":
        return ""
    return _day(value.isoformat() if isinstance(value, dt.date) else str(value), lang, calendar)


@lru_cache(maxsize=8192)
def _day(text: str, lang: str, calendar: str | None = None) -> str:
    # Pages show the same dates again and again (a search page some fifty).
    try:
        fd = parse_date(text, calendar)
    except (KhavaranError, ValueError):
        return digits(text, lang)
    if lang == "fa":
        gregorian = fd.gregorian_text()
        for short, name in _MONTHS_FA.items():
            gregorian = gregorian.replace(short, name)
        return f"{fd.persian_text()} ({digits(gregorian.replace(' AD', ''), lang)})"
    return f"{fd.gregorian_text()} ({fd.jalali_text()})"


def moment(value: object, lang: str) -> str:
    """A timestamp to the minute, UTC, with the day in both calendars."""
    if value is None or value == "":
        return ""
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return f"{day(when.date(), lang)} {digits(when.strftime('%H:%M'), lang)} UTC"
