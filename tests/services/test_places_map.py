"""The map of the places: the demo's places with coordinates drawn on Natural
Earth's borders (the world-atlas package fetched by scripts/fetch_assets.py),
each with its source; those without coordinates listed, not guessed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from khavaran.services import places_map
from khavaran.services.registry import Registry

SVG = "{http://www.w3.org/2000/svg}"
BORDERS = (Path(__file__).parents[2] / "src" / "khavaran" / "web" / "static" / "vendor"
           / "countries-50m.json")


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
    borders = places_map.borders(BORDERS)
    assert sum(iran for _, iran, _ in borders) == 1
    assert {"Iraq", "Turkey", "Afghanistan", "Pakistan"} <= {n for n, _, _ in borders}
    for lang in ("en", "fa"):
        root = ET.fromstring(places_map.map_svg(found, borders, lang))
        marks = root.findall(f"{SVG}g")
        assert len(marks) == len(found.placed) == 4
        tips = [m.find(f"{SVG}title").text for m in marks]
        assert all("Demo report 3" in t for t in tips)
        labels = [(float(t.get("y")), t.text) for m in marks for t in m.findall(f"{SVG}text")]
        # Golzarabad and the grave are 5 km apart: their labels do not overlap
        ys = sorted(y for y, _ in labels)
        assert len(set(ys)) == 4


@given(st.floats(24, 40.5), st.floats(43, 64.5))
def test_a_point_in_the_box_lands_on_the_canvas(lat: float, lon: float) -> None:
    x, y = places_map._project(lon, lat)
    assert -0.01 <= x <= places_map.WIDTH + 0.01 and -0.01 <= y <= places_map.height() + 0.01


def test_odd_text_in_a_place_name_leaves_the_drawing_well_formed() -> None:
    odd = places_map.MapPlace("pl-x", "Name\x0b\x1b[31m \ud800 <b>&\"", "prison", 33.0, 51.0)
    root = ET.fromstring(places_map.map_svg(places_map.PlacesMap([odd], []), [], "fa"))
    [label] = root.iter(f"{SVG}text")
    assert label.text == 'Name[31m  <b>&"'
