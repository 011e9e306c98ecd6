"""The case and evidence pages as a reader sees them, in Persian and English:
the list of cases, a case's suspect, charges, element matrix (status in colour
and in words) and gaps; an evidence item's record, lineage and custody log.
A protected witness's testimony answers as an unknown item, and nothing a
page shows names the witness."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from khavaran.demo.case import build_demo_case
from khavaran.services import cases
from khavaran.services.custody import protected_witness
from khavaran.storage.vault_tables import evidence_derivation, evidence_item
from web_site import Site, site  # noqa: F401

CASE = "demo-commission"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def case_site(site: Site) -> Site:  # noqa: F811
    assert build_demo_case(site.registry)
    return site


def _items(site: Site) -> tuple[list[str], list[str]]:
    """The demo's evidence items: (open ones, a protected witness's testimony)."""
    with site.registry.read() as conn:
        ids = [r.id for r in conn.execute(evidence_item.select().order_by(evidence_item.c.id))]
        hidden = [i for i in ids if protected_witness(conn, i)]
    return [i for i in ids if i not in hidden], hidden


def test_the_case_list_links_each_case_and_its_suspect(case_site: Site) -> None:
    r = case_site.client.get("/cases?lang=en", headers=case_site.as_("viewer"))
    assert r.status_code == 200
    case = cases.read_case(case_site.registry, CASE)
    assert f'href="/cases/{CASE}"' in r.text and f'href="/persons/{case.suspect_id}"' in r.text
    assert "fictional" in _text(r.text)
    # The menu offers the cases to a reader.
    assert '<a href="/cases"' in r.text


def test_the_case_page_shows_statuses_in_words_counts_and_gaps(case_site: Site) -> None:
    en = case_site.client.get(f"/cases/{CASE}?lang=en", headers=case_site.as_("viewer"))
    assert en.status_code == 200
    text = _text(en.text)
    case = cases.read_case(case_site.registry, CASE)
    statuses = [ev.status for ev in case.charges[0].elements]
    # Every status of the matrix is there in colour (its class) and in words.
    for status, words in (("corroborated", "corroborated"), ("single-source", "single source"),
                          ("contested", "contested"), ("no-evidence", "no evidence")):
        assert f'<span class="status {status}">{words}</span>' in en.text
    assert en.text.count('<th scope="row">') == len(statuses)
    not_corroborated = sum(1 for s in statuses if s != "corroborated")
    assert f"{not_corroborated} element(s) not corroborated" in text
    assert "would be proved by" in text and "An analytical aid, not legal advice" in text
    # 1988 acts under a framework of 2002: said, as the CLI says it.
    assert "6 of 6 acts took place before" in text
    assert "contradicts" in text  # the contested element's link
    fa = case_site.client.get(f"/cases/{CASE}?lang=fa", headers=case_site.as_("viewer"))
    assert '<html lang="fa" dir="rtl">' in fa.text
    ftext = _text(fa.text)
    assert "جدول عناصر جرم" in ftext and "تأییدشده" in ftext and "بی‌مدرک" in ftext
    assert "ابزاری تحلیلی است، نه مشاورهٔ حقوقی" in ftext
    assert "۶ مورد از ۶ عمل" in ftext


def test_nothing_on_the_case_page_names_the_protected_witness(case_site: Site) -> None:
    _, hidden = _items(case_site)
    for role in ("viewer", "admin"):
        r = case_site.client.get(f"/cases/{CASE}?lang=en", headers=case_site.as_(role))
        assert r.status_code == 200
        for secret in case_site.secrets:
            assert secret not in r.text, (role, secret)
        assert "demo-testimony-01" not in r.text
        # Nor the ids of the witness's testimony, which answer as unknown items.
        assert [i for i in hidden if i[:11] in r.text] == []
        assert "an exhibit identifying a protected person (withheld)" in r.text


def test_an_unknown_case_is_a_page_not_found(case_site: Site) -> None:
    r = case_site.client.get("/cases/no-such-case?lang=en", headers=case_site.as_("viewer"))
    assert r.status_code == 404 and "<html" in r.text


def test_the_evidence_page_shows_hashes_lineage_and_custody(case_site: Site) -> None:
    shown, _ = _items(case_site)
    with case_site.registry.read() as conn:
        rows = conn.execute(evidence_item.select().where(
            evidence_item.c.id.in_(shown))).mappings().all()
        copy = next(r for r in rows if r["role"] == "working")
        parent = conn.execute(select(evidence_derivation.c.parent_id).where(
            evidence_derivation.c.child_id == copy["id"])).scalar_one()
    r = case_site.client.get(f"/evidence/{parent}?lang=en", headers=case_site.as_("viewer"))
    assert r.status_code == 200, r.text
    text = _text(r.text)
    original = next(row for row in rows if row["id"] == parent)
    assert original["sha256"] in r.text and original["sha512"] in r.text
    assert f'href="/sources/{original["source_id"]}"' in r.text
    assert "Custody log" in text and "Originals and working copies" in text
    # Its ledger entries, each with its time in both calendars and its actor.
    assert re.search(r"\d+ intake \d+ \w+ \d{4} \(\d+ \w+ \d{4} SH\) [\d:]+ UTC khavaran demo",
                     text), text
    assert re.search(r"\d+ derivation .* \d+ link ", text)
    # The tree: this original marked, its working copy linked.
    assert f'<li aria-current="true"><a href="/evidence/{parent}">' in r.text
    assert f'href="/evidence/{copy["id"]}"' in r.text
    fa = case_site.client.get(f"/evidence/{copy['id']}?lang=fa",
                              headers=case_site.as_("viewer"))
    ftext = _text(fa.text)
    assert "دفتر زنجیرهٔ نگهداری" in ftext and "نسخهٔ کاری" in ftext
    assert f'<li aria-current="true"><a href="/evidence/{copy["id"]}">' in fa.text


def test_sensitive_intake_details_are_counted_not_shown(case_site: Site) -> None:
    from khavaran.services import custody

    shown, _ = _items(case_site)
    for item in shown:
        info = custody.item_info(case_site.registry, item)
        names = [i["original_name"] for i in info["intakes"]]
        r = case_site.client.get(f"/evidence/{item}?lang=en", headers=case_site.as_("admin"))
        for name in names:
            assert name not in r.text, (item, name)
        if names:
            assert "marked sensitive at intake are not shown" in _text(r.text)


def test_a_protected_witness_testimony_answers_as_an_unknown_item(case_site: Site) -> None:
    _, hidden = _items(case_site)
    assert hidden, "the demo has a protected witness's testimony"
    unknown = "ev-" + "0" * 32
    for role in ("viewer", "admin"):
        answers = [case_site.client.get(f"/evidence/{i}?lang=en", headers=case_site.as_(role))
                   for i in (hidden[0], unknown)]
        assert [a.status_code for a in answers] == [404, 404]
        assert answers[0].text.replace(hidden[0], unknown) == answers[1].text
