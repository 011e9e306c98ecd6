"""Export then import into an empty registry gives the same records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from khavaran.services.exporting import export
from khavaran.services.importing import import_files
from khavaran.services.registry import Registry
from khavaran.storage import queries


def _lines(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.split("\n") if line]


def test_round_trip_is_lossless(demo_registry: Registry, registry: Registry,
                                tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    report = export(demo_registry, first, include_protected=True, actor="archivist")
    assert report.withheld == 0
    import_files(registry, [(first, None)], actor="archivist")
    second = tmp_path / "second.jsonl"
    export(registry, second, include_protected=True, actor="archivist")
    a, b = _lines(first), _lines(second)
    records = [x for x in a if x["type"] != "history"]
    assert records == [x for x in b if x["type"] != "history"]
    assert {x["type"] for x in records} == {"setting", "source", "entity", "record", "claim",
                                            "consent"}
    # The audit trail travels too: the new registry's history starts with the old one.
    old_history = [x for x in a if x["type"] == "history"]
    assert [x for x in b if x["type"] == "history"][:len(old_history)] == old_history
    with demo_registry.read() as c1, registry.read() as c2:
        k1, k2 = queries.counts(c1), queries.counts(c2)
    assert {k: v for k, v in k1.items() if k != "history"} == \
        {k: v for k, v in k2.items() if k != "history"}


def test_export_without_include_protected_leaves_identities_out(
        demo_registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "public.jsonl"
    full = profile_names(demo_registry)
    report = export(demo_registry, out)
    text = out.read_text(encoding="utf-8")
    assert report.withheld > 0 and report.protected == ["p-demo-witness-01"]
    assert "Witness W-1" in text
    for name in full:
        assert name not in text
    assert "Street 12" not in text  # the witness's residence


def profile_names(registry: Registry) -> list[str]:
    with registry.read() as conn:
        return [c["value"] for c in queries.claims_for(conn, ["p-demo-witness-01"], ["name"])]


def test_reimporting_an_export_into_the_same_registry_changes_nothing(
        demo_registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    export(demo_registry, out, include_protected=True, actor="archivist")
    report = import_files(demo_registry, [(out, None)], actor="archivist",
                          include_protected=True)
    assert not report.changed_anything
    assert any("not restored" in n for n in report.notes)


def test_line_separators_inside_values_survive_the_round_trip(registry: Registry,
                                                              tmp_path: Path) -> None:
    src = tmp_path / "s.jsonl"
    note = "line one\u2028line two\u0085three\u2029four"
    src.write_text(json.dumps({"type": "source", "id": "s", "kind": "report", "title": "T",
                               "note": note, "fictional": True}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    import_files(registry, [(src, None)], actor="a")
    out = tmp_path / "out.jsonl"
    export(registry, out)
    lines = _lines(out)
    assert [x["note"] for x in lines if x["type"] == "source"] == [note]


def test_restored_history_is_checked_and_marked(registry: Registry, tmp_path: Path) -> None:
    bad = tmp_path / "h.jsonl"
    bad.write_text('{"type": "history", "at": "yesterday", "actor": "x", "action": "note"}\n',
                   encoding="utf-8")
    from khavaran.errors import ValidationError

    with pytest.raises(ValidationError, match="not an ISO timestamp") as err:
        import_files(registry, [(bad, None)], actor="a")
    assert err.value.line == 1
    good = tmp_path / "g.jsonl"
    good.write_text('{"type": "history", "at": "2020-01-01T00:00:00+00:00", "actor": "x", '
                    '"action": "note"}\n', encoding="utf-8")
    import_files(registry, [(good, None)], actor="a")
    with registry.read() as conn:
        rows = queries.history_rows(conn)
    assert [r["action"] for r in rows] == ["note", "restore-history", "import"]


def test_moving_a_registry_from_sqlite_to_postgresql(templates, pg_registry: Registry,
                                                     tmp_path: Path) -> None:
    """A team moves a documenter's SQLite registry to its PostgreSQL server."""
    from conftest import _registry

    sqlite = _registry(templates, "sqlite", tmp_path, demo=True)
    source = next(sqlite)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    export(source, first, include_protected=True, actor="archivist")
    import_files(pg_registry, [(first, None)], actor="archivist")
    export(pg_registry, second, include_protected=True, actor="archivist")
    a, b = _lines(first), _lines(second)
    assert [x for x in a if x["type"] != "history"] == [x for x in b if x["type"] != "history"]
    old = [x for x in a if x["type"] == "history"]
    assert [x for x in b if x["type"] == "history"][:len(old)] == old
    sqlite.close()


def test_timestamps_with_an_offset_are_kept_as_the_same_instant(registry: Registry,
                                                                tmp_path: Path) -> None:
    src = tmp_path / "s.jsonl"
    src.write_text('{"type": "source", "id": "s", "kind": "report", "title": "T", '
                   '"fictional": true, "created_at": "2020-01-01T10:00:00+03:30"}\n',
                   encoding="utf-8")
    import_files(registry, [(src, None)], actor="a")
    out = tmp_path / "out.jsonl"
    export(registry, out)
    [source] = [x for x in _lines(out) if x["type"] == "source"]
    assert source["created_at"] == "2020-01-01T06:30:00+00:00"


def test_a_full_export_carries_the_person_key_and_a_redacted_one_does_not(
        demo_registry: Registry, registry: Registry, tmp_path: Path) -> None:
    from khavaran.storage import repo

    full, redacted = tmp_path / "full.jsonl", tmp_path / "red.jsonl"
    export(demo_registry, full, include_protected=True, actor="archivist")
    export(demo_registry, redacted)
    with demo_registry.read() as conn:
        key = repo.person_key(conn).hex()
    assert key in full.read_text(encoding="utf-8")
    assert key not in redacted.read_text(encoding="utf-8")
    import_files(registry, [(full, None)], actor="archivist")
    with registry.read() as conn:
        assert repo.person_key(conn).hex() == key
    # so a list imported again into the new registry meets the same persons
    from khavaran.demo import write_demo

    lists = [p for p, kind in write_demo(tmp_path / "demo") if kind == "list"]
    report = import_files(registry, [(p, "list") for p in lists], actor="archivist")
    assert not report.changed_anything and report.unchanged["records"] > 300
