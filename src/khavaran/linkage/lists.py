"""Read victim lists (one CSV per source list) for linkage.

The columns are those of the registry's list import (docs/import-formats.md),
so the same files serve both.  Every problem is a ValidationError naming file,
line and field, raised before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from khavaran.errors import ValidationError
from khavaran.model.types.persian_name import normalize
from khavaran.services.readers import LIST_COLUMNS, LIST_REQUIRED, csv_rows, read_path_text

__all__ = ["LinkRecord", "read_lists", "sources_of"]

# Columns that the registry's list import also reads; linkage has no use for them.
IGNORED_COLUMNS = frozenset({"locator", "credibility", "assessment"})


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


def _read_one(path: Path) -> list[LinkRecord]:
    name = str(path)
    header, rows = csv_rows(read_path_text(path), name)
    missing = [c for c in LIST_REQUIRED if c not in header]
    if missing:
        raise ValidationError(f"missing required column(s) {missing}", file=name, line=1)
    unknown = [h for h in header
               if h not in LIST_COLUMNS and h != "calendar" and h not in IGNORED_COLUMNS]
    if unknown:
        raise ValidationError(
            f"unknown column(s) {unknown}; a list has {', '.join(LIST_COLUMNS)} (and calendar)",
            file=name, line=1)
    out = []
    for line, row in rows:
        cells = {c: (row.get(c) or "").strip() for c in (*LIST_COLUMNS, "calendar")}
        for col in LIST_REQUIRED:
            if not cells[col]:
                raise ValidationError("required value is empty", file=name, line=line, field=col)
        if not normalize(cells["name"]):
            raise ValidationError(f"'{cells['name']}' has no letters or digits",
                                  file=name, line=line, field="name")
        out.append(LinkRecord(**cells, file=name, line=line))
    return out


def read_lists(paths: Iterable[Path]) -> list[LinkRecord]:
    """Every record of every file, in file and line order.

    Refuses a (source, record_id) given twice, within one file or across files.
    """
    records: list[LinkRecord] = []
    seen: dict[tuple[str, str], LinkRecord] = {}
    for path in paths:
        for rec in _read_one(path):
            first = seen.get(rec.key)
            if first is not None:
                raise ValidationError(
                    f"record_id '{rec.record_id}' of source '{rec.source}' is already on "
                    f"{first.file}:{first.line}", file=rec.file, line=rec.line, field="record_id")
            seen[rec.key] = rec
            records.append(rec)
    if not records:
        raise ValidationError("no list files given")
    return records


def sources_of(records: Sequence[LinkRecord]) -> list[str]:
    """The distinct sources, in order of first appearance."""
    return list(dict.fromkeys(r.source for r in records))
