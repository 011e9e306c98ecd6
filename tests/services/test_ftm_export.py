"""The FtM export, checked by the followthemoney library itself.

The library drops values it cannot read without a word, so each exported
entity is parsed with it, written out again and compared: nothing may be lost.
"""

from __future__ import annotations

import io
import json

import pytest
from followthemoney import model as ftm_model
from hypothesis import given
from hypothesis import strategies as st

from khavaran.model.types.fuzzy_date import parse_date
from khavaran.services import ftm_export
from khavaran.services.ftm_export import iso_prefix


def _export(registry, **kw) -> list[dict]:
    out = io.StringIO()
    ftm_export.export_ftm(registry, out, **kw)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_every_entity_survives_the_followthemoney_library(demo_registry) -> None:
    entities = _export(demo_registry)
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities), "ids are unique"
    schemas = {e["schema"] for e in entities}
    assert {"Person", "PublicBody", "Position", "Occupancy", "Sanction", "Event", "CourtCase",
            "CourtCaseParty", "Documentation", "Document", "Family", "Associate",
            "Membership", "Employment"} <= schemas
    for e in entities:
        schema = ftm_model.get(e["schema"])
        assert schema is not None and not schema.abstract, e["schema"]
        unknown = set(e["properties"]) - set(schema.properties)
        assert not unknown, (e["id"], unknown)
        proxy = ftm_model.get_proxy(e, cleaned=False)
        again = proxy.to_dict()["properties"]
        for prop, values in e["properties"].items():
            assert sorted(again.get(prop, [])) == sorted(values), (e["id"], prop, values)
        for prop in schema.required:
            assert e["properties"].get(prop), (e["id"], prop)
        for prop, values in e["properties"].items():
            if schema.properties[prop].type.name == "entity":
                assert set(values) <= ids, (e["id"], prop, set(values) - ids)


def test_sources_and_dates_travel_as_ftm_says_them(demo_registry) -> None:
    entities = {e["id"]: e for e in _export(demo_registry)}
    person = entities["kh-p-demo-perp-12"]["properties"]
    docs = {e["properties"]["fileName"][0]: e["id"] for e in entities.values()
            if e["schema"] == "Document"}
    # the person's sources: proof and a Documentation entity for each
    assert docs["demo-court-1"] in person["proof"] and docs["demo-report-1"] in person["proof"]
    links = [e for e in entities.values() if e["schema"] == "Documentation"
             and e["properties"]["entity"] == ["kh-p-demo-perp-12"]]
    assert {ln["properties"]["document"][0] for ln in links} == set(person["proof"])
    # a birth year in Solar Hijri spans two Gregorian years: kept as text, not invented
    assert "birthDate" not in person and any("birthDate: 13" in s for s in person["summary"])
    # a career post: Occupancy with year-precision dates, Employment beside it
    occ = entities["kh-po-demo-career-12"]["properties"]
    assert occ["holder"] == ["kh-p-demo-perp-12"] and occ["startDate"] == ["2009"]
    assert entities[occ["post"][0]]["schema"] == "Position"
    # a commission seat is a Membership; Mordad 1367 is "1988", no more precise
    seat = entities["kh-po-demo-12-link"]
    assert seat["schema"] == "Membership" and seat["properties"]["startDate"] == ["1988"]
    sanction = entities["kh-" + ftm_export.ftm_id("act-demo-sanction", "p-demo-perp-21")[3:]]
    assert sanction["properties"]["listingDate"] == ["2020-09-01"]
    assert sanction["properties"]["authority"] == ["Government of Demoland (fictional)"]
    assert any("FICTIONAL" in s for s in person["summary"])
    # two colleagues outside a family: an Associate, carrying the claim's source
    tie = [e for e in entities.values() if e["schema"] == "Associate"
           and e["properties"]["person"] == ["kh-p-demo-perp-12"]]
    assert len(tie) == 1, tie
    assert tie[0]["properties"]["associate"] == ["kh-p-demo-perp-22"]
    assert tie[0]["properties"]["relationship"] == ["colleague"]
    assert tie[0]["properties"]["proof"] == [docs["demo-news-04"]]


def test_ids_are_stable_across_runs(demo_registry) -> None:
    assert _export(demo_registry) == _export(demo_registry)


def test_protected_people_are_never_exported_unless_asked(demo_registry) -> None:
    text = json.dumps(_export(demo_registry), ensure_ascii=False)
    assert "p-demo-witness-01" not in text and "Street 12" not in text
    with pytest.raises(Exception, match="--as"):
        _export(demo_registry, include_protected=True)
    full = json.dumps(_export(demo_registry, include_protected=True, actor="admin"),
                      ensure_ascii=False)
    assert "kh-p-demo-witness-01" in full and "Street 12" in full
    from khavaran.services import history
    logged = history.history(demo_registry, "p-demo-witness-01", include_protected=True,
                             actor="admin")
    assert any(r.reason == "export --format ftm --include-protected" for r in logged)


@pytest.mark.parametrize(("text", "prefix"), [
    ("1988", "1988"), ("1988-07", "1988-07"), ("1988-07-28", "1988-07-28"),
    ("1367/05/06", "1988-07-28"), ("Mordad 1367", "1988"), ("1367", None),
    ("after 1988-07-30", None), ("Dey 1366", None),
])
def test_iso_prefix(text, prefix) -> None:
    assert iso_prefix(text) == prefix


@given(st.dates(min_value=__import__("datetime").date(1900, 1, 1),
                max_value=__import__("datetime").date(2100, 12, 31)),
       st.sampled_from(["day", "month", "year"]))
def test_iso_prefix_holds_the_whole_interval(day, precision) -> None:
    text = {"day": f"{day:%Y-%m-%d}", "month": f"{day:%Y-%m}", "year": f"{day:%Y}"}[precision]
    prefix = iso_prefix(text, "gregorian")
    assert prefix == text
    fd = parse_date(text, "gregorian")
    assert fd.start.isoformat().startswith(prefix) and fd.end.isoformat().startswith(prefix)
