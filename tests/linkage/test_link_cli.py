"""`khavaran link`: output format, and bad input refused with file, line and
field, leaving the output file as it was."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from khavaran.cli import app

HEADER = "source,record_id,name,father_name,birth_year,age,death_date,city,prison,gender\n"
FAMILIES = HEADER + (
    "families,1,محمد حسيني,علی,1340,,1367/05/12,باختران,رجایی‌شهر,مرد\n"
    "families,2,علی محمدی,حسن,1338,,1367/05,تهران,اوین,مرد\n"
    "families,3,حسین محمدی,حسن,1344,,1367/05,تهران,اوین,مرد\n"
)
NGO = HEADER + (
    "ngo,x1,Muhammad Husayni (son of Ali),,,27,1988-08-03,Kermanshah,Gohardasht,m\n"
    "ngo,x2,\"MOHAMMADI, Ali\",Hassan,,30,August 1988,Tehran,Evin,m\n"
    "ngo,x3,Hossein Mohammadi,Hasan,,24,1988,Tehran,Evin,m\n"
)


def _run(tmp_path: Path, *files: tuple[str, str | bytes], out: str = "clusters.csv",
         options: tuple[str, ...] = ()):
    paths = []
    for name, body in files:
        p = tmp_path / name
        if isinstance(body, bytes):
            p.write_bytes(body)
        else:
            p.write_text(body, encoding="utf-8")
        paths.append(str(p))
    result = CliRunner().invoke(app, ["link", *paths, "--out", str(tmp_path / out), *options])
    return result


def _clusters(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_link_writes_one_row_per_record_and_keeps_brothers_apart(tmp_path: Path) -> None:
    result = _run(tmp_path, ("families.csv", FAMILIES), ("ngo.csv", NGO))
    assert result.exit_code == 0, result.output
    assert "6 records from 2 list(s) -> 3 persons" in result.output
    rows = _clusters(tmp_path / "clusters.csv")
    assert list(rows[0]) == ["source", "record_id", "person_id"]
    pid = {(r["source"], r["record_id"]): r["person_id"] for r in rows}
    assert len(rows) == 6
    assert pid["families", "1"] == pid["ngo", "x1"]
    assert pid["families", "2"] == pid["ngo", "x2"]
    assert pid["families", "3"] == pid["ngo", "x3"]
    assert pid["families", "2"] != pid["families", "3"]  # brothers: same father and city
    # Deterministic: the same input gives the same ids.
    _run(tmp_path, ("families.csv", FAMILIES), ("ngo.csv", NGO), out="again.csv")
    assert _clusters(tmp_path / "again.csv") == rows


# Refused with or without --strict: the list cannot be read as records.
BROKEN = [
    ("duplicate record", HEADER + "press,1,Ali Rezaei,,,,,,,\npress,1,Reza Alavi,,,,,,,\n",
     "record_id '1' of source 'press' is already on", "bad.csv, line 3, field 'record_id'"),
    ("empty file", "", "the file is empty", "bad.csv"),
    ("header only", HEADER, "has a header but no rows", "bad.csv"),
    ("empty name", HEADER + "press,1,Ali Rezaei,,,,,,,\npress,2, - ... ,,,,,,,\n",
     "'- ...' has no letters or digits", "bad.csv, line 3, field 'name'"),
]
# Refused with --strict; without it the values become unknown and are reported.
BAD = [
    ("missing column", HEADER.replace("record_id,", "") + "press,محمد,,,,,,,\n",
     "missing required column(s) ['record_id']", "bad.csv, line 1"),
    ("unknown column", HEADER.replace("gender", "gendre") + "press,1,Ali,,,,,,,m\n",
     "unknown column(s) ['gendre']", "bad.csv, line 1"),
    ("bad date", HEADER + "press,1,Ali Rezaei,,,,32 Mordad 1367,,,\n",
     "day 32 does not exist in Mordad 1367", "bad.csv, line 2, field 'death_date'"),
    ("bad age", HEADER + "press,1,Ali Rezaei,,,about thirty,,,,\n",
     "'about thirty' is not an age in years", "bad.csv, line 2, field 'age'"),
    ("bad gender", HEADER + "press,1,Ali Rezaei,,,,,,,x\n", "'x' is not a gender",
     "bad.csv, line 2, field 'gender'"),
]


@pytest.mark.parametrize(("label", "body", "message", "where"), BROKEN + BAD,
                         ids=[b[0] for b in BROKEN + BAD])
def test_bad_input_is_refused_and_nothing_is_written(
        tmp_path: Path, label: str, body: str, message: str, where: str) -> None:
    before = "source,record_id,person_id\nold,1,p-old\n"
    (tmp_path / "clusters.csv").write_text(before, encoding="utf-8")
    result = _run(tmp_path, ("families.csv", FAMILIES), ("bad.csv", body),
                  options=("--strict",))
    assert result.exit_code == 1
    assert message in result.output, result.output
    assert where in result.output, result.output
    assert (tmp_path / "clusters.csv").read_text(encoding="utf-8") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".clusters")] == []


def test_unreadable_encoding_names_file_and_line(tmp_path: Path) -> None:
    body = (HEADER + "families,1,Ali Rezaei,,,,,,,\nfamilies,2,Zohreh Karimi,,,,,,,\n")
    latin1 = body.replace("Zohreh", "Zöhreh").encode("latin-1")
    result = _run(tmp_path, ("bad.csv", latin1))
    assert result.exit_code == 1
    assert "bad.csv, line 3" in result.output and "not UTF-8 text" in result.output
    assert not (tmp_path / "clusters.csv").exists()


def test_duplicates_across_files_of_one_source_are_refused(tmp_path: Path) -> None:
    result = _run(tmp_path, ("families.csv", FAMILIES), ("again.csv", FAMILIES))
    assert result.exit_code == 1
    assert "again.csv, line 2, field 'record_id': record_id '1' of source 'families' is " \
        "already on" in result.output
    assert "families.csv:2" in result.output


def test_out_must_not_be_a_folder(tmp_path: Path) -> None:
    (tmp_path / "clusters.csv").mkdir()
    result = _run(tmp_path, ("families.csv", FAMILIES))
    assert result.exit_code == 1 and "is a folder" in result.output


def test_scoring_on_several_cores_gives_the_same_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    from khavaran.linkage import link as linking
    from khavaran.linkage.compare import Frequencies
    from khavaran.linkage.features import prepare_all
    from khavaran.linkage.lists import read_lists

    gold = sorted((Path(__file__).parent / "gold" / "lists").glob("*.csv"))
    features = prepare_all(read_lists(gold))
    pairs = linking.candidate_pairs(features)
    serial = linking.score_pairs(features, Frequencies(features), pairs)
    monkeypatch.setattr(linking, "PARALLEL_PAIRS", 0)
    monkeypatch.setattr(linking.os, "cpu_count", lambda: 2)
    parallel = linking.score_pairs(features, Frequencies(features), pairs)
    assert parallel == serial and len(serial) == len(pairs) > 1000


@pytest.mark.parametrize(("label", "body", "message", "where"), BROKEN,
                         ids=[b[0] for b in BROKEN])
def test_broken_lists_are_refused_without_strict_too(
        tmp_path: Path, label: str, body: str, message: str, where: str) -> None:
    result = _run(tmp_path, ("families.csv", FAMILIES), ("bad.csv", body))
    assert result.exit_code == 1
    assert message in result.output and where in result.output, result.output
    assert not (tmp_path / "clusters.csv").exists()


MESSY = HEADER.replace("gender", "gender,notes") + (
    "press,1,Ali Rezaei,,,about thirty,32 Mordad 1367,,,x,\n"
    "press,2,Reza Alavi,,,,after the war,,,m,seen twice\n"
    "press,3,Hassan Alavi,,,,after the war,,,f?,\n"
)


def test_without_strict_unreadable_values_become_unknown_and_are_reported(
        tmp_path: Path) -> None:
    result = _run(tmp_path, ("families.csv", FAMILIES), ("messy.csv", MESSY))
    assert result.exit_code == 0, result.output
    assert "6 records from 2 list(s)" in result.output
    rows = _clusters(tmp_path / "clusters.csv")
    assert {(r["source"], r["record_id"]) for r in rows} >= {("press", "1"), ("press", "3")}
    out = result.output
    assert "column 'notes' of " in out and "was not used" in out
    assert "6 value(s) could not be read and were taken as unknown" in out
    messy = str(tmp_path / "messy.csv")
    assert "death_date 'after the war': 2 record(s), now unknown" in out
    assert f"first at {messy}:3, {messy}:4" in out
    assert "age 'about thirty': 1 record(s)" in out and f"{messy}:2" in out
    assert "gender 'x': 1 record(s)" in out and "gender 'f?': 1 record(s)" in out


def test_strict_reports_every_bad_cell_in_one_run(tmp_path: Path) -> None:
    body = MESSY.replace(",notes", "").replace(",seen twice", "").replace(",\n", "\n")
    result = _run(tmp_path, ("messy.csv", body), options=("--strict",))
    assert result.exit_code == 1
    out = result.output
    assert "6 problem(s); nothing was written" in out, out
    for where in ("line 2, field 'age'", "line 2, field 'death_date'",
                  "line 2, field 'gender'", "line 3, field 'death_date'",
                  "line 4, field 'gender'"):
        assert where in out, out
    assert not (tmp_path / "clusters.csv").exists()
