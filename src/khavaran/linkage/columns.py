"""Map a list's own columns and values to ours.

A column is ours when a profile maps it, when it has our name, or when the
built-in vocabulary knows its name (``Nom``, ``نام پدر``, ``Geschlecht``:
conventions.COLUMN_WORDS).  Given name and surname columns are joined into
the name.  A list without a source column takes the profile's source or its
file's (or sheet's) name; one without record ids numbers its records by line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from khavaran.errors import ValidationError
from khavaran.linkage.conventions import column_field, fold
from khavaran.linkage.profile import FIELDS, Profile

__all__ = ["ColumnMap", "map_columns", "map_row"]

ROW_FIELDS = tuple(f for f in FIELDS if f not in ("given_name", "surname"))


@dataclass(frozen=True)
class ColumnMap:
    """Which of the list's columns feeds each of our fields."""

    file: str
    fields: dict[str, str]            # our field -> the list's column
    name_parts: tuple[str, ...]       # the columns joined into the name, in order
    unknown: tuple[str, ...]          # the list's columns that are none of ours
    ignored: tuple[str, ...]
    source: str                       # the source when there is no source column
    values: dict[str, dict[str, str]]
    calendar: str | None

    def describe(self) -> list[str]:
        """One line per our field: which column feeds it."""
        out = [f"{f} <- {c!r}" for f, c in self.fields.items()]
        if self.name_parts:
            out.append(f"name <- {' + '.join(map(repr, self.name_parts))}")
        if "source" not in self.fields:
            out.append(f"source = {self.source!r} (no source column)")
        if "record_id" not in self.fields:
            out.append("record_id = the line or row number (no record id column)")
        return out


def map_columns(name: str, header: Sequence[str], profile: Profile | None = None, *,
                default_source: str | None = None) -> ColumnMap:
    """Map ``header`` (of the list called ``name``) to our fields."""
    profile = profile or Profile()
    fields: dict[str, list[str]] = {}
    unknown, ignored = [], []
    for col in header:
        if col in profile.ignore:
            ignored.append(col)
            continue
        ours = profile.columns.get(col) or (col if col in FIELDS else column_field(col))
        if ours is None:
            unknown.append(col)
        else:
            fields.setdefault(ours, []).append(col)
    for field, cols in fields.items():
        if len(cols) > 1:
            raise ValidationError(
                f"columns {cols} would all be our '{field}': map one of them in a profile "
                "(--profile) and ignore the others", file=name, line=1, field=field)
    one = {f: c[0] for f, c in fields.items()}
    given, surname = one.pop("given_name", None), one.pop("surname", None)
    parts: tuple[str, ...] = ()
    if given and surname:
        if "name" in one:
            raise ValidationError(
                f"both a name column ({one['name']!r}) and given name and surname columns "
                f"({given!r}, {surname!r}): say which to use in a profile", file=name, line=1,
                field="name")
        parts = (given, surname)
    elif (given or surname) and "name" not in one:
        one["name"] = given or surname or ""
    elif given or surname:
        unknown.append(given or surname or "")
    if "name" not in one and not parts:
        raise ValidationError(
            f"missing required column(s) ['name']: the columns are {list(header)}; map one "
            "to name (or given_name and surname) in a profile (--profile)", file=name, line=1)
    source = profile.source or default_source or Path(name).stem
    return ColumnMap(name, one, parts, tuple(unknown), tuple(ignored), source,
                     profile.values, profile.calendar)


def _mapped(value: str, table: dict[str, str]) -> str:
    if value in table:
        return table[value]
    folded = {fold(k): v for k, v in table.items()}
    return folded.get(fold(value), value)


def map_row(cmap: ColumnMap, line: int, row: dict[str, str]) -> dict[str, str]:
    """Our fields of one row, stripped; "" where the list has nothing."""
    out = {f: (row.get(c) or "").strip() for f, c in cmap.fields.items()}
    if cmap.name_parts:
        out["name"] = " ".join(p for p in ((row.get(c) or "").strip()
                                          for c in cmap.name_parts) if p)
    if not out.get("source"):
        out["source"] = cmap.source
    if not out.get("record_id"):
        out["record_id"] = str(line) if "record_id" not in cmap.fields else ""
    if cmap.calendar and not out.get("calendar"):
        out["calendar"] = cmap.calendar
    for field, table in cmap.values.items():
        if out.get(field):
            out[field] = _mapped(out[field], table)
    return {f: out.get(f, "") for f in ROW_FIELDS}
