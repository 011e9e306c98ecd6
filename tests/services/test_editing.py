"""Changes keep who, when, old value, new value and why."""

from __future__ import annotations

import pytest

from khavaran.errors import NotFoundError, UncitedClaimError, ValidationError
from khavaran.model.records import CitationIn, ClaimIn
from khavaran.services import editing, profiles
from khavaran.services.registry import Registry
from khavaran.storage import queries


def _death_dates(registry: Registry):
    return profiles.show(registry, "v-demo-001").facts["death_date"]


def test_prefer_keeps_every_value_and_records_why(demo_registry: Registry) -> None:
    dates = _death_dates(demo_registry)
    other = next(f for f in dates if not f.preferred)
    was = next(f for f in dates if f.preferred)
    editing.prefer(demo_registry, other.claim_id, actor="analyst", reason="certificate seen")
    after = {f.claim_id: f for f in _death_dates(demo_registry)}
    assert len(after) == 2  # nothing lost
    assert after[other.claim_id].preferred and after[other.claim_id].preferred_by == "analyst"
    assert not after[was.claim_id].preferred
    with demo_registry.read() as conn:
        rows = queries.history_rows(conn, entity_id="v-demo-001")
    changes = [(h["action"], h["claim_id"], h["old_value"], h["new_value"], h["reason"],
                h["actor"]) for h in rows if h["action"] in ("prefer", "unprefer")]
    assert changes == [
        ("unprefer", was.claim_id, "True", "False", "certificate seen", "analyst"),
        ("prefer", other.claim_id, "False", "True", "certificate seen", "analyst")]


def test_assess_records_old_and_new(demo_registry: Registry) -> None:
    fact = _death_dates(demo_registry)[0]
    n = editing.assess(demo_registry, fact.claim_id, actor="analyst", reason="two lists agree",
                       assessment="corroborated", credibility=2)
    assert n == 1 + (fact.credibility != 2)
    with demo_registry.read() as conn:
        rows = [h for h in queries.history_rows(conn, claim_id=fact.claim_id)
                if h["action"] == "assess"]
    assert ("assessment", "alleged", "corroborated") in {
        (h["field"], h["old_value"], h["new_value"]) for h in rows}


def test_changes_need_a_reason(demo_registry: Registry) -> None:
    fact = _death_dates(demo_registry)[0]
    with pytest.raises(ValidationError, match="--reason"):
        editing.assess(demo_registry, fact.claim_id, actor="a", reason=" ",
                       assessment="contested")


def test_add_claim_refuses_an_uncited_claim(demo_registry: Registry) -> None:
    with pytest.raises(UncitedClaimError):
        editing.add_claim(demo_registry, ClaimIn("v-demo-001", "burial_place", "Khavaran"),
                          actor="a")


def test_add_claim_then_again_adds_only_the_new_citation(demo_registry: Registry) -> None:
    claim = ClaimIn("v-demo-001", "burial_place", "Bagh-e Sorkh",
                    citations=[CitationIn("demo-testimony-03", "minute 2")])
    cid, report = editing.add_claim(demo_registry, claim, actor="a")
    assert report.added["claims"] == 1
    claim.citations = [CitationIn("demo-report-2", "p. 9")]
    cid2, report2 = editing.add_claim(demo_registry, claim, actor="a")
    assert cid2 == cid and report2.added["claims"] == 0 and report2.added["citations"] == 1
    fact = profiles.show(demo_registry, "v-demo-001").facts["burial_place"][0]
    assert {c.source_id for c in fact.citations} == {"demo-testimony-03", "demo-report-2"}


def test_status_steps_are_added_not_replaced(demo_registry: Registry) -> None:
    role = next(f for f in profiles.show(demo_registry, "p-demo-perp-21").facts["role"]
                if f.allegation)
    assert editing.add_status(demo_registry, role.claim_id, status="charged",
                              asserted_by="Demo prosecutor (fictional)", actor="a",
                              date="2025-01-10", source="demo-court-1")
    assert not editing.add_status(demo_registry, role.claim_id, status="charged",
                                  asserted_by="Demo prosecutor (fictional)", actor="a",
                                  date="2025-01-10", source="demo-court-1")
    role = next(f for f in profiles.show(demo_registry, "p-demo-perp-21").facts["role"]
                if f.allegation)
    assert [s.status for s in role.statuses] == ["reported_by_ngo", "charged"]


def test_protect_hides_a_person_from_then_on(demo_registry: Registry) -> None:
    editing.protect(demo_registry, "p-demo-witness-02", pseudonym="Witness W-2", actor="a",
                    reason="threats reported")
    p = profiles.show(demo_registry, "p-demo-witness-02")
    assert p.title == "Witness W-2 (protected)" and "name" not in p.facts
    with pytest.raises(NotFoundError):
        editing.protect(demo_registry, "pl-demo-golzar", pseudonym="x", actor="a", reason="r")
