"""The network of the death commissions as a reader sees it, in Persian and
English: each line of the drawing listed with its sources, the drawing as SVG and
PNG, the dashboard's chart as PNG, and a protected member nowhere."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

from khavaran.services import editing
from khavaran.services.network_chart import WIDTH
from web_site import Site, site  # noqa: F401


def _png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n" and body[12:16] == b"IHDR"
    return struct.unpack(">II", body[16:24])


def test_the_page_lists_every_line_with_its_sources(site: Site) -> None:
    r = site.client.get("/network?lang=en", headers=site.as_("viewer"))
    assert r.status_code == 200, r.text
    edges = r.text.split('<table class="network-edges">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr(?: class=\"allegation\")?>\s*<td><a href=\"/persons/(p-[\w-]+)\">"
                      r".*?</tr>", edges, re.S)
    assert len(rows) == 13  # six seats, six posts since, one tie
    seat = re.search(r'<tr class="allegation">\s*<td><a href="/persons/p-demo-perp-12">.*?</tr>',
                     r.text, re.S).group(0)  # type: ignore[union-attr]
    assert "sat on" in seat and 'href="/units/u-demo-commission-1"' in seat
    assert 'href="/sources/demo-report-1"' in seat and "acts alleged" in seat
    tie = re.search(r"<tr>\s*<td><a href=\"/persons/p-demo-perp-12\">(?:(?!</tr>).)*"
                    r"associate of.*?</tr>", r.text, re.S).group(0)  # type: ignore[union-attr]
    assert "colleague" in tie and 'href="/sources/demo-news-04"' in tie
    assert 'href="/network.png" download' in r.text and "<svg" in r.text

    fa = site.client.get("/network?lang=fa", headers=site.as_("viewer"))
    assert fa.status_code == 200 and 'dir="rtl"' in fa.text
    assert "هیئت‌های مرگ" in fa.text and "همکار" in fa.text and "عمل منتسب" in fa.text


def test_the_drawing_downloads_as_svg_and_png(site: Site) -> None:
    svg = site.client.get("/network.svg?lang=fa", headers=site.as_("viewer"))
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert "attachment" in svg.headers["content-disposition"]
    root = ET.fromstring(svg.text)
    assert root.get("aria-label") == "هیئت‌های مرگ: اعضا، اعمال منتسب و سمت‌های پس از آن"
    png = site.client.get("/network.png?lang=en", headers=site.as_("viewer"))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert _png_size(png.content)[0] == 2 * WIDTH
    chart = site.client.get("/dashboard/timeline.png?lang=fa&wave=1",
                            headers=site.as_("viewer"))
    assert chart.status_code == 200 and _png_size(chart.content) == (1440, 480)
    refused = site.client.get("/dashboard/timeline.png?city=Atlantis",
                              headers=site.as_("viewer"))
    assert refused.status_code == 422 and "no victim has this city" in refused.text


def test_a_protected_member_is_on_no_surface_of_it(site: Site) -> None:
    editing.protect(site.registry, "p-demo-perp-22", pseudonym="Witness Z", actor="a",
                    reason="an insider witness now")
    for path in ("/network?lang=en", "/network?lang=fa", "/network.svg"):
        r = site.client.get(path, headers=site.as_("viewer"))
        assert r.status_code == 200
        assert "p-demo-perp-22" not in r.text and "Witness Z" not in r.text, path
    page = site.client.get("/network?lang=en", headers=site.as_("viewer")).text
    assert "associate of" not in page
