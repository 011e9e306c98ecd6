"""Clean one claimed value according to its property's type.

The value keeps the source's exact spelling; cleaning only checks it and
derives the forms used for search, sorting and references.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from khavaran.errors import ValidationError
from khavaran.model.loader import Model, Property
from khavaran.model.types.fuzzy_date import parse_date
from khavaran.model.types.persian_name import normalize, phonetic_key, tokens

__all__ = ["PARENT_IN_NAME", "CleanValue", "clean_value", "own_name", "search_keys"]


# Lists write a parent's name into the name: "Ali Karimi (son of Hassan)".
PARENT_IN_NAME = re.compile(
    r"\((?:son|daughter|child) of [^)]*\)|\b(?:son|daughter|child) of \S+"
    r"|\(فرزند[^)]*\)|فرزند \S+", re.IGNORECASE)


def own_name(text: str) -> str:
    """The name without a parent's name written into it."""
    return PARENT_IN_NAME.sub(" ", text)


def search_keys(text: str) -> tuple[str, ...]:
    """Index keys of a name: each word's phonetic key and each adjacent pair's,
    so that "پور‌محمدی", "Pour Mohammadi" and "Pourmohammadi" meet.  A parent's
    name written into the name is not indexed."""
    words = tokens(own_name(text))
    keys = [phonetic_key(w) for w in words]
    keys += [phonetic_key(a + b) for a, b in zip(words, words[1:], strict=False)]
    return tuple(dict.fromkeys(k for k in keys if k))


@dataclass(frozen=True)
class CleanValue:
    value: str
    norm: str
    ref_id: str | None = None
    date_calendar: str | None = None
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    keys: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder how a
# name is shown: "Ali" could display as another name than the one stored.  They
# are refused.  Left-to-right and right-to-left marks only nudge neutral
# characters; real Persian lists carry them, so they are taken out with a note.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
DIRECTION_MARKS = re.compile("[\u200e\u200f]")


def _plain_name(text: str, field: str) -> tuple[str, tuple[str, ...]]:
    if BIDI_CONTROLS.search(text):
        bad = sorted({f"U+{ord(ch):04X}" for ch in BIDI_CONTROLS.findall(text)})
        raise ValidationError(
            f"the name holds bidirectional control character(s) {', '.join(bad)}, which "
            "change how it is displayed: remove them", field=field)
    if not DIRECTION_MARKS.search(text):
        return text, ()
    stripped = DIRECTION_MARKS.sub("", text).strip()
    return stripped, (f"{field}: directional marks (U+200E/U+200F) were removed from "
                      f"'{stripped}'",)


# Lists repeat the same dates and names many times; both are pure functions.
@lru_cache(maxsize=1 << 16)
def _date_forms(text: str, calendar: str | None) -> tuple[str, dt.date | None, dt.date | None]:
    date = parse_date(text, calendar)
    return str(date.calendar), date.start, date.end


@lru_cache(maxsize=1 << 16)
def _name_forms(text: str) -> tuple[str, tuple[str, ...]]:
    return normalize(text), search_keys(text)


# A father's or mother's name identifies nobody by itself: search finds people
# by their own names (linkage uses the parents' names to tell people apart).
NOT_SEARCHED = frozenset({"father", "mother"})


def _coordinates(value: str, field: str) -> str:
    try:
        lat_s, lon_s = value.replace(" ", "").split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise ValidationError(f"'{value}' is not 'latitude,longitude'", field=field) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError(f"'{value}' is outside the globe", field=field)
    return f"{lat:.6f},{lon:.6f}"


def clean_value(
    model: Model, prop: Property, value: str, *, qualifier: str | None = None,
    calendar: str | None = None, field: str | None = None,
) -> CleanValue:
    """Check ``value`` for ``prop`` and derive its search and sort forms."""
    field = field or prop.name
    if prop.qualifier:
        if qualifier is not None:
            model.check_code(prop.qualifier, qualifier, f"{field} qualifier")
    elif qualifier is not None:
        raise ValidationError(f"'{prop.name}' takes no qualifier", field=f"{field} qualifier")
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not text:
        raise ValidationError("empty value", field=field)
    if "\x00" in text:
        raise ValidationError("the value holds a NUL character (U+0000)", field=field)
    kind = prop.type
    if kind == "name":
        text, warnings = _plain_name(text, field)
        norm, keys = _name_forms(text)
        if not norm:
            raise ValidationError(f"'{text}' has no letters once normalised", field=field)
        searched = prop.search and qualifier not in NOT_SEARCHED
        return CleanValue(text, norm, keys=keys if searched else (), warnings=warnings)
    if kind == "text":
        return CleanValue(text, normalize(text))
    if kind == "vocab":
        assert prop.vocab is not None
        model.check_code(prop.vocab, text, field)
        return CleanValue(text, text)
    if kind == "ref":
        return CleanValue(text, text, ref_id=text)
    if kind == "number":
        try:
            number = int(text)
        except ValueError:
            raise ValidationError(f"'{text}' is not a whole number", field=field) from None
        if (prop.min is not None and number < prop.min) or (
            prop.max is not None and number > prop.max
        ):
            raise ValidationError(
                f"{number} is outside {prop.min}–{prop.max}", field=field
            )
        return CleanValue(text, str(number))
    if kind == "date":
        try:
            resolved, start, end = _date_forms(text, calendar)
        except ValidationError as exc:
            raise exc.located(field=field) from None
        return CleanValue(text, f"{start or ''}..{end or ''}", date_calendar=resolved,
                          date_start=start, date_end=end)
    if kind == "coordinates":
        return CleanValue(text, _coordinates(text, field))
    raise ValidationError(f"unsupported type '{kind}'", field=field)  # pragma: no cover
