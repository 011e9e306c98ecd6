"""FtM import into the reference area: checked whole with followthemoney's model,
every bad line reported, nothing written unless the file is clean (or
--skip-bad), idempotent by dataset and entity id."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from khavaran.errors import ValidationError
from khavaran.services import ftm_export
from khavaran.services.ftm_import import check_ftm, dataset_name, import_ftm
from khavaran.storage.reference_tables import ref_dataset, ref_entity

FIXTURE = Path(__file__).parent.parent / "fixtures" / "ftm" / "commission.ftm.jsonl"
GOOD = FIXTURE.read_text(encoding="utf-8").splitlines()


def _counts(registry) -> tuple[int, int]:
    with registry.read() as conn:
        return (conn.execute(select(func.count()).select_from(ref_dataset)).scalar_one(),
                conn.execute(select(func.count()).select_from(ref_entity)).scalar_one())


def _write(tmp_path: Path, lines: list[str], name: str = "bad.ftm.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_clean_file_goes_into_the_reference_area_under_its_dataset_and_date(
        registry) -> None:
    done = import_ftm(registry, FIXTURE, actor="ana", date="2024-03-01", fictional=True)
    assert done.dataset == "commission" and done.date == dt.date(2024, 3, 1)
    assert done.added == {"Person": 3, "Sanction": 2, "Organization": 1}
    with registry.read() as conn:
        ds = conn.execute(select(ref_dataset)).one()
        rows = {r.id: r for r in conn.execute(select(ref_entity))}
    assert (ds.name, ds.date, ds.entities, ds.fictional) == ("commission", dt.date(2024, 3, 1),
                                                            6, True)
    assert rows["tf-002"].caption == "خسرو جعفری"
    assert json.loads(rows["tf-001"].properties)["properties"]["alias"] == [
        "مسعود قاسمی", "Massoud Qasemi"]
    assert {r.dataset for r in rows.values()} == {"commission"}


def test_importing_the_same_file_again_adds_nothing(registry) -> None:
    import_ftm(registry, FIXTURE, actor="ana")
    again = import_ftm(registry, FIXTURE, actor="ana")
    assert not again.added and not again.updated and again.unchanged == 6
    assert _counts(registry) == (1, 6)


def test_a_changed_entity_is_updated_not_duplicated(registry, tmp_path: Path) -> None:
    import_ftm(registry, FIXTURE, actor="ana", dataset="commission")
    changed = [line.replace("1952", "1953") for line in GOOD]
    done = import_ftm(registry, _write(tmp_path, changed), actor="ana", dataset="commission")
    assert done.updated == {"Person": 1} and not done.added
    assert _counts(registry) == (1, 6)


# One line of each bad kind, each placed among good lines: every one is
# reported with its line, and nothing at all is written.
BAD = [
    ("not JSON", '{"id": "x1", "schema": "Person", ', "line 7: not JSON"),
    ("unknown schema", '{"id": "x2", "schema": "Persn", "properties": {"name": ["A B"]}}',
     'line 7: unknown schema "Persn"'),
    ("unknown property", '{"id": "x3", "schema": "Person", "properties": {"fatherName": '
     '["A"], "shoeSize": ["44"]}}', 'line 7: schema Person has no property "shoeSize"'),
    ("missing entity", '{"id": "x4", "schema": "Sanction", "properties": {"entity": '
     '["tf-999"], "authority": ["Demo"]}}', "line 7: Sanction x4: entity refers to 'tf-999', "
     "which is not in the file"),
]


@pytest.mark.parametrize(("kind", "line", "said"), BAD, ids=[b[0] for b in BAD])
def test_each_kind_of_bad_line_is_reported_and_nothing_is_written(
        registry, tmp_path: Path, kind: str, line: str, said: str) -> None:
    path = _write(tmp_path, [*GOOD, line, GOOD[0].replace("tf-001", "tf-005")])
    with pytest.raises(ValidationError) as caught:
        import_ftm(registry, path, actor="ana")
    assert said in str(caught.value)
    assert "1 problem(s), nothing imported" in str(caught.value)
    assert _counts(registry) == (0, 0)


def test_every_bad_line_of_a_file_is_reported_in_one_run(registry, tmp_path: Path) -> None:
    path = _write(tmp_path, [b[1] for b in BAD] + GOOD)
    with pytest.raises(ValidationError) as caught:
        import_ftm(registry, path, actor="ana")
    message = str(caught.value)
    assert "4 problem(s)" in message
    for n in (1, 2, 3, 4):
        assert f"bad.ftm.jsonl:line {n}:" in message
    assert _counts(registry) == (0, 0)


def test_skip_bad_imports_the_rest_and_says_what_it_skipped(registry, tmp_path: Path) -> None:
    # A sanction of a bad person goes too: it would refer to nothing.
    bad_person = GOOD[0].replace('"schema": "Person"', '"schema": "Persn"')
    path = _write(tmp_path, [bad_person, *GOOD[1:], BAD[0][1]])
    done = import_ftm(registry, path, actor="ana", skip_bad=True)
    assert [p.line for p in done.skipped] == [1, 2, 7]
    assert "entity refers to 'tf-001'" in done.skipped[1].message
    assert sum(done.added.values()) == 4
    assert _counts(registry) == (1, 4)


def test_abstract_schemata_duplicate_ids_and_bad_dates_are_refused() -> None:
    lines = ['{"id": "a", "schema": "Thing", "properties": {"name": ["x"]}}',
             '{"id": "b", "schema": "Person", "properties": {"birthDate": ["10/5/1946"]}}',
             '{"id": "c", "schema": "Person", "properties": {"name": ["x"]}}',
             '{"id": "c", "schema": "Person", "properties": {"name": ["y"]}}',
             '["not", "an", "object"]',
             '{"id": "d", "schema": "Person", "properties": {"name": "not a list"}}',
             '{"id": "e", "schema": "Person", "properties": {}, "colour": "red"}']
    entities, problems = check_ftm(lines)
    assert [e.id for e in entities] == ["c"]
    said = [str(p) for p in problems]
    assert said[0].startswith("line 1: schema Thing is abstract")
    assert said[1] == "line 2: property birthDate: '10/5/1946' is not an ISO date"
    assert said[2] == "line 4: id 'c' is already on line 3"
    assert said[3] == "line 5: not a JSON object"
    assert said[4] == "line 6: property name: not a list of strings"
    assert said[5] == "line 7: unknown key(s) colour"


def test_an_empty_or_unnamed_dataset_is_refused(registry, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no entity in the file"):
        import_ftm(registry, _write(tmp_path, [""]), actor="ana")
    with pytest.raises(ValidationError, match="is not a dataset name"):
        import_ftm(registry, FIXTURE, actor="ana", dataset="Bad Name")
    with pytest.raises(ValidationError, match="is not a date"):
        import_ftm(registry, FIXTURE, actor="ana", date="1367/05/06")
    assert _counts(registry) == (0, 0)


def test_the_dataset_date_defaults_to_the_newest_last_change(registry, tmp_path: Path) -> None:
    lines = [json.dumps({**json.loads(line), "last_change": f"2023-0{n + 1}-02T10:00:00"},
                        ensure_ascii=False) for n, line in enumerate(GOOD)]
    done = import_ftm(registry, _write(tmp_path, lines, "us_demo.json"), actor="ana")
    assert (done.dataset, done.date) == ("us_demo", dt.date(2023, 6, 2))


def test_dataset_names_come_from_file_names() -> None:
    assert dataset_name(Path("us_ofac_sdn.json")) == "us_ofac_sdn"
    assert dataset_name(Path("Default Entities.ftm.jsonl")) == "default_entities"


def test_the_registry_ftm_export_imports_back_whole(demo_registry, tmp_path: Path) -> None:
    out = io.StringIO()
    report = ftm_export.export_ftm(demo_registry, out)
    path = tmp_path / "registry.ftm.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8")
    done = import_ftm(demo_registry, path, actor="ana", fictional=True)
    assert not done.skipped
    assert dict(done.added) == dict(report.written)


# Property-based: whatever a line holds, the check reports it or accepts it,
# never raises; and an entity it accepts keeps every value.
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=40), JSONISH.map(json.dumps)), max_size=6))
def test_any_line_is_reported_or_accepted_never_a_crash(lines: list[str]) -> None:
    entities, problems = check_ftm(lines)
    assert {p.line for p in problems} <= set(range(1, len(lines) + 1))
    assert len(entities) + len({p.line for p in problems}) <= len(lines)


NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                max_size=20).filter(lambda s: s.strip() == s and s)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(NAMES, st.lists(NAMES, min_size=1, max_size=3)), min_size=1,
                max_size=5, unique_by=lambda t: t[0]))
def test_valid_persons_are_accepted_with_every_value(people: list[tuple[str, list[str]]]
                                                     ) -> None:
    lines = [json.dumps({"id": eid, "schema": "Person", "properties": {"name": names}},
                        ensure_ascii=False) for eid, names in people]
    entities, problems = check_ftm(lines)
    assert not problems
    assert [(e.id, e.properties["name"]) for e in entities] == people


def test_lines_end_only_at_newline_and_bytes_that_are_not_utf8_are_a_bad_line(
        registry, tmp_path: Path) -> None:
    # U+2028 (a line separator to str.splitlines) inside a name, and a byte-order mark
    odd = json.dumps({"id": "tf-9", "schema": "Person",
                      "properties": {"name": ["Reza\u2028Karimi"]}}, ensure_ascii=False)
    path = tmp_path / "odd.json"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join([*GOOD, odd]).encode() + b"\n")
    done = import_ftm(registry, path, actor="ana")
    assert done.added["Person"] == 4
    path.write_bytes("\n".join(GOOD).encode() + b'\n{"id": "x", "name": "\xff"}\n')
    with pytest.raises(ValidationError) as caught:
        import_ftm(registry, path, actor="ana", dataset="latin1")
    assert "odd.json:line 7: not UTF-8 text (byte 22 of the line)" in str(caught.value)
    assert _counts(registry) == (1, 7)


def test_ids_too_long_or_with_nul_are_bad_lines_on_every_database() -> None:
    lines = [json.dumps({"id": "x" * 201, "schema": "Person", "properties": {}}),
             json.dumps({"id": "a\u0000b", "schema": "Person", "properties": {}}),
             json.dumps({"id": "x" * 200, "schema": "Person", "properties": {}})]
    entities, problems = check_ftm(lines)
    assert [p.line for p in problems] == [1, 2] and [len(e.id) for e in entities] == [200]
    assert "longer than 200 characters, or holds a control" in problems[0].message


def test_dates_that_do_not_exist_surrogates_and_unseen_characters_are_bad_lines() -> None:
    """Each would pass the check and fail later (a match that can never be
    confirmed, an import that fails whole with no line named), or print exactly
    as another id does."""
    person = '{{"id": "{}", "schema": "Person", "properties": {}}}'
    lines = [person.format("a", '{"birthDate": ["1988-13-45"]}'),
             person.format("b", '{"birthDate": ["2021-02-30"]}'),
             person.format("c", '{"birthDate": ["0000-00-00"]}'),
             person.format("d", '{"name": ["X\\ud800Y"]}'),
             person.format("e\\u200f", '{"name": ["Z"]}'),
             person.format("f", '{"name": ["ok \\ud83d\\ude00"], "birthDate": ["1952-02"]}')]
    entities, problems = check_ftm(lines)
    assert [e.id for e in entities] == ["f"]
    said = {p.line: p.message for p in problems}
    assert sorted(said) == [1, 2, 3, 4, 5]
    assert "'1988-13-45' is not an ISO date" in said[1] and "'2021-02-30'" in said[2]
    assert "lone surrogate" in said[4] and "zero-width" in said[5]


def test_a_dataset_cannot_turn_fictional_or_real(registry, tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD, "real.ftm.jsonl")
    import_ftm(registry, path, actor="ana")
    before = _counts(registry)
    with pytest.raises(ValidationError, match="was imported as real data"):
        import_ftm(registry, path, actor="ana", fictional=True)
    assert _counts(registry) == before
    with registry.read() as conn:
        assert not conn.execute(select(ref_dataset.c.fictional)).scalar_one()
