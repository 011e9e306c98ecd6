"""Data entry by hand: generated ids, every bad field named at once, nothing
half-written, and each change in history."""

from __future__ import annotations

import re

import pytest

from khavaran.errors import ManyErrors, NotFoundError, ValidationError
from khavaran.services import entry, profiles, reading
from khavaran.services.registry import Registry
from khavaran.storage import queries

FICTIONAL_SOURCE = entry.SourceForm(kind="report", title="Fictional NGO report on Example Town",
                                    reliability="B", publisher_type="ngo",
                                    date="1367/05/06", fictional=True)


def _counts(registry: Registry) -> dict[str, int]:
    with registry.read() as conn:
        return dict(queries.counts(conn))


def _source(registry: Registry) -> str:
    return entry.create_source(registry, FICTIONAL_SOURCE, actor="ana")


def test_a_source_gets_a_new_id_and_is_shown_as_entered(registry: Registry) -> None:
    sid = _source(registry)
    assert re.fullmatch(r"s-[a-z2-7]{8}", sid)
    shown = reading.source(registry, sid)
    assert shown["title"] == "Fictional NGO report on Example Town"
    assert (shown["kind"], shown["reliability"], shown["date"]) == ("report", "B", "1367/05/06")
    assert shown["fictional"] is True
    assert _source(registry) != sid  # the same form again is another source
    with registry.read() as conn:
        actions = [h["action"] for h in queries.history_rows(conn)]
    assert "import" in actions


def test_every_bad_field_of_a_source_is_named_and_nothing_written(registry: Registry) -> None:
    before = _counts(registry)
    bad = entry.SourceForm(kind="rumour", title=" ", reliability="Z", publisher_type="blog",
                           date="1367/13/40")
    with pytest.raises(ManyErrors) as caught:
        entry.create_source(registry, bad, actor="ana")
    assert {e.field for e in caught.value.errors} == {
        "kind", "title", "reliability", "publisher_type", "date"}
    assert _counts(registry) == before


def test_a_person_with_a_cited_name(registry: Registry) -> None:
    sid = _source(registry)
    pid = entry.create_person(registry, entry.PersonForm(
        fictional=True, name="Parviz Example", source=sid, locator="p. 4"), actor="ana")
    assert re.fullmatch(r"p-[a-z2-7]{8}", pid)
    shown = profiles.show(registry, pid)
    [name] = shown.facts["name"]
    assert name.value == "Parviz Example"
    assert [(c.source_id, c.locator) for c in name.citations] == [(sid, "p. 4")]


@pytest.mark.parametrize(("form", "fields"), [
    (entry.PersonForm(fictional=True, name="Parviz Example"), {"source"}),
    (entry.PersonForm(fictional=True, source="s-whatever"), {"name"}),
    (entry.PersonForm(fictional=True, protected=True), {"pseudonym"}),
])
def test_a_person_form_names_its_bad_field(registry: Registry, form: entry.PersonForm,
                                           fields: set[str]) -> None:
    before = _counts(registry)
    with pytest.raises(ValidationError) as caught:
        entry.create_person(registry, form, actor="ana")
    assert {caught.value.field} == fields
    assert _counts(registry) == before


def test_a_name_citing_an_unknown_source_writes_no_person(registry: Registry) -> None:
    before = _counts(registry)
    with pytest.raises(ValidationError) as caught:
        entry.create_person(registry, entry.PersonForm(
            fictional=True, name="Parviz Example", source="s-nosuch00"), actor="ana")
    assert caught.value.field == "source"
    assert _counts(registry) == before


def test_a_cited_claim_and_its_judgements(registry: Registry) -> None:
    sid = _source(registry)
    pid = entry.create_person(registry, entry.PersonForm(fictional=True), actor="ana")
    first = entry.add_cited_claim(registry, entry.ClaimForm(
        pid, "death_date", "1367/05/10", sid, locator="p. 7"), actor="ana")
    second = entry.add_cited_claim(registry, entry.ClaimForm(
        pid, "death_date", "Shahrivar 1367", sid, locator="p. 9", credibility="3"), actor="ana")
    assert entry.claim_entity(registry, second) == pid
    assert entry.prefer_claim(registry, second, actor="ana", reason="family's account") \
        == [second]
    assert entry.assess_claim(registry, first, actor="ana", reason="contradicted",
                              assessment="contested", credibility="") == 1
    facts = {f.claim_id: f for f in profiles.show(registry, pid).facts["death_date"]}
    assert facts[second].preferred and not facts[first].preferred
    assert facts[first].assessment == "contested"
    assert facts[second].credibility == 3


