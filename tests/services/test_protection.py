"""Protection and consent applied by import; identities never confirmed by id."""

from __future__ import annotations

from pathlib import Path

import pytest

from khavaran.errors import ConfigError, NotFoundError, ValidationError
from khavaran.model import ids
from khavaran.services import editing, profiles
from khavaran.services.importing import import_files
from khavaran.services.registry import Registry
from khavaran.storage import queries

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_protects_a_person_already_in_the_registry(registry: Registry,
                                                          tmp_path: Path) -> None:
    people = _write(tmp_path, "p.csv", "id,fictional,name:full,source\n"
                    "p-1,true,Reza Karimi,t-report\n")
    import_files(registry, [(FIXTURES / "sources.csv", "source"), (people, "Person")],
                 actor="a")
    protect = _write(tmp_path, "q.csv", "id,fictional,protected,pseudonym\np-1,true,true,W-9\n")
    report = import_files(registry, [(protect, "Person")], actor="b")
    assert report.added["people protected"] == 1
    shown = profiles.show(registry, "p-1")
    assert shown.title == "W-9 (protected)" and "name" not in shown.facts
    lift = _write(tmp_path, "r.csv", "id,fictional,protected\np-1,true,false\n")
    note = import_files(registry, [(lift, "Person")], actor="b").notes
    assert note == ["p-1 stays protected: an import never lifts protection"]
    other = _write(tmp_path, "s.csv", "id,fictional,protected,pseudonym\np-1,true,true,W-10\n")
    with pytest.raises(ValidationError, match="another pseudonym"):
        import_files(registry, [(other, "Person")], actor="b")


def test_consent_withdrawal_by_import(demo_registry: Registry, tmp_path: Path) -> None:
    row = ("person,scope,purpose,given,withdrawn,withdrawn_date\n"
           "p-demo-witness-01,recorded testimony may be quoted,prosecution and UN "
           "submissions,1401/03/15,{w},{d}\n")
    path = _write(tmp_path, "c.csv", row.format(w="true", d="1403/01/10"))
    with pytest.raises(ValidationError, match="--include-protected"):
        import_files(demo_registry, [(path, "consent")], actor="lawyer-1")
    report = import_files(demo_registry, [(path, "consent")], actor="lawyer-1",
                          include_protected=True)
    assert report.added["consents withdrawn"] == 1
    consent = profiles.show(demo_registry, "p-demo-witness-01", include_protected=True,
                            actor="lawyer-1").consents[0]
    assert consent["withdrawn"] and consent["withdrawn_text"] == "1403/01/10"
    again = _write(tmp_path, "d.csv", row.format(w="false", d=""))
    assert "stays withdrawn" in import_files(demo_registry, [(again, "consent")], actor="x",
                                             include_protected=True).notes[0]


def test_changed_source_is_refused(registry: Registry, tmp_path: Path) -> None:
    import_files(registry, [(FIXTURES / "sources.csv", "source")], actor="a")
    text = (FIXTURES / "sources.csv").read_text(encoding="utf-8")
    changed = _write(tmp_path, "s.csv", text.replace("Test list of the dead,,Test NGO,ngo,false,"
                                                     "1369,,fa,,,C", "Test list of the dead,,"
                                                     "Test NGO,ngo,false,1369,,fa,,,A"))
    with pytest.raises(ValidationError, match="different reliability") as err:
        import_files(registry, [(changed, "source")], actor="a")
    assert err.value.line == 2


def test_identifying_facts_of_protected_people_need_include_protected(
        demo_registry: Registry, tmp_path: Path) -> None:
    guess = _write(tmp_path, "g.csv", "id,fictional,name:full,source\n"
                   "p-demo-witness-01,true,Some Guess,demo-testimony-01\n")
    with pytest.raises(ValidationError, match="--include-protected"):
        import_files(demo_registry, [(guess, "Person")], actor="x")
    report = import_files(demo_registry, [(guess, "Person")], actor="x", include_protected=True)
    assert report.added["claims"] == 1
    with demo_registry.read() as conn:
        actions = [h["action"] for h in queries.history_rows(conn,
                                                             entity_id="p-demo-witness-01")]
    assert "reveal-protected" in actions


