"""The map page as a reader sees it, in Persian and English, and its downloads."""

from __future__ import annotations

import struct

from web_site import Site, site  # noqa: F401


def test_the_map_page_lists_each_place_with_its_source(site: Site) -> None:
    r = site.client.get("/map?lang=en", headers=site.as_("viewer"))
    assert r.status_code == 200, r.text
    places = r.text.split('<table class="map-places">', 1)[1].split("</table>", 1)[0]
    assert places.count("<tr><td>") == 4
    assert 'href="/places/pl-demo-grave"' in places and "mass-grave site" in places
    assert 'href="/sources/demo-report-3"' in places
    assert "Recorded without coordinates: not on the map" in r.text
    assert 'href="/places/pl-demo-prison-nilufar"' in r.text.split("not on the map", 1)[1]
    fa = site.client.get("/map?lang=fa", headers=site.as_("viewer"))
    assert fa.status_code == 200 and "مکان‌های کشتار" in fa.text and "گور جمعی" in fa.text
    assert "<svg" in fa.text and "<title>Iran</title>" in fa.text


def test_the_map_downloads_as_svg_and_png(site: Site) -> None:
    svg = site.client.get("/map.svg", headers=site.as_("viewer"))
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    png = site.client.get("/map.png?lang=fa", headers=site.as_("viewer"))
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    width, _ = struct.unpack(">II", png.content[16:24])
    assert width == 2 * 760
