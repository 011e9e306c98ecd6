"""Bad input: a clear error naming file, line and field, and the registry left
exactly as it was; or, for facts that may be a transcription error, a warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, select

from khavaran.errors import ValidationError
from khavaran.services import profiles
from khavaran.services.importing import import_files
from khavaran.services.readers import MAX_CELL, MAX_COLUMNS, csv_rows, read_jsonl
from khavaran.services.registry import Registry
from khavaran.storage import queries
from khavaran.storage.tables import entity

FIXTURES = Path(__file__).parent.parent / "fixtures"
SOURCES = FIXTURES / "sources.csv"
HEADER = "source,record_id,name,father_name,birth_year,age,death_date,city,prison," \
         "affiliation,gender\n"


def _snapshot(registry: Registry) -> dict[str, object]:
    with registry.read() as conn:
        return queries.counts(conn)


def _people(conn: Connection) -> list[str]:
    return list(conn.execute(select(entity.c.id).where(entity.c.schema == "Person")
                             .order_by(entity.c.id)).scalars())


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(registry: Registry, *files: tuple[Path, str | None]) -> ValidationError:
    before = _snapshot(registry)
    with pytest.raises(ValidationError) as err:
        import_files(registry, list(files), actor="tester")
    assert _snapshot(registry) == before
    return err.value


@pytest.fixture
def sourced(registry: Registry) -> Registry:
    import_files(registry, [(SOURCES, "source")], actor="tester")
    return registry


def test_a_cell_longer_than_the_limit_is_named(sourced: Registry, tmp_path: Path) -> None:
    path = _write(tmp_path, "long.csv", HEADER + "t-list,1,Ali,,,,,,,,\n"
                  f"t-list,2,{'x' * (MAX_CELL + 1)},,,,,,,,\n")
    err = _refused(sourced, (path, "list"))
    assert (err.file, err.line, err.field) == (str(path), 3, "name")
    assert "131,072" in err.message


def test_a_long_cell_in_the_header_is_named(sourced: Registry, tmp_path: Path) -> None:
    path = _write(tmp_path, "head.csv", "source," + "y" * 200_000 + "\nt-list,1\n")
    err = _refused(sourced, (path, "list"))
    assert (err.file, err.line) == (str(path), 1)


def test_a_million_columns_are_refused_at_the_header(sourced: Registry, tmp_path: Path) -> None:
    path = _write(tmp_path, "wide.csv", ",".join(f"c{i}" for i in range(1_000_000)) + "\n"
                  + ",".join("v" for _ in range(1_000_000)) + "\n")
    err = _refused(sourced, (path, None))
    assert err.line == 1 and "1,000,000 columns" in err.message
    assert f"at most {MAX_COLUMNS:,}" in err.message


@given(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=8))
def test_columns_given_twice_are_all_named(names: list[str]) -> None:
    text = ",".join(names) + "\n" + ",".join("1" for _ in names) + "\n"
    twice = sorted({n for n in names if names.count(n) > 1})
    if not twice:
        header, rows = csv_rows(text, "f.csv")
        assert header == names and len(rows) == 1
        return
    with pytest.raises(ValidationError) as err:
        csv_rows(text, "f.csv")
    assert err.value.line == 1 and str(twice) in err.value.message


def test_a_lone_surrogate_escape_is_refused(registry: Registry, tmp_path: Path) -> None:
    path = _write(tmp_path, "s.jsonl", '{"type": "source", "id": "s1", "kind": "report", '
                  '"title": "fine", "fictional": true}\n'
                  '{"type": "source", "id": "s2", "kind": "report", '
                  '"title": "half \\ud800 a character", "fictional": true}\n')
    err = _refused(registry, (path, None))
    assert (err.file, err.line) == (str(path), 2) and "surrogate" in err.message


def test_a_surrogate_pair_escape_is_text(registry: Registry, tmp_path: Path) -> None:
    path = _write(tmp_path, "s.jsonl", '{"type": "source", "id": "s1", "kind": "report", '
                  '"title": "emoji \\ud83d\\ude00", "fictional": true}\n')
    report = import_files(registry, [(path, None)], actor="tester")
    assert report.added["sources"] == 1


def test_a_key_given_twice_in_one_object_is_refused(registry: Registry, tmp_path: Path) -> None:
    path = _write(tmp_path, "d.jsonl", '{"type": "entity", "id": "p1", "schema": "Person", '
                  '"fictional": true, "protected": true, "protected": false}\n')
    err = _refused(registry, (path, None))
    assert (err.file, err.line, err.field) == (str(path), 1, "protected")
    assert "appears twice" in err.message


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.integers(), min_size=1, max_size=5),
       st.data())
def test_duplicate_keys_are_found_at_any_depth(obj: dict[str, int], data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(obj)))
    import json
    body = json.dumps(obj)[:-1] + f", {json.dumps(key)}: 0}}"
    line = '{"type": "setting", "nested": ' + body + "}"
    with pytest.raises(ValidationError) as err:
        read_jsonl(line + "\n", "f.jsonl")
    assert err.value.field == key and err.value.line == 1


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                                     "\u2066", "\u2067", "\u2068", "\u2069"])
def test_bidi_controls_in_a_name_are_refused(sourced: Registry, tmp_path: Path,
                                             control: str) -> None:
    path = _write(tmp_path, "b.csv", HEADER + f"t-list,1,Ali {control}Karimi,,,,,,,,\n")
    err = _refused(sourced, (path, "list"))
    assert (err.file, err.line, err.field) == (str(path), 2, "name")
    assert f"U+{ord(control):04X}" in err.message


def test_directional_marks_are_stripped_with_a_warning(sourced: Registry,
                                                       tmp_path: Path) -> None:
    path = _write(tmp_path, "m.csv", HEADER + "t-list,1,\u200fمحمد حسینی\u200e,,,,,,,,\n")
    report = import_files(sourced, [(path, "list")], actor="tester")
    assert any("directional marks" in w and f"{path}, line 2" in w for w in report.warnings)
    with sourced.read() as conn:
        names = {r["value"] for r in queries.claims_for(conn, _people(conn))
                 if r["property"] == "name"}
    assert names == {"محمد حسینی"}


def test_sources_based_on_each_other_in_a_circle_are_refused(registry: Registry,
                                                              tmp_path: Path) -> None:
    path = _write(tmp_path, "c.csv",
                  "id,kind,title,based_on,fictional\n"
                  "a,report,A,c,true\nb,report,B,a,true\nc,report,C,b,true\n")
    err = _refused(registry, (path, "source"))
    assert err.field == "based_on" and "circle" in err.message
    assert all(s in err.message for s in ("a", "b", "c"))


def test_a_chain_of_sources_is_no_circle(registry: Registry, tmp_path: Path) -> None:
    path = _write(tmp_path, "c.csv", "id,kind,title,based_on,fictional\n"
                  "a,report,A,b;c,true\nb,report,B,c,true\nc,report,C,,true\n")
    assert import_files(registry, [(path, "source")], actor="tester").added["sources"] == 3


@pytest.mark.parametrize(("row", "expected"), [
    ("t-list,1,Ali,,,,1450/01/01,,,,", "in the future"),
    ("t-list,1,Ali,,1990,,1988-08-01,,,,", "before birth"),
    ("t-list,1,Ali,,1940,20,1988-08-01,,,,", "disagree by more than a year"),
    ("t-list,1,Ali,,1340,50,,,,,", "disagree by more than a year"),
])
def test_impossible_dates_are_imported_with_a_warning(sourced: Registry, tmp_path: Path,
                                                      row: str, expected: str) -> None:
    path = _write(tmp_path, "w.csv", HEADER + row + "\n")
    report = import_files(sourced, [(path, "list")], actor="tester")
    assert report.added["records"] == 1
    assert any(expected in w and f"{path}, line 2" in w for w in report.warnings), \
        report.warnings
    with sourced.read() as conn:
        person = _people(conn)[0]
    assert any(expected in w for w in profiles.show(sourced, person).warnings)


@pytest.mark.parametrize("row", [
    "t-list,1,Ali,,1340,26,1367/05/10,,,,",   # born 1961/62, died 1988: 26 or 27
    "t-list,1,Ali,,1962,27,,,,,",
    "t-list,1,Ali,,,,Mordad 1367,,,,",
])
def test_dates_that_can_all_be_true_raise_no_warning(sourced: Registry, tmp_path: Path,
                                                     row: str) -> None:
    path = _write(tmp_path, "ok.csv", HEADER + row + "\n")
    assert import_files(sourced, [(path, "list")], actor="tester").warnings == []


def test_a_warning_sees_the_facts_already_stored(sourced: Registry, tmp_path: Path) -> None:
    first = _write(tmp_path, "a.jsonl", '{"type": "entity", "id": "p1", "schema": "Person", '
                   '"fictional": true}\n{"type": "claim", "entity": "p1", "property": '
                   '"birth_year", "value": "1960", "citations": [{"source": "t-list"}]}\n')
    assert import_files(sourced, [(first, None)], actor="tester").warnings == []
    second = _write(tmp_path, "b.jsonl", '{"type": "claim", "entity": "p1", "property": '
                    '"death_date", "value": "1950-01-01", "citations": [{"source": "t-list"}]}\n')
    report = import_files(sourced, [(second, None)], actor="tester")
    assert report.warnings == [f"p1: death date '1950-01-01' is before birth '1960' "
                               f"({second}, line 1)"]
