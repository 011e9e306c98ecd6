"""The hand-built gold set (tests/linkage/gold, written independently of the
linker): every case must come out exactly as expected."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from typer.testing import CliRunner

from khavaran.cli import app

GOLD = Path(__file__).parent / "gold"


def _expected() -> dict[tuple[str, str], tuple[str, str]]:
    with (GOLD / "expected.csv").open(encoding="utf-8") as f:
        return {(r["source"], r["record_id"]): (r["person"], r["case"]) for r in csv.DictReader(f)}


def test_every_gold_case_is_linked_as_expected(tmp_path: Path) -> None:
    out = tmp_path / "clusters.csv"
    home = tmp_path / "no-home"
    lists = sorted(str(p) for p in (GOLD / "lists").glob("*.csv"))
    result = CliRunner().invoke(app, ["link", *lists, "--out", str(out)],
                                env={"KHAVARAN_HOME": str(home), "KHAVARAN_DB": None})
    assert result.exit_code == 0, result.output
    assert not home.exists(), "link needs no data home and must not create one"
    expected = _expected()
    with out.open(encoding="utf-8") as f:
        got = {(r["source"], r["record_id"]): r["person_id"] for r in csv.DictReader(f)}
    assert got.keys() == expected.keys()
    by_person: dict[str, set[str]] = defaultdict(set)
    by_id: dict[str, set[str]] = defaultdict(set)
    for rec, (person, _) in expected.items():
        by_person[person].add(got[rec])
        by_id[got[rec]].add(person)
    split = {p: ids for p, ids in by_person.items() if len(ids) > 1}
    merged = {i: ps for i, ps in by_id.items() if len(ps) > 1}
    cases = {person: case for person, case in expected.values()}
    assert not split, "split apart: " + ", ".join(f"{p} ({cases[p]})" for p in split)
    assert not merged, "wrongly joined: " + "; ".join(
        " + ".join(f"{p} ({cases[p]})" for p in sorted(ps)) for ps in merged.values())
    assert len(set(got.values())) == len(by_person)
