"""Small helpers that turn input fields into row columns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from khavaran.errors import ValidationError
from khavaran.model.records import Where
from khavaran.model.types.fuzzy_date import parse_date

__all__ = ["date_cols", "mixed", "parse_time", "stamp"]


def stamp(created_at: str | None, created_by: str | None, actor: str, now: dt.datetime,
           where: Where) -> dict[str, Any]:
    if created_at is None:
        return {"created_at": now, "created_by": created_by or actor}
    return {"created_at": parse_time(created_at, "created_at", where),
            "created_by": created_by or actor}


def parse_time(text: str, field_name: str, where: Where) -> dt.datetime:
    """An ISO timestamp from an import; one without a zone is taken as UTC."""
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"'{text}' is not an ISO timestamp", field=field_name,
                              file=where.file, line=where.line) from None
    # Stored in UTC: SQLite keeps no zone, so an offset must be applied here.
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def date_cols(prefix: str, text: str | None, calendar: str | None, field_name: str,
               where: Where) -> dict[str, Any]:
    if not text:
        return {f"{prefix}_text": None, f"{prefix}_calendar": None,
                f"{prefix}_start": None, f"{prefix}_end": None}
    try:
        date = parse_date(text, calendar)
    except ValidationError as exc:
        raise exc.located(field=field_name, file=where.file, line=where.line) from None
    return {f"{prefix}_text": date.text, f"{prefix}_calendar": str(date.calendar),
            f"{prefix}_start": date.start, f"{prefix}_end": date.end}


def mixed(one: str, one_fictional: bool, other: str) -> str:
    """The message refusing a link between a fictional and a real record."""
    kinds = ("fictional", "real") if one_fictional else ("real", "fictional")
    return f"{one} is {kinds[0]} but {other} is {kinds[1]}: demo and real records must not mix"
