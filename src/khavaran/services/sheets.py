"""Tables from CSV files and spreadsheets (.xlsx, .ods), for lists.

Each sheet of a spreadsheet is a list (or only the one ``sheet`` names).
Cells keep their text exactly; numbers are written as the sheet shows them
(1988, not 1988.0) and spreadsheet date cells as Gregorian ISO dates.  What
cannot be read without guessing is refused with the sheet, row and column:
merged cells, formulas, a header cell left empty above data, a second header
row.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from python_calamine import CalamineError, CalamineWorkbook

from khavaran.errors import ValidationError
from khavaran.linkage.conventions import column_field
from khavaran.services.readers import csv_rows, read_path_text

__all__ = ["SPREADSHEET_SUFFIXES", "TABLE_SUFFIXES", "Table", "column_letter", "read_tables"]

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".ods")
TABLE_SUFFIXES = (".csv", *SPREADSHEET_SUFFIXES)


@dataclass
class Table:
    """One list: its name in messages ("book.xlsx, sheet 'A'"), header and rows
    as (line or row number, {column: text})."""

    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    file: str
    sheet: str | None = None


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 0-based column index (0 -> A, 26 -> AA)."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _cell_text(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else \
            value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
       "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0"}
_REF = re.compile(r"([A-Z]+)(\d+)")


def _xlsx_formulas(z: zipfile.ZipFile, sheet: str) -> Iterator[str]:
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
    for s in book.iterfind("m:sheets/m:sheet", _NS):
        if s.get("name") != sheet:
            continue
        target = targets.get(s.get(f"{{{_NS['r']}}}id"), "").lstrip("/")
        part = target if target.startswith("xl/") else "xl/" + target
        for cell in ElementTree.fromstring(z.read(part)).iter(f"{{{_NS['m']}}}c"):
            if cell.find("m:f", _NS) is not None:
                yield cell.get("r", "?")


def _ods_formulas(z: zipfile.ZipFile, sheet: str) -> Iterator[str]:
    t = _NS["table"]
    for table in ElementTree.fromstring(z.read("content.xml")).iter(f"{{{t}}}table"):
        if table.get(f"{{{t}}}name") != sheet:
            continue
        for r, row in enumerate(table.iter(f"{{{t}}}table-row"), start=1):
            c = 0
            for cell in row:
                if cell.get(f"{{{t}}}formula"):
                    yield f"{column_letter(c)}{r}"
                c += int(cell.get(f"{{{t}}}number-columns-repeated", "1"))


def _first_formula(path: Path, sheet: str) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            found = (_ods_formulas(z, sheet) if path.suffix.lower() == ".ods"
                     else _xlsx_formulas(z, sheet))
            return next(found, None)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return None  # calamine has read it; a part we do not know holds no formula


def _where(name: str, sheet: str, row: int, col: int) -> str:
    return f"{name}, sheet '{sheet}', row {row}, column {column_letter(col)}"


def _sheet_table(path: Path, book: CalamineWorkbook, sheet: str) -> Table | None:
    name = str(path)
    data = book.get_sheet_by_name(sheet)
    cells = [[_cell_text(v) for v in row] for row in data.to_python(skip_empty_area=False)]
    found = [(i, row) for i, row in enumerate(cells, start=1) if any(c.strip() for c in row)]
    if not found:
        return None
    for (r1, c1), _ in data.merged_cell_ranges or ():
        raise ValidationError(f"{_where(name, sheet, r1 + 1, c1)}: merged cells cannot be "
                              "read as one list row; unmerge them", file=name, line=r1 + 1)
    formula = _first_formula(path, sheet)
    if formula is not None:
        m = _REF.fullmatch(formula)
        raise ValidationError(
            f"{name}, sheet '{sheet}', cell {formula}: a formula; save the sheet with values "
            "only (copy, paste values) so that what is read is what the sheet shows",
            file=name, line=int(m[2]) if m else None)
    (head_row, header), rest = found[0], found[1:]
    header = [h.strip() for h in header]
    width = max(len(header), *(len(r) for _, r in rest)) if rest else len(header)
    header += [""] * (width - len(header))
    for c, h in enumerate(header):
        if not h and any(c < len(r) and r[c].strip() for _, r in rest):
            raise ValidationError(f"{_where(name, sheet, head_row, c)}: the header cell is "
                                  "empty but the column holds values", file=name, line=head_row)
    if rest:
        second_row, second = rest[0]
        known = [c for c in second if c.strip() and column_field(c)]
        if len(known) >= 2 and not any(c.strip().isdigit() for c in second):
            raise ValidationError(
                f"{_where(name, sheet, second_row, 0)}: a second header row "
                f"({', '.join(known)}); keep one header row", file=name, line=second_row)
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise ValidationError(f"sheet '{sheet}': column(s) {dupes} appear twice", file=name,
                              line=head_row)
    used = [c for c, h in enumerate(header) if h]
    rows = [(r, {header[c]: (row[c] if c < len(row) else "") for c in used})
            for r, row in rest]
    if not rows:
        raise ValidationError(f"sheet '{sheet}' has a header but no rows", file=name)
    return Table(f"{name}, sheet '{sheet}'", [header[c] for c in used], rows, name, sheet)


def read_tables(path: Path, sheet: str | None = None) -> list[Table]:
    """The lists in a CSV file (one) or a spreadsheet (each sheet, or ``sheet``)."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        if sheet is not None:
            raise ValidationError("--sheet goes with spreadsheets (.xlsx, .ods)", file=name,
                                  field="--sheet")
        header, rows = csv_rows(read_path_text(path), name)
        return [Table(name, header, rows, name)]
    try:
        book = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise ValidationError(f"cannot read the spreadsheet: {exc}", file=name) from None
    try:
        names = list(book.sheet_names)
        if sheet is not None and sheet not in names:
            raise ValidationError(f"no sheet '{sheet}' (sheets: {', '.join(names)})", file=name,
                                  field="--sheet")
        tables = [t for s in ([sheet] if sheet else names)
                  if (t := _sheet_table(path, book, s)) is not None]
    finally:
        book.close()
    if not tables:
        raise ValidationError("the spreadsheet has no rows", file=name)
    return tables
