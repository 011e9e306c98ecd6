"""The map of the places of the killings (issue 17): every recorded place with
coordinates (cities, prisons, cemeteries, mass-grave sites), drawn over Iran and
its neighbours, each with the source of its coordinates; and the places that
have none, listed, so that the map does not pass for complete.

The borders are Natural Earth's (1:50m), from the world-atlas package on npm,
fetched and checked at set-up (scripts/fetch_assets.py) and read from disk: the
map needs no network.  Places are not people: nothing here is protected.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khavaran.errors import NotFoundError
from khavaran.services import profiles, versioned
from khavaran.services.profiles import Citation
from khavaran.services.registry import Registry
from khavaran.services.svg_text import svg_text as escape
from khavaran.storage.queries import entities_of_schema

__all__ = ["BBOX", "MapPlace", "PlacesMap", "borders", "height", "map_svg", "places_map"]

# lon_min, lat_min, lon_max, lat_max: Iran, with its neighbours' edges
BBOX = (43.0, 24.0, 64.5, 40.5)
WIDTH = 760
KINDS = ("city", "prison", "cemetery", "mass_grave")


@dataclass
class MapPlace:
    id: str
    title: str
    kind: str | None
    lat: float | None
    lon: float | None
    citations: list[Citation] = field(default_factory=list)  # of its coordinates
    fictional: bool = False


@dataclass
class PlacesMap:
    placed: list[MapPlace]  # with coordinates
    unplaced: list[MapPlace]  # recorded without any: not on the map


def places_map(registry: Registry) -> PlacesMap:
    """Every place, with the coordinates a reader sees (the preferred value first,
    none rejected); kept until the next write."""
    return versioned.cached(registry, ("places-map",), lambda: _places(registry))


def _places(registry: Registry) -> PlacesMap:
    with registry.read() as conn:
        ids = entities_of_schema(conn, "Place")
    out = PlacesMap([], [])
    for pid in ids:
        try:
            p = profiles.show(registry, pid, schema="Place")
        except NotFoundError:
            continue
        kinds = [f.value for f in p.facts.get("kind", []) if f.assessment != "rejected"]
        coords = sorted((f for f in p.facts.get("coordinates", [])
                         if f.assessment != "rejected"), key=lambda f: not f.preferred)
        place = MapPlace(p.id, p.title.removesuffix(" [fictional]"),
                         kinds[0] if kinds else None, None, None, fictional=p.fictional)
        if kinds and kinds[0] in ("country", "province"):
            continue  # areas, not points
        if coords:
            lat, lon = (float(x) for x in coords[0].value.split(","))
            place.lat, place.lon, place.citations = lat, lon, coords[0].citations
            out.placed.append(place)
        else:
            out.unplaced.append(place)
    return out


# -- drawing -------------------------------------------------------------------------

WORDS = {
    "en": {"title": "Places of the killings: prisons, cities and burial sites",
           "city": "city", "prison": "prison", "cemetery": "cemetery",
           "mass_grave": "mass-grave site", "other": "place", "sources": "sources"},
    "fa": {"title": "مکان‌های کشتار: زندان‌ها، شهرها و محل‌های دفن",
           "city": "شهر", "prison": "زندان", "cemetery": "گورستان",
           "mass_grave": "گور جمعی", "other": "مکان", "sources": "منابع"},
}


def _project(lon: float, lat: float) -> tuple[float, float]:
    """Equirectangular, true to scale at the box's middle latitude."""
    lon0, lat0, lon1, lat1 = BBOX
    k = WIDTH / ((lon1 - lon0) * math.cos(math.radians((lat0 + lat1) / 2)))
    return ((lon - lon0) * math.cos(math.radians((lat0 + lat1) / 2)) * k, (lat1 - lat) * k)


def height() -> float:
    return _project(BBOX[0], BBOX[1])[1]


def _arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The topology's arcs in degrees (they are quantised and delta-encoded)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    out = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def _rings(geometry: dict[str, Any], arcs: list[list[tuple[float, float]]]
           ) -> list[list[tuple[float, float]]]:
    polygons = {"Polygon": [geometry.get("arcs", [])],
                "MultiPolygon": geometry.get("arcs", [])}.get(geometry.get("type", ""), [])
    rings = []
    for polygon in polygons:
        for ring in polygon:
            points: list[tuple[float, float]] = []
            for i in ring:
                arc = arcs[i] if i >= 0 else arcs[~i][::-1]
                points.extend(arc[1:] if points else arc)
            rings.append(points)
    return rings


