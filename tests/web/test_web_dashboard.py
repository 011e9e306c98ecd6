"""The summer-1988 dashboard as a reader sees it, in Persian and English:
documented counts of merged victims by city, prison, affiliation, age group
and wave, the timeline, filters, the chart as an SVG file, and the estimate
kept apart; protected people never counted in a filtered or narrow cell."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from khavaran.services import dashboard, dedupe, editing
from web_site import Site, site  # noqa: F401


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _documented(html: str) -> int:
    return int(re.search(r"Victims \(merged persons\)</dt><dd>([\d,]+)<", html)  # type: ignore[union-attr]
               .group(1).replace(",", ""))


def _rows(html: str, what: str) -> dict[str, int]:
    """The tally of documented victims by ``what``: label -> count."""
    table = html.split(f"<caption>Documented victims by {what}</caption>", 1)[1]
    table = table.split("</table>", 1)[0]
    return {_text(label): int(n) for label, n in
            re.findall(r"<tr><td>(.*?)</td><td class=\"n\">(\d+)</td></tr>", table, re.S)}


def _bars(html: str) -> int:
    """Executions on the chart's days, added up."""
    return sum(int(n) for n in re.findall(r"<title>(\d+) executions on ", html))


def _get(site: Site, query: str, role: str = "viewer") -> str:
    r = site.client.get(f"/dashboard?{query}", headers=site.as_(role))
    assert r.status_code == 200, r.text
    return r.text


def test_documented_counts_merge_spellings_and_add_up(site: Site) -> None:
    page = _get(site, "lang=en")
    home = site.client.get("/?lang=en", headers=site.as_("viewer")).text
    assert _documented(page) == 520 and "Victims (merged persons) 520" in _text(home)
    cities = _rows(page, "City")
    # One city, however a list spells it.
    assert cities["Golzarabad / گلزارآباد"] > 0 and "گلزارآباد" not in cities
    assert sum(cities.values()) <= 520
    waves = _rows(page, "Wave")
    assert set(waves) == {"first wave (to 25 Aug 1988)", "second wave (from 26 Aug 1988)"}
    ages = _rows(page, "Age at death")
    assert list(ages) == sorted(ages, key=["under 18", "18 to 29", "30 to 39", "40 to 59",
                                           "60 or over"].index)
    assert page.count("<rect") == 66 and _bars(page) == int(
        re.search(r"(\d+) victims with a date of death to the day", page).group(1))  # type: ignore[union-attr]
    assert "Documented: named victims" in page and "Estimated: from the overlaps" in page


def test_a_filter_narrows_every_figure(site: Site) -> None:
    page = _get(site, "lang=en")
    waves = _rows(page, "Wave")
    second = _get(site, "lang=en&wave=2")
    assert _documented(second) == waves["second wave (from 26 Aug 1988)"]
    # No execution before the second wave began on its chart.
    days = re.findall(r"<title>(\d+) executions on \S+ SH \((1988-\d\d-\d\d)\)", second)
    assert all(int(n) == 0 for n, day in days if day < "1988-08-26")
    assert _bars(second) > 0
    assert "second wave (from 26 Aug 1988)" in _text(second.split("<select id=\"d-wave\"", 1)[1]
                                                      .split("</select>", 1)[0])
    key = re.search(r'<option value="(city:[^"]+)">Tarandasht', page).group(1)  # type: ignore[union-attr]
    city = _get(site, f"lang=en&city={key}")
    assert _documented(city) == _rows(page, "City")["Tarandasht / ترندشت"]
    assert set(_rows(city, "City")) == {"Tarandasht / ترندشت"}
    both = _get(site, f"lang=en&city={key}&wave=2")
    assert _documented(both) <= min(_documented(city), _documented(second))
    assert "Clear the filters" in both


def test_persian_page_reads_right_to_left(site: Site) -> None:
    page = _get(site, "lang=fa")
    assert '<html lang="fa" dir="rtl">' in page
    text = _text(page)
    assert "تابستان ۱۳۶۷" in text and "قربانیان (اشخاص ادغام‌شده) ۵۲۰" in text
    assert "موج نخست (تا ۳ شهریور ۱۳۶۷)" in text and "برآورد: از هم‌پوشانی فهرست‌ها" in text
    assert '<bdi dir="auto">Golzarabad / گلزارآباد</bdi>' in page


def test_the_chart_downloads_as_svg_with_the_same_filters(site: Site) -> None:
    r = site.client.get("/dashboard/timeline.svg?wave=1&lang=en", headers=site.as_("viewer"))
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert "attachment" in r.headers["content-disposition"]
    svg = ET.fromstring(r.text)
    rects = svg.findall("{http://www.w3.org/2000/svg}rect")
    assert len(rects) == 66
    page = _get(site, "lang=en")
    assert _bars(r.text) <= _rows(page, "Wave")["first wave (to 25 Aug 1988)"]
    assert "download" in page and "/dashboard/timeline.svg" in page
    refused = site.client.get("/dashboard/timeline.svg?city=nowhere", headers=site.as_("viewer"))
    assert refused.status_code == 422


