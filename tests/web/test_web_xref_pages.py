"""The xref review queue's page (web/xref_pages.py), in Persian and English: the
demo's candidates side by side, judging them with and without htmx, a "different"
after a "same" taking back what it wrote, matching again, a protected person
answered as an unknown one, and a viewer who may look but not judge."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import update

from khavaran.demo import load_demo_sanctions
from khavaran.services import actions, careers, entry, jobs, xref_view
from khavaran.services.xref import run_xref
from khavaran.storage.reference_tables import ref_dataset
from web_site import WITNESS, Site, form_token, page_sign_in, site  # noqa: F401

PERSON, REF = "p-demo-perp-11", "demo_sanctions:demo-sanc-001"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _card(html: str, person: str) -> str:
    """The card whose judging form is about ``person``."""
    found = [a for a in re.findall(r"<article.*?</article>", html, re.S)
             if f'name="person" value="{person}"' in a]
    assert len(found) == 1, html
    return found[0]


@pytest.fixture
def xsite(site: Site) -> Site:  # noqa: F811
    load_demo_sanctions(site.registry)
    assert run_xref(site.registry).stored >= 2
    return site


def _judge(site: Site, decision: str, *, htmx: bool = False, person: str = PERSON,
           ref: str = REF, lang: str = "en") -> object:
    token = form_token(site.client.get(f"/xref?lang={lang}").text)
    headers = {"hx-request": "true"} if htmx else {}
    return site.client.post(f"/xref?lang={lang}", headers=headers, follow_redirects=False,
                            data={"csrf": token, "person": person, "ref": ref,
                                  "decision": decision, "note": "checked the birth date"})


def test_the_candidates_side_by_side_in_english_and_persian(xsite: Site) -> None:
    en = xsite.client.get("/xref?lang=en", headers=xsite.as_("analyst"))
    assert en.status_code == 200
    text = _text(en.text)
    assert "Sanctions and lists: matches to review" in text
    assert re.search(r"\d+ candidate\(s\) left to judge", text)
    # the registry's person (names in both scripts) against the list's entity
    card = _card(en.text, PERSON)
    said = _text(card)
    assert f'href="/persons/{PERSON}"' in card and REF in said
    assert "In the registry" in said and "In the list" in said
    assert re.search(r"[\u0600-\u06ff]", said) and re.search(r"[A-Za-z]{4} [A-Za-z]{4}", said)
    for shown in ("Names", "Birth", "Nationality", "Positions", "Sanctions",
                  "Demoland sanctions list (fictional)", "fictional", "Why they were matched",
                  "agree", "Probability that they are one person"):
        assert shown in said, shown
    assert re.search(r"listed \d+ \w+ 20\d\d", said)  # the listing date, both calendars
    for decision in ("same", "different", "unsure"):
        assert f'name="decision" value="{decision}"' in card
    assert 'hx-post="/xref"' in card and 'action="/xref"' in card
    assert '<a href="/xref" aria-current="page">' in en.text  # in the menu
    # the imported lists: title, name, date in both calendars, fictional, entities
    lists = _text(en.text.split('id="lists-title"')[1])
    assert re.search(r"Demoland sanctions list \(fictional\) fictional demo_sanctions "
                     r"\d+ \w+ 20\d\d \(.* SH\) 8 ", lists), lists
    fa = xsite.client.get("/xref?lang=fa", headers=xsite.as_("analyst"))
    assert '<html lang="fa" dir="rtl">' in fa.text
    ftext = _text(fa.text)
    for shown in ("تحریم‌ها و فهرست‌ها", "در بایگانی", "در فهرست", "چرا با هم تطبیق داده شدند",
                  "یک نفر", "دو نفر متفاوت", "نامطمئن", "تطبیق دوباره", "فهرست‌های تحریم"):
        assert shown in ftext, shown
    assert re.search(r"فهرست‌شده در [۰-۹]+ \w+ [۰-۹]{4}", ftext)  # a Persian date
    assert "فهرست‌های واردشده" in ftext and "ساختگی" in ftext
    assert re.search(r"demo_sanctions [۰-۹]+ \w+ [۰-۹]{4} .* ۸ ",
                     _text(fa.text.split('id="lists-title"')[1]))


def test_a_viewer_sees_the_queue_without_buttons(xsite: Site) -> None:
    page = xsite.client.get("/xref?lang=en", headers=xsite.as_("viewer"))
    assert page.status_code == 200
    assert 'name="decision"' not in page.text and "/xref/run" not in page.text
    assert "Your role may see the queue but not judge." in _text(page.text)
    assert '<a href="/xref"' not in page.text  # not in a viewer's menu
    refused = xsite.client.post("/xref", headers=xsite.as_("viewer"),
                                data={"person": PERSON, "ref": REF, "decision": "same"})
    assert refused.status_code == 403


def test_same_then_different_by_plain_forms_takes_back_what_it_wrote(xsite: Site) -> None:
    page_sign_in(xsite, "investigator")
    before = {p.posting_id for p in careers.career(xsite.registry, PERSON).posts}
    done = _judge(xsite, "same")
    assert done.status_code == 303 and done.headers["location"] == "/xref"
    sanctions = actions.list_actions(xsite.registry, target=PERSON)
    made = [a for a in sanctions if a.action_type == "sanction_designation"
            and any(c.source_id.startswith("ftm-demo_sanctions-") for c in a.sources)]
    assert made
    after = {p.posting_id for p in careers.career(xsite.registry, PERSON).posts}
    assert after > before
    page = xsite.client.get("/xref?lang=en")
    recent = _text(page.text.split('id="recent-title"')[1])
    assert REF in recent and "same" in recent
    assert f'name="person" value="{PERSON}"' in page.text  # to judge again
    back = _judge(xsite, "different")
    assert back.status_code == 303
    assert {p.posting_id for p in careers.career(xsite.registry, PERSON).posts} == before
    assert not [a for a in actions.list_actions(xsite.registry, target=PERSON)
                if a.id in {m.id for m in made}]
    assert actions.show_action(xsite.registry, made[0].id).retracted
    again = _judge(xsite, "same")
    assert again.status_code == 303
    assert {p.posting_id for p in careers.career(xsite.registry, PERSON).posts} == after
    assert [a.id for a in actions.list_actions(xsite.registry, target=PERSON)
            ].count(made[0].id) == 1


def test_htmx_replaces_the_card_with_what_the_judgement_did(xsite: Site) -> None:
    page_sign_in(xsite, "analyst")
    same = _judge(xsite, "same", htmx=True)
    assert same.status_code == 200 and "<html" not in same.text
    said = _text(same.text)
    assert re.search(r"Judged same: Davood Nazari / داوود نظری \[fictional\] and Davood Nazari \. "
                     rf"\( {PERSON} , {REF} \)", said), said
    assert re.search(r'id="left" hx-swap-oob="true">\d+ candidate\(s\) left', same.text)
    assert re.search(r"Written, each cited to the list: \d+ posting\(s\), 1 sanction", said)
    back = _judge(xsite, "unsure", htmx=True, lang="fa")
    fa = _text(back.text)
    assert "پس گرفته شد" in fa and "در تاریخچه می‌مانند" in fa and "نامطمئن" in fa
    # the card is gone from the queue; judged, it is among the recent judgements
    page = xsite.client.get("/xref?lang=en")
    assert f'<input type="hidden" name="ref" value="{REF}">' in page.text.split(
        'id="recent-title"')[1]


def test_a_protected_person_is_answered_as_an_unknown_one(xsite: Site) -> None:
    entry.protect_person(xsite.registry, "p-demo-perp-13", pseudonym="Witness Q",
                         actor="t", reason="threats")
    page_sign_in(xsite, "analyst")
    listed = xsite.client.get("/xref?lang=en").text
    assert "p-demo-perp-13" not in listed and "demo-sanc-002" not in listed
    unknown = "p-" + "0" * 8
    for htmx in (False, True):
        answers = [_judge(xsite, "same", htmx=htmx, person=pid, ref="demo_sanctions:demo-sanc-002")
                   for pid in ("p-demo-perp-13", WITNESS, unknown)]
        assert len({a.status_code for a in answers}) == 1
        assert answers[0].status_code == (200 if htmx else 422)
        texts = [a.text.replace(pid, unknown).replace(form_token(a.text) if not htmx else "",
                                                      "")
                 for a, pid in zip(answers, ("p-demo-perp-13", WITNESS, unknown), strict=True)]
        assert texts[0] == texts[1] == texts[2]
        assert "There is no record with this id." in texts[0]
        assert "Witness Q" not in texts[0] and not [s for s in xsite.secrets if s in texts[0]]


def test_a_real_list_cannot_be_matched_with_a_fictional_person(xsite: Site) -> None:
    page_sign_in(xsite, "analyst")
    with xsite.registry.write() as conn:
        conn.execute(update(ref_dataset).values(fictional=False))
    refused = _judge(xsite, "same")
    assert refused.status_code == 422
    assert "fictional" in _text(refused.text) and 'role="alert"' in refused.text
    card = _judge(xsite, "same", htmx=True)
    assert card.status_code == 200 and f'name="person" value="{PERSON}"' in card.text
    assert 'role="alert"' in card.text


def test_match_again_is_a_background_job(xsite: Site) -> None:
    page_sign_in(xsite, "analyst")
    token = form_token(xsite.client.get("/xref?lang=en").text)
    queued = xsite.client.post("/xref/run?lang=en", data={"csrf": token},
                               follow_redirects=False)
    assert queued.status_code == 303 and queued.headers["location"].startswith("/jobs/j-")
    job = queued.headers["location"]
    waiting = _text(xsite.client.get(f"{job}?lang=en").text)
    assert "Matching the alleged perpetrators with the imported lists" in waiting
    assert "queued" in waiting
    assert jobs.run_next(xsite.registry) is not None
    done = xsite.client.get(f"{job}?lang=en")
    assert re.search(r"Matched again: 6 alleged perpetrator\(s\) against \d+ listed "
                     r"person\(s\), \d+ candidate\(s\)\.", _text(done.text))
    assert 'href="/xref"' in done.text
    fa = xsite.client.get(f"{job}?lang=fa")
    assert "دوباره تطبیق داده شد: ۶ عامل ادعایی" in _text(fa.text)
    # a viewer may not follow it, as a writer's job
    assert xsite.client.get(job, headers=xsite.as_("viewer")).status_code == 403


FIXTURE = Path(__file__).parent.parent / "fixtures" / "ftm" / "commission.ftm.jsonl"


def _upload(site: Site, content: bytes, name: str = "commission.ftm.json",
            lang: str = "en", **fields: str) -> object:
    token = form_token(site.client.get(f"/xref?lang={lang}").text)
    return site.client.post(f"/xref/lists?lang={lang}", data={"csrf": token, **fields},
                            files={"file": (name, content, "application/json")})


def test_a_writer_imports_a_list_and_matches_it(xsite: Site) -> None:
    page_sign_in(xsite, "analyst")
    form = xsite.client.get("/xref?lang=en").text
    assert 'action="/xref/lists" enctype="multipart/form-data"' in form
    done = _upload(xsite, FIXTURE.read_bytes(), title="Commission list (fictional)",
                   date="2024-03-01", fictional="1")
    assert done.status_code == 200
    said = _text(done.text)
    assert "Imported commission (1 Mar 2024 (11 Esfand 1402 SH)): 6 new entities, 0 already " \
           "there." in said
    lists = _text(done.text.split('id="lists-title"')[1])
    assert "Commission list (fictional) fictional commission" in lists
    xsite.client.post("/xref/run?lang=en", data={"csrf": form_token(done.text)})
    assert jobs.run_next(xsite.registry) is not None
    ran = xsite.client.get("/xref?lang=en")
    assert 'name="ref" value="commission:tf-001"' in ran.text
    # Persian: the same file again adds nothing
    again = _upload(xsite, FIXTURE.read_bytes(), lang="fa", fictional="1")
    assert "commission" in _text(again.text) and "۰ مدخل تازه، ۶ مدخل از پیش موجود" in \
        _text(again.text)


def test_a_bad_list_is_refused_line_by_line_and_nothing_is_kept(xsite: Site) -> None:
    page_sign_in(xsite, "investigator")
    bad = FIXTURE.read_bytes() + b"not json at all\n"
    refused = _upload(xsite, bad, name="bad.jsonl", fictional="1")
    assert refused.status_code == 422
    said = _text(refused.text)
    assert "1 problem(s), nothing imported" in said and "bad.jsonl:line 7: not JSON" in said
    assert "staging" not in refused.text and str(xsite.registry.settings.home) not in said
    assert set(xref_view.datasets(xsite.registry)) == {"demo_sanctions"}
    skipped = _upload(xsite, bad, name="bad.jsonl", fictional="1", skip_bad="1")
    assert skipped.status_code == 200 and "line 7: not JSON" in _text(skipped.text)
    # real data cannot go under a fictional dataset's name
    mixed = _upload(xsite, FIXTURE.read_bytes(), dataset="demo_sanctions")
    assert mixed.status_code == 422 and "was imported as fictional data" in _text(mixed.text)


def test_a_viewer_may_not_import_a_list(xsite: Site) -> None:
    page = xsite.client.get("/xref?lang=en", headers=xsite.as_("viewer"))
    assert "/xref/lists" not in page.text
    refused = xsite.client.post("/xref/lists", headers=xsite.as_("viewer"),
                                files={"file": ("x.json", FIXTURE.read_bytes())})
    assert refused.status_code == 403
