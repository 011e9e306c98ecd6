"""The reading pages as a user sees them, in Persian and English: home,
search (and its htmx fragment), person (with the reveal), history, source,
unit, place and event pages; protected identities never shown without a
reveal, and each reveal in the access log."""

from __future__ import annotations

import re

import pytest

from khavaran.services import dedupe
from khavaran.services.access_log import read_log
from web_site import WITNESS, Site, form_token, page_sign_in, site  # noqa: F401

PAGES = ["/", "/search?q=Hosseini", "/persons/v-demo-001", "/persons/v-demo-001/history",
         "/persons/p-demo-perp-12", f"/persons/{WITNESS}", f"/persons/{WITNESS}/history",
         "/sources/demo-list-a", "/sources/demo-testimony-01", "/units/u-demo-commission-1",
         "/places/pl-demo-golzar", "/events/e-demo-arrest-000",
         "/search?q=Witness+W-1", "/search/results?q=Esmail"]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_shows_counts_chart_and_changes(site: Site) -> None:
    en = site.client.get("/?lang=en", headers=site.as_("viewer"))
    assert en.status_code == 200
    text = _text(en.text)
    assert "Victims (merged persons) 520" in text and "List records 500" in text
    assert "Executions per day, summer 1988" in text and "Recent changes" in text
    assert en.text.count("<rect") == 66 and "executions on 1367/05/28 SH (1988-08-19)" in en.text
    assert "<script" not in en.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    fa = site.client.get("/?lang=fa", headers=site.as_("viewer"))
    assert '<html lang="fa" dir="rtl">' in fa.text
    text = _text(fa.text)
    assert "قربانیان (اشخاص ادغام‌شده) ۵۲۰" in text and "اعدام در ۱۳۶۷/۰۵/۲۸" in fa.text
    assert "مرداد" in fa.text


def test_search_groups_counts_and_pages(site: Site) -> None:
    r = site.client.get("/search?q=Hosseini&lang=en", headers=site.as_("viewer"))
    text = _text(r.text)
    total = int(re.search(r"1–20 of (\d+) people", text).group(1))  # type: ignore[union-attr]
    assert total > 20 and "حسینی" in r.text and "Hosseini" in text
    assert "father" in text and "city" in text and "lists" in text and "Next" in text
    fa = site.client.get("/search?q=حسینی&lang=fa", headers=site.as_("viewer"))
    persian_total = "".join(chr(0x06F0 + int(d)) for d in str(total))
    assert f"۱–۲۰ از {persian_total} نفر" in _text(fa.text)
    assert "شهر" in fa.text and "ماه اعدام" in fa.text
    # Merged list persons are one hit: one fewer person.
    dedupe.judge(site.registry, "demo-list-a:A0016", "demo-list-c:C0014", "same",
                 actor="tester")
    merged = site.client.get("/search?q=Behrouz+Bahrami&lang=en&age=", headers=site.as_("viewer"))
    assert "merged from" in _text(merged.text)


def test_facets_and_the_htmx_fragment(site: Site) -> None:
    page = site.client.get("/search?q=Hosseini&lang=en", headers=site.as_("viewer"))
    link = re.search(r'hx-get="(/search/results\?[^"]*city=[^"]*)"', page.text)
    assert link
    frag = site.client.get(link.group(1).replace("&amp;", "&"),
                           headers={**site.as_("viewer"), "HX-Request": "true"})
    assert frag.status_code == 200 and "<html" not in frag.text
    assert 'class="chosen"' in frag.text and " of " in _text(frag.text)
    young = site.client.get("/search?q=Hosseini&age=under_18&lang=en",
                            headers=site.as_("viewer"))
    n = re.search(r"of (\d+) people", _text(young.text))
    assert n and 0 < int(n.group(1)) < 20
    month = site.client.get("/search?q=Hosseini&from=Shahrivar+1367&to=1988-09-22&lang=en",
                            headers=site.as_("viewer"))
    assert month.status_code == 200 and "Shahrivar 1367" in month.text


@pytest.mark.parametrize(("lang", "message"), [
    ("en", "Not a date: write it as 1367/05/06"), ("fa", "این تاریخ نیست")])
def test_bad_date_is_shown_beside_its_field_with_the_input_kept(site: Site, lang: str,
                                                                 message: str) -> None:
    r = site.client.get(f"/search?q=Hosseini&from=summer&lang={lang}",
                        headers=site.as_("viewer"))
    assert r.status_code == 422
    field = r.text.split('id="f-from"', 1)[1].split("</div>", 1)[0]
    assert 'value="summer"' in field and message in field and 'aria-invalid="true"' in field
    assert 'value="Hosseini"' in r.text


