"""Mapping profiles: how one list's own columns and values map to ours.

A profile is a small YAML file (docs/list-profiles.md)::

    source: amnesty-fr          # the list's source, when it has no source column
    columns:                    # the list's column: our column
      N°: record_id
      Nom: surname
      Prénom: given_name
      Sexe: gender
    ignore: [Remarques]         # columns of the list that hold nothing of ours
    values:                     # per column of ours: the list's value: ours
      gender: {H: male, F: female}
    calendar: gregorian         # the calendar of dates that do not say
    sheet: Liste                # in a spreadsheet, the sheet to read

It is checked on load: an unknown key, a column mapped to a field we do not
have, or a value that is not text is refused with file, line and key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from khavaran.errors import ValidationError

__all__ = ["FIELDS", "PROFILE_KEYS", "Profile", "load_profile", "parse_profile"]

# Our list columns a profile may map to; given_name and surname are joined into name.
FIELDS = ("source", "record_id", "name", "given_name", "surname", "father_name", "birth_year",
          "age", "death_date", "city", "prison", "affiliation", "gender", "calendar",
          "locator", "credibility", "assessment")
PROFILE_KEYS = ("source", "columns", "ignore", "values", "calendar", "sheet")
CALENDAR_VALUES = ("jalali", "gregorian", "auto")


@dataclass(frozen=True)
class Profile:
    file: str = ""
    source: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    calendar: str | None = None
    sheet: str | None = None


def _err(file: str, node: yaml.Node, key: str, message: str) -> ValidationError:
    return ValidationError(message, file=file, line=node.start_mark.line + 1, field=key)


def _text(file: str, node: yaml.Node, key: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.value == "" and node.tag.endswith("null"):
        raise _err(file, node, key, "must be text")
    return str(node.value)


def _mapping(file: str, node: yaml.Node, key: str) -> list[tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise _err(file, node, key, "must be a mapping (key: value lines)")
    seen: dict[str, int] = {}
    for k, _ in node.value:
        name = _text(file, k, key)
        if name in seen:
            raise _err(file, k, f"{key}.{name}" if key else name,
                       f"given twice (first on line {seen[name]})")
        seen[name] = k.start_mark.line + 1
    return list(node.value)


def parse_profile(text: str, file: str) -> Profile:
    """Check and read a profile's YAML text; ``file`` names it in errors."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValidationError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=file,
                              line=mark.line + 1 if mark else None) from None
    if root is None:
        raise ValidationError("the profile is empty", file=file)
    out: dict[str, object] = {}
    for knode, vnode in _mapping(file, root, ""):
        key = knode.value
        if key not in PROFILE_KEYS:
            raise _err(file, knode, key, f"unknown key '{key}' (a profile has "
                       f"{', '.join(PROFILE_KEYS)})")
        if key in ("source", "sheet"):
            out[key] = _text(file, vnode, key)
        elif key == "calendar":
            value = _text(file, vnode, key)
            if value not in CALENDAR_VALUES:
                raise _err(file, vnode, key, f"'{value}' is not a calendar "
                           f"({', '.join(CALENDAR_VALUES)})")
            out[key] = None if value == "auto" else value
        elif key == "columns":
            columns = {}
            for k, v in _mapping(file, vnode, key):
                ours = _text(file, v, f"columns.{k.value}")
                if ours not in FIELDS:
                    raise _err(file, v, f"columns.{k.value}", f"'{ours}' is not a field of "
                               f"ours (one of {', '.join(FIELDS)}; or list the column under "
                               "ignore)")
                columns[k.value] = ours
            out[key] = columns
        elif key == "ignore":
            if not isinstance(vnode, yaml.SequenceNode):
                raise _err(file, vnode, key, "must be a list of column names")
            out[key] = frozenset(_text(file, n, key) for n in vnode.value)
        else:
            values: dict[str, dict[str, str]] = {}
            for k, v in _mapping(file, vnode, key):
                if k.value not in FIELDS:
                    raise _err(file, k, f"values.{k.value}", f"'{k.value}' is not a field of "
                               f"ours (one of {', '.join(FIELDS)})")
                values[k.value] = {_text(file, a, f"values.{k.value}"):
                                   _text(file, b, f"values.{k.value}.{a.value}")
                                   for a, b in _mapping(file, v, f"values.{k.value}")}
            out[key] = values
    mapped, ignored = out.get("columns"), out.get("ignore")
    clash = set(mapped) & set(ignored) if isinstance(mapped, dict) and \
        isinstance(ignored, frozenset) else set()
    if clash:
        raise ValidationError(f"column(s) {sorted(clash)} both mapped and ignored", file=file,
                              field="ignore")
    return Profile(file=file, **out)  # type: ignore[arg-type]


def load_profile(path: Path) -> Profile:
    """Read and check a profile file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"cannot read the profile: {exc.strerror}", file=str(path),
                              field="--profile") from None
    except UnicodeDecodeError:
        raise ValidationError("not UTF-8 text; save the profile as UTF-8", file=str(path),
                              field="--profile") from None
    return parse_profile(text, str(path))
