"""Read import files (CSV and JSON Lines) into a Batch, remembering lines.

The formats are documented in docs/import-formats.md.  Readers only parse and
shape; ingest.py checks the records against the model and the registry.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticError

from khavaran.errors import ValidationError, raise_all
from khavaran.linkage.columns import map_columns, map_row
from khavaran.linkage.conventions import translate_date
from khavaran.linkage.profile import Profile
from khavaran.linkage.values import read_gender
from khavaran.model import ids
from khavaran.model.loader import load_model
from khavaran.model.records import (
    CitationIn,
    ClaimIn,
    ConsentIn,
    EntityIn,
    HistoryIn,
    RecordIn,
    SettingIn,
    SourceIn,
    StatusIn,
    Where,
)
from khavaran.model.values import clean_value
from khavaran.services.ingest import Batch

__all__ = [
    "CSV_KINDS", "LIST_COLUMNS", "LIST_REQUIRED", "csv_rows", "decode", "delimiter", "read_csv",
    "read_file", "read_jsonl", "read_list_rows", "read_path_text", "read_text",
]

LIST_COLUMNS = ("source", "record_id", "name", "father_name", "birth_year", "age",
                "death_date", "city", "prison", "affiliation", "gender")
LIST_REQUIRED = ("source", "record_id", "name")
# list column -> (property, qualifier)
LIST_PROPERTIES = {
    "name": ("name", "full"), "father_name": ("name", "father"), "birth_year": ("birth_year", None),
    "age": ("age", None), "death_date": ("death_date", None), "city": ("city", None),
    "prison": ("prison", None), "affiliation": ("affiliation", None), "gender": ("gender", None),
}
CSV_KINDS = ("list", "source", "consent", "action", "Person", "Unit", "Posting", "Place", "Event",
             "Act")
CITATION_COLUMNS = {"source", "locator", "credibility", "assessment", "calendar", "status",
                    "status_date", "asserted_by", "status_source", "quote"}
ENTITY_COLUMNS = {"id", "fictional", "protected", "pseudonym"}
SEPARATOR = " | "  # several values in one CSV cell
# The widest file and the longest cell read.  No list or table has a thousand
# columns or a cell of more than 128 KiB of text; a file that does was not
# made for Khavaran, and refusing it early keeps the reading fast.
MAX_COLUMNS = 1000
MAX_CELL = 131_072
# The csv module refuses longer fields itself, without saying which column:
# it is let read them so that the refusal below can name the column.
csv.field_size_limit(max(csv.field_size_limit(), 64 * MAX_CELL))


def decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValidationError(
            f"not UTF-8 text (byte {data[exc.start]:#04x}); save the file as UTF-8",
            file=name, line=line) from None


def _bool(value: str | None, field: str) -> bool:
    v = (value or "").strip().lower()
    if v in ("", "0", "false", "no", "n"):
        return False
    if v in ("1", "true", "yes", "y"):
        return True
    raise ValidationError(f"'{value}' is not true or false", field=field)


def _int(value: str | None, field: str, default: int) -> int:
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ValidationError(f"'{value}' is not a whole number", field=field) from None


def delimiter(text: str) -> str:
    """The separator of a CSV text, from its header line: a comma, or the semicolon
    that Excel writes in French and German locales (or a tab), when the header has
    no comma."""
    first = text.split("\n", 1)[0]
    if "," in first:
        return ","
    return ";" if ";" in first else "\t" if "\t" in first else ","


def csv_rows(text: str, name: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationError("the file is empty", file=name) from None
    except csv.Error as exc:
        raise ValidationError(f"not valid CSV: {exc}", file=name, line=1) from None
    if len(header) > MAX_COLUMNS:
        raise ValidationError(f"the header has {len(header):,} columns; a Khavaran file has "
                              f"at most {MAX_COLUMNS:,}", file=name, line=1)
    _check_cells(header, header, name, 1)
    dupes = sorted(h for h, n in Counter(header).items() if n > 1)
    if dupes:
        raise ValidationError(f"column(s) {dupes} appear twice", file=name, line=1)
    rows = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(cells) != len(header):
                    raise ValidationError(
                        f"{len(cells)} cells but the header has {len(header)} columns",
                        file=name, line=start)
                _check_cells(header, cells, name, start)
                rows.append((start, dict(zip(header, cells, strict=True))))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError(f"not valid CSV: {exc}", file=name, line=start) from None
    if not rows:
        raise ValidationError("the file has a header but no rows", file=name)
    return header, rows


def _check_cells(header: list[str], cells: list[str], name: str, line: int) -> None:
    for column, cell in zip(header, cells, strict=True):
        if len(cell) > MAX_CELL:
            raise ValidationError(f"the cell holds {len(cell):,} characters; at most "
                                  f"{MAX_CELL:,} are read", file=name, line=line,
                                  field=column or "(header)")


def _citation(row: dict[str, str], where: Where, default_locator: str = "") -> tuple[
        list[CitationIn], list[StatusIn], int, str]:
    src = (row.get("source") or "").strip()
    cites = [CitationIn(src, (row.get("locator") or default_locator).strip(),
                        row.get("quote") or None)] if src else []
    statuses = []
    if (row.get("status") or "").strip():
        statuses.append(StatusIn(status=row["status"].strip(),
                                 asserted_by=(row.get("asserted_by") or "").strip(),
                                 date=(row.get("status_date") or "").strip() or None,
                                 source=(row.get("status_source") or "").strip() or src or None))
    cred = _int(row.get("credibility"), "credibility", 6)
    assessment = (row.get("assessment") or "").strip() or "alleged"
    return cites, statuses, cred, assessment


def _list_value(col: str, value: str, calendar: str) -> str:
    """A list cell as the claim's value, read through the built-in vocabularies: a
    sex in any of them, a date with foreign month names or in the lunar calendar."""
    if col == "gender":
        return read_gender(value)
    if col == "death_date":
        return translate_date(value)
    if col == "birth_year" and not value.isdigit():
        return translate_date(value)
    return value


def _read_list(rows: list[tuple[int, dict[str, str]]], header: list[str], name: str,
               person_key: bytes, profile: Profile | None = None) -> Batch:
    """A list's rows as persons, records and claims.  Every bad cell of the file is
    reported at once; a column that is none of ours is refused (a misspelt
    column would lose its values without a word) unless a profile maps or
    ignores it."""
    cmap = map_columns(name, header, profile)
    if cmap.unknown:
        raise ValidationError(
            f"unknown column(s) {list(cmap.unknown)}: a list has {', '.join(LIST_COLUMNS)} "
            "(and calendar, locator, credibility, assessment); map or ignore them in a "
            "profile (--profile)", file=name, line=1)
    # Record ids by line would change when the file is sorted again: an import
    # needs the list's own ids.
    missing = [c for c in ("source", "record_id") if c not in cmap.fields
               and not (c == "source" and profile is not None and profile.source)]
    if missing:
        raise ValidationError(f"missing required column(s) {missing}", file=name, line=1)
    person_schema = load_model().schema("Person")
    model = load_model()
    batch = Batch()
    errors: list[ValidationError] = []
    for line, raw in rows:
        where = Where(name, line)
        row = map_row(cmap, line, raw)
        try:
            for col in LIST_REQUIRED:
                if not row[col].strip():
                    raise ValidationError("required value is empty",
                                          field=cmap.fields.get(col, col))
            src, rec = row["source"].strip(), row["record_id"].strip()
            person = ids.record_person_id(src, rec, person_key)
            rid = ids.record_id(src, rec)
            # fictional=None: the person is fictional exactly when the list's source is
            batch.entities.append(EntityIn(person, "Person", fictional=None, where=where))
            batch.records.append(RecordIn(src, rec, person, dict(raw), where=where))
            cites, _, cred, assessment = _citation(
                {"source": src, "locator": row.get("locator") or f"record {rec}",
                 "credibility": row.get("credibility", ""),
                 "assessment": row.get("assessment", "")}, where)
        except ValidationError as exc:
            errors.append(exc.located(file=name, line=line))
            continue
        batch.claims.append(ClaimIn(person, "role", "victim", citations=cites,
                                    credibility=cred, assessment=assessment, record=rid,
                                    where=where))
        calendar = row.get("calendar") or ""
        for col, (prop, qual) in LIST_PROPERTIES.items():
            value = (row.get(col) or "").strip()
            if not value:
                continue
            shown = cmap.fields.get(col, col)
            try:
                value = _list_value(col, value, calendar)
                # The check the registry makes on writing, made here for every cell,
                # so that one run reports all of them (names are checked on writing).
                if prop != "name":
                    clean_value(model, person_schema.properties[prop], value,
                                qualifier=qual, calendar=calendar or None, field=shown)
            except ValidationError as exc:
                errors.append(exc.located(file=name, line=line, field=shown))
                continue
            batch.claims.append(ClaimIn(person, prop, value, qualifier=qual,
                                        calendar=calendar or None,
                                        citations=cites, credibility=cred,
                                        assessment=assessment, record=rid, where=where))
    raise_all(errors)
    return batch


def _read_sources(rows: list[tuple[int, dict[str, str]]], header: list[str],
                  name: str) -> Batch:
    known = set(SourceIn.__dataclass_fields__) - {"where", "date_calendar"} | {"calendar"}
    unknown = [h for h in header if h not in known]
    if unknown:
        raise ValidationError(f"unknown column(s) {unknown}", file=name, line=1)
    batch = Batch()
    for line, row in rows:
        try:
            vals = {k: (v.strip() or None) for k, v in row.items()}
            batch.sources.append(SourceIn(
                id=vals.get("id") or "", kind=vals.get("kind") or "",
                title=vals.get("title") or "", reliability=vals.get("reliability") or "F",
                author=vals.get("author"), publisher=vals.get("publisher"),
                publisher_type=vals.get("publisher_type"),
                interested_party=_bool(vals.get("interested_party"), "interested_party"),
                date=vals.get("date"), date_calendar=vals.get("calendar"),
                language=vals.get("language"),
                based_on=[b.strip() for b in (vals.get("based_on") or "").split(";") if b.strip()],
                witness=vals.get("witness"), url=vals.get("url"), note=vals.get("note"),
                fictional=_bool(vals.get("fictional"), "fictional"),
                where=Where(name, line)))
        except ValidationError as exc:
            raise exc.located(file=name, line=line) from None
    return batch


def _read_consents(rows: list[tuple[int, dict[str, str]]], header: list[str],
                   name: str) -> Batch:
    batch = Batch()
    for line, row in rows:
        try:
            v = {k: (x.strip() or None) for k, x in row.items()}
            batch.consents.append(ConsentIn(
                person=v.get("person") or "", scope=v.get("scope") or "",
                purpose=v.get("purpose") or "", given=v.get("given"),
                withdrawn=_bool(v.get("withdrawn"), "withdrawn"),
                withdrawn_date=v.get("withdrawn_date"), note=v.get("note"),
                where=Where(name, line)))
        except ValidationError as exc:
            raise exc.located(file=name, line=line) from None
    return batch


def _read_entities(rows: list[tuple[int, dict[str, str]]], header: list[str], name: str,
                   schema_name: str) -> Batch:
    schema = load_model().schema(schema_name)
    columns: dict[str, tuple[str, str | None]] = {}
    for h in header:
        if h in CITATION_COLUMNS or h in ENTITY_COLUMNS:
            continue
        prop, _, qual = h.partition(":")
        if prop not in schema.properties:
            raise ValidationError(
                f"unknown column '{h}': a {schema_name} has {', '.join(schema.properties)}",
                file=name, line=1)
        columns[h] = (prop, qual or None)
    if "id" not in header:
        raise ValidationError("missing required column ['id']", file=name, line=1)
    batch = Batch()
    for line, row in rows:
        where = Where(name, line)
        try:
            eid = row["id"].strip()
            if not eid:
                raise ValidationError("required value is empty", field="id")
            batch.entities.append(EntityIn(
                eid, schema_name, fictional=_bool(row.get("fictional"), "fictional"),
                protected=_bool(row.get("protected"), "protected"),
                pseudonym=(row.get("pseudonym") or "").strip() or None, where=where))
            cites, statuses, cred, assessment = _citation(row, where)
            for col, (prop_name, qualifier) in columns.items():
                for value in (row.get(col) or "").split(SEPARATOR):
                    if value.strip():
                        batch.claims.append(ClaimIn(
                            eid, prop_name, value.strip(), qualifier=qualifier,
                            calendar=(row.get("calendar") or "").strip() or None,
                            citations=cites, statuses=statuses, credibility=cred,
                            assessment=assessment, where=where))
        except ValidationError as exc:
            raise exc.located(file=name, line=line) from None
    return batch


# Headers that say by themselves what a CSV file holds.
SIGNATURES = (("list", {"source", "record_id", "name"}), ("source", {"id", "kind", "title"}),
              ("consent", {"person", "scope", "purpose"}))


def _guess_kind(header: list[str], name: str) -> str:
    for kind, columns in SIGNATURES:
        if columns <= set(header):
            return kind
    raise ValidationError(f"say what the CSV holds with --kind ({', '.join(CSV_KINDS)})",
                          file=name, line=1)


def read_list_rows(rows: list[tuple[int, dict[str, str]]], header: list[str], name: str,
                   person_key: bytes, profile: Profile | None = None) -> Batch:
    """A list (CSV file or spreadsheet sheet) as a batch; ``profile`` maps its columns."""
    return _read_list(rows, header, name, person_key, profile)


def read_csv(text: str, name: str, kind: str | None, person_key: bytes) -> Batch:
    """Parse a CSV file of ``kind``; without a kind, lists, sources and consents
    are recognised by their header."""
    header, rows = csv_rows(text, name)
    kind = kind or _guess_kind(header, name)
    if kind == "list":
        return _read_list(rows, header, name, person_key)
    if kind == "source":
        return _read_sources(rows, header, name)
    if kind == "consent":
        return _read_consents(rows, header, name)
    if kind.lower() == "action":
        # Imported here: the tracker's reader builds on services that import this module.
        from khavaran.services.actions import read_action_rows
        return read_action_rows(rows, header, name)
    if kind in load_model().schemas:
        return _read_entities(rows, header, name, kind)
    raise ValidationError(f"unknown kind '{kind}' (one of {', '.join(CSV_KINDS)})",
                          file=name, field="--kind")


# -- JSON Lines ------------------------------------------------------------------
ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "source": TypeAdapter(SourceIn), "entity": TypeAdapter(EntityIn),
    "consent": TypeAdapter(ConsentIn), "history": TypeAdapter(HistoryIn),
    "setting": TypeAdapter(SettingIn),
}
CLAIM_ADAPTER = TypeAdapter(ClaimIn)
RECORD_ADAPTER = TypeAdapter(RecordIn)


def _pydantic_message(exc: PydanticError) -> tuple[str, str]:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "line"
    return loc, err["msg"]


def _json_record(obj: dict[str, Any], where: Where) -> tuple[str, Any]:
    kind = obj.pop("type", None)
    if kind is None:
        raise ValidationError("each line needs a \"type\"", field="type")
    if "where" in obj:
        raise ValidationError("unknown field", field="where")
    try:
        if kind == "claim":
            rec = obj.get("record")
            if isinstance(rec, dict):
                obj["record"] = ids.record_id(str(rec.get("source")), str(rec.get("record_id")))
            return kind, CLAIM_ADAPTER.validate_python({**obj, "where": where})
        if kind == "record":
            return kind, RECORD_ADAPTER.validate_python({**obj, "where": where})
        if kind in ADAPTERS:
            return kind, ADAPTERS[kind].validate_python({**obj, "where": where})
    except PydanticError as exc:
        loc, msg = _pydantic_message(exc)
        raise ValidationError(msg, field=loc) from None
    raise ValidationError(
        f"unknown type '{kind}' (source, entity, record, claim, consent, history, setting)",
        field="type")


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


# Parsing with the standard decoder would keep the last of two equal keys and
# silently drop the first.
_DECODER = json.JSONDecoder(object_pairs_hook=_object)
# A \ud800-\udfff escape: JSON allows it alone, UTF-8 (and the database) does not.
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _parse_line(line: str, name: str, number: int) -> Any:
    try:
        obj = _DECODER.decode(line)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"not valid JSON: {exc.msg}", file=name, line=number) from None
    except _DuplicateKey as exc:
        raise ValidationError(f"the key \"{exc.key}\" appears twice in one object",
                              file=name, line=number, field=exc.key) from None
    except RecursionError:
        raise ValidationError("JSON nested too deeply", file=name, line=number) from None
    if _SURROGATE.search(line):
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(
                "a \\u escape stands for half of a character (a lone surrogate, "
                "U+D800-U+DFFF): it is not text", file=name, line=number) from None
    return obj


def read_jsonl(text: str, name: str) -> Batch:
    batch = Batch()
    lists: dict[str, list[Any]] = {
        "source": batch.sources, "entity": batch.entities, "record": batch.records,
        "claim": batch.claims, "consent": batch.consents, "history": batch.history,
        "setting": batch.settings}
    # Only "\n" ends a line: JSON strings may hold U+2028, U+0085 and other
    # characters that str.splitlines() would also split on.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        obj = _parse_line(line, name, number)
        if not isinstance(obj, dict):
            raise ValidationError("each line must be a JSON object", file=name, line=number)
        try:
            kind, record = _json_record(obj, Where(name, number))
        except ValidationError as exc:
            raise exc.located(file=name, line=number) from None
        lists[kind].append(record)
    if not any(lists.values()):
        raise ValidationError("the file is empty", file=name)
    return batch


def read_text(text: str, name: str, kind: str | None, person_key: bytes) -> Batch:
    """Parse one file's text; ``kind`` says what a CSV file holds (see CSV_KINDS);
    ``person_key`` is the registry's secret for the ids of persons made from lists."""
    if name.endswith((".jsonl", ".json", ".ndjson")):
        return read_jsonl(text, name)
    if name.endswith(".csv"):
        return read_csv(text, name, kind, person_key)
    raise ValidationError("unknown file type: use .csv or .jsonl", file=name)


def read_path_text(path: Path) -> str:
    """A file's text, UTF-8; unreadable files and other encodings are refused."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read the file: {exc.strerror}", file=name) from None
    return decode(data, name)


def read_file(path: Path, kind: str | None, person_key: bytes) -> Batch:
    return read_text(read_path_text(path), str(path), kind, person_key)
