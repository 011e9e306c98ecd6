"""Linking an evidence item to the claim it proves, from the item's page: the
claims citing its source are offered, a locator is required, and a claim that
would identify a protected person answers as one that does not exist."""

from __future__ import annotations

import re

from sqlalchemy import select

from files import text_pdf
from khavaran.services import custody, evidence
from khavaran.storage.tables import citation, claim
from web_site import WITNESS, Site, case_site, form_token, page_sign_in, site  # noqa: F401


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _new_item(site: Site, tmp_path) -> str:
    pdf = tmp_path / "copy-of-judgment.pdf"
    pdf.write_bytes(text_pdf(["Fictional judgment, page 1", "page 2"]))
    return evidence.add_evidence(site.registry, [pdf], source_id="demo-court-1",
                                 actor="tester")[0].item_id


def _cites_court(site: Site) -> list[str]:
    with site.registry.read() as conn:
        return list(conn.execute(select(citation.c.claim_id).where(
            citation.c.source_id == "demo-court-1")).scalars())


def test_a_claim_citing_the_source_is_picked_and_linked(case_site: Site, tmp_path) -> None:
    item = _new_item(case_site, tmp_path)
    target = _cites_court(case_site)[0]
    assert page_sign_in(case_site, "analyst").status_code == 303
    page = case_site.client.get(f"/evidence/{item}?lang=en").text
    assert f'<option value="{target}"' in page
    r = case_site.client.post(f"/evidence/{item}/links", follow_redirects=False, data={
        "csrf": form_token(page), "target": target, "locator": "page 2, line 4"})
    assert r.status_code == 303 and r.headers["location"] == f"/evidence/{item}#links"
    shown = _text(case_site.client.get(f"/evidence/{item}?lang=en").text)
    assert f"claim {target} · page 2, line 4" in shown
    log = custody.custody_log(case_site.registry, item)
    assert log[-1]["kind"] == "link" and log[-1]["data"]["claim"] == target
    # Linked now: no longer offered.
    assert f'<option value="{target}"' not in case_site.client.get(f"/evidence/{item}").text


def test_a_missing_locator_and_an_uncited_claim_are_refused_beside_their_field(
        case_site: Site, tmp_path) -> None:
    item = _new_item(case_site, tmp_path)
    target = _cites_court(case_site)[0]
    with case_site.registry.read() as conn:
        uncited = conn.execute(select(claim.c.id).where(
            claim.c.id.not_in(_cites_court(case_site)),
            claim.c.entity_id == "v-demo-001")).scalars().first()
    assert page_sign_in(case_site, "analyst").status_code == 303
    token = form_token(case_site.client.get(f"/evidence/{item}").text)
    for lang, words in (("en", "Say where in it: a page, a paragraph or a time."),
                        ("fa", "بگویید کجای آن: یک صفحه، یک بند یا یک زمان.")):
        r = case_site.client.post(f"/evidence/{item}/links?lang={lang}", data={
            "csrf": token, "target": target, "locator": " "})
        assert r.status_code == 422
        assert 'aria-invalid="true" aria-describedby="e-locator"' in r.text
        assert words in r.text
    r = case_site.client.post(f"/evidence/{item}/links?lang=en", data={
        "csrf": token, "target": uncited, "locator": "page 1"})
    assert r.status_code == 422 and "does not cite the source" in _text(r.text)
    assert [e["kind"] for e in custody.custody_log(case_site.registry, item)] == ["intake"]


def test_a_protected_persons_claim_answers_as_an_unknown_one(case_site: Site,
                                                             tmp_path) -> None:
    item = _new_item(case_site, tmp_path)
    with case_site.registry.read() as conn:
        hidden = conn.execute(select(claim.c.id).where(
            claim.c.entity_id == WITNESS, claim.c.property == "name")).scalars().first()
    assert hidden is not None
    unknown = "c-" + "0" * 24
    assert page_sign_in(case_site, "analyst").status_code == 303
    token = form_token(case_site.client.get(f"/evidence/{item}").text)
    answers = [case_site.client.post(f"/evidence/{item}/links?lang=en", data={
        "csrf": token, "target": c, "locator": "page 1"}) for c in (hidden, unknown)]
    assert answers[0].status_code == answers[1].status_code == 422
    assert answers[0].text.replace(hidden, unknown) == answers[1].text
