"""The review queue's pages (web/review_pages.py), in Persian and English: the
next pair side by side with each field's verdict, weight and reason, what a
judgement settles, judging same, different and unsure, a later judgement
replacing an earlier one, a contradiction refused with its chain named, a
protected person's records never shown, and a viewer who may look but not
judge."""

from __future__ import annotations

import re

from conftest import Cli
from keyed_refs import keyed_ref
from khavaran.services import dedupe
from khavaran.storage import queries
from web_site import Site, form_token, page_sign_in, site  # noqa: F401


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _left(html: str) -> int:
    found = re.search(r'id="left">(\d+) pair', html)
    assert found, html
    return int(found.group(1))


def _shown(html: str) -> tuple[str, str]:
    """The refs of the pair the page asks about (its judging form)."""
    a = re.search(r'name="a" value="([^"]+)"', html)
    b = re.search(r'name="b" value="([^"]+)"', html)
    assert a and b
    return a.group(1), b.group(1)


def _latest(site: Site, a: str, b: str) -> str:
    found = [j for j in dedupe.judgements(site.registry) if {j.a, j.b} == {a, b}]
    return found[-1].decision


def test_the_next_pair_side_by_side_in_english_and_persian(site: Site) -> None:  # noqa: F811
    first, left = dedupe.next_pair(site.registry)
    assert first is not None and left > 1
    en = site.client.get("/review?lang=en", headers=site.as_("analyst"))
    assert en.status_code == 200
    text = _text(en.text)
    assert _shown(en.text) == (first.a.ref, first.b.ref)
    assert f"{left} pair(s) left to judge" in text
    # Each record's person page, each field's values, verdict, weight and reason.
    assert f'href="/persons/{first.a.member}"' in en.text
    assert f'href="/persons/{first.b.member}"' in en.text
    assert first.a.fields["name"] in text and first.b.fields["name"] in text
    for reason in first.reasons:
        verdict = {"differ": "disagree"}.get(reason.verdict, reason.verdict)
        assert f'<span class="verdict {reason.verdict}">{verdict}</span>' in en.text
        assert f"{reason.weight:+.1f}" in text
    assert "counts towards one person" in text or "counts against one person" in text
    assert f"{round(first.probability * 100)}%" in text
    # What a judgement settles, and the keys, said on the page.
    assert ("settles this pair only" in text if first.decides == 0
            else f"also settles {first.decides} other pair(s)" in text)
    assert "Keys: s same, d different, u unsure" in text
    for key, decision in (("s", "same"), ("d", "different"), ("u", "unsure")):
        assert re.search(rf'value="{decision}"[^>]*data-key="{key}"', en.text)
    assert '<script src="/static/keys.js" defer></script>' in en.text
    assert '<a href="/review" aria-current="page">' in en.text  # in the menu
    fa = site.client.get("/review?lang=fa", headers=site.as_("analyst"))
    assert '<html lang="fa" dir="rtl">' in fa.text
    ftext = _text(fa.text)
    assert "صف بازبینی" in ftext and "آیا این دو سابقه از یک نفرند؟" in ftext
    assert "جفت مانده برای داوری" in ftext and "هم‌خوان" in ftext
    assert "یک نفر" in ftext and "دو نفر متفاوت" in ftext and "نامطمئن" in ftext


