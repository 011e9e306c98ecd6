"""Spreadsheets (.xlsx, .ods) wherever a CSV list is accepted: cells as text,
date cells as Gregorian, and what cannot be read without guessing refused with
sheet, row and column."""

from __future__ import annotations

import datetime
from pathlib import Path

import openpyxl
import pytest

from khavaran.errors import ValidationError
from khavaran.services.sheets import column_letter, read_tables
from spreadsheets import write_ods, write_xlsx

HEADER = ["source", "record_id", "name", "birth_year", "death_date", "gender"]


ROWS = [HEADER, ["list-a", 1, "Ali Rezaei", 1340, datetime.date(1988, 9, 4), "H"],
        ["list-a", "007", "  Zahra  Ahmadi ", "1960", "1367/06/13", "F"],
        ["list-a", 3.5, "Reza Alavi", "", "", ""]]


@pytest.mark.parametrize("writer", [write_xlsx, write_ods], ids=["xlsx", "ods"])
def test_cells_keep_their_text_and_dates_are_gregorian(tmp_path: Path, writer) -> None:
    path = writer(tmp_path / ("list." + writer.__name__.split("_")[1]), {"Liste A": ROWS})
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
    path = writer(tmp_path / ("f." + writer.__name__.split("_")[1]), {"S": rows})
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
