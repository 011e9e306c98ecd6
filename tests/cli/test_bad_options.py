"""Options a user can get wrong: refused with a message naming them, never a
traceback; and CSV output that a spreadsheet opens as text, never as formulas."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from khavaran.cli import app
from khavaran.export.cells import FORMULA_STARTS, safe_cell

HEADER = "source,record_id,name,father_name,birth_year,age,death_date,city,prison,gender\n"
TOO_BIG = "99999999999999999999"


def _clean_exit(result, code: int) -> str:
    # SystemExit is how click ends a command: any other exception is a traceback.
    assert isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return str(result.output)


@pytest.mark.parametrize("args", [
    ("history", "--limit", TOO_BIG),
    ("dedupe", "--limit", TOO_BIG),
    ("case", "withdraw", "demo-commission", TOO_BIG, "--reason", "x"),
    ("case", "link", "demo-commission", TOO_BIG, "murder-killed", "--reason", "x",
     "--claim", "c-1"),
])
def test_a_number_too_large_for_the_database_is_refused(demo_cli, args: tuple[str, ...]) -> None:
    out = _clean_exit(demo_cli(*args), 2)
    assert "9223372036854775807" in out


def test_history_takes_the_largest_number_the_database_holds(demo_cli) -> None:
    result = demo_cli("history", "--limit", "9223372036854775807")
    assert result.exit_code == 0 and "import" in result.output


@pytest.mark.parametrize("command", [
    ("export", "--out", "/proc/zz/registry.jsonl"),
    ("ledger", "export", "--out", "/proc/zz/ledger.jsonl"),
    ("dossier", "build", "demo-commission", "--out", "/proc/zz/bag"),
])
def test_an_output_path_that_cannot_be_written_is_named(demo_cli, command: tuple[str, ...]
                                                        ) -> None:
    out = _clean_exit(demo_cli(*command), 1)
    assert "/proc/zz" in out


def test_link_names_an_output_path_that_cannot_be_written(tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_text(HEADER + "a,1,Ali Karimi,Hassan,1340,,1367/05,Tehran,Evin,m\n", "utf-8")
    result = CliRunner().invoke(app, ["link", str(src), "--out", "/proc/zz/clusters.csv"])
    out = _clean_exit(result, 1)
    assert "/proc/zz/clusters.csv" in out and "--out" in out


def test_link_writes_formulas_as_text(tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_text(HEADER + '"=HYPERLINK(""http://x"",""y"")",1,Ali Karimi,Hassan,,,,,,m\n'
                   "@SUM(A1),2,Reza Rezaei,,,,,,,m\n"
                   "a,-1+2,Zahra Karimi,,,,,,,f\n", "utf-8")
    out = tmp_path / "clusters.csv"
    result = CliRunner().invoke(app, ["link", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["source"] for r in rows} == {"'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1)", "a"}
    assert {r["record_id"] for r in rows} == {"1", "2", "'-1+2"}
    assert not any(cell.startswith(FORMULA_STARTS) for r in rows for cell in r.values())


@given(st.text(max_size=20))
def test_no_written_cell_starts_a_formula(text: str) -> None:
    cell = safe_cell(text)
    assert not cell.startswith(FORMULA_STARTS)
    # Only a cell that would be a formula is changed, and only by the apostrophe.
    assert cell == text or cell == "'" + text


def test_person_show_warns_of_dates_that_cannot_all_be_true(cli, tmp_path: Path) -> None:
    sources = Path(__file__).parent.parent / "fixtures" / "sources.csv"
    assert cli("import", str(sources), "--kind", "source").exit_code == 0
    data = tmp_path / "p.jsonl"
    data.write_text('{"type": "entity", "id": "p1", "schema": "Person", "fictional": true}\n'
                    '{"type": "claim", "entity": "p1", "property": "birth_year", "value": '
                    '"1990", "citations": [{"source": "t-list"}]}\n'
                    '{"type": "claim", "entity": "p1", "property": "death_date", "value": '
                    '"1988-08-01", "citations": [{"source": "t-list"}]}\n', "utf-8")
    imported = cli("import", str(data))
    assert imported.exit_code == 0, imported.output
    assert f"warning: p1: death date '1988-08-01' is before birth '1990' ({data}, line 3)" \
        in imported.output
    shown = cli("person", "show", "p1", user=None)
    assert shown.exit_code == 0
    assert "WARNING: p1: death date '1988-08-01' is before birth '1990'" in shown.output
