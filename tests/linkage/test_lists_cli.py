"""`khavaran lists inspect`, and `link` on lists as they come: French columns,
a Persian list, a spreadsheet, a profile."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from khavaran.cli import app
from spreadsheets import write_xlsx

FRENCH = ("N°,Nom,Prénom,Sexe,Date d'exécution,Ville,Remarques\n"
          "1,Karimi,Alireza,H,4 septembre 1988,Téhéran,x\n"
          "2,Ahmadi,Zahra,F,1409 AH,Ispahan,\n"
          "3,Rostami,Bijan,?,été 1988,Chiraz,\n")
PERSIAN = ("ردیف,نام,نام خانوادگی,جنسیت,تاریخ اعدام,شهر\n"
           "۱,علیرضا,کریمی,مرد,۱۳۶۷/۰۶/۱۳,تهران\n"
           "۲,زهرا,احمدی,زن,۱۴۰۹ ق,اصفهان\n")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / name


def test_inspect_shows_columns_formats_unknown_values_and_a_profile(tmp_path: Path) -> None:
    path = _write(tmp_path, "liste.csv", FRENCH)
    result = CliRunner().invoke(app, ["lists", "inspect", str(path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"{path}: 3 rows, 7 columns" in out
    assert "'Sexe' -> gender: 3 filled" in out
    assert "calendars: gregorian 1, lunar Hijri 1" in out
    assert "formats: '9 septembre 9999' 1, '9999 AH' 1, 'été 9999' 1" in out
    assert "not understood: 'été 1988' x1 (lines 4)" in out
    assert "'Remarques' -> (none of ours)" in out
    assert "name <- 'Prénom' + 'Nom'" in out and "source = 'liste' (no source column)" in out
    assert "      Sexe: gender" in out and "    ignore: [Remarques]" in out


def test_link_reads_lists_as_they_come_in_one_run(tmp_path: Path) -> None:
    french = _write(tmp_path, "liste.csv", FRENCH)
    persian = write_xlsx(tmp_path / "fa.xlsx", {"فهرست": [
        row.split(",") for row in PERSIAN.splitlines()]})
    out = tmp_path / "clusters.csv"
    result = CliRunner().invoke(app, ["link", str(french), str(persian), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 records from 2 list(s) -> 3 persons" in result.output
    with out.open(encoding="utf-8") as f:
        pid = {(r["source"], r["record_id"]): r["person_id"] for r in csv.DictReader(f)}
    assert pid["liste", "1"] == pid["fa", "۱"]
    assert pid["liste", "2"] == pid["fa", "۲"]
    assert "death_date 'été 1988': 1 record(s), now unknown" in result.output


def test_link_reads_a_french_excel_export_with_semicolons(tmp_path: Path) -> None:
    # French Excel writes CSV with ";" (the comma is the decimal mark) and a BOM.
    text = FRENCH.replace(",", ";").replace("4 septembre 1988", "1er septembre 1988")
    (tmp_path / "liste.csv").write_text(text, encoding="utf-8-sig")
    persian = write_xlsx(tmp_path / "fa.xlsx", {"فهرست": [
        row.split(",") for row in PERSIAN.splitlines()]})
    out = tmp_path / "clusters.csv"
    result = CliRunner().invoke(app, ["link", str(tmp_path / "liste.csv"), str(persian),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "5 records from 2 list(s) -> 3 persons" in result.output
    with out.open(encoding="utf-8") as f:
        pid = {(r["source"], r["record_id"]): r["person_id"] for r in csv.DictReader(f)}
    assert pid["liste", "1"] == pid["fa", "۱"]


def test_a_profile_maps_values_and_is_checked(tmp_path: Path) -> None:
    french = _write(tmp_path, "liste.csv", FRENCH.replace(",H,", ",Monsieur,"))
    profile = _write(tmp_path, "p.yaml", "source: amnesty-fr\nignore: [Remarques]\n"
                     "values:\n  gender: {Monsieur: male}\n")
    out = tmp_path / "clusters.csv"
    result = CliRunner().invoke(app, ["link", str(french), "--out", str(out), "--profile",
                                      str(profile), "--strict"])
    assert result.exit_code == 1
    assert f"{french}, line 4, field 'death_date': cannot read 'été'" in result.output
    profile.write_text("source: amnesty-fr\nignore: [Remarques]\ncolumns:\n  N°: record_id\n"
                       "values:\n  gender: {Monsieur: male}\n  death_date: {été 1988: 1988}\n",
                       encoding="utf-8")
    result = CliRunner().invoke(app, ["link", str(french), "--out", str(out), "--profile",
                                      str(profile), "--strict"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("amnesty-fr,1,")
    profile.write_text("sorce: x\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["link", str(french), "--out", str(out), "--profile",
                                      str(profile)])
    assert result.exit_code == 1
    assert f"{profile}, line 1, field 'sorce': unknown key 'sorce'" in result.output
