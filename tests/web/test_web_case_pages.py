"""The case and evidence pages as a reader sees them, in Persian and English:
the list of cases, a case's suspect, charges, element matrix (status in colour
and in words) and gaps; an evidence item's record, lineage and custody log.
A protected witness's testimony answers as an unknown item, and nothing a
page shows names the witness."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from khavaran.services import cases
from khavaran.services.custody import link_claim
from khavaran.storage import queries
from khavaran.storage.vault_tables import evidence_derivation, evidence_item
from web_site import WITNESS, Site, case_site, evidence_items, form_token, page_sign_in, site  # noqa: F401

CASE = "demo-commission"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))



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
    _, hidden = evidence_items(case_site)
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
    shown, _ = evidence_items(case_site)
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

    shown, _ = evidence_items(case_site)
    for item in shown:
        info = custody.item_info(case_site.registry, item)
        names = [i["original_name"] for i in info["intakes"]]
        r = case_site.client.get(f"/evidence/{item}?lang=en", headers=case_site.as_("admin"))
        for name in names:
            assert name not in r.text, (item, name)
        if names:
            assert "marked sensitive at intake are not shown" in _text(r.text)


def test_a_protected_witness_testimony_answers_as_an_unknown_item(case_site: Site) -> None:
    _, hidden = evidence_items(case_site)
    assert hidden, "the demo has a protected witness's testimony"
    unknown = "ev-" + "0" * 32
    for role in ("viewer", "admin"):
        answers = [case_site.client.get(f"/evidence/{i}?lang=en", headers=case_site.as_(role))
                   for i in (hidden[0], unknown)]
        assert [a.status_code for a in answers] == [404, 404]
        assert answers[0].text.replace(hidden[0], unknown) == answers[1].text


# -- writing: link, withdraw, review --------------------------------------------


def _signed_in(site: Site, role: str, lang: str = "en") -> None:
    assert page_sign_in(site, role, lang=lang).status_code == 303


def _post(site: Site, page: str, path: str, data: dict[str, str], lang: str = "en") -> Any:
    shown = site.client.get(f"{page}?lang={lang}")
    assert shown.status_code == 200, shown.text
    return site.client.post(f"{path}?lang={lang}", data={"csrf": form_token(shown.text),
                                                         **data}, follow_redirects=False)


def _a_death_date_claim(site: Site) -> str:
    with site.registry.read() as conn:
        rows = queries.claims_for(conn, ["v-demo-001"], ["death_date"])
    return str(rows[0]["id"])


def _links(site: Site) -> list[cases.Link]:
    case = cases.read_case(site.registry, CASE)
    return [lk for ch in case.charges for ev in ch.elements for lk in ev.links]


def test_a_writer_links_a_claim_to_an_element_and_withdraws_it(case_site: Site) -> None:
    _signed_in(case_site, "analyst")
    before = len(_links(case_site))
    claim = _a_death_date_claim(case_site)
    r = _post(case_site, f"/cases/{CASE}", f"/cases/{CASE}/links", {
        "element": "1:murder-intent", "stance": "supports", "kind": "claim",
        "target": claim, "reasoning": "dated by the family"})
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{CASE}#matrix"
    made = [lk for lk in _links(case_site) if lk.reasoning == "dated by the family"]
    assert len(_links(case_site)) == before + 1
    assert (made[0].target, made[0].created_by) == (claim, "t-analyst")
    page = case_site.client.get(f"/cases/{CASE}?lang=en")
    assert "dated by the family" in page.text
    # Withdrawn with a reason: it stays on the page, marked, and stops counting.
    r = _post(case_site, f"/cases/{CASE}", f"/cases/{CASE}/links/{made[0].id}/withdraw",
              {"withdraw": "wrong element"})
    assert r.status_code == 303
    assert len(_links(case_site)) == before
    assert "withdrawn: wrong element" in _text(case_site.client.get(f"/cases/{CASE}").text)


def test_bad_link_forms_come_back_with_the_error_beside_the_field(case_site: Site) -> None:
    _signed_in(case_site, "analyst", lang="fa")
    before = len(_links(case_site))
    claim = _a_death_date_claim(case_site)
    base = {"element": "1:murder-intent", "stance": "supports", "kind": "claim",
            "target": claim, "reasoning": "x"}
    no_reason = _post(case_site, f"/cases/{CASE}", f"/cases/{CASE}/links",
                      base | {"reasoning": ""}, lang="fa")
    assert no_reason.status_code == 422, no_reason.text
    assert 'id="e-reasoning"' in no_reason.text and "تاریخچه دلیل هر تغییر" in no_reason.text
    assert 'value="' + claim + '"' in no_reason.text  # the input kept
    no_locator = _post(case_site, f"/cases/{CASE}", f"/cases/{CASE}/links",
                       base | {"kind": "evidence", "target": "ev-" + "0" * 32}, lang="fa")
    assert no_locator.status_code == 422 and 'id="e-locator"' in no_locator.text
    assert "بگویید کجای آن" in no_locator.text
    # A claim identifying the protected witness reads as an unknown one.
    answers = []
    for target in (_witness_claim(case_site), "c-" + "0" * 24):
        r = _post(case_site, f"/cases/{CASE}", f"/cases/{CASE}/links",
                  base | {"target": target}, lang="fa")
        assert r.status_code == 422 and 'id="e-target"' in r.text
        answers.append(_text(r.text.split('id="e-target">')[1].split("</p>")[0]))
    assert answers[0] == answers[1]
    assert len(_links(case_site)) == before


def _witness_claim(site: Site) -> str:
    """The id of a name claim of the protected witness, as an insider might compute it."""
    from khavaran.storage.tables import claim

    with site.registry.read() as conn:
        return str(conn.execute(select(claim.c.id).where(
            claim.c.entity_id == WITNESS, claim.c.property == "name")).scalars().first())


def test_a_viewer_may_read_a_case_but_not_change_it(case_site: Site) -> None:
    page = case_site.client.get(f"/cases/{CASE}?lang=en", headers=case_site.as_("viewer"))
    assert 'action="/cases/' not in page.text  # no forms for a reader
    r = case_site.client.post(f"/cases/{CASE}/links", headers=case_site.as_("viewer"),
                              data={"element": "1:murder-intent"})
    assert r.status_code == 403


def test_a_writer_reviews_an_item_for_disclosure(case_site: Site) -> None:
    from khavaran.vault.ledger import body_of, iter_entries

    shown, hidden = evidence_items(case_site)
    item = shown[0]
    _signed_in(case_site, "investigator")
    bad = _post(case_site, f"/evidence/{item}", f"/evidence/{item}/review",
                {"level": "everyone", "reason": "read"})
    assert bad.status_code == 422 and 'id="e-level"' in bad.text
    r = _post(case_site, f"/evidence/{item}", f"/evidence/{item}/review",
              {"level": "public", "reason": "read in full, names no one"})
    assert r.status_code == 303
    with case_site.registry.read() as conn:
        last = [body_of(e.body) for e in iter_entries(conn, item)][-1]
    assert last["kind"] == "review" and last["actor"] == "t-investigator"
    assert last["data"]["level"] == "public"
    # A hidden item's review form answers as an unknown item's.
    token = form_token(case_site.client.get(f"/evidence/{item}").text)
    answers = [case_site.client.post(f"/evidence/{i}/review", data={
        "csrf": token, "level": "public", "reason": "r"}) for i in (hidden[0], "ev-" + "0" * 32)]
    assert [a.status_code for a in answers] == [404, 404]


def test_a_revealed_witness_is_shown_with_their_testimony(case_site: Site) -> None:
    """Revealed on request, the witness's page lists the testimony that backs
    their facts; the ordinary view of the same page does not."""
    _, hidden = evidence_items(case_site)
    with case_site.registry.read() as conn:
        role = next(c["id"] for c in queries.claims_for(conn, [WITNESS], ["role"]))
    # The testimony as the evidence for one of the witness's own facts.
    link_claim(case_site.registry, hidden[0], role, locator="line 1", actor="t-admin",
               include_protected=True)
    _signed_in(case_site, "investigator")
    page = case_site.client.get(f"/persons/{WITNESS}?lang=en")
    assert not any(i in page.text for i in hidden)
    token = form_token(page.text.split(f'action="/persons/{WITNESS}/reveal"', 1)[1])
    shown = case_site.client.post(f"/persons/{WITNESS}/reveal?lang=en",
                                  data={"csrf": token, "reason": "preparing the hearing"})
    assert shown.status_code == 200 and "Identity revealed for you" in shown.text
    assert any(i in shown.text for i in hidden)
