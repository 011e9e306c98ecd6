"""Read every cell of the lists to link, leniently or strictly.

Linkage and estimation must give a result from lists as they are: a value
that cannot be read in an optional field (a sex written ``X?``, a date
``summer``) becomes unknown, and the summary says which field, which value,
how often and on which lines.  Strictly, every such cell is refused, all of
them in one error.  A name that cannot be read is refused either way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from khavaran.errors import ValidationError, raise_all
from khavaran.linkage.features import Features, prepare
from khavaran.linkage.lists import LinkRecord
from khavaran.linkage.values import OPTIONAL_FIELDS

__all__ = ["Checked", "Unreadable", "check_records"]

SHOWN_LINES = 5


@dataclass
class Unreadable:
    """One unreadable value of one field: how often, and where first."""

    field: str
    value: str
    reason: str
    count: int = 0
    lines: list[tuple[str, int]] = dataclasses.field(default_factory=list)

    def __str__(self) -> str:
        where = ", ".join(f"{f}:{n}" for f, n in self.lines[:SHOWN_LINES])
        more = f" and {self.count - SHOWN_LINES} more" if self.count > SHOWN_LINES else ""
        return (f"{self.field} {self.value!r}: {self.count} record(s), now unknown "
                f"({self.reason}); first at {where}{more}")


@dataclass
class Checked:
    records: list[LinkRecord]
    features: list[Features]
    unreadable: list[Unreadable]

    @property
    def cells(self) -> int:
        """How many cells were made unknown."""
        return sum(u.count for u in self.unreadable)


def _blank(rec: LinkRecord, name: str) -> LinkRecord:
    # A bad calendar makes the date unreadable: the date goes, the calendar too.
    if name == "death_date":
        return dataclasses.replace(rec, death_date="", calendar="")
    blank: dict[str, Any] = {name: ""}
    return dataclasses.replace(rec, **blank)


def check_records(records: Sequence[LinkRecord], *, strict: bool = False) -> Checked:
    """Features of every record.  Without ``strict``, unreadable optional values
    become unknown and are counted; with it, every bad cell is refused at once."""
    out: list[LinkRecord] = []
    features: list[Features] = []
    errors: list[ValidationError] = []
    found: dict[tuple[str, str], Unreadable] = {}
    for rec in records:
        current = rec
        for _ in range(len(OPTIONAL_FIELDS) + 1):
            try:
                features.append(prepare(current))
                out.append(current)
                break
            except ValidationError as exc:
                if exc.field not in OPTIONAL_FIELDS:
                    errors.append(exc)
                    break
                if strict:
                    errors.append(exc)
                else:
                    value = getattr(current, exc.field)
                    u = found.setdefault((exc.field, value),
                                         Unreadable(exc.field, value, exc.message))
                    u.count += 1
                    if len(u.lines) < SHOWN_LINES:
                        u.lines.append((rec.file, rec.line))
                current = _blank(current, exc.field)
    raise_all(errors)
    unreadable = sorted(found.values(), key=lambda u: (u.field, -u.count, u.value))
    return Checked(out, features, unreadable)
