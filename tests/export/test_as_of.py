"""A dossier built as of a ledger head: what was recorded after the head stays out,
here the claim <-> vault item links (`custody.link_claim`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from case_scenario import Scenario, build
from khavaran.export.dossier import build_dossier
from khavaran.services import custody, evidence
from khavaran.services.case_views import target_views
from khavaran.services.cases import load_case
from khavaran.services.protection import hidden_set
from khavaran.services.registry import Registry
from khavaran.storage.tables import claim
from khavaran.vault.ledger import head

MANIFESTS = ("manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt",
             "bag-info.txt")


@pytest.fixture
def scenario(registry: Registry, tmp_path: Path) -> Scenario:
    sc = build(registry, tmp_path / "files")
    # In the vault before the head, but linked to a claim of the case only after it.
    report = tmp_path / "files" / "ngo-report.txt"
    report.write_text("The NGO's report on the killings (fictional).\n", encoding="utf-8")
    sc.items["report"] = evidence.add_evidence(registry, [report], source_id="s-fx-report",
                                               actor="tester")[0].item_id
    return sc


def death_claim(registry: Registry) -> str:
    """The victim's death, which the case's material element links to (it cites the NGO
    report)."""
    with registry.read() as conn:
        found = conn.execute(select(claim.c.id).where(
            claim.c.entity_id == "p-fx-victim-1", claim.c.property == "death_date")).scalar()
    assert found
    return found


def link_later(registry: Registry, sc: Scenario) -> str:
    claim_id = death_claim(registry)
    custody.link_claim(registry, sc.items["report"], claim_id, locator="p. 4", actor="tester")
    return claim_id


def views_at(registry: Registry, upto: int | None) -> dict[str, list[str]]:
    """Each claim link's exhibits, read the way the dossier reads them (as of ``upto``)."""
    with registry.read() as conn:
        case = load_case(conn, "fx-case", upto=upto)
        views = target_views(conn, case, hidden_set(conn), reveal=True, upto=upto)
    return {lk.target: views[lk.id].item_ids for ch in case.charges for ev in ch.elements
            for lk in ev.links if lk.kind == "claim"}


def test_a_claims_evidence_linked_after_the_head_is_not_seen_at_the_head(registry, scenario):
    with registry.read() as conn:
        seq, _ = head(conn)
    before = views_at(registry, seq)
    claim_id = link_later(registry, scenario)
    assert scenario.items["report"] not in before[claim_id]
    assert views_at(registry, seq) == before
    # Now, and at the new head, the link counts.
    assert scenario.items["report"] in views_at(registry, None)[claim_id]
    with registry.read() as conn:
        assert scenario.items["report"] in views_at(registry, head(conn)[0])[claim_id]


def test_two_builds_at_one_head_are_identical_though_a_claim_was_linked_between(
        registry, scenario, tmp_path):
    first = build_dossier(registry, "fx-case", tmp_path / "a", actor="tester")
    link_later(registry, scenario)
    second = build_dossier(registry, "fx-case", tmp_path / "b", as_of=first.head,
                           actor="tester")
    assert second.seq == first.seq and second.exhibits == first.exhibits
    for name in MANIFESTS:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # A build at the new head has the item as an exhibit.
    third = build_dossier(registry, "fx-case", tmp_path / "c", actor="tester")
    doc = json.loads((tmp_path / "c" / "data" / "case.json").read_text("utf-8"))
    assert scenario.items["report"] in {e["item"] for e in doc["exhibits"]}
    assert third.exhibits == first.exhibits + 1
