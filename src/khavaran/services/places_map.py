"""The map of the places of the killings (issue 17): every recorded place with
coordinates (cities, prisons, cemeteries, mass-grave sites), drawn over Iran and
its neighbours, each with the source of its coordinates; and the places that
have none, listed, so that the map does not pass for complete.

The borders (services/map_borders.py) are read from disk: the map needs no
network.  Places are not people: nothing here is protected.  The public
memorial's map shows only the places an investigator has published
(services/publishing.py), and cites a testimony as a testimony, without its
title, as the memorial's pages do (services/memorial.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from khavaran.errors import NotFoundError
from khavaran.services import profiles, versioned
from khavaran.services.map_borders import WIDTH, Provinces, height
from khavaran.services.map_borders import project as _project
from khavaran.services.memorial import PublicSource, is_testimony
from khavaran.services.profiles import Citation
from khavaran.services.registry import Registry
from khavaran.services.svg_text import clean
from khavaran.services.svg_text import svg_text as escape
from khavaran.storage import publishing as published
from khavaran.storage.queries import entities_of_schema, source_rows

__all__ = ["MapPlace", "PlacesMap", "map_lines", "map_svg", "places_map", "public_places_map"]

KINDS = ("city", "prison", "cemetery", "mass_grave")


@dataclass
class MapPlace:
    id: str
    title: str
    kind: str | None
    lat: float | None
    lon: float | None
    # of its coordinates; on the public map, as the memorial cites
    citations: list[Citation] | list[PublicSource] = field(default_factory=list)
    fictional: bool = False
    # its name in each script, for the label in the reader's language: a label
    # that mixes both is ordered by the bidi rules, not as written
    name_fa: str | None = None
    name_latin: str | None = None
    published: bool = False  # on the public memorial's map

    def label(self, lang: str) -> str:
        first, other = ((self.name_fa, self.name_latin) if lang == "fa"
                        else (self.name_latin, self.name_fa))
        return first or other or self.title


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
        shown = set(published.published_ids(conn, "Place"))
    out = PlacesMap([], [])
    for pid in ids:
        try:
            p = profiles.show(registry, pid, schema="Place")
        except NotFoundError:
            continue
        kinds = [f.value for f in p.facts.get("kind", []) if f.assessment != "rejected"]
        coords = sorted((f for f in p.facts.get("coordinates", [])
                         if f.assessment != "rejected"), key=lambda f: not f.preferred)
        names = sorted((f for f in p.facts.get("name", []) if f.assessment != "rejected"),
                       key=lambda f: not f.preferred)
        place = MapPlace(p.id, p.title.removesuffix(" [fictional]"),
                         kinds[0] if kinds else None, None, None, fictional=p.fictional,
                         name_fa=next((f.value for f in names if not f.value.isascii()), None),
                         name_latin=next((f.value for f in names if f.value.isascii()), None),
                         published=pid in shown)
        if kinds and kinds[0] in ("country", "province"):
            continue  # areas, not points
        if coords:
            lat, lon = (float(x) for x in coords[0].value.split(","))
            place.lat, place.lon, place.citations = lat, lon, coords[0].citations
            out.placed.append(place)
        else:
            out.unplaced.append(place)
    return out


def public_places_map(registry: Registry) -> PlacesMap:
    """The places on the public memorial's map: those published, with coordinates."""
    return versioned.cached(registry, ("public-places-map",), lambda: _public(registry))


def _public(registry: Registry) -> PlacesMap:
    with registry.read() as conn:
        testimonies = {r["id"] for r in source_rows(conn)
                       if is_testimony(r["kind"], r["witness_id"])}
    placed = []
    for p in places_map(registry).placed:
        if p.published:
            cites = [PublicSource("" if c.source_id in testimonies else c.title, c.locator,
                                  c.source_id in testimonies)
                     for c in p.citations if isinstance(c, Citation)]
            placed.append(replace(p, citations=cites))
    return PlacesMap(placed, [])


