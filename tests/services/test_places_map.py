"""The map of the places: the demo's places with coordinates drawn on Natural
Earth's borders and Iran's provinces (fetched by scripts/fetch_assets.py), each
with its source; those without coordinates listed, not guessed; on the public
memorial's map only the places published, a testimony cited as a testimony."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khavaran.demo import PUBLISHED_PLACES
from khavaran.errors import NotFoundError, ValidationError
from khavaran.model.records import CitationIn, ClaimIn
from khavaran.services import editing, map_borders, memorial, places_map, publishing
from khavaran.services.registry import Registry
from khavaran.storage import queries

SVG = "{http://www.w3.org/2000/svg}"
VENDOR = Path(__file__).parents[2] / "src" / "khavaran" / "web" / "static" / "vendor"
BORDERS = VENDOR / "countries-50m.json"
PROVINCES = VENDOR / "iran-provinces.topo.json"
REPORT = "Demo report 3 on the 1988 killings (fictional)"


def test_the_demo_places_on_the_map_and_off_it(demo_registry: Registry) -> None:
    found = places_map.places_map(demo_registry)
    assert {p.id: (p.lat, p.lon) for p in found.placed} == {
        "pl-demo-golzar": (33.1, 51.2), "pl-demo-mehrkuh": (33.6, 50.4),
        "pl-demo-tarandasht": (32.8, 52.0), "pl-demo-grave": (33.05, 51.25)}
    assert all(p.citations and p.citations[0].source_id == "demo-report-3"
               for p in found.placed)
    # prisons recorded without coordinates; the province is an area, not a point
    assert {p.id for p in found.unplaced} == {
        "pl-demo-prison-golzar", "pl-demo-prison-nilufar", "pl-demo-prison-mehrkuh",
        "pl-demo-prison-taran"}


def test_the_drawing_has_iran_and_a_titled_mark_for_each_place(
        demo_registry: Registry) -> None:
    found = places_map.places_map(demo_registry)
    borders = map_borders.borders(BORDERS)
    assert sum(iran for _, iran, _ in borders) == 1
    assert {"Iraq", "Turkey", "Afghanistan", "Pakistan"} <= {n for n, _, _ in borders}
    for lang in ("en", "fa"):
        root = ET.fromstring(places_map.map_svg(found, borders, lang,
                                                map_borders.provinces(PROVINCES)))
        marks = root.findall(f"{SVG}g")
        assert len(marks) == len(found.placed) == 4
        tips = [m.find(f"{SVG}title").text for m in marks]
        assert all("Demo report 3" in t for t in tips)
        labels = [(float(t.get("y")), t.text) for m in marks for t in m.findall(f"{SVG}text")]
        # each label in the page's script only ("Golzarabad", "گلزارآباد")
        assert all(text.isascii() == (lang == "en") for _, text in labels), labels
        # Golzarabad and the grave are 5 km apart: their labels do not overlap
        ys = sorted(y for y, _ in labels)
        assert len(set(ys)) == 4


@given(st.floats(24, 40.5), st.floats(43, 64.5))
def test_a_point_in_the_box_lands_on_the_canvas(lat: float, lon: float) -> None:
    x, y = map_borders.project(lon, lat)
    assert -0.01 <= x <= map_borders.WIDTH + 0.01 and -0.01 <= y <= map_borders.height() + 0.01


def test_odd_text_in_a_place_name_leaves_the_drawing_well_formed() -> None:
    odd = places_map.MapPlace("pl-x", "Name\x0b\x1b[31m \ud800 <b>&\"", "prison", 33.0, 51.0)
    root = ET.fromstring(places_map.map_svg(places_map.PlacesMap([odd], []), [], "fa"))
    [label] = root.iter(f"{SVG}text")
    assert label.text == 'Name[31m  <b>&"'


def _rings(d: str) -> list[list[tuple[float, float]]]:
    """The rings of an SVG path of ours ("M x y L x y ... Z ...")."""
    out = []
    for part in d.split("M ")[1:]:
        points = part.replace(" Z", "").split(" L ")
        out.append([(float(p.split()[0]), float(p.split()[1])) for p in points])
    return out


def _inside(point: tuple[float, float], d: str) -> bool:
    """Even-odd rule over every ring of the path, as the drawing is filled."""
    x, y = point
    crossings = 0
    for ring in _rings(d):
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y0 <= y) != (y1 <= y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                crossings += 1
    return crossings % 2 == 1


def test_iran_has_its_31_provinces_each_city_in_its_own() -> None:
    found = map_borders.provinces(PROVINCES)
    by_code = {p.code: p for p in found.areas}
    assert len(by_code) == 31 == len(map_borders.PROVINCE_NAMES_FA)
    assert set(by_code) == set(map_borders.PROVINCE_NAMES_FA)
    assert by_code["IR.TH"].name == "Tehran" and by_code["IR.TH"].name_fa == "تهران"
    # Real cities (not people): each falls in its own province and in no other.
    cities = {"IR.TH": (51.39, 35.69), "IR.KV": (59.60, 36.30), "IR.FA": (52.53, 29.61),
              "IR.EA": (46.29, 38.08), "IR.KZ": (48.67, 31.32), "IR.SB": (60.86, 29.50),
              "IR.ES": (51.67, 32.65), "IR.GI": (49.58, 37.28), "IR.HG": (55.90, 28.31)}
    for code, (lon, lat) in cities.items():
        point = map_borders.project(lon, lat)
        assert [c for c, p in by_code.items() if _inside(point, p.d)] == [code], code
    # Each name is written inside its province, even a curved one (Hormozgan).
    for p in found.areas:
        assert _inside(p.label_at, p.d), p.code
    assert found.inner.startswith("M ") and " Z" not in found.inner


def test_the_drawing_names_the_provinces_in_the_page_language(
        demo_registry: Registry) -> None:
    found = places_map.places_map(demo_registry)
    provinces = map_borders.provinces(PROVINCES)
    for lang, tehran in (("en", "Tehran"), ("fa", "تهران")):
        root = ET.fromstring(places_map.map_svg(found, map_borders.borders(BORDERS), lang,
                                                provinces))
        areas = [p for p in root.iter(f"{SVG}path") if p.get("class") == "province"]
        assert len(areas) == 31
        assert tehran in {a.find(f"{SVG}title").text for a in areas}
        labels = [t.text for t in root.iter(f"{SVG}text") if t.get("aria-hidden")]
        assert tehran in labels and len(labels) >= 25  # a few small ones only on hover


def test_the_public_map_has_only_the_places_published(demo_registry: Registry) -> None:
    shown = places_map.public_places_map(demo_registry)
    assert [p.id for p in shown.placed] == sorted(PUBLISHED_PLACES) and not shown.unplaced
    assert all(c.title == REPORT and not c.testimony
               for p in shown.placed for c in p.citations)
    publishing.unpublish_place(demo_registry, "pl-demo-grave", actor="ana",
                               reason="the site is not confirmed")
    publishing.publish_place(demo_registry, "pl-demo-tarandasht", actor="ana",
                             reason="a known city")
    shown = places_map.public_places_map(demo_registry)
    assert [p.id for p in shown.placed] == ["pl-demo-golzar", "pl-demo-mehrkuh",
                                            "pl-demo-tarandasht"]


def test_the_public_map_cites_a_testimony_without_its_title(demo_registry: Registry) -> None:
    editing.add_claim(demo_registry, ClaimIn(
        "pl-demo-golzar", "coordinates", "33.1,51.2", preferred=True,
        citations=[CitationIn("demo-testimony-03", "minute 4")]), actor="ana")
    team = {p.id: p for p in places_map.places_map(demo_registry).placed}
    titles = {c.title for c in team["pl-demo-golzar"].citations}
    assert len(titles) == 2 and REPORT in titles  # both
    [golzar] = [p for p in places_map.public_places_map(demo_registry).placed
                if p.id == "pl-demo-golzar"]
    assert sorted((c.title, c.locator, c.testimony) for c in golzar.citations)[0] == (
        "", "minute 4", True)
    svg = places_map.map_svg(places_map.public_places_map(demo_registry), [], "en")
    tips = [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}title")]
    assert any("a witness's testimony, minute 4" in t for t in tips)
    assert all(t not in svg for t in titles - {REPORT})


def test_a_place_is_published_with_a_reason_and_in_history(demo_registry: Registry) -> None:
    with pytest.raises(ValidationError):
        publishing.publish_place(demo_registry, "pl-demo-tarandasht", actor="ana", reason=" ")
    with pytest.raises(NotFoundError):
        publishing.publish_place(demo_registry, "v-demo-001", actor="ana", reason="x")
    with pytest.raises(NotFoundError):
        publishing.publish(demo_registry, "pl-demo-golzar", actor="ana", reason="x")
    # only what the map can draw: not an area, not a place without coordinates
    with pytest.raises(ValidationError, match="an area, not a point"):
        publishing.publish_place(demo_registry, "pl-demo-province", actor="ana", reason="x")
    with pytest.raises(ValidationError, match="has no coordinates"):
        publishing.publish_place(demo_registry, "pl-demo-prison-golzar", actor="ana",
                                 reason="x")
    assert not publishing.published(demo_registry, "pl-demo-prison-golzar")
    assert publishing.publish_place(demo_registry, "pl-demo-tarandasht", actor="ana",
                                    reason="a known city")
    assert not publishing.publish_place(demo_registry, "pl-demo-tarandasht", actor="ana",
                                        reason="again")
    assert publishing.published(demo_registry, "pl-demo-tarandasht")
    with demo_registry.read() as conn:
        rows = queries.history_rows(conn, entity_id="pl-demo-tarandasht")
    assert [(r["action"], r["reason"]) for r in rows if r["field"] == "published"] == [
        ("publish", "a known city")]
    # a place is never counted among the memorial's persons
    assert "pl-demo-tarandasht" not in memorial.public_ids(demo_registry)
