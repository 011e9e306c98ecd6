"""Import FollowTheMoney (FtM) entity files into the reference area.

An FtM file (OpenSanctions' exports are the main case) holds one JSON object a
line: ``{"id", "schema", "properties": {name: [values]}}``, and OpenSanctions
adds ``datasets``, ``first_seen``, ``last_seen``, ``last_change`` and more,
which are kept.  The entities go into the reference area
(storage/reference_tables.py), apart from the registry's claims, each under
its dataset and that dataset's date: nothing here is a fact about a person of
the registry until a reviewer confirms a match (services/xref.py).

The whole file is checked first, with the followthemoney library's model:
a line that is not a JSON object, an unknown schema or property, or a value
of an entity property that names no entity of the file is a problem reported
with its line; every line is checked.  Nothing is imported unless the file is
clean, or with ``skip_bad``, which leaves out the bad lines (and what refers
to them) and says which.  Re-importing a file adds nothing: an entity is
known by its dataset and id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from khavaran.errors import ValidationError
from khavaran.services.registry import Registry, require_actor
from khavaran.storage.reference_tables import ref_dataset, ref_entity
from khavaran.storage.repo import chunks

__all__ = ["FtmEntity", "FtmImport", "Problem", "check_ftm", "dataset_name", "import_ftm"]

# Top-level keys of an entity line other than id, schema and properties:
# those of followthemoney's own serialisation and OpenSanctions' exports.
EXTRA_KEYS = frozenset({"caption", "datasets", "referents", "first_seen", "last_seen",
                        "last_change", "target", "origin"})
DATASET_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
ISO_PREFIX = re.compile(r"^\d{4}(-\d{2}(-\d{2}([T ][0-9:.+Z-]*)?)?)?$")
MAX_ID = 200  # ref_entity.id; PostgreSQL refuses longer, SQLite would not
# Characters no id may hold: controls, bidi and zero-width marks (an id with
# one prints exactly as another without), and lone surrogates (JSON can write
# "\ud800"; no database can store it).
_UNSEEN = re.compile("[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
                     "\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_SHOWN = 50  # problems listed in an error; the count says how many more


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class FtmEntity:
    id: str
    schema: str
    properties: dict[str, list[str]]
    line: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def caption(self) -> str:
        for prop in ("name", "title", "caption"):
            if self.properties.get(prop):
                return self.properties[prop][0]
        # the caption key is free text: no NUL, which PostgreSQL cannot store
        return str(self.extra.get("caption") or self.id).replace("\x00", "")

    def stored(self) -> str:
        """The properties (and the extra keys) as kept in ref_entity."""
        return json.dumps({"properties": self.properties, **self.extra}, ensure_ascii=False,
                          sort_keys=True)


@dataclass
class FtmImport:
    dataset: str
    date: dt.date
    added: Counter[str] = field(default_factory=Counter)   # by schema
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: int = 0
    skipped: list[Problem] = field(default_factory=list)


@cache
def _model() -> Any:
    # followthemoney costs over a second to import: only the FtM import pays.
    from followthemoney import model

    return model


def _line_entity(text: str, number: int) -> tuple[FtmEntity | None, list[Problem]]:
    try:
        data = json.loads(text)
    except RecursionError:
        return None, [Problem(number, "not JSON (nested too deep)")]
    except json.JSONDecodeError as exc:
        return None, [Problem(number, f"not JSON ({exc.msg} at column {exc.colno})")]
    if not isinstance(data, dict):
        return None, [Problem(number, "not a JSON object")]
    if "\\ud" in text.lower() and _lone_surrogate(data):
        return None, [Problem(number, "holds a lone surrogate (\\ud800-\\udfff): not text")]
    problems = []
    eid, schema_name, props = data.get("id"), data.get("schema"), data.get("properties", {})
    if not isinstance(eid, str) or not eid.strip():
        problems.append(Problem(number, "no id"))
    elif len(eid.strip()) > MAX_ID or _UNSEEN.search(eid):
        problems.append(Problem(number, f"id {eid[:40]!r}: longer than {MAX_ID} characters, "
                                        "or holds a control, bidi or zero-width character"))
        eid = None
    schema = _model().get(schema_name) if isinstance(schema_name, str) else None
    if schema is None:
        problems.append(Problem(number, f"unknown schema {json.dumps(schema_name)}"))
    elif schema.abstract:
        problems.append(Problem(number, f"schema {schema.name} is abstract: an entity has "
                                        "one of its descendants (Person, Company...)"))
        schema = None
    unknown = sorted(set(data) - {"id", "schema", "properties"} - EXTRA_KEYS)
    if unknown:
        problems.append(Problem(number, f"unknown key(s) {', '.join(unknown)}"))
    clean: dict[str, list[str]] = {}
    if not isinstance(props, dict):
        problems.append(Problem(number, "properties is not an object"))
        props = {}
    for name, values in props.items():
        prop = schema.get(name) if schema is not None else None
        if schema is not None and prop is None:
            problems.append(Problem(number, f"schema {schema.name} has no property "
                                            f"{json.dumps(name)}"))
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            problems.append(Problem(number, f"property {name}: not a list of strings"))
            continue
        if any("\x00" in v or _SURROGATE.search(v) for v in values):
            problems.append(Problem(number, f"property {name}: holds a NUL character or a "
                                            "lone surrogate (not text)"))
            continue
        if prop is not None and prop.type.name == "date":
            bad = [v for v in values if not _real_date(v)]
            if bad:
                problems.append(Problem(number, f"property {name}: {bad[0]!r} is not an "
                                                "ISO date"))
                continue
        kept = [v.strip() for v in values if v.strip()]
        if kept:
            clean[name] = kept
    if problems or schema is None or not isinstance(eid, str):
        return None, problems
    extra = {k: data[k] for k in EXTRA_KEYS if k in data}
    return FtmEntity(eid.strip(), schema.name, clean, number, extra), []


def _lone_surrogate(data: object) -> bool:
    """Whether a JSON value holds half of a surrogate pair, which JSON can escape
    but no text (nor database) can hold."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _real_date(value: str) -> bool:
    """An ISO date or its prefix (a year, a month) that names a day or month that
    exists, between the years 1000 and 2999: FtM keeps a date at its precision."""
    if not ISO_PREFIX.match(value):
        return False
    parts = value[:10].split("-")
    try:
        dt.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1,
                int(parts[2]) if len(parts) > 2 else 1)
    except ValueError:
        return False
    return 1000 <= int(parts[0]) <= 2999


