"""Importing lists in their own columns: profiles, spreadsheets, unknown columns
refused, and every bad cell of a list reported in one run."""

from __future__ import annotations

from pathlib import Path

import pytest

from khavaran.errors import ManyErrors, ValidationError
from khavaran.services.importing import import_files
from khavaran.services.registry import Registry
from khavaran.storage import queries
from spreadsheets import write_xlsx

FIXTURES = Path(__file__).parent.parent / "fixtures"
SOURCES = (FIXTURES / "sources.csv", "source")
FRENCH = ("N°,Nom,Prénom,Père,Sexe,Date d'exécution,Ville,Remarques\n"
          "1,Karimi,Alireza,Hassan,H,4 septembre 1988,Téhéran,vu en prison\n"
          "2,Ahmadi,Zahra,,F,1409 AH,Ispahan,\n")
PROFILE = ("source: t-list\ncolumns:\n  Père: father_name\nignore: [Remarques]\n"
           "values:\n  city: {Ispahan: Esfahan}\n")


def _counts(registry: Registry) -> dict[str, object]:
    with registry.read() as conn:
        return queries.counts(conn)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / name


def test_a_list_in_its_own_columns_imports_through_a_profile(
        registry: Registry, tmp_path: Path) -> None:
    liste = _write(tmp_path, "liste.csv", FRENCH)
    profile = _write(tmp_path, "fr.yaml", PROFILE)
    report = import_files(registry, [SOURCES, (liste, None)], actor="tester", profile=profile)
    assert report.added["records"] == 2
    assert _counts(registry)["victims"] == 2
    again = import_files(registry, [SOURCES, (liste, None)], actor="tester", profile=profile)
    assert not again.changed_anything


def test_an_unknown_column_is_refused_unless_mapped_or_ignored(
        registry: Registry, tmp_path: Path) -> None:
    header = "source,record_id,name,fathr_name\n"
    liste = _write(tmp_path, "list.csv", header + "t-list,1,Ali Karimi,Hassan\n")
    before = _counts(registry)
    with pytest.raises(ValidationError) as err:
        import_files(registry, [SOURCES, (liste, "list")], actor="tester")
    assert "unknown column(s) ['fathr_name']" in str(err.value)
    assert err.value.file == str(liste) and err.value.line == 1
    assert _counts(registry) == before
    profile = _write(tmp_path, "p.yaml", "columns:\n  fathr_name: father_name\n")
    report = import_files(registry, [SOURCES, (liste, "list")], actor="tester",
                          profile=profile)
    assert report.added["records"] == 1


def test_every_bad_cell_of_a_list_is_reported_in_one_run(
        registry: Registry, tmp_path: Path) -> None:
    body = ("source,record_id,name,age,death_date,gender\n"
            "t-list,1,Ali Karimi,about thirty,1367/05/10,x\n"
            "t-list,2,Zahra Ahmadi,30,32 Mordad 1367,f\n"
            "t-list,3,,40,,m\n")
    liste = _write(tmp_path, "list.csv", body)
    before = _counts(registry)
    with pytest.raises(ManyErrors) as err:
        import_files(registry, [SOURCES, (liste, "list")], actor="tester")
    text = str(err.value)
    assert "4 problem(s); nothing was written" in text
    for where in ("line 2, field 'age'", "line 2, field 'gender'",
                  "line 3, field 'death_date'", "line 4, field 'name'"):
        assert f"{liste}, {where}" in text, text
    assert _counts(registry) == before


def test_a_spreadsheet_list_imports_each_sheet(registry: Registry, tmp_path: Path) -> None:
    rows = [["source", "record_id", "name", "gender", "death_date"],
            ["t-list", 1, "Ali Karimi", "Mann", "3. März 1988"],
            ["t-list", 2, "Zahra Ahmadi", "Frau", "1367/05/10"]]
    book = write_xlsx(tmp_path / "list.xlsx", {"A": rows[:2], "B": [rows[0], rows[2]]})
    report = import_files(registry, [SOURCES, (book, None)], actor="tester")
    assert report.added["records"] == 2
    report = import_files(registry, [SOURCES, (book, None)], actor="tester", sheet="B")
    assert not report.changed_anything


@pytest.mark.parametrize(("text", "message", "line", "field"), [
    ("source: a\ncolumnz:\n  Nom: name\n", "unknown key 'columnz'", 2, "columnz"),
    ("columns:\n  Nom: name\n  Sexe: sex\n", "'sex' is not a field of ours", 3,
     "columns.Sexe"),
    ("values:\n  colour: {a: b}\n", "'colour' is not a field of ours", 2, "values.colour"),
    ("calendar: lunar\n", "'lunar' is not a calendar", 1, "calendar"),
    ("columns:\n  Nom: name\n  Nom: surname\n", "given twice (first on line 2)", 3,
     "columns.Nom"),
    ("columns: [Nom]\n", "must be a mapping", 1, "columns"),
])
def test_bad_profiles_are_refused_naming_file_line_and_key(
        registry: Registry, tmp_path: Path, text: str, message: str, line: int,
        field: str) -> None:
    profile = _write(tmp_path, "bad.yaml", text)
    liste = _write(tmp_path, "liste.csv", FRENCH)
    with pytest.raises(ValidationError) as err:
        import_files(registry, [SOURCES, (liste, None)], actor="tester", profile=profile)
    assert message in str(err.value)
    assert (err.value.file, err.value.line, err.value.field) == (str(profile), line, field)
