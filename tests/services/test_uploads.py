"""Uploaded imports: staged under a size limit, every error listed with its line
and field before anything is written, then imported all or nothing, once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khavaran.errors import NotFoundError, ValidationError
from khavaran.services import uploads
from khavaran.services.registry import Registry
from khavaran.storage import queries

SOURCES = (Path(__file__).parent.parent / "fixtures" / "sources.csv").read_bytes()
PEOPLE = """id,name:full,city,death_date,source,locator,fictional
p-up-1,Parviz Example,Example Town,1367/05/10,t-list,row 1,true
p-up-2,Simin Example,Example Town,1367/06/02,t-list,row 2,true
p-up-3,Kaveh Example,Other Town,1367/05/20,t-report,p. 3,true
"""
BAD_PEOPLE = """id,name:full,city,death_date,source,locator,fictional
p-up-1,Parviz Example,Example Town,1367/13/40,t-list,row 1,true
p-up-2,Simin Example,Example Town,1367/06/02,t-nosuch,row 2,true
p-up-3,Kaveh Example,Other Town,1367/05/20,t-report,p. 3,maybe
p-up-4,Nasrin Example,Other Town,1367/05/21,t-report,p. 4,true
"""


async def _chunks(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


def _stage(registry: Registry, data: bytes, name: str, kind: str | None = None,
           limit: int = 10_000_000, declared: int | None = None) -> uploads.Staged:
    return asyncio.run(uploads.stage(registry, _chunks(data), name=name, kind=kind,
                                     actor="ana", limit=limit, declared=declared))


def _staging(registry: Registry) -> list[Path]:
    area = uploads.staging_area(registry)
    return sorted(area.rglob("*")) if area.exists() else []


def _persons(registry: Registry) -> int:
    with registry.read() as conn:
        return int(queries.counts(conn)["by_schema"].get("Person", 0))


def _problems(check: uploads.UploadCheck) -> Iterable[tuple[int | None, str | None]]:
    return [(p.line, p.field) for p in check.problems]


def test_a_good_upload_is_checked_then_imported_once(vault_registry: Registry) -> None:
    reg = vault_registry
    item = _stage(reg, PEOPLE.encode(), "people.csv", "Person")
    check = uploads.check_upload(reg, item)
    assert check.ok and check.report is not None
    assert (check.report.added["entities"], check.report.added["claims"]) == (3, 9)
    assert _persons(reg) == 0  # checking wrote nothing
    report = uploads.import_upload(reg, item)
    assert report.changed_anything and _persons(reg) == 3
    assert _staging(reg) == []  # imported: the staged file is gone
    again = _stage(reg, PEOPLE.encode(), "people.csv", "Person")
    assert uploads.check_upload(reg, again).ok
    assert not uploads.import_upload(reg, again).changed_anything  # nothing new
    assert _persons(reg) == 3


def test_every_error_is_listed_with_line_and_field(vault_registry: Registry) -> None:
    reg = vault_registry
    item = _stage(reg, BAD_PEOPLE.encode(), "people.csv", "Person")
    check = uploads.check_upload(reg, item)
    assert not check.ok and check.report is None
    assert set(_problems(check)) == {(2, "death_date"), (3, "source"), (4, "fictional")}
    assert not check.truncated  # line 5 is good: nothing more to find
    assert _persons(reg) == 0


def test_jsonl_errors_name_their_lines(vault_registry: Registry) -> None:
    reg = vault_registry
    text = "\n".join([
        '{"type": "entity", "id": "p-j-1", "schema": "Person", "fictional": true}',
        '{"type": "claim", "entity": "p-j-1", "property": "age", "value": "300",'
        ' "citations": [{"source": "t-list"}]}',
        '{"type": "entity", "id": "p-j-2", "schema": "Persn", "fictional": true}',
        'not json',
        '{"type": "claim", "entity": "p-j-1", "property": "city", "value": "Example Town",'
        ' "citations": [{"source": "t-list", "locator": "row 9"}]}',
    ])
    check = uploads.check_upload(reg, _stage(reg, text.encode(), "people.jsonl"))
    lines = {p.line for p in check.problems}
    assert lines == {2, 3, 4}, check.problems
    assert next(p for p in check.problems if p.line == 2).field == "age"


def test_a_file_that_is_not_utf8_is_refused_with_its_line(vault_registry: Registry) -> None:
    data = PEOPLE.encode().replace(b"Simin", "Sîmin".encode("latin-1"))
    check = uploads.check_upload(vault_registry, _stage(vault_registry, data, "people.csv",
                                                        "Person"))
    assert [p.line for p in check.problems] == [3]
    assert "UTF-8" in check.problems[0].message


def test_declared_size_over_the_limit_is_refused_before_reading(registry: Registry) -> None:
    with pytest.raises(uploads.TooLarge, match=r"limit of 1 MB"):
        _stage(registry, b"never read", "big.csv", limit=1_000_000,
               declared=2 * 1000**3)
    assert _staging(registry) == []


def test_a_stream_past_the_limit_leaves_nothing(registry: Registry) -> None:
    with pytest.raises(uploads.TooLarge) as caught:
        _stage(registry, SOURCES * 50, "sources.csv", "source", limit=1000)
    assert caught.value.field == "file" and "1 KB" in caught.value.message
    assert [p for p in _staging(registry) if p.is_file()] == []


@pytest.mark.parametrize(("name", "kind", "field"), [
    ("notes.txt", None, "file"), ("people.csv", "Persons", "kind")])
def test_bad_names_and_kinds_are_refused(registry: Registry, name: str, kind: str | None,
                                         field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _stage(registry, PEOPLE.encode(), name, kind)
    assert caught.value.field == field


def test_only_the_uploader_finds_a_staged_file(registry: Registry) -> None:
    item = _stage(registry, SOURCES, "sources.csv", "source")
    assert uploads.staged(registry, item.token, actor="ana").path == item.path
    for token, actor in ((item.token, "bob"), ("../../etc", "ana"), ("0" * 26, "ana")):
        with pytest.raises(NotFoundError):
            uploads.staged(registry, token, actor=actor)
    uploads.discard(item)
    assert _staging(registry) == []


def test_sources_then_people_through_uploads(registry: Registry) -> None:
    """The file kinds `khavaran import` takes: sources recognised by their header."""
    src = _stage(registry, SOURCES, "sources.csv")
    assert uploads.check_upload(registry, src).ok
    uploads.import_upload(registry, src)
    people = _stage(registry, PEOPLE.encode(), "people.csv", "Person")
    assert uploads.import_upload(registry, people).changed_anything


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=st.lists(st.booleans(), min_size=1, max_size=12))
def test_every_bad_line_is_found_and_only_those(vault_registry: Registry,
                                                bad: list[bool]) -> None:
    """Checking writes nothing, so one registry serves every example."""
    rows = ["id,name:full,death_date,source,fictional"]
    for i, wrong in enumerate(bad):
        rows.append(f"p-h-{i},Example {i},{'1367/13/40' if wrong else '1367/05/10'},"
                    "t-list,true")
    item = _stage(vault_registry, ("\n".join(rows) + "\n").encode(), "people.csv", "Person")
    check = uploads.check_upload(vault_registry, item)
    uploads.discard(item)
    assert {p.line for p in check.problems} == {i + 2 for i, w in enumerate(bad) if w}
    assert all(p.field == "death_date" for p in check.problems)
    assert check.ok == (not any(bad)) and not check.truncated
    assert _persons(vault_registry) == 0


def _ended(registry: Registry, token: str) -> uploads.ImportState:
    for _ in range(200):
        state = uploads.import_state(registry, token, actor="ana")
        if state.state != "running":
            return state
        time.sleep(0.05)
    raise AssertionError("the import did not end")


def test_a_background_import_tells_its_outcome(vault_registry: Registry) -> None:
    reg = vault_registry
    good = _stage(reg, PEOPLE.encode(), "people.csv", "Person")
    uploads.start_import(reg, good)
    with pytest.raises(NotFoundError):
        uploads.staged(reg, good.token, actor="ana")  # not twice
    with pytest.raises(NotFoundError):
        uploads.import_state(reg, good.token, actor="bob")
    state = _ended(reg, good.token)
    assert state.state == "done" and state.added["entities"] == 3 and _persons(reg) == 3
    assert not good.path.exists()
    # A file that fails when imported (it was never checked): nothing written, and why.
    bad = _stage(reg, BAD_PEOPLE.encode(), "people.csv", "Person")
    uploads.start_import(reg, bad)
    state = _ended(reg, bad.token)
    assert state.state == "failed" and state.problems[0].line in (2, 3, 4)
    assert _persons(reg) == 3 and not bad.path.exists()
