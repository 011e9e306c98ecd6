"""The accountability tracker's reports as a reader sees them, in English and
Persian: the index, the matrix, the timeline, an impunity report and a country
briefing, each fact with a link to its source and each report with its PDF;
a protected person's report answers as an unknown id's does."""

from __future__ import annotations

import re

from khavaran.demo.case import build_demo_case
from web_site import WITNESS, Site, site  # noqa: F401

PERP = "p-demo-perp-12"  # the demo's suspect: a case, court steps, a release


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _get(site: Site, path: str, role: str = "viewer", status: int = 200) -> str:
    r = site.client.get(path, headers=site.as_(role))
    assert r.status_code == status, r.text[:500]
    return r.text


def test_index_lists_the_reports_and_the_menu_offers_it(site: Site) -> None:
    en = _get(site, "/reports?lang=en")
    assert '<a href="/reports" aria-current="page">Reports</a>' in en
    for href in ("/reports/matrix", "/reports/timeline", f"/reports/impunity/{PERP}",
                 "/reports/country/se", f"/reports/impunity/{PERP}/pdf?lang=en"):
        assert f'href="{href}"' in en, href
    text = _text(en)
    assert "Ali Akbari" in text and "Sweden" in text
    assert WITNESS not in en
    fa = _text(_get(site, "/reports?lang=fa"))
    assert "گزارش‌های مصونیت از مجازات: عاملان ادعایی" in fa and "سوئد" in fa


def test_matrix_and_timeline_cite_each_action(site: Site) -> None:
    en = _get(site, "/reports/matrix?lang=en")
    text = _text(en)
    assert "Which states and bodies did what, and when" in text
    assert "Demoland (fictional)" in text and "sanction designation" in text
    # the designation, its date in both calendars and its source
    assert "1 Sep 2020 (11 Shahrivar 1399 SH)" in text
    assert 'href="/sources/demo-sanctions-1"' in en
    assert 'href="/reports/matrix/pdf?lang=en"' in en
    fa = _text(_get(site, "/reports/matrix?lang=fa"))
    assert "کدام دولت‌ها و نهادها چه کردند و کی" in fa and "۱۱ شهریور ۱۳۹۹" in fa
    timeline = _get(site, "/reports/timeline?lang=en")
    assert _text(timeline).index("10 Aug 2016") < _text(timeline).index("1 Sep 2020")
    assert timeline.count('href="/sources/') >= 8


def test_impunity_report_in_both_languages(site: Site) -> None:
    assert build_demo_case(site.registry)
    en = _get(site, f"/reports/impunity/{PERP}?lang=en")
    text = _text(en)
    for heading in ("Allegations and their procedural status", "Strength of the case",
                    "Posts held", "Actions taken", "Not done where it could be"):
        assert heading in text, heading
    assert "Ali Akbari" in text and "reported by NGO" in text
    # the case's elements by their status, in words
    assert 'href="/cases/demo-commission"' in en and "corroborated" in text
    assert "no evidence" in text
    # court steps as actions, and the gaps with the sources they were read from
    assert "indictment" in text and "release" in text
    assert "has designated 2 other alleged perpetrator(s)" in text
    gaps = en.split('class="report-gaps"', 1)[1]
    assert 'href="/sources/demo-sanctions-1"' in gaps and 'href="/sources/demo-un-1"' in gaps
    fa = _get(site, f"/reports/impunity/{PERP}?lang=fa")
    ftext = _text(fa)
    assert "قوت پرونده" in ftext and "آنچه می‌شد کرد و نشده است" in ftext
    assert "علی اکبری" in ftext and "تأییدشده" in ftext and "corroborated" not in ftext
    # the arrow from actor to target points the way a Persian line reads
    assert "(ساختگی) ← " in ftext and "→" not in ftext
    # a Persian gap reads with Persian digits and a Solar Hijri date
    assert "۲ عامل ادعایی دیگر" in ftext and "۳۰ اردیبهشت ۱۳۹۸" in ftext
    assert f'<bdi dir="ltr">{PERP}</bdi>' in fa


def test_person_page_links_to_the_report_of_an_alleged_perpetrator(site: Site) -> None:
    assert f'href="/reports/impunity/{PERP}"' in _get(site, f"/persons/{PERP}?lang=en")
    assert "/reports/impunity/" not in _get(site, "/persons/v-demo-001?lang=en")
    assert "/reports/impunity/" not in _get(site, f"/persons/{WITNESS}?lang=en")


def test_protected_or_unknown_person_has_no_report(site: Site) -> None:
    for path in ("/reports/impunity/{}", "/reports/impunity/{}/pdf"):
        hidden = site.client.get(path.format(WITNESS) + "?lang=en",
                                 headers=site.as_("analyst"))
        unknown = site.client.get(path.format("p-nobody") + "?lang=en",
                                  headers=site.as_("analyst"))
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.text.replace(WITNESS, "p-nobody") == unknown.text
    for secret in site.secrets:
        assert secret not in _get(site, "/reports/timeline?lang=en")
        assert secret not in _get(site, "/reports/matrix?lang=fa")


def test_country_briefing(site: Site) -> None:
    en = _get(site, "/reports/country/se?lang=en")
    text = _text(en)
    assert "Country briefing" in text and "Sweden" in text
    assert "universal jurisdiction" in text
    # the suspect recorded as travelling there, the fact's source, their report
    assert "Davood Nazari" in text and "travelled there" in text
    assert 'href="/sources/demo-news-04"' in en
    assert 'href="/reports/impunity/p-demo-perp-11"' in en
    # no action of Sweden is fictional, but the suspect is: the page says so
    assert "Demo data: these are not real people" in text
    fa = _text(_get(site, "/reports/country/se?lang=fa"))
    assert "گزارش کشوری" in fa and "سوئد" in fa and "داوود نظری" in fa
    assert _get(site, "/reports/country/atlantis?lang=en", status=422)


def test_each_report_downloads_as_pdf(site: Site) -> None:
    for path in ("/reports/matrix/pdf", f"/reports/impunity/{PERP}/pdf?lang=fa"):
        r = site.client.get(path, headers=site.as_("viewer"))
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/pdf"
        assert r.content.startswith(b"%PDF")
        assert "attachment" in r.headers["content-disposition"]
    assert 'report-impunity-p-demo-perp-12-fa.pdf' in r.headers["content-disposition"]


def test_court_steps_and_seats_read_in_the_pages_language(site: Site) -> None:
    en = _text(_get(site, f"/reports/impunity/{PERP}?lang=en"))
    assert "outcome: upheld on appeal" in en
    assert "Seat on : Golzarabad commission" in en
    fa = _text(_get(site, f"/reports/impunity/{PERP}?lang=fa"))
    assert "upheld on appeal" not in fa and "released" not in fa
    assert "عضویت در" in fa
    # a procedural status's date in Persian, Solar Hijri first (as everywhere)
    assert "۱۰ آذر ۱۳۹۰ (۱ دسامبر ۲۰۱۱)" in fa and "Azar" not in fa