def test_claim_commands_answer_alike_for_hidden_and_unknown_ids(
        demo_registry: Registry) -> None:
    name = profiles.show(demo_registry, "p-demo-witness-01", include_protected=True,
                         actor="lawyer-1").facts["name"][0]
    hidden = ids.claim_id("p-demo-witness-01", "name", "full", name.value, None)
    for claim_id in (hidden, name.claim_id, "c-000000000000000000000000"):
        with pytest.raises(NotFoundError, match=f"no claim with id '{claim_id}'"):
            editing.assess(demo_registry, claim_id, actor="x", reason="r",
                           assessment="contested")
    # The plain id (a hash of the name) is unknown even to a caller who may see it;
    # the keyed id it is shown under finds it.
    with pytest.raises(NotFoundError, match=f"no claim with id '{hidden}'"):
        editing.assess(demo_registry, hidden, actor="x", reason="r", assessment="contested",
                       include_protected=True)
    assert editing.assess(demo_registry, name.claim_id, actor="x", reason="r",
                          assessment="contested", include_protected=True) == 1


def test_revealing_needs_a_name(demo_registry: Registry) -> None:
    with pytest.raises(ConfigError, match="--as NAME"):
        profiles.show(demo_registry, "p-demo-witness-01", include_protected=True)


def test_a_protected_persons_list_row_cannot_be_probed(demo_registry: Registry,
                                                       tmp_path: Path) -> None:
    with demo_registry.read() as conn:
        from sqlalchemy import select

        from khavaran.storage.tables import source_record

        row = conn.execute(select(source_record).limit(1)).mappings().one()
    editing.protect(demo_registry, row["person_id"], pseudonym="R-9", actor="a", reason="r")
    import json

    raw = json.loads(row["raw"])
    columns = list(raw)
    errors = []
    for name in (raw["name"], "A Wrong Guess"):
        path = _write(tmp_path, "l.csv", ",".join(columns) + "\n" + ",".join(
            name if c == "name" else raw[c] for c in columns) + "\n")
        with pytest.raises(ValidationError) as err:
            import_files(demo_registry, [(path, "list")], actor="x")
        errors.append(str(err.value))
    assert errors[0] == errors[1] and "--include-protected" in errors[0]
    shown = profiles.show(demo_registry, row["person_id"])
    assert all(f.claim_id and not any(raw["record_id"] in c.locator for c in f.citations)
               for fs in shown.facts.values() for f in fs)


def test_history_hides_every_row_that_carries_a_hidden_claim_id(demo_registry: Registry) -> None:
    from khavaran.services.history import history

    name = profiles.show(demo_registry, "p-demo-witness-01", include_protected=True,
                         actor="lawyer-1").facts["name"][0]
    editing.assess(demo_registry, name.claim_id, actor="ana", reason="r",
                   assessment="corroborated", include_protected=True)
    editing.prefer(demo_registry, name.claim_id, actor="ana", reason="r",
                   include_protected=True)
    for changes in (history(demo_registry, "p-demo-witness-01", limit=None),
                    history(demo_registry, None, limit=None),
                    history(demo_registry, name.claim_id, limit=None)):
        assert all(c.claim_id != name.claim_id and name.claim_id not in (c.reason or "")
                   for c in changes)
    assert history(demo_registry, name.claim_id, limit=None) == []


def test_fictional_and_real_do_not_mix_through_statuses_or_source_links(
        registry: Registry, tmp_path: Path) -> None:
    import_files(registry, [(FIXTURES / "sources.csv", "source")], actor="a")
    real = _write(tmp_path, "real.jsonl", "\n".join([
        '{"type": "source", "id": "r-src", "kind": "report", "title": "R", "fictional": false}',
        '{"type": "entity", "id": "p-real", "schema": "Person", "fictional": false}',
        '{"type": "claim", "entity": "p-real", "property": "role", "value": '
        '"alleged_perpetrator", "citations": [{"source": "r-src"}], "statuses": [{"status": '
        '"convicted", "asserted_by": "X", "source": "t-report"}]}']) + "\n")
    with pytest.raises(ValidationError, match="must not mix") as err:
        import_files(registry, [(real, None)], actor="a")
    assert err.value.line == 3
    based = _write(tmp_path, "b.jsonl", '{"type": "source", "id": "r2", "kind": "report", '
                   '"title": "R", "fictional": false, "based_on": ["t-list"]}\n')
    with pytest.raises(ValidationError, match="must not mix"):
        import_files(registry, [(based, None)], actor="a")


def test_a_protected_relative_is_not_shown_through_the_victim(demo_registry: Registry) -> None:
    editing.protect(demo_registry, "p-demo-relative-001", pseudonym="Relative R-1", actor="a",
                    reason="at risk")
    victim = profiles.show(demo_registry, "v-demo-001")
    assert all(p.id != "p-demo-relative-001" for _, p in victim.related)
    relative = profiles.show(demo_registry, "p-demo-relative-001")
    assert "relative_of" not in relative.facts and "name" not in relative.facts
    revealed = profiles.show(demo_registry, "v-demo-001", include_protected=True, actor="b")
    assert any(p.id == "p-demo-relative-001" for _, p in revealed.related)


