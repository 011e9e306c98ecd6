"""xref: the registry's alleged perpetrators against imported FtM persons, names in
either script; a "same" judgement makes cited postings and sanction actions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from khavaran.demo import load_demo_sanctions
from khavaran.errors import NotFoundError, ValidationError
from khavaran.services import actions, entry
from khavaran.services.ftm_import import import_ftm
from khavaran.services.xref import judge_xref, run_xref, xref_queue
from khavaran.storage.reference_tables import xref_judgement
from khavaran.storage.tables import citation, claim, history, source

FIXTURE = Path(__file__).parent.parent / "fixtures" / "ftm" / "commission.ftm.jsonl"


@pytest.fixture
def loaded(demo_registry):
    import_ftm(demo_registry, FIXTURE, actor="ana", date="2024-03-01", fictional=True)
    return demo_registry


def _pairs(found) -> dict[tuple[str, str], float]:
    return {(c.person_id, c.ref): c.probability for c in found}


def test_xref_finds_the_commission_members_in_either_script(loaded) -> None:
    run = run_xref(loaded)
    assert run.suspects == 6 and run.persons == 3
    found = xref_queue(loaded, limit=0)
    pairs = _pairs(found)
    # Masoud Ghasemi (born 1325 SH) = "Masoud Ghasemi", alias «مسعود قاسمی», born 1946
    assert pairs[("p-demo-perp-21", "commission:tf-001")] > 0.95
    # Khosrow Jafari (born 1331 SH) = «خسرو جعفری» (Persian only), born 1952
    assert pairs[("p-demo-perp-23", "commission:tf-002")] > 0.95
    # a namesake born 1980, French: unlikely, if listed at all
    assert pairs.get(("p-demo-perp-23", "commission:tf-003"), 0.0) < 0.5
    first = next(c for c in found if c.ref == "commission:tf-001")
    assert {r.field for r in first.reasons} >= {"name", "birth", "nationality"}
    assert first.sanctions[0]["listingDate"] == ["2022-11-20"]
    assert first.person.startswith("Masoud Ghasemi")


def test_a_confirmed_match_becomes_cited_postings_and_a_sanction_action(loaded) -> None:
    run_xref(loaded)
    done = judge_xref(loaded, "p-demo-perp-21", "commission:tf-001", "same", actor="ana")
    assert len(done.actions) == 1 and len(done.postings) == 1
    view = actions.show_action(loaded, done.actions[0])
    assert (view.action_type, view.actor, view.date) == ("sanction_designation",
                                                         "demoland-government", "2022-11-20")
    assert view.targets[0][0] == "p-demo-perp-21" and view.fictional
    assert view.regime == "Demoland human-rights sanctions (fictional)"
    assert view.document == "DL-T-7 (fictional)"
    [(sid, locator)] = [(c.source_id, c.locator) for c in view.sources]
    # A source per version of the dataset: the file's SHA-256 names it.
    assert sid.startswith("ftm-commission-") and locator == "entity tf-001-s"
    with loaded.read() as conn:
        src = conn.execute(select(source).where(source.c.id == sid)).one()
        posting = conn.execute(select(claim.c.property, claim.c.value).where(
            claim.c.entity_id == done.postings[0])).all()
        uncited = conn.execute(select(func.count()).select_from(claim).outerjoin(
            citation, citation.c.claim_id == claim.c.id).where(
            claim.c.entity_id.in_([done.postings[0], done.actions[0]]),
            citation.c.id.is_(None))).scalar_one()
    assert src.title == "commission (FtM dataset commission, 2024-03-01)" and src.fictional
    assert sorted(posting) == [("person", "p-demo-perp-21"),
                               ("title", "Deputy prosecutor of Mehrkuh (fictional)")]
    assert uncited == 0
    # judged: out of the queue; judging it again writes nothing new
    assert ("p-demo-perp-21", "commission:tf-001") not in _pairs(xref_queue(loaded, limit=0))
    again = judge_xref(loaded, "p-demo-perp-21", "commission:tf-001", "same", actor="ana")
    assert again.report is not None and not again.report.changed_anything


def test_a_sanction_by_an_unknown_authority_is_reported_not_guessed(loaded) -> None:
    done = judge_xref(loaded, "p-demo-perp-23", "commission:tf-002", "same", actor="ana")
    assert done.actions == []
    assert done.notes == ["sanction tf-002-s: authority 'Demo Union Council (fictional)' is no "
                          "actor of the vocabulary (model/vocab/accountability.yaml): not "
                          "recorded"]


def test_different_and_unsure_write_no_claims(loaded) -> None:
    with loaded.read() as conn:
        before = conn.execute(select(func.count()).select_from(claim)).scalar_one()
    judge_xref(loaded, "p-demo-perp-23", "commission:tf-003", "different", actor="ana",
               note="another man, born 1980")
    judge_xref(loaded, "p-demo-perp-21", "commission:tf-001", "unsure", actor="ana")
    with loaded.read() as conn:
        assert conn.execute(select(func.count()).select_from(claim)).scalar_one() == before
        rows = conn.execute(select(xref_judgement.c.decision, xref_judgement.c.created_by)
                            .order_by(xref_judgement.c.id)).all()
    assert rows == [("different", "ana"), ("unsure", "ana")]


def test_protected_people_are_never_matched_nor_judged(loaded) -> None:
    entry.protect_person(loaded, "p-demo-perp-21", pseudonym="Witness Z", actor="ana",
                         reason="threats")
    run = run_xref(loaded)
    assert run.suspects == 5
    assert all(c.person_id != "p-demo-perp-21" for c in xref_queue(loaded, limit=0))
    with pytest.raises(NotFoundError, match="no person with id 'p-demo-perp-21'"):
        judge_xref(loaded, "p-demo-perp-21", "commission:tf-001", "same", actor="ana")


def test_a_real_dataset_cannot_match_a_fictional_person(demo_registry) -> None:
    import_ftm(demo_registry, FIXTURE, actor="ana", dataset="real")
    with pytest.raises(ValidationError, match="'p-demo-perp-21' is fictional and dataset "
                                              "'real' is real"):
        judge_xref(demo_registry, "p-demo-perp-21", "real:tf-001", "same", actor="ana")
    with demo_registry.read() as conn:
        assert conn.execute(select(func.count()).select_from(xref_judgement)).scalar_one() == 0


def test_bad_references_are_refused(loaded) -> None:
    with pytest.raises(ValidationError, match="is not DATASET:ENTITY_ID"):
        judge_xref(loaded, "p-demo-perp-21", "tf-001", "same", actor="ana")
    with pytest.raises(NotFoundError, match="no imported Person 'tf-001-s'"):
        judge_xref(loaded, "p-demo-perp-21", "commission:tf-001-s", "same", actor="ana")
    with pytest.raises(ValidationError, match="is not one of"):
        judge_xref(loaded, "p-demo-perp-21", "commission:tf-001", "maybe", actor="ana")


def test_the_demo_sanctions_match_the_demo_commission(demo_registry) -> None:
    first = load_demo_sanctions(demo_registry)
    assert sum(first.added.values()) == 8
    assert not load_demo_sanctions(demo_registry).added
    run_xref(demo_registry)
    pairs = _pairs(xref_queue(demo_registry, limit=0))
    assert pairs[("p-demo-perp-11", "demo_sanctions:demo-sanc-001")] > 0.95
    assert pairs[("p-demo-perp-13", "demo_sanctions:demo-sanc-002")] > 0.95
    assert not [p for p, r in pairs if r.endswith("demo-sanc-004")]


def test_occupancies_match_and_become_dated_postings(demo_registry, tmp_path: Path) -> None:
    # OpenSanctions' PEP data holds posts as Position + Occupancy (holder, dates).
    extra = [
        {"id": "tf-pos", "schema": "Position", "properties": {
            "name": ["Governor of the Provincial Governorate, Demo Republic (fictional)"]}},
        {"id": "tf-occ", "schema": "Occupancy", "properties": {
            "holder": ["tf-002"], "post": ["tf-pos"], "startDate": ["2010-03"],
            "endDate": ["2014"]}},
    ]
    path = tmp_path / "pep.ftm.jsonl"
    path.write_text(FIXTURE.read_text(encoding="utf-8") + "".join(
        json.dumps(e, ensure_ascii=False) + "\n" for e in extra), encoding="utf-8")
    import_ftm(demo_registry, path, actor="ana", fictional=True)
    run_xref(demo_registry)
    found = {c.ref: c for c in xref_queue(demo_registry, limit=0)
             if c.person_id == "p-demo-perp-23"}
    reasons = {r.field: r for r in found["pep:tf-002"].reasons}
    assert reasons["position"].verdict == "agree"  # the career's "governor" post
    done = judge_xref(demo_registry, "p-demo-perp-23", "pep:tf-002", "same", actor="ana")
    assert len(done.postings) == 1
    with demo_registry.read() as conn:
        facts = dict(conn.execute(select(claim.c.property, claim.c.value).where(
            claim.c.entity_id == done.postings[0])).all())
    assert facts == {"person": "p-demo-perp-23", "start_date": "2010-03", "end_date": "2014",
                     "title": "Governor of the Provincial Governorate, Demo Republic "
                              "(fictional)"}


def _standing(registry, person_id: str) -> tuple[list[str], list[str]]:
    """The person's postings (career) and the actions aimed at them, as readers see them."""
    from khavaran.services.careers import career

    posts = [p.posting_id for p in career(registry, person_id).posts]
    return posts, [a.id for a in actions.list_actions(registry, target=person_id)]


