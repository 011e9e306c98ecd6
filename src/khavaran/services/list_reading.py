"""Lists as they come: read them for link and estimate, and inspect them.

``read_for_linkage`` reads CSV files and spreadsheets through a mapping
profile or the built-in vocabulary, and reads every cell leniently (unknown,
and reported) or strictly.  ``inspect_list`` says what a list holds before
anyone links or imports it: its columns, the scripts, calendars and date
formats in each, the values not understood, and a suggested profile.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from khavaran.errors import DateError, ValidationError
from khavaran.linkage.columns import ColumnMap, map_columns
from khavaran.linkage.conventions import column_field, is_lunar, read_sex, translate_date
from khavaran.linkage.features import Features, canonical_place
from khavaran.linkage.intake import Unreadable, check_records
from khavaran.linkage.lists import LinkRecord, read_lists_mapped
from khavaran.linkage.profile import Profile, load_profile
from khavaran.linkage.values import read_age, read_birth_year, read_death, read_gender
from khavaran.model.types.fuzzy_date import parse_date
from khavaran.model.types.persian_name import script
from khavaran.services.sheets import read_tables

__all__ = ["ColumnReport", "Inspection", "ListsForLinkage", "inspect_list",
           "read_for_linkage", "summary_lines"]

SHOWN = 5
GUESS_AT_LEAST = 5  # values a column needs before its content suggests a field


@dataclass
class ListsForLinkage:
    records: list[LinkRecord]
    features: list[Features]
    unreadable: list[Unreadable]
    mappings: list[ColumnMap]

    @property
    def unused_columns(self) -> list[tuple[str, str]]:
        return [(m.file, c) for m in self.mappings for c in m.unknown]


def read_for_linkage(paths: Sequence[Path], *, profile: Path | None = None,
                     sheet: str | None = None, strict: bool = False) -> ListsForLinkage:
    """Records and features of the lists; see the module docstring.

    Parameters: ``paths`` CSV, .xlsx or .ods files; ``profile`` a mapping
    profile file; ``sheet`` the one sheet to read in spreadsheets; ``strict``
    refuses unknown columns and unreadable values (all of them at once)
    instead of leaving them out and reporting them.
    """
    loaded = load_profile(profile) if profile else None
    read = read_lists_mapped(paths, profile=loaded, sheet=sheet, strict=strict)
    checked = check_records(read.records, strict=strict)
    return ListsForLinkage(checked.records, checked.features, checked.unreadable,
                           read.mappings)


def summary_lines(lists: ListsForLinkage) -> list[str]:
    """What was left out of the lists, for the end of a link or estimate run."""
    out = []
    for file, col in lists.unused_columns:
        out.append(f"column {col!r} of {file} is none of ours and was not used "
                   "(map it or ignore it in a profile; --strict refuses it)")
    if lists.unreadable:
        cells = sum(u.count for u in lists.unreadable)
        out.append(f"{cells:,} value(s) could not be read and were taken as unknown "
                   "(--strict refuses them):")
        out += [f"  {u}" for u in lists.unreadable]
    return out


# -- inspect -------------------------------------------------------------------
_SHAPE = re.compile(r"\d+")
_LETTERS = re.compile(r"[^\W\d_]+")


@dataclass
class ColumnReport:
    name: str
    field: str | None            # ours, as suggested
    filled: int = 0
    scripts: Counter[str] = dataclasses.field(default_factory=Counter)
    calendars: Counter[str] = dataclasses.field(default_factory=Counter)
    formats: Counter[str] = dataclasses.field(default_factory=Counter)
    not_understood: dict[str, list[int]] = dataclasses.field(default_factory=dict)  # value -> lines


@dataclass
class Inspection:
    name: str                    # the file, or file and sheet
    rows: int
    columns: list[ColumnReport]
    mapping: ColumnMap | None
    problem: str | None          # why the columns cannot be mapped as they are
    profile_yaml: str


def _shape(text: str) -> str:
    """The form of a date: digits as 9, words as themselves ("9 septembre 9999")."""
    return _SHAPE.sub(lambda m: "9" * len(m[0]), text.strip())


def _check(field_name: str | None, value: str) -> tuple[bool, str | None]:
    """Whether our field reads the value, and the calendar when it is a date."""
    try:
        if field_name == "gender":
            read_gender(value)
        elif field_name == "age":
            read_age(value)
        elif field_name == "birth_year":
            read_birth_year(value)
        elif field_name == "death_date":
            read_death(value, "")
            if is_lunar(value):
                return True, "lunar Hijri"
            return True, str(parse_date(translate_date(value)).calendar)
        elif field_name in ("city", "prison", "affiliation"):
            found = canonical_place(field_name, value)
            return True, None if found is None or found.startswith("~") else "known"
    except (ValidationError, DateError):
        return False, None
    return True, None


def _guess(values: list[str]) -> str | None:
    """Our field for a column whose name we do not know, from what it holds."""
    sample = [v for v in values if v][:200]
    if len(sample) < GUESS_AT_LEAST:
        return None
    for name, reads in (("gender", lambda v: read_sex(v) is not None),
                        ("death_date", lambda v: _check("death_date", v)[0]),
                        ("age", lambda v: _check("age", v)[0])):
        if sum(map(reads, sample)) >= 0.9 * len(sample):
            return name
    return None


def _yaml_text(text: str) -> str:
    return text if re.fullmatch(r"[\w\- ]+", text) and not text[0].isdigit() else \
        '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _profile_yaml(reports: list[ColumnReport], header: list[str]) -> str:
    lines = ["# khavaran list profile (docs/list-profiles.md); check it, then use it with",
             "# --profile FILE for link, estimate and import", "columns:"]
    unmapped = []
    for r in reports:
        if r.field:
            lines.append(f"  {_yaml_text(r.name)}: {r.field}")
        else:
            unmapped.append(r.name)
    if unmapped:
        lines.append("ignore: [" + ", ".join(_yaml_text(c) for c in unmapped) + "]")
    sex = next((r for r in reports if r.field == "gender"), None)
    if sex and sex.not_understood:
        lines += ["values:", "  gender:"]
        lines += [f"    {_yaml_text(v)}: unknown  # or male, female"
                  for v in sex.not_understood]
    return "\n".join(lines) + "\n"


def inspect_list(path: Path, *, sheet: str | None = None,
                 profile: Path | None = None) -> list[Inspection]:
    """What each list (CSV file or sheet) in ``path`` holds; see the module docstring."""
    loaded: Profile | None = load_profile(profile) if profile else None
    out = []
    for table in read_tables(path, sheet or (loaded.sheet if loaded else None)):
        reports = []
        for col in table.header:
            values = [row.get(col, "").strip() for _, row in table.rows]
            suggested = (loaded.columns.get(col) if loaded else None) or column_field(col) \
                or _guess(values)
            r = ColumnReport(col, suggested)
            for (line, _), v in zip(table.rows, values, strict=True):
                if not v:
                    continue
                r.filled += 1
                r.scripts[script(v)] += 1
                if suggested in ("death_date", "birth_year"):
                    r.formats[_shape(v)] += 1
                ok, calendar = _check(suggested, v)
                if calendar and suggested in ("death_date", "birth_year"):
                    r.calendars[calendar] += 1
                if not ok:
                    r.not_understood.setdefault(v, []).append(line)
            reports.append(r)
        mapping, problem = None, None
        try:
            mapping = map_columns(table.name, table.header, loaded)
        except ValidationError as exc:
            problem = exc.message
        out.append(Inspection(table.name, len(table.rows), reports, mapping, problem,
                              _profile_yaml(reports, table.header)))
    return out
