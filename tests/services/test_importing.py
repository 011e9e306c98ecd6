"""Imports: CSV and JSON Lines, one transaction, errors that name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from khavaran.errors import UncitedClaimError, ValidationError
from khavaran.model import ids
from khavaran.services.importing import import_files
from khavaran.services.registry import Registry
from khavaran.storage import queries

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _counts(registry: Registry) -> dict[str, object]:
    with registry.read() as conn:
        return queries.counts(conn)


def _import(registry: Registry, *files: tuple[Path, str | None]):
    return import_files(registry, list(files), actor="tester")


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_list_import_keeps_rows_verbatim_and_cites_every_claim(registry: Registry) -> None:
    report = _import(registry, (FIXTURES / "sources.csv", "source"),
                     (FIXTURES / "list.csv", "list"))
    assert report.added["sources"] == 3
    assert report.added["records"] == 3
    assert report.added["entities"] == 3  # one person per row until linkage joins them
    c = _counts(registry)
    assert c["victims"] == 3
    assert c["citations"] >= c["claims"] > 0
    with registry.read() as conn:
        rows = queries.claims_for(conn, _person_ids(conn))
        names = {r["value"] for r in rows if r["property"] == "name"}
    # The Arabic-yeh spelling of the third row is kept exactly as the list wrote it.
    assert "رضا رضايي" in names and "محمد حسینی" in names


def _person_ids(conn) -> list[str]:
    from sqlalchemy import select

    from khavaran.storage.tables import entity

    return list(conn.execute(select(entity.c.id)).scalars())


def test_reimport_adds_nothing(registry: Registry) -> None:
    files = [(FIXTURES / "sources.csv", "source"), (FIXTURES / "list.csv", "list")]
    _import(registry, *files)
    before = _counts(registry)
    again = _import(registry, *files)
    assert not again.changed_anything
    assert again.unchanged["records"] == 3
    assert _counts(registry) == before


def test_malformed_row_names_file_line_field_and_writes_nothing(
        registry: Registry, tmp_path: Path) -> None:
    bad = _write(tmp_path, "bad.csv", (FIXTURES / "list.csv").read_text(encoding="utf-8")
                 + "t-list,4,Ali Ahmadi,,,,1367/13/40,,,,m\n")
    with pytest.raises(ValidationError) as err:
        _import(registry, (FIXTURES / "sources.csv", "source"), (bad, "list"))
    assert err.value.file == str(bad) and err.value.line == 5
    assert err.value.field == "death_date"
    assert "month 13" in str(err.value)
    assert _counts(registry)["sources"] == 0  # the good sources file was not written either


@pytest.mark.parametrize(("content", "field", "line", "message"), [
    ("source,record_id\nt-list,1\n", None, 1, "missing required column(s) ['name']"),
    ("source,record_id,name\n", None, None, "header but no rows"),
    ("", None, None, "empty"),
    ("source,record_id,name\nt-list,1,Ali\nt-list,1,Reza\n", "record_id", 3, "appears twice"),
    ("source,record_id,name\nt-list,1,\u200c\u0640\n", "name", 2, "no letters"),
    ("source,record_id,name\nt-nowhere,1,Ali\n", "source", 2, "no source with id"),
    ("source,record_id,name,gender\nt-list,1,Ali,x\n", "gender", 2, "not a gender"),
    ("source,record_id,name\nt-list,1,Ali,extra\n", None, 2, "header has 3 columns"),
])
def test_bad_lists_are_refused_whole(registry: Registry, tmp_path: Path, content: str,
                                     field: str | None, line: int | None, message: str) -> None:
    _import(registry, (FIXTURES / "sources.csv", "source"))
    before = _counts(registry)
    path = _write(tmp_path, "list.csv", content)
    with pytest.raises(ValidationError) as err:
        _import(registry, (path, "list"))
    assert message in str(err.value)
    assert err.value.file == str(path)
    assert err.value.field == field and err.value.line == line
    assert _counts(registry) == before


def test_wrong_encoding_names_the_line(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "cp1256.csv"
    path.write_bytes("source,record_id,name\nt-list,1,علي\n".encode("cp1256"))
    with pytest.raises(ValidationError) as err:
        _import(registry, (path, "list"))
    assert "not UTF-8" in str(err.value) and err.value.line == 2


def test_uncited_claim_is_refused(registry: Registry, tmp_path: Path) -> None:
    path = _write(tmp_path, "people.csv", "id,fictional,name:full\np-1,true,Ali Karimi\n")
    with pytest.raises(UncitedClaimError) as err:
        _import(registry, (path, "Person"))
    assert "no citation" in str(err.value) and err.value.line == 2


def test_allegation_needs_status_and_asserter(registry: Registry, tmp_path: Path) -> None:
    _import(registry, (FIXTURES / "sources.csv", "source"))
    path = _write(tmp_path, "people.csv",
                  "id,fictional,role,source\np-1,true,alleged_perpetrator,t-report\n")
    with pytest.raises(ValidationError) as err:
        _import(registry, (path, "Person"))
    assert "procedural status" in str(err.value) and err.value.field == "status"
    ok = _write(tmp_path, "people2.csv", "id,fictional,role,source,status,status_date,"
                "asserted_by\np-1,true,alleged_perpetrator,t-report,reported_by_ngo,2018,"
                "Test NGO\n")
    assert _import(registry, (ok, "Person")).added["statuses"] == 1
    missing_asserter = _write(tmp_path, "people3.csv", "id,fictional,role,source,status\n"
                              "p-2,true,alleged_perpetrator,t-report,charged\n")
    with pytest.raises(ValidationError, match="who asserted it"):
        _import(registry, (missing_asserter, "Person"))


def _commission_files(tmp_path: Path, unit_kind: str) -> list[tuple[Path, str | None]]:
    units = _write(tmp_path, "units.csv", f"id,fictional,kind,name:full,source\n"
                   f"u-1,true,{unit_kind},Test body,t-report\n")
    people = _write(tmp_path, "people.csv", "id,fictional,name:full,source\n"
                    "p-9,true,Test Person,t-report\n")
    postings = _write(tmp_path, "postings.csv",
                      "id,fictional,person,unit,title,start_date,source\n"
                      "po-1,true,p-9,u-1,member,Mordad 1367,t-report\n")
    return [(FIXTURES / "sources.csv", "source"), (units, "Unit"), (people, "Person"),
            (postings, "Posting")]


def test_a_seat_on_a_death_commission_is_an_allegation(registry: Registry,
                                                       tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="links a person to a crime") as err:
        _import(registry, *_commission_files(tmp_path, "death_commission"))
    assert err.value.file.endswith("postings.csv") and err.value.line == 2


def test_a_post_in_a_ministry_is_not(registry: Registry, tmp_path: Path) -> None:
    report = _import(registry, *_commission_files(tmp_path, "ministry"))
    assert report.added["claims"] == 7  # kind, name; name; person, unit, title, start
    assert _counts(registry)["allegations"] == 0


def test_dangling_reference_is_refused(registry: Registry, tmp_path: Path) -> None:
    events = _write(tmp_path, "events.csv", "id,fictional,kind,place,source\n"
                    "e-1,true,execution,pl-missing,t-report\n")
    with pytest.raises(ValidationError, match="no record with id 'pl-missing'") as err:
        _import(registry, (FIXTURES / "sources.csv", "source"), (events, "Event"))
    assert err.value.field == "place"


def test_fictional_and_real_records_do_not_mix(registry: Registry, tmp_path: Path) -> None:
    real = _write(tmp_path, "real.csv", "id,fictional,name:full,source\n"
                  "p-real,false,Someone,t-report\n")
    with pytest.raises(ValidationError, match="must not mix"):
        _import(registry, (FIXTURES / "sources.csv", "source"), (real, "Person"))


def test_conflicting_values_are_kept_side_by_side(registry: Registry, tmp_path: Path) -> None:
    clash = _write(tmp_path, "clash.csv", "id,fictional,death_date,source\n"
                   "p-1,true,1367/05/10,t-list\np-1,false,1988-08-05,t-report\n")
    with pytest.raises(ValidationError, match="appears twice with different") as err:
        _import(registry, (FIXTURES / "sources.csv", "source"), (clash, "Person"))
    assert err.value.line == 3
    one = _write(tmp_path, "one.csv",
                 "id,fictional,death_date,source\np-1,true,1367/05/10,t-list\n")
    two = _write(tmp_path, "two.csv", "id,fictional,death_date,source\np-1,true,1988-08-05,"
                 "t-report\n")
    _import(registry, (FIXTURES / "sources.csv", "source"), (one, "Person"))
    _import(registry, (two, "Person"))
    with registry.read() as conn:
        dates = [(c["value"], str(c["date_start"])) for c in queries.claims_for(conn, ["p-1"])
                 if c["property"] == "death_date"]
    assert sorted(dates) == [("1367/05/10", "1988-08-01"), ("1988-08-05", "1988-08-05")]


def test_jsonl_unknown_field_is_refused(registry: Registry, tmp_path: Path) -> None:
    path = _write(tmp_path, "x.jsonl", '{"type": "source", "id": "s", "kind": "list", '
                  '"title": "T", "titel": "typo"}\n')
    with pytest.raises(ValidationError) as err:
        _import(registry, (path, None))
    assert err.value.line == 1 and err.value.field == "titel"


def test_jsonl_bad_json_names_the_line(registry: Registry, tmp_path: Path) -> None:
    path = _write(tmp_path, "x.jsonl", '{"type": "entity", "id": "p", "schema": "Person"}\n'
                  '{"type": "claim", \n')
    with pytest.raises(ValidationError, match="not valid JSON") as err:
        _import(registry, (path, None))
    assert err.value.line == 2


@pytest.mark.parametrize("order", ["kind last", "unit last"])
def test_a_seat_becomes_an_allegation_whatever_the_order(registry: Registry, tmp_path: Path,
                                                         order: str) -> None:
    """The posting, its unit and the unit's kind may come in separate imports."""
    _import(registry, (FIXTURES / "sources.csv", "source"))
    units = _write(tmp_path, "u.csv", "id,fictional,name:full,source\nu-1,true,Body,t-report\n")
    person = _write(tmp_path, "p.csv", "id,fictional,name:full,source\np-9,true,P,t-report\n")
    kind = _write(tmp_path, "k.csv", "id,fictional,kind,source\n"
                  "u-1,true,death_commission,t-report\n")
    seat = _write(tmp_path, "s.csv", "id,fictional,person,unit,source\n"
                  "po-1,true,p-9,u-1,t-report\n")
    only_person = _write(tmp_path, "s1.csv", "id,fictional,person,source\n"
                         "po-1,true,p-9,t-report\n")
    only_unit = _write(tmp_path, "s2.csv", "id,fictional,unit,source\npo-1,true,u-1,t-report\n")
    _import(registry, (units, "Unit"), (person, "Person"))
    if order == "kind last":
        _import(registry, (seat, "Posting"))
        last = (kind, "Unit")
    else:
        _import(registry, (kind, "Unit"), (only_person, "Posting"))
        last = (only_unit, "Posting")
    with pytest.raises(ValidationError, match="needs a procedural status"):
        _import(registry, last)
    status = _write(tmp_path, "st.csv", "id,fictional,person,source,status,asserted_by\n"
                    "po-1,true,p-9,t-report,reported_by_ngo,Test NGO\n")
    _import(registry, (status, "Posting"), last)
    from khavaran.services import profiles

    fact = profiles.show(registry, "po-1").facts["person"][0]
    assert fact.allegation and fact.statuses[0].asserted_by == "Test NGO"