def _references(e: FtmEntity) -> Iterable[tuple[str, str]]:
    schema = _model().get(e.schema)
    for name, values in e.properties.items():
        if schema.get(name).type.name == "entity":
            for v in values:
                yield name, v


def check_ftm(lines: Iterable[str | bytes]) -> tuple[list[FtmEntity], list[Problem]]:
    """Every entity of the lines, and every problem (each with its line).

    Lines may be bytes (a file read in binary: only "\\n" ends a line, as JSON
    Lines says, where text's splitlines would also split at U+2028 inside a
    name); a line that is not UTF-8 is a problem of its own.  Blank lines are
    skipped.  An entity whose line is bad, or that refers to an entity not in
    the file (or to a bad one), is not among the entities.
    """
    entities: dict[str, FtmEntity] = {}
    problems: list[Problem] = []
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(Problem(number, f"not UTF-8 text (byte {exc.start + 1} of "
                                                "the line)"))
                continue
        else:
            text = line
        if number == 1:
            text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
        if not text.strip():
            continue
        e, found = _line_entity(text, number)
        problems.extend(found)
        if e is None:
            continue
        if e.id in entities:
            problems.append(Problem(number, f"id {e.id!r} is already on line "
                                            f"{entities[e.id].line}"))
            continue
        entities[e.id] = e
    # What refers to a missing entity goes, and then what referred to it, and so on.
    changed = True
    while changed:
        changed = False
        for e in list(entities.values()):
            missing = [(p, v) for p, v in _references(e) if v not in entities]
            if missing:
                prop, ref = missing[0]
                problems.append(Problem(e.line, f"{e.schema} {e.id}: {prop} refers to "
                                                f"{ref!r}, which is not in the file"))
                del entities[e.id]
                changed = True
    problems.sort(key=lambda p: p.line)
    return sorted(entities.values(), key=lambda e: e.line), problems


def dataset_name(path: Path) -> str:
    """A dataset's name from its file: the name without .json, .jsonl, .ftm."""
    name = path.name.lower()
    for suffix in (".gz", ".jsonl", ".json", ".ndjson", ".ftm", ".entities"):
        name = name.removesuffix(suffix)
    return re.sub(r"[^a-z0-9_.-]+", "_", name).strip("_.-") or "ftm"