def map_lines(found: PlacesMap) -> list[str]:
    """The map in words (`khavaran report map`): each place with its kind,
    coordinates and their sources; then those the map cannot draw."""
    lines = [f"{len(found.placed)} places on the map"]
    for p in found.placed:
        sources = "; ".join(dict.fromkeys(
            (c.title or "a witness's testimony") + (f", {c.locator}" if c.locator else "")
            for c in p.citations))
        shown = ", on the public map" if p.published else ""
        lines.append(f"  {clean(p.title)} ({p.kind or 'place'}{shown}) {p.lat:g}, {p.lon:g}; "
                     f"sources: {clean(sources)}")
    if found.unplaced:
        lines.append(f"{len(found.unplaced)} recorded without coordinates, not on the map")
        lines += [f"  {clean(p.title)} ({p.kind or 'place'})" for p in found.unplaced]
    return lines


# -- drawing -------------------------------------------------------------------------

WORDS = {
    "en": {"title": "Places of the killings: prisons, cities and burial sites",
           "city": "city", "prison": "prison", "cemetery": "cemetery",
           "mass_grave": "mass-grave site", "other": "place", "sources": "sources",
           "testimony": "a witness's testimony"},
    "fa": {"title": "مکان‌های کشتار: زندان‌ها، شهرها و محل‌های دفن",
           "city": "شهر", "prison": "زندان", "cemetery": "گورستان",
           "mass_grave": "گور جمعی", "other": "مکان", "sources": "منابع",
           "testimony": "شهادت یک شاهد"},
}


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


def _provinces(provinces: Provinces, rtl: bool) -> list[str]:
    """Each province an area titled with its name (seen on hover), the lines
    between them, and their names in grey where they fit, under the places'."""
    out = [f'<path class="province" d="{p.d}" fill="#fdfbf5"><title>'
           f"{escape(p.name_fa if rtl else p.name)}</title></path>"
           for p in provinces.areas]
    out.append(f'<path d="{provinces.inner}" fill="none" stroke="#b9b4a8" '
               'stroke-width="0.6" stroke-dasharray="3 2"/>')
    taken: list[tuple[float, float, float, float]] = []
    for p in provinces.areas:
        name = p.name_fa if rtl else p.name
        x, y = p.label_at
        width = (5.2 if rtl else 5.0) * len(name)
        box = (x - width / 2, y - 8, x + width / 2, y + 2)
        if any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3]
               for t in taken):
            continue  # a small province among others: its name is on hover
        taken.append(box)
        out.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="9" fill="#8a8577" '
                   f'text-anchor="middle" direction="{"rtl" if rtl else "ltr"}" '
                   f'aria-hidden="true">{escape(name)}</text>')
    return out


def map_svg(found: PlacesMap, countries: list[tuple[str, bool, str]], lang: str = "en",
            provinces: Provinces | None = None) -> str:
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
    if provinces is not None:
        out.extend(_provinces(provinces, rtl))
        # Iran's border again, over its provinces' areas
        out.extend(f'<path d="{d}" fill="none" stroke="#555" stroke-width="1.2"/>'
                   for _, iran, d in countries if iran)
    taken: list[tuple[float, float, float, float]] = []  # the labels' boxes so far
    for p in sorted(found.placed, key=lambda p: (-(p.lat or 0), p.lon or 0)):
        assert p.lat is not None and p.lon is not None
        x, y = _project(p.lon, p.lat)
        if not (0 <= x <= WIDTH and 0 <= y <= h):
            continue
        kind = words.get(p.kind or "other", words["other"])
        sources = "; ".join(dict.fromkeys(
            (c.title or words["testimony"]) + (f", {c.locator}" if c.locator else "")
            for c in p.citations))
        tip = f"{p.title} ({kind}) {p.lat:g}, {p.lon:g}\n{words['sources']}: {sources}"
        # Persian labels read leftwards from their mark, English rightwards; the
        # direction is said outright, or a page's own would decide it
        lx = x - 8 if rtl else x + 8
        label = p.label(lang)
        width = 6.5 * len(label)
        ly = _free_line(lx - width if rtl else lx, y + 4, width, taken)
        leader = (f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{lx:.1f}" y2="{ly - 4:.1f}" '
                  'stroke="#777" stroke-width="0.8"/>' if ly != y + 4 else "")
        out.append(f'<g class="place {escape(p.kind or "other")}"><title>{escape(tip)}</title>'
                   f"{_marker(p.kind, x, y)}{leader}"
                   f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="11" paint-order="stroke" '
                   f'stroke="#fdfbf5" stroke-width="3" stroke-linejoin="round" '
                   f'direction="{"rtl" if rtl else "ltr"}">{escape(label)}</text></g>')
    out.append("</svg>")
    return "\n".join(out)
