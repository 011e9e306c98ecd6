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
    # which are on the public memorial's map (the demo publishes three of the four)
    assert places.count("on the public map") == 3
    assert "on the public map" not in places.split("pl-demo-tarandasht", 1)[1].split("</tr>")[0]
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


def test_the_map_has_iran_s_provinces_in_the_reader_s_language(site: Site) -> None:
    for lang, tehran in (("en", "<title>Tehran</title>"), ("fa", "<title>تهران</title>")):
        r = site.client.get(f"/map?lang={lang}", headers=site.as_("viewer"))
        assert r.text.count('class="province"') == 31 and tehran in r.text
    assert "today&#39;s provinces" in site.client.get("/map?lang=en",
                                                  headers=site.as_("viewer")).text


def test_a_place_page_puts_it_on_the_public_map_and_takes_it_off(site: Site) -> None:
    place = "/places/pl-demo-tarandasht"
    page = site.client.get(f"{place}?lang=en", headers=site.as_("investigator"))
    assert "This place is not on the public memorial&#39;s map." in page.text
    assert "Show on the public map" in page.text
    # Only roles that may publish see the form and may send it.
    viewer = site.client.get(f"{place}?lang=en", headers=site.as_("viewer"))
    assert viewer.status_code == 200 and "Show on the public map" not in viewer.text
    r = site.client.post(f"{place}/publish", data={"publish_reason": "x"},
                         headers=site.as_("analyst"))
    assert r.status_code == 403
    r = site.client.post(f"{place}/publish", data={"publish_reason": " "},
                         headers=site.as_("investigator"))
    assert r.status_code == 422 and "Say why" in r.text
    fa = site.client.post(f"{place}/publish?lang=fa", data={"publish_reason": ""},
                          headers=site.as_("investigator"))
    assert fa.status_code == 422 and "دلیل" in fa.text
    r = site.client.post(f"{place}/publish", data={"publish_reason": "a known city"},
                         headers=site.as_("investigator"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == place
    page = site.client.get(f"{place}?lang=en", headers=site.as_("investigator"))
    assert "This place is on the public memorial&#39;s map." in page.text
    r = site.client.post(f"{place}/unpublish", data={"publish_reason": "not confirmed"},
                         headers=site.as_("investigator"), follow_redirects=False)
    assert r.status_code == 303
    page = site.client.get(f"{place}?lang=en", headers=site.as_("investigator"))
    assert "Show on the public map" in page.text
    # A place the map cannot draw is refused, with why, beside the field.
    r = site.client.post("/places/pl-demo-prison-golzar/publish?lang=en",
                         data={"publish_reason": "known"}, headers=site.as_("investigator"))
    assert r.status_code == 422 and "sites with coordinates" in r.text
    # A person's id is not a place's.
    r = site.client.post("/places/v-demo-001/publish", data={"publish_reason": "x"},
                         headers=site.as_("investigator"))
    assert r.status_code == 404
