"""Searching the evidence texts in the browser: a Latin word finds a Persian
text with the word marked; an empty query is named beside its field in the
page's language; viewers, who may not open evidence, may not search it."""

from __future__ import annotations

import re

from khavaran.services import evidence
from web_site import Site, case_site, page_sign_in, site  # noqa: F401


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_latin_word_finds_a_persian_text_with_the_word_marked(case_site: Site,
                                                                tmp_path) -> None:
    path = tmp_path / "statement.txt"
    path.write_text("گواهی ساختگی: نام کمیسیون گلزارآباد در دفتر آمده بود.\n",
                    encoding="utf-8")
    item = evidence.add_evidence(case_site.registry, [path], source_id="demo-report-2",
                                 actor="tester")[0].item_id
    assert page_sign_in(case_site, "analyst").status_code == 303
    assert 'href="/evidence/search"' in case_site.client.get("/search?lang=en").text
    r = case_site.client.get("/evidence/search?q=Golzarabad&lang=en")
    assert r.status_code == 200
    assert f'href="/evidence/{item}"' in r.text and "<mark>گلزارآباد</mark>" in r.text
    # The demo judgment, in English and its Persian translation, is found too.
    assert "text(s) found" in _text(r.text)
    fa = case_site.client.get("/evidence/search?q=گلزارآباد&lang=fa").text
    assert f'href="/evidence/{item}"' in fa and "متن یافت شد" in _text(fa)


def test_an_empty_query_is_named_beside_its_field(case_site: Site) -> None:
    assert page_sign_in(case_site, "analyst").status_code == 303
    for lang, words in (("en", "Give a word to look for."),
                        ("fa", "واژه‌ای برای جست‌وجو بنویسید.")):
        r = case_site.client.get(f"/evidence/search?q=%21%21&lang={lang}")
        assert r.status_code == 422
        assert 'aria-invalid="true" aria-describedby="e-query"' in r.text
        assert words in r.text


def test_a_viewer_may_not_search_the_texts(case_site: Site) -> None:
    assert page_sign_in(case_site, "viewer").status_code == 303
    assert case_site.client.get("/evidence/search?q=golzarabad").status_code == 403
    assert 'href="/evidence/search"' not in case_site.client.get("/search").text