def test_a_bad_claim_names_the_form_fields(registry: Registry) -> None:
    sid = _source(registry)
    pid = entry.create_person(registry, entry.PersonForm(fictional=True), actor="ana")
    with pytest.raises(ManyErrors) as caught:
        entry.add_cited_claim(registry, entry.ClaimForm(
            pid, "death_date", "", "", credibility="nine", assessment="maybe"), actor="ana")
    assert {e.field for e in caught.value.errors} == {
        "value", "source", "credibility", "assessment"}
    # A value its type cannot read is given on the value field, not the property's name.
    with pytest.raises(ValidationError) as one:
        entry.add_cited_claim(registry, entry.ClaimForm(pid, "death_date", "1367/13/40", sid),
                              actor="ana")
    assert one.value.field == "value"
    with pytest.raises(ValidationError) as prop:
        entry.add_cited_claim(registry, entry.ClaimForm(pid, "shoe_size", "42", sid),
                              actor="ana")
    assert prop.value.field == "property"
    with pytest.raises(NotFoundError):
        entry.add_cited_claim(registry, entry.ClaimForm("p-nosuch00", "age", "30", sid),
                              actor="ana")
    assert "death_date" not in profiles.show(registry, pid).facts


def test_protect_and_consent(registry: Registry) -> None:
    sid = _source(registry)
    pid = entry.create_person(registry, entry.PersonForm(
        fictional=True, name="Witness Example", source=sid), actor="ana")
    cid = entry.record_consent(registry, pid, scope="testimony", purpose="court use",
                               given="1403/01/15", actor="ana")
    assert entry.record_consent(registry, pid, scope="testimony", purpose="court use",
                                given="1403/01/15", actor="ana") == cid  # not twice
    with pytest.raises(ValidationError, match="reason"):
        entry.protect_person(registry, pid, pseudonym="Witness W-9", actor="ana", reason="")
    entry.protect_person(registry, pid, pseudonym="Witness W-9", actor="ana", reason="at risk")
    shown = profiles.show(registry, pid)
    assert shown.protected and "name" not in shown.facts
    # A protected person's consent is changed only with clearance (as an import).
    with pytest.raises(ValidationError):
        entry.withdraw_consent(registry, pid, cid, actor="ana")
    assert entry.withdraw_consent(registry, pid, cid, actor="ana", date="1403/06/01",
                                  include_protected=True)
    assert not entry.withdraw_consent(registry, pid, cid, actor="ana", include_protected=True)
    [consent] = profiles.show(registry, pid, include_protected=True, actor="ana").consents
    assert consent["withdrawn"] and consent["withdrawn_text"] == "1403/06/01"
    with pytest.raises(ManyErrors) as caught:
        entry.record_consent(registry, pid, scope="", purpose=" ", given="yesterday-ish",
                             actor="ana")
    assert {e.field for e in caught.value.errors} == {"scope", "purpose", "given"}


def test_the_picker_finds_by_id_or_title(registry: Registry) -> None:
    sid = _source(registry)
    other = entry.create_source(registry, entry.SourceForm(
        kind="list", title="Fictional list of 100% names_", fictional=True), actor="ana")
    assert [c.id for c in entry.pick_sources(registry, "example town")] == [sid]
    assert {c.id for c in entry.pick_sources(registry, "S-")} == {sid, other}
    assert [c.id for c in entry.pick_sources(registry, sid)] == [sid]
    assert [c.id for c in entry.pick_sources(registry, "100%")] == [other]
    assert entry.pick_sources(registry, "_s") == []  # no wildcard
    assert entry.pick_sources(registry, "  ") == []


def test_the_picker_does_not_name_a_protected_witness(demo_registry: Registry) -> None:
    with demo_registry.read() as conn:
        rows = [r for r in queries.source_rows(conn) if r["witness_id"]]
    protected = [r for r in rows if reading.source(demo_registry, r["id"])["author"] is None
                 and reading.source(demo_registry, r["id"])["title"].startswith("testimony of")]
    assert protected, "the demo holds a protected witness's testimony"
    row = protected[0]
    assert all(c.id != row["id"] for c in entry.pick_sources(demo_registry, row["title"][:12]))
    [found] = [c for c in entry.pick_sources(demo_registry, row["id"]) if c.id == row["id"]]
    assert found.title.startswith("testimony of") and row["title"] not in found.title
