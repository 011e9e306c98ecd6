"""Profiles: every fact with its sources; protected people shown by pseudonym."""

from __future__ import annotations

import pytest

from khavaran.errors import NotFoundError
from khavaran.services import profiles
from khavaran.services.registry import Registry
from khavaran.storage import queries


def test_every_fact_has_a_citation_and_every_allegation_a_status(
        demo_registry: Registry) -> None:
    p = profiles.show(demo_registry, "p-demo-perp-12")
    facts = [f for fs in p.facts.values() for f in fs]
    related = [f for _, r in p.related for fs in r.facts.values() for f in fs]
    assert facts and related
    for fact in facts + related:
        assert fact.citations, fact
        if fact.allegation:
            assert fact.statuses and all(s.asserted_by for s in fact.statuses), fact
    role = next(f for f in p.facts["role"] if f.allegation)
    # Court steps are dated steps, kept each, never a single final label.
    assert [s.status for s in role.statuses] == [
        "reported_by_ngo", "charged", "convicted", "upheld_on_appeal", "released"]
    # Roles on the commission come first among related records, with the seat's status.
    prop, first = p.related[0]
    assert first.schema == "Posting" and prop == "person"
    assert first.facts["person"][0].allegation


def test_conflicting_values_are_shown_side_by_side(demo_registry: Registry) -> None:
    p = profiles.show(demo_registry, "v-demo-001")
    assert "death_date" in p.conflicts
    dates = p.facts["death_date"]
    assert len(dates) == 2 and sum(f.preferred for f in dates) == 1
    assert all("SH" in f.shown and "1988" in f.shown for f in dates)  # both calendars


def test_protected_person_shown_by_pseudonym_only(demo_registry: Registry) -> None:
    p = profiles.show(demo_registry, "p-demo-witness-01")
    assert p.title.startswith("Witness W-1")
    assert "name" not in p.facts and "residence" not in p.facts
    assert p.withheld == 3 and not p.records and not p.consents
    with demo_registry.read() as conn:
        assert not [h for h in queries.history_rows(conn, entity_id="p-demo-witness-01")
                    if h["action"] == "reveal-protected"]


def test_revealing_a_protected_person_is_recorded(demo_registry: Registry) -> None:
    p = profiles.show(demo_registry, "p-demo-witness-01", include_protected=True,
                      actor="lawyer-1")
    assert "name" in p.facts and p.revealed
    assert p.consents and p.consents[0]["purpose"] == "prosecution and UN submissions"
    with demo_registry.read() as conn:
        reveals = [h for h in queries.history_rows(conn, entity_id="p-demo-witness-01")
                   if h["action"] == "reveal-protected"]
    assert [h["actor"] for h in reveals] == ["lawyer-1"]


def test_a_source_witness_is_named_by_pseudonym_elsewhere(demo_registry: Registry) -> None:
    with demo_registry.read() as conn:
        names = profiles.display_names(conn, ["p-demo-witness-01", "p-demo-witness-02"])
    assert names["p-demo-witness-01"] == "Witness W-1 (protected)"
    assert "Witness" not in names["p-demo-witness-02"]


@pytest.mark.parametrize(("rid", "schema"), [("nope", None), ("pl-demo-golzar", "Person")])
def test_unknown_or_wrong_kind_is_not_found(demo_registry: Registry, rid: str,
                                            schema: str | None) -> None:
    with pytest.raises(NotFoundError):
        profiles.show(demo_registry, rid, schema=schema)