def test_import_keeps_one_preferred_value_and_notes_other_grades(
        demo_registry: Registry, tmp_path: Path) -> None:
    line = ('{"type": "claim", "entity": "v-demo-001", "property": "death_date", '
            '"value": "1988-08-20", "citations": [{"source": "demo-report-2"}], '
            '"preferred": true}\n')
    path = _write(tmp_path, "p.jsonl", line)
    with pytest.raises(ValidationError, match="already has a preferred value"):
        import_files(demo_registry, [(path, None)], actor="a")
    regrade = _write(tmp_path, "g.jsonl", line.replace('"preferred": true', '"credibility": 1'))
    import_files(demo_registry, [(regrade, None)], actor="a")
    again = _write(tmp_path, "h.jsonl", line.replace('"preferred": true', '"credibility": 5'))
    report = import_files(demo_registry, [(again, None)], actor="a")
    assert not report.changed_anything and "keeps its grades" in report.notes[0]


def test_one_date_in_two_calendars_is_not_a_conflict(demo_registry: Registry) -> None:
    from khavaran.model.records import CitationIn, ClaimIn

    def add(value: str) -> profiles.Profile:
        editing.add_claim(demo_registry, ClaimIn("p-demo-relative-002", "death_date", value,
                                                 citations=[CitationIn("demo-report-1")]),
                          actor="a")
        return profiles.show(demo_registry, "p-demo-relative-002")

    add("1988-08-19")
    same = add("28 Mordad 1367")
    assert len(same.facts["death_date"]) == 2 and same.conflicts == []
    assert "death_date" in add("29 Mordad 1367").conflicts


def test_a_link_to_a_protected_person_is_hidden_on_the_other_side(
        demo_registry: Registry) -> None:
    editing.protect(demo_registry, "v-demo-001", pseudonym="Witness Y", actor="a", reason="r")
    relative = profiles.show(demo_registry, "p-demo-relative-001")
    # Not even counted as withheld: a count on an unprotected person would say that
    # they are a protected person's relative.
    assert "relative_of" not in relative.facts and relative.withheld == 0
    assert "relative_of" in profiles.show(demo_registry, "p-demo-relative-001",
                                          include_protected=True, actor="b").facts


def test_pseudonym_search_takes_wildcards_literally(demo_registry: Registry) -> None:
    from khavaran.services.search import search

    assert search(demo_registry, "%").__len__() == 0
    assert [h.id for h in search(demo_registry, "W-1")] == ["p-demo-witness-01"]


def test_testimony_of_a_protected_witness_needs_include_protected(
        demo_registry: Registry, tmp_path: Path) -> None:
    guess = _write(tmp_path, "s.csv", "id,kind,title,witness,reliability,fictional\n"
                   "demo-testimony-01,testimony,A Guessed Title,p-demo-witness-01,C,true\n")
    right = _write(tmp_path, "t.csv", "id,kind,title,witness,reliability,fictional\n"
                   "demo-testimony-01,testimony,Testimony 01 (fictional),p-demo-witness-01,"
                   "C,true\n")
    messages = []
    for path in (guess, right):
        with pytest.raises(ValidationError) as err:
            import_files(demo_registry, [(path, "source")], actor="eve")
        messages.append(str(err.value).split(": ", 1)[1])
    assert messages[0] == messages[1] and "--include-protected" in messages[0]


def test_an_associate_who_is_protected_is_hidden_on_the_other_side_and_in_ftm(
        demo_registry: Registry) -> None:
    import io

    from khavaran.services import ftm_export

    def ftm() -> str:
        out = io.StringIO()
        ftm_export.export_ftm(demo_registry, out)
        return out.getvalue()

    assert "associate_of" in profiles.show(demo_registry, "p-demo-perp-12").facts
    assert '"schema": "Associate"' in ftm()
    # the colleague turns insider witness
    editing.protect(demo_registry, "p-demo-perp-22", pseudonym="Witness Z", actor="a",
                    reason="r")
    member = profiles.show(demo_registry, "p-demo-perp-12")
    assert "associate_of" not in member.facts and member.withheld == 0
    assert all(p.id != "p-demo-perp-22" for _, p in member.related)
    text = ftm()
    assert '"schema": "Associate"' not in text and "p-demo-perp-22" not in text
    assert "associate_of" in profiles.show(demo_registry, "p-demo-perp-12",
                                           include_protected=True, actor="b").facts