def test_person_page_shows_sources_conflicts_and_claim_ids(site: Site) -> None:
    r = site.client.get("/persons/v-demo-001?lang=en", headers=site.as_("viewer"))
    text = _text(r.text)
    assert "Farhad Ahmadi" in text and "فرهاد احمدی" in r.text and "fictional" in text
    assert "accounts differ" in text and "preferred" in text
    assert "19 Aug 1988 (28 Mordad 1367 SH)" in text and "18 Aug 1988" in text
    assert re.search(r"claim c-[0-9a-f]{24}", text) and "/sources/demo-report-1" in r.text
    fa = site.client.get("/persons/v-demo-001?lang=fa", headers=site.as_("viewer"))
    text = _text(fa.text)
    assert "۲۸ مرداد ۱۳۶۷" in text and "روایت‌ها متفاوت‌اند" in text and "تاریخ مرگ" in text


def test_perpetrator_page_shows_allegations_with_status(site: Site) -> None:
    r = site.client.get("/persons/p-demo-perp-12?lang=en", headers=site.as_("viewer"))
    text = _text(r.text)
    assert "Allegations" in text and "reported by NGO" in text and "asserted by" in text
    assert "Posts held" in text and "/units/u-demo-commission-1" in r.text


def test_history_tab(site: Site) -> None:
    r = site.client.get("/persons/v-demo-001/history?lang=en", headers=site.as_("viewer"))
    text = _text(r.text)
    assert "Who changed what, when and why" in text and "add-claim" in text
    assert 'aria-current="page">History' in r.text


def test_source_unit_place_event_pages(site: Site) -> None:
    src = _text(site.client.get("/sources/demo-list-a?lang=en", headers=site.as_("viewer")).text)
    assert "Claims citing this source" in src and "1–50 of" in src and "record A" in src
    unit = _text(site.client.get("/units/u-demo-commission-1?lang=en",
                                 headers=site.as_("viewer")).text)
    assert "Members and their careers" in unit and "Ali Akbari" in unit
    place = site.client.get("/places/pl-demo-golzar?lang=fa", headers=site.as_("viewer"))
    assert place.status_code == 200 and "گلزارآباد" in place.text and "رویداد" in place.text
    event = _text(site.client.get("/events/e-demo-arrest-000?lang=en",
                                  headers=site.as_("viewer")).text)
    assert "arrest" in event and "Farhad Ahmadi" in event
    missing = site.client.get("/units/v-demo-001?lang=en", headers=site.as_("viewer"))
    assert missing.status_code == 404


@pytest.mark.parametrize("role", ["viewer", "investigator"])
def test_protected_identity_never_shown_without_a_reveal(site: Site, role: str) -> None:
    for path in PAGES:
        for lang in ("en", "fa"):
            r = site.client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}",
                                headers=site.as_(role))
            assert r.status_code == 200, path
            for secret in site.secrets:
                assert secret not in r.text, (path, secret)
    witness = site.client.get(f"/persons/{WITNESS}?lang=en", headers=site.as_(role))
    assert "Witness W-1" in witness.text
    assert ("Reveal the identity" in witness.text) == (role == "investigator")
    for name in site.secrets[:2]:
        found = site.client.get(f"/search?q={name}&lang=en", headers=site.as_(role))
        assert f"/persons/{WITNESS}" not in found.text


def test_reveal_with_a_reason_is_logged(site: Site) -> None:
    assert page_sign_in(site, "investigator").status_code == 303
    page = site.client.get(f"/persons/{WITNESS}?lang=en")
    token = form_token(page.text.split(f'action="/persons/{WITNESS}/reveal"', 1)[1])
    assert token
    empty = site.client.post(f"/persons/{WITNESS}/reveal?lang=en",
                             data={"csrf": token, "reason": "  "})
    assert empty.status_code == 422 and "Say why you need to see this identity." in empty.text
    assert all(s not in empty.text for s in site.secrets)
    forged = site.client.post(f"/persons/{WITNESS}/reveal?lang=en",
                              data={"csrf": "forged", "reason": "curiosity"})
    assert forged.status_code == 403
    shown = site.client.post(f"/persons/{WITNESS}/reveal?lang=en",
                             data={"csrf": token, "reason": "preparing the hearing"})
    assert shown.status_code == 200 and "Identity revealed for you" in shown.text
    assert any(s in shown.text for s in site.secrets)
    entry = read_log(site.registry, action="reveal").entries[0]
    assert (entry.actor, entry.target, entry.reason, entry.via) == (
        "t-investigator", WITNESS, "preparing the hearing", "web")
    # The next ordinary view hides the identity again.
    again = site.client.get(f"/persons/{WITNESS}?lang=en")
    assert all(s not in again.text for s in site.secrets)


def test_a_viewer_may_not_reveal(site: Site) -> None:
    r = site.client.post(f"/persons/{WITNESS}/reveal?lang=en", data={"reason": "x"},
                         headers=site.as_("viewer"))
    assert r.status_code == 403
    assert all(s not in r.text for s in site.secrets)
    assert read_log(site.registry, action="denied").entries[0].actor == "t-viewer"


def test_pages_need_sign_in(site: Site) -> None:
    for path in ("/", "/search?q=x", "/persons/v-demo-001", "/sources/demo-list-a"):
        r = site.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