def test_judge_same_different_and_unsure_each_bring_the_next_pair(site: Site) -> None:
    page = site.client.get("/review?lang=en", headers=site.as_("investigator"))
    left = _left(page.text)
    seen = set()
    for decision in ("same", "different", "unsure"):
        a, b = _shown(page.text)
        seen.add((a, b))
        done = site.client.post("/review", data={"a": a, "b": b, "decision": decision},
                                headers=site.as_("investigator"), follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/review"
        assert _latest(site, a, b) == decision
        page = site.client.get("/review?lang=en", headers=site.as_("investigator"))
        assert _shown(page.text) not in seen
        assert _left(page.text) < left
        left = _left(page.text)
    # Who judged, in the recent judgements with buttons to judge again.
    assert "t-investigator" in page.text and "Recent judgements" in page.text


def test_a_later_judgement_undoes_an_earlier_one(site: Site) -> None:
    page = site.client.get("/review", headers=site.as_("analyst"))
    a, b = _shown(page.text)
    members = [dedupe.judge(site.registry, a, b, "unsure", actor="t", apply=False).records[i]
               .member for i in (0, 1)]
    for decision in ("same", "different"):
        r = site.client.post("/review", data={"a": a, "b": b, "decision": decision},
                             headers=site.as_("analyst"), follow_redirects=False)
        assert r.status_code == 303
        with site.registry.read() as conn:
            one = queries.person_of(conn, members[0]) == queries.person_of(conn, members[1])
        assert one is (decision == "same"), decision
    assert _latest(site, a, b) == "different"


def test_a_contradicting_judgement_is_refused_with_its_chain(site: Site) -> None:
    pairs = dedupe.queue(site.registry, limit=0)
    x, y = pairs[0].a.ref, pairs[0].b.ref
    z = next(v.ref for c in pairs[1:] for v in (c.a, c.b) if v.ref not in (x, y))
    for p, q in ((x, y), (y, z)):
        assert dedupe.judge(site.registry, p, q, "same", actor="t-first").applied
    for lang, words in (("en", ("Not saved: this judgement contradicts earlier ones.",
                                "are already one person through other judgements",
                                "Judge one of those pairs different first.")),
                        ("fa", ("ثبت نشد: این داوری با داوری‌های پیشین در تناقض است.",
                                "از راه داوری‌های دیگر هم‌اکنون یک نفرند",
                                "نخست یکی از این جفت‌ها را «متفاوت» داوری کنید."))):
        r = site.client.post(f"/review?lang={lang}", data={"a": x, "b": z,
                                                           "decision": "different"},
                             headers=site.as_("analyst"))
        assert r.status_code == 422
        text = _text(r.text)
        for w in words:
            assert w in text, (lang, w)
        assert f"{x} = {y} = {z}" in text  # the chain, named
    assert _latest(site, y, z) == "same"  # nothing written
    # The other way round: "same" across a pair judged different names that judgement.
    assert dedupe.judge(site.registry, y, z, "different", actor="t-second").applied
    judged = dedupe.judgements(site.registry)[-1]
    r = site.client.post("/review?lang=en", data={"a": x, "b": z, "decision": "same"},
                         headers=site.as_("analyst"))
    assert r.status_code == 422
    assert (f"{y} and {z} were judged different by t-second (judgement {judged.id})"
            in _text(r.text))


def test_bad_input_comes_back_in_the_page_language(site: Site) -> None:
    page = site.client.get("/review", headers=site.as_("analyst"))
    a, b = _shown(page.text)
    r = site.client.post("/review?lang=en", data={"a": a, "b": a, "decision": "same"},
                         headers=site.as_("analyst"))
    assert r.status_code == 422 and "cannot be judged against itself" in r.text
    r = site.client.post("/review?lang=fa", data={"a": a, "b": b, "decision": "maybe"},
                         headers=site.as_("analyst"))
    assert r.status_code == 422 and '<p class="error" role="alert">' in r.text
    r = site.client.post("/review?lang=en", data={"a": a, "b": "demo-list-a:NOPE",
                                                  "decision": "same"},
                         headers=site.as_("analyst"))
    assert r.status_code == 422 and "There is no record with this id." in r.text


def test_a_viewer_sees_the_queue_but_may_not_judge(site: Site) -> None:
    page = site.client.get("/review?lang=en", headers=site.as_("viewer"))
    assert page.status_code == 200
    assert "may see the queue but not judge" in page.text and "data-key" not in page.text
    assert '<a href="/review"' not in page.text  # not in a viewer's menu
    a, b = dedupe.queue(site.registry, limit=1)[0].a.ref, dedupe.queue(
        site.registry, limit=1)[0].b.ref
    r = site.client.post("/review", data={"a": a, "b": b, "decision": "same"},
                         headers=site.as_("viewer"))
    assert r.status_code == 403
    assert dedupe.judgements(site.registry) == []


def test_a_judgement_by_a_signed_in_browser_needs_its_form_token(site: Site) -> None:
    assert page_sign_in(site, "analyst").status_code == 303
    page = site.client.get("/review?lang=en")
    a, b = _shown(page.text)
    r = site.client.post("/review", data={"a": a, "b": b, "decision": "same",
                                          "csrf": "forged"})
    assert r.status_code == 403
    r = site.client.post("/review", data={"a": a, "b": b, "decision": "same",
                                          "csrf": form_token(page.text)},
                         follow_redirects=False)
    assert r.status_code == 303 and _latest(site, a, b) == "same"
    assert dedupe.judgements(site.registry)[-1].by == "t-analyst"


def test_a_protected_persons_records_are_never_shown(site: Site) -> None:
    refs = {v.ref for c in dedupe.queue(site.registry, limit=0) for v in (c.a, c.b)}
    assert "demo-list-c:C0149" in refs  # a candidate until its person is protected
    cli = Cli(site.registry)
    with site.registry.read() as conn:
        secret = str(conn.exec_driver_sql("select person_id from source_record where "
                                          "record_id = 'C0149'").scalar_one())
    assert cli("person", "protect", secret, "--pseudonym", "Witness W-9", "--reason",
               "at risk").exit_code == 0
    keyed = keyed_ref(site.registry, ("demo-list-c", "C0149"))
    assert dedupe.judge(site.registry, keyed, "demo-list-b:B0106", "same",
                        actor="t").applied
    for role in ("admin", "investigator", "analyst", "viewer"):
        for lang in ("en", "fa"):
            r = site.client.get(f"/review?lang={lang}", headers=site.as_(role))
            assert r.status_code == 200
            leaked = [s for s in (*site.secrets, "C0149", "B0106", keyed, "Masoud Ebrahimi")
                      if s in r.text]
            assert leaked == [], (role, lang, leaked)


def test_the_key_script_is_served_from_the_site(site: Site) -> None:
    r = site.client.get("/static/keys.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert "data-key" in r.text and "isContentEditable" in r.text