def _dataset_date(entities: list[FtmEntity], today: dt.date) -> dt.date:
    """The newest change any entity records (OpenSanctions' last_change), else today."""
    seen = []
    for e in entities:
        for key in ("last_change", "last_seen"):
            value = e.extra.get(key)
            if isinstance(value, str) and len(value) >= 10:
                try:
                    seen.append(dt.date.fromisoformat(value[:10]))
                except ValueError:
                    continue
                break
    # A date after today (or before FtM existed) is a mistake in the file, not
    # the dataset's date: a source cannot be dated so.
    seen = [d for d in seen if dt.date(2000, 1, 1) <= d <= today]
    return max(seen) if seen else today


def import_ftm(registry: Registry, path: Path, *, actor: str | None, dataset: str | None = None,
               title: str | None = None, date: str | None = None, skip_bad: bool = False,
               fictional: bool = False) -> FtmImport:
    """Read an FtM file into the reference area, in one transaction.

    Parameters: ``path`` the file (one JSON entity a line); ``actor`` who imports;
    ``dataset`` its name (default: the file's name, e.g. ``us_ofac_sdn`` for
    us_ofac_sdn.json); ``title`` how sources citing it are titled (default: the
    name); ``date`` the dataset's date, YYYY-MM-DD (default: the newest
    ``last_change`` in the file, else today); ``skip_bad`` import the good lines
    of a file with bad ones (the report lists those skipped); ``fictional`` mark
    the dataset as fictional demo data (its claims and actions too, once matched).
    """
    actor = require_actor(actor)
    name = dataset or dataset_name(path)
    if not DATASET_NAME.match(name):
        raise ValidationError(f"'{name}' is not a dataset name (lower-case letters, digits, "
                              "'_', '.', '-')", field="--dataset")
    when = None
    if date is not None:
        try:
            when = dt.date.fromisoformat(date)
        except ValueError:
            raise ValidationError(f"'{date}' is not a date YYYY-MM-DD", field="--date") from None
    digest = hashlib.sha256()

    def lines() -> Iterator[bytes]:
        with path.open("rb") as fh:
            for line in fh:
                digest.update(line)
                yield line

    entities, problems = check_ftm(lines())
    if problems and not skip_bad:
        shown = "\n".join(f"{path}:{p}" for p in problems[:MAX_SHOWN])
        more = len(problems) - MAX_SHOWN
        raise ValidationError(
            f"{len(problems)} problem(s), nothing imported (--skip-bad imports the rest):\n"
            + shown + (f"\n... and {more} more" if more > 0 else ""))
    if not entities:
        raise ValidationError("no entity in the file: nothing imported", file=str(path))
    report = FtmImport(name, when or _dataset_date(entities, registry.now().date()),
                       skipped=problems)
    sha = digest.hexdigest()
    with registry.write() as conn:
        row = conn.execute(select(ref_dataset).where(ref_dataset.c.name == name)).first()
        if row is not None and bool(row.fictional) != fictional:
            # Fictional and real data never meet: one import must not turn a
            # dataset's every entity into the other kind.
            raise ValidationError(
                f"dataset '{name}' was imported as {'fictional' if row.fictional else 'real'} "
                "data: import this file under another --dataset name", field="--fictional")
        values = {"title": title or (row.title if row else name), "date": report.date,
                  "sha256": sha, "fictional": fictional}
        if row is None:
            conn.execute(insert(ref_dataset).values(
                name=name, entities=0, created_at=registry.now(), created_by=actor, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            conn.execute(update(ref_dataset).where(ref_dataset.c.name == name).values(**values))
        known: dict[str, tuple[str, str]] = {}
        for part in chunks([e.id for e in entities]):
            q = select(ref_entity.c.id, ref_entity.c.schema, ref_entity.c.properties).where(
                ref_entity.c.dataset == name, ref_entity.c.id.in_(part))
            known.update({r.id: (r.schema, r.properties) for r in conn.execute(q)})
        new = []
        for e in entities:
            stored = e.stored()
            if e.id not in known:
                new.append({"dataset": name, "id": e.id, "schema": e.schema,
                            "caption": e.caption, "properties": stored, "line": e.line})
                report.added[e.schema] += 1
            elif known[e.id] != (e.schema, stored):
                conn.execute(update(ref_entity).where(
                    ref_entity.c.dataset == name, ref_entity.c.id == e.id).values(
                    schema=e.schema, caption=e.caption, properties=stored, line=e.line))
                report.updated[e.schema] += 1
            else:
                report.unchanged += 1
        for part in chunks(new, 5000):
            conn.execute(insert(ref_entity), list(part))
        total = int(conn.execute(select(func.count()).select_from(ref_entity)
                                 .where(ref_entity.c.dataset == name)).scalar_one())
        if row is None or row.entities != total:
            conn.execute(update(ref_dataset).where(ref_dataset.c.name == name)
                         .values(entities=total))
    return report