def test_different_after_same_retracts_and_same_again_restores(loaded) -> None:
    before = _standing(loaded, "p-demo-perp-21")
    done = judge_xref(loaded, "p-demo-perp-21", "commission:tf-001", "same", actor="ana")
    [post], [act] = done.postings, done.actions
    assert set(_standing(loaded, "p-demo-perp-21")[0]) == {*before[0], post}
    assert act in _standing(loaded, "p-demo-perp-21")[1]
    with loaded.read() as conn:
        count = conn.execute(select(func.count()).select_from(claim)).scalar_one()
    taken = judge_xref(loaded, "p-demo-perp-21", "commission:tf-001", "different", actor="bo",
                       note="another man")
    assert sorted(taken.retracted) == sorted([post, act])
    assert _standing(loaded, "p-demo-perp-21") == before
    # Kept: the action by its id, marked; each claim rejected, in history, with why.
    assert actions.show_action(loaded, act).retracted
    with loaded.read() as conn:
        assert conn.execute(select(func.count()).select_from(claim)).scalar_one() == count
        rows = conn.execute(select(history.c.actor, history.c.old_value, history.c.new_value,
                                   history.c.reason).where(history.c.action == "retract")
                            ).all()
    assert rows and {r[:3] for r in rows} == {("bo", "alleged", "rejected")}
    assert rows[0].reason == ("xref judged p-demo-perp-21 and commission:tf-001 different: "
                              "another man")
    # unsure again: nothing more to take back
    assert judge_xref(loaded, "p-demo-perp-21", "commission:tf-001", "unsure",
                      actor="bo").retracted == []
    again = judge_xref(loaded, "p-demo-perp-21", "commission:tf-001", "same", actor="ana")
    assert sorted(again.restored) == sorted([post, act])
    assert again.report is not None and not again.report.changed_anything
    assert again.report.notes == []  # restored before the ingest: grades agree
    assert set(_standing(loaded, "p-demo-perp-21")[0]) == {*before[0], post}
    assert _standing(loaded, "p-demo-perp-21")[1].count(act) == 1
    with loaded.read() as conn:
        assert conn.execute(select(func.count()).select_from(claim)).scalar_one() == count


def test_a_retraction_leaves_a_fact_that_stands_on_another_source(loaded) -> None:
    done = judge_xref(loaded, "p-demo-perp-21", "commission:tf-001", "same", actor="ana")
    view = actions.show_action(loaded, done.actions[0])
    # The same sanction entered by hand from another source: the same record.
    actions.add_action(loaded, actions.ActionIn(
        action_type="sanction_designation", actor=view.actor, date=view.date,
        source="demo-sanctions-1", targets=["p-demo-perp-21"], document=view.document),
        actor="ana")
    taken = judge_xref(loaded, "p-demo-perp-21", "commission:tf-001", "different",
                       actor="ana")
    # the action stands; only what the dataset alone said of it (its regime) is taken back
    assert done.postings[0] in taken.retracted
    assert done.actions[0] in _standing(loaded, "p-demo-perp-21")[1]
    assert actions.show_action(loaded, done.actions[0]).regime is not None
    with loaded.read() as conn:
        rejected = set(conn.execute(select(claim.c.property).where(
            claim.c.entity_id == done.actions[0], claim.c.assessment == "rejected")).scalars())
    assert rejected == {"regime"}
