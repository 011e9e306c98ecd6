"""Spreadsheets (.xlsx, .ods) wherever a CSV list is accepted: cells as text,
date cells as Gregorian, and what cannot be read without guessing refused with
sheet, row and column."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest

from khavaran.errors import ValidationError
from khavaran.services.sheets import column_letter, read_tables

HEADER = ["source", "record_id", "name", "birth_year", "death_date", "gender"]


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _ods_cell(value: object) -> str:
    if isinstance(value, datetime.date):
        return (f'<table:table-cell office:value-type="date" office:date-value='
                f'"{value.isoformat()}"><text:p>{value.isoformat()}</text:p></table:table-cell>')
    if isinstance(value, int | float):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    if isinstance(value, str) and value.startswith("="):
        return (f'<table:table-cell table:formula="of:{escape(value)}" office:value-type='
                '"float" office:value="2"><text:p>2</text:p></table:table-cell>')
    return (f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
            "</text:p></table:table-cell>")


def write_ods(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A minimal OpenDocument spreadsheet, as LibreOffice would save it."""
    tables = "".join(
        f'<table:table table:name="{escape(name)}">' + "".join(
            "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
            for row in rows) + "</table:table>"
        for name, rows in sheets.items())
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return path


ROWS = [HEADER, ["list-a", 1, "Ali Rezaei", 1340, datetime.date(1988, 9, 4), "H"],
        ["list-a", "007", "  Zahra  Ahmadi ", "1960", "1367/06/13", "F"],
        ["list-a", 3.5, "Reza Alavi", "", "", ""]]


@pytest.mark.parametrize("writer", [write_xlsx, write_ods], ids=["xlsx", "ods"])
def test_cells_keep_their_text_and_dates_are_gregorian(tmp_path: Path, writer) -> None:
    path = writer(tmp_path / "list." + writer.__name__.split("_")[1], {"Liste A": ROWS})
    [table] = read_tables(path)
    assert table.name == f"{path}, sheet 'Liste A'" and table.sheet == "Liste A"
    assert table.header == HEADER
    lines = [line for line, _ in table.rows]
    assert lines == [2, 3, 4]
    first, second, third = (row for _, row in table.rows)
    assert first["record_id"] == "1" and first["birth_year"] == "1340"
    assert first["death_date"] == "1988-09-04"
    assert second["record_id"] == "007" and second["name"] == "  Zahra  Ahmadi "
    assert second["death_date"] == "1367/06/13"
    assert third["record_id"] == "3.5" and third["gender"] == ""


def test_each_sheet_is_a_list_unless_one_is_named(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", {"A": ROWS, "Empty": [], "B": ROWS[:2]})
    assert [t.sheet for t in read_tables(path)] == ["A", "B"]
    assert [t.sheet for t in read_tables(path, "B")] == ["B"]
    with pytest.raises(ValidationError, match=r"no sheet 'C' \(sheets: A, Empty, B\)"):
        read_tables(path, "C")


def test_merged_cells_are_refused_with_sheet_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "merged.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Liste"
    for row in ROWS:
        sheet.append(row)
    sheet.merge_cells("C3:D3")
    book.save(path)
    with pytest.raises(ValidationError) as err:
        read_tables(path)
    assert f"{path}, sheet 'Liste', row 3, column C: merged cells" in str(err.value)


@pytest.mark.parametrize("writer", [write_xlsx, write_ods], ids=["xlsx", "ods"])
def test_formulas_are_refused_with_their_cell(tmp_path: Path, writer) -> None:
    rows = [*ROWS[:2], ["list-a", "=1+1", "Reza Alavi", "", "", ""]]
    path = writer(tmp_path / "f." + writer.__name__.split("_")[1], {"S": rows})
    with pytest.raises(ValidationError) as err:
        read_tables(path)
    assert "sheet 'S', cell B3: a formula" in str(err.value)


def test_a_second_header_row_is_refused(tmp_path: Path) -> None:
    rows = [["Victim", "", "", "Execution", ""], ["N°", "Nom", "Sexe", "Date", "Ville"],
            ["1", "Karimi", "H", "4 septembre 1988", "Téhéran"]]
    path = write_xlsx(tmp_path / "two.xlsx", {"S": rows})
    with pytest.raises(ValidationError) as err:
        read_tables(path)
    assert "sheet 'S', row 1, column B: the header cell is empty" in str(err.value) or \
        "sheet 'S', row 2, column A: a second header row" in str(err.value)
    rows[0] = ["Victim", "Victim", "Victim", "Execution", "Execution"]
    path = write_xlsx(tmp_path / "two.xlsx", {"S": rows})
    with pytest.raises(ValidationError, match="row 2, column A: a second header row"):
        read_tables(path)


def test_an_empty_header_above_values_is_refused(tmp_path: Path) -> None:
    rows = [["N°", "", "Sexe"], ["1", "Karimi", "H"]]
    path = write_xlsx(tmp_path / "gap.xlsx", {"S": rows})
    with pytest.raises(ValidationError, match="row 1, column B: the header cell is empty"):
        read_tables(path)


def test_not_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("source,record_id,name\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="cannot read the spreadsheet") as err:
        read_tables(path)
    assert err.value.file == str(path)


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"),
                                                 (702, "AAA")])
def test_column_letters(index: int, letters: str) -> None:
    assert column_letter(index) == letters