def _near(ring: list[tuple[float, float]]) -> bool:
    lon0, lat0, lon1, lat1 = BBOX
    return any(lon0 - 5 <= lon <= lon1 + 5 and lat0 - 5 <= lat <= lat1 + 5
               for lon, lat in ring)


def borders(path: Path) -> list[tuple[str, bool, str]]:
    """(name, whether it is Iran, SVG path) of each country near the box."""
    topology = json.loads(path.read_text(encoding="utf-8"))
    arcs = _arcs(topology)
    out = []
    for g in topology["objects"]["countries"]["geometries"]:
        rings = [r for r in _rings(g, arcs) if _near(r)]
        if not rings:
            continue
        d = " ".join("M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in map(
            lambda p: _project(*p), ring)) + " Z" for ring in rings)
        out.append((str(g.get("properties", {}).get("name", "")), g.get("id") == "364", d))
    return out


def _free_line(x: float, y: float, width: float,
               taken: list[tuple[float, float, float, float]]) -> float:
    """The baseline nearest ``y`` where a label of ``width`` at ``x`` overlaps none of
    ``taken`` (which it joins): places a few kilometres apart keep legible names."""
    for step in range(40):
        ly = y + 14 * ((step + 1) // 2) * (1 if step % 2 else -1) if step else y
        box = (x, ly - 11, x + width, ly + 3)
        if not any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3]
                   for t in taken):
            taken.append(box)
            return ly
    return y


def _marker(kind: str | None, x: float, y: float) -> str:
    if kind == "prison":
        return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="#8b1a1a"/>'
    if kind in ("mass_grave", "cemetery"):
        return (f'<path d="M {x - 6:.1f} {y:.1f} H {x + 6:.1f} M {x:.1f} {y - 6:.1f} '
                f'V {y + 6:.1f}" stroke="#222" stroke-width="3"/>')
    fill = "#1f4e8c" if kind == "city" else "#777"
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}"/>'


def map_svg(found: PlacesMap, countries: list[tuple[str, bool, str]], lang: str = "en") -> str:
    words = WORDS["fa" if lang == "fa" else "en"]
    rtl = lang == "fa"
    h = height()
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {h:.0f}" '
           f'width="{WIDTH}" height="{h:.0f}" role="img" aria-label="{escape(words["title"])}" '
           f'class="places-map" font-family="DejaVu Sans, sans-serif">',
           f"<title>{escape(words['title'])}</title>",
           f'<rect width="{WIDTH}" height="{h:.0f}" fill="#eef4f8"/>']
    for name, iran, d in countries:
        out.append(f'<path d="{d}" fill="{"#fdfbf5" if iran else "#f0eee8"}" '
                   f'stroke="{"#555" if iran else "#aaa"}" stroke-width="{1.2 if iran else 0.6}">'
                   f"<title>{escape(name)}</title></path>")
    taken: list[tuple[float, float, float, float]] = []  # the labels' boxes so far
    for p in sorted(found.placed, key=lambda p: (-(p.lat or 0), p.lon or 0)):
        assert p.lat is not None and p.lon is not None
        x, y = _project(p.lon, p.lat)
        if not (0 <= x <= WIDTH and 0 <= y <= h):
            continue
        kind = words.get(p.kind or "other", words["other"])
        sources = "; ".join(dict.fromkeys(
            c.title + (f", {c.locator}" if c.locator else "") for c in p.citations))
        tip = f"{p.title} ({kind}) {p.lat:g}, {p.lon:g}\n{words['sources']}: {sources}"
        # Persian labels read leftwards from their mark, English rightwards; the
        # direction is said outright, or a page's own would decide it
        lx = x - 8 if rtl else x + 8
        width = 6.5 * len(p.title)
        ly = _free_line(lx - width if rtl else lx, y + 4, width, taken)
        leader = (f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{lx:.1f}" y2="{ly - 4:.1f}" '
                  'stroke="#777" stroke-width="0.8"/>' if ly != y + 4 else "")
        out.append(f'<g class="place {escape(p.kind or "other")}"><title>{escape(tip)}</title>'
                   f"{_marker(p.kind, x, y)}{leader}"
                   f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="11" '
                   f'direction="{"rtl" if rtl else "ltr"}">{escape(p.title)}</text></g>')
    out.append("</svg>")
    return "\n".join(out)