def test_list_person_ids_are_keyed_per_registry(registry: Registry, tmp_path: Path) -> None:
    from hashlib import blake2b

    from khavaran.storage import repo

    _import(registry, (FIXTURES / "sources.csv", "source"), (FIXTURES / "list.csv", "list"))
    with registry.read() as conn:
        key = repo.person_key(conn)
        people = [r["person"] for r in _records(conn)]
    unkeyed = "p-" + blake2b(b"t-list\x1f1", digest_size=12).hexdigest()
    assert len(key) == 32 and unkeyed not in people
    assert ids.record_person_id("t-list", "1", key) in people


def _records(conn):
    from sqlalchemy import select

    from khavaran.storage.tables import source_record

    return [{"person": r.person_id, "record": r.record_id}
            for r in conn.execute(select(source_record))]


def test_a_rows_status_goes_to_its_allegation_only(registry: Registry, tmp_path: Path) -> None:
    files = _commission_files(tmp_path, "death_commission")
    seat = _write(tmp_path, "postings.csv",
                  "id,fictional,person,unit,title,start_date,source,status,asserted_by\n"
                  "po-1,true,p-9,u-1,member,Mordad 1367,t-report,reported_by_ngo,Test NGO\n")
    report = _import(registry, *files[:3], (seat, "Posting"))
    assert report.added["statuses"] == 1 and "were not recorded" in report.notes[0]
    from khavaran.services import profiles

    facts = profiles.show(registry, "po-1").facts
    assert facts["person"][0].statuses and not facts["title"][0].statuses
