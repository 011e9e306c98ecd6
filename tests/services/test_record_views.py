"""The record pages' data: facts with citations, conflicts, evidence per
claim, allegations with status, careers, sources' citing claims; protection."""

from __future__ import annotations

from pathlib import Path

import pytest

from khavaran.errors import NotFoundError, ValidationError
from khavaran.services import custody, evidence
from khavaran.services.access_log import read_log
from khavaran.services.record_views import (
    person_history,
    person_view,
    record_view,
    source_view,
    unit_members,
)
from khavaran.services.registry import Registry
from web_site import WITNESS, protected_strings


def test_person_conflicts_side_by_side_preferred_first(demo_registry: Registry) -> None:
    view = person_view(demo_registry, "v-demo-001", actor="reader")
    dates = next(p for p in view.properties if p.name == "death_date")
    assert dates.conflict and len(dates.facts) == 2
    assert dates.facts[0].preferred and not dates.facts[1].preferred
    assert dates.facts[0].shown == "28 Mordad 1367 SH (19 Aug 1988)"
    assert all(f.citations and f.claim_id.startswith("c-") for p in view.properties
               for f in p.facts)


def test_allegations_carry_status_and_who_asserted(demo_registry: Registry) -> None:
    view = person_view(demo_registry, "p-demo-perp-12", actor="reader")
    seat = next(a for a in view.allegations if a.record_id == "po-demo-12")
    assert seat.fact.statuses and seat.fact.statuses[0].asserted_by
    assert {p.name for p in seat.properties} >= {"unit", "title"}
    assert view.career is not None and view.career.posts[0].unit_id == "u-demo-commission-1"
    assert any(a.record_kind == "Act" for a in view.allegations)


def test_evidence_linked_to_a_claim_is_shown(demo_registry: Registry, tmp_path: Path) -> None:
    doc = tmp_path / "certificate.txt"
    doc.write_text("A fictional death certificate\n", encoding="utf-8")
    view = person_view(demo_registry, "v-demo-001", actor="reader")
    claim = next(p for p in view.properties if p.name == "death_date").facts[0]
    cited = claim.citations[0].source_id
    item = evidence.add_evidence(demo_registry, [doc], source_id=cited, actor="tester")[0]
    custody.link_claim(demo_registry, item.item_id, claim.claim_id, locator="page 1",
                       actor="tester")
    view = person_view(demo_registry, "v-demo-001", actor="reader")
    [linked] = view.evidence[claim.claim_id]
    assert linked.item_id == item.item_id and linked.locator == "page 1"
    assert [e["id"] for e in source_view(demo_registry, cited).evidence] == \
        [item.item_id]


def test_protected_person_hidden_until_revealed_with_reason(demo_registry: Registry) -> None:
    secrets = protected_strings(demo_registry)
    view = person_view(demo_registry, WITNESS, actor="viewer-1")
    assert view.profile.title == "Witness W-1 (protected)" and view.profile.withheld
    assert all(s not in repr(view) for s in secrets)
    assert all(s not in repr(person_history(demo_registry, WITNESS, actor="viewer-1"))
               for s in secrets)
    with pytest.raises(ValidationError) as no_reason:
        person_view(demo_registry, WITNESS, actor="lawyer-1", reveal_reason="  ")
    assert no_reason.value.field == "reason"
    shown = person_view(demo_registry, WITNESS, actor="lawyer-1",
                        reveal_reason="preparing the hearing")
    assert any(s in repr(shown) for s in secrets)
    log = read_log(demo_registry, target=WITNESS).entries
    assert [(e.action, e.actor, e.reason) for e in log[:2]] == [
        ("reveal", "lawyer-1", "preparing the hearing"), ("view-protected", "viewer-1", None)]


def test_unit_lists_members_and_careers(demo_registry: Registry) -> None:
    view = record_view(demo_registry, "u-demo-commission-1", "Unit")
    members = unit_members(demo_registry, view)
    assert {m.person_id for m in members} == {"p-demo-perp-11", "p-demo-perp-12",
                                              "p-demo-perp-13"}
    assert all(len(m.career.posts) == 2 for m in members)


def test_place_and_event(demo_registry: Registry) -> None:
    place = record_view(demo_registry, "pl-demo-golzar", "Place")
    assert place.profile.title.startswith("Golzarabad") and place.related["Event"]
    event = record_view(demo_registry, "e-demo-arrest-000", "Event")
    assert {p.name for p in event.properties} >= {"kind", "date", "place", "person"}
    with pytest.raises(NotFoundError):
        record_view(demo_registry, "v-demo-001", "Place")


def test_source_lists_citing_claims_without_protected_identities(
        demo_registry: Registry) -> None:
    page = source_view(demo_registry, "demo-list-a", limit=20)
    assert page.total > 1000 and len(page.claims) == 20
    assert all(c["locator"].startswith("record ") for c in page.claims)
    secrets = protected_strings(demo_registry)
    testimony = source_view(demo_registry, "demo-testimony-01", limit=500)
    assert testimony.source["title"] == "testimony of Witness W-1"
    assert all(s not in repr(testimony) for s in secrets)
    with pytest.raises(ValidationError):
        source_view(demo_registry, "demo-list-a", limit=0)
