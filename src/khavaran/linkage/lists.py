"""Read victim lists (CSV files, spreadsheet sheets) for linkage.

The columns are those of the registry's list import (docs/import-formats.md),
or the list's own, mapped by a profile or the built-in vocabulary
(columns.py).  Every problem is a ValidationError naming file, line and
field, raised before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from khavaran.errors import ValidationError
from khavaran.linkage.columns import ColumnMap, map_columns, map_row
from khavaran.linkage.profile import Profile
from khavaran.model.types.persian_name import normalize
from khavaran.services.readers import LIST_COLUMNS, LIST_REQUIRED
from khavaran.services.sheets import Table, read_tables

__all__ = ["LinkRecord", "ListsRead", "read_lists", "read_lists_mapped", "sources_of"]

RECORD_FIELDS = (*LIST_COLUMNS, "calendar")


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """One row of a list, as written ("" where a column is absent or empty)."""

    source: str
    record_id: str
    name: str
    father_name: str = ""
    birth_year: str = ""
    age: str = ""
    death_date: str = ""
    city: str = ""
    prison: str = ""
    affiliation: str = ""
    gender: str = ""
    calendar: str = ""
    file: str = ""
    line: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return self.source, self.record_id


@dataclass
class ListsRead:
    """The records of some lists, how their columns were read, and what was not used."""

    records: list[LinkRecord]
    mappings: list[ColumnMap] = field(default_factory=list)

    @property
    def unused_columns(self) -> list[tuple[str, str]]:
        """(list, column) of every column that is none of ours."""
        return [(m.file, c) for m in self.mappings for c in m.unknown]


def _read_table(table: Table, profile: Profile | None, strict: bool,
                several: bool) -> tuple[list[LinkRecord], ColumnMap]:
    cmap = map_columns(table.name, table.header, profile,
                       default_source=table.sheet if several and table.sheet else None)
    # Strictly, records need the list's own ids and source, as the registry's import does.
    missing = [c for c in ("source", "record_id") if c not in cmap.fields
               and not (c == "source" and profile is not None and profile.source)]
    if strict and missing:
        raise ValidationError(f"missing required column(s) {missing}", file=table.name, line=1)
    if strict and cmap.unknown:
        raise ValidationError(
            f"unknown column(s) {list(cmap.unknown)}; a list has {', '.join(LIST_COLUMNS)} "
            "(and calendar), or the columns a profile maps (--profile)", file=table.name, line=1)
    out = []
    for line, row in table.rows:
        cells = map_row(cmap, line, row)
        for col in LIST_REQUIRED:
            if not cells[col]:
                raise ValidationError("required value is empty", file=table.name, line=line,
                                      field=cmap.fields.get(col, col))
        if not normalize(cells["name"]):
            raise ValidationError(f"'{cells['name']}' has no letters or digits",
                                  file=table.name, line=line, field="name")
        out.append(LinkRecord(**{c: cells[c] for c in RECORD_FIELDS}, file=table.name,
                              line=line))
    return out, cmap


def read_lists_mapped(paths: Iterable[Path], *, profile: Profile | None = None,
                      sheet: str | None = None, strict: bool = True) -> ListsRead:
    """Every record of every list (CSV file or spreadsheet sheet), in order.

    ``profile`` maps the lists' own columns and values; without ``strict``,
    columns that are none of ours are left out (ListsRead.unused_columns says
    which) instead of refused.  A (source, record_id) given twice is refused.
    """
    result = ListsRead([])
    seen: dict[tuple[str, str], LinkRecord] = {}
    for path in paths:
        tables = read_tables(path, sheet or (profile.sheet if profile else None))
        for table in tables:
            records, cmap = _read_table(table, profile, strict, len(tables) > 1)
            result.mappings.append(cmap)
            for rec in records:
                first = seen.get(rec.key)
                if first is not None:
                    raise ValidationError(
                        f"record_id '{rec.record_id}' of source '{rec.source}' is already on "
                        f"{first.file}:{first.line}", file=rec.file, line=rec.line,
                        field="record_id")
                seen[rec.key] = rec
                result.records.append(rec)
    if not result.records:
        raise ValidationError("no list files given")
    return result


def read_lists(paths: Iterable[Path], *, profile: Profile | None = None,
               sheet: str | None = None, strict: bool = True) -> list[LinkRecord]:
    """Every record of every list; see read_lists_mapped."""
    return read_lists_mapped(paths, profile=profile, sheet=sheet, strict=strict).records


def sources_of(records: Sequence[LinkRecord]) -> list[str]:
    """The distinct sources, in order of first appearance."""
    return list(dict.fromkeys(r.source for r in records))