def test_an_unknown_filter_value_is_refused_beside_its_field(site: Site) -> None:
    for query, field in (("city=Atlantis", "city"), ("age=200", "age"), ("wave=3", "wave")):
        r = site.client.get(f"/dashboard?lang=en&{query}", headers=site.as_("viewer"))
        assert r.status_code == 422
        assert f'id="e-{field}"' in r.text
        assert "No victim has this value: choose one from the list." in r.text
        assert _documented(r.text) == 520  # the whole picture, not an empty one
    fa = site.client.get("/dashboard?lang=fa&city=Atlantis", headers=site.as_("viewer"))
    assert "هیچ قربانی‌ای این مقدار را ندارد" in fa.text


def _days(svg: str) -> dict[str, int]:
    return {day: int(n) for n, day in
            re.findall(r"<title>(\d+) executions on \S+ SH \((1988-\d\d-\d\d)\)", svg)}


def test_a_protected_victim_is_counted_in_no_figure(site: Site) -> None:
    """Figures that differ by one person (a city's cell and the same city's
    filtered total, the whole timeline and the two waves') would say where a
    protected victim was held or when they died."""
    everyone, labels = dashboard.victims(site.registry)
    one = next(v for v in everyone if v.prisons and v.cities and v.death
               and v.death[0] == v.death[1] and v.age is not None)
    prison, city = next(iter(one.prisons)), next(iter(one.cities))
    prisons = _rows(_get(site, "lang=en"), "Prison")
    editing.protect(site.registry, one.id, pseudonym="Victim V-9", actor="tester",
                    reason="family asked")
    after = _get(site, "lang=en")
    assert _documented(after) == 519
    assert "1 protected victims are counted in no figure on this page" in _text(after)
    assert _rows(after, "Prison")[labels[prison]] == prisons[labels[prison]] - 1
    assert _documented(_get(site, f"lang=en&prison={prison}")) == prisons[labels[prison]] - 1
    assert _documented(_get(site, f"lang=en&city={city}")) == _rows(after, "City")[labels[city]]
    whole, first, second = (_days(site.client.get(f"/dashboard/timeline.svg?{q}",
                                                  headers=site.as_("viewer")).text)
                            for q in ("lang=en", "lang=en&wave=1", "lang=en&wave=2"))
    assert whole == {d: first[d] + second[d] for d in whole}
    home = site.client.get("/?lang=en", headers=site.as_("viewer")).text
    assert _days(home) == whole  # nor does the home page's chart
    assert "Victim V-9" not in after


def _estimate(site: Site, query: str) -> str:
    """The estimate's section, as htmx asks for it once the page is shown."""
    r = site.client.get(f"/dashboard/estimate?{query}",
                        headers={**site.as_("viewer"), "HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text
    return r.text


def test_the_estimate_stands_apart_once_lists_overlap(site: Site) -> None:
    page = _get(site, "lang=en")
    # The page does not wait for the estimate: htmx fetches it, or a link does.
    assert 'hx-get="/dashboard/estimate?lang=en" hx-trigger="load"' in page
    assert "Estimated victims" not in page and 'href="/dashboard/estimate?lang=en"' in page
    assert "No estimate: no victim is on two lists yet." in _estimate(site, "lang=en")
    sure = [c for c in dedupe.queue(site.registry, limit=200) if c.probability > 0.95][:40]
    assert sure
    for pair in sure:
        dedupe.judge(site.registry, pair.a.ref, pair.b.ref, "same", actor="tester")
    text = _text(_estimate(site, "lang=en"))
    found = re.search(r"Estimated victims ([\d,]+) 95% interval ([\d,]+)–([\d,]+)", text)
    assert found, text
    total, low, high = (int(g.replace(",", "")) for g in found.groups())
    assert low <= total <= high
    assert "it is never added to the documented figures" in text
    # Without JavaScript, the link shows the whole page with the estimate in it.
    whole = _get(site, "lang=en")
    full = site.client.get("/dashboard/estimate?lang=en", headers=site.as_("viewer")).text
    assert "<html" in full and "Estimated victims" in full and _documented(full) == \
        _documented(whole)
    assert "No estimate for this selection" in _estimate(site, "lang=en&wave=1")
    fa = _text(_estimate(site, "lang=fa"))
    assert "شمار برآوردی قربانیان" in fa and "بازهٔ ۹۵٪" in fa
