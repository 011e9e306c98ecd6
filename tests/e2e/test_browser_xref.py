"""The xref queue in a real browser: a judgement by button replaces its card
through htmx (the form token in its header), and a "different" from the recent
judgements takes back what the "same" wrote.  The server is shared by the other
browser tests: the person judged is one no other test reads."""

from __future__ import annotations

from playwright.sync_api import expect

from khavaran.services import actions
from live_site import Live

PERSON, REF = "p-demo-perp-11", "demo_sanctions:demo-sanc-001"


def _made(live: Live) -> list[str]:
    return [a.id for a in actions.list_actions(live.registry, target=PERSON)
            if any(c.source_id.startswith("ftm-demo_sanctions-") for c in a.sources)]


def test_judge_by_button_then_take_it_back(live: Live) -> None:
    ctx = live.context("investigator", lang="en")
    page = ctx.new_page()
    page.goto(f"{live.url}/xref")
    card = page.locator("article.xref-card", has=page.locator(
        f"input[name=person][value={PERSON}]"))
    expect(card).to_have_count(1)
    url = page.url
    card.locator("input[name=note]").fill("born the same year, same post")
    card.get_by_role("button", name="Same person").click()
    judged = page.locator("article.judged")
    expect(judged).to_contain_text("Judged same: Davood Nazari")
    expect(judged).to_contain_text(f"({PERSON}, {REF})")
    expect(judged).to_contain_text("1 sanction action(s)")
    assert page.url == url  # htmx: no page load
    expect(page.locator("#left")).to_contain_text("1 candidate(s) left")
    assert len(_made(live)) == 1
    live.shot(page, "xref-judged-en")
    page.goto(f"{live.url}/xref?lang=fa")
    recent = page.locator("ul.recent li", has=page.locator(f"input[name=ref][value='{REF}']"))
    with page.expect_navigation():
        recent.get_by_role("button", name="دو نفر متفاوت").click()
    expect(page.locator("h1")).to_contain_text("تحریم‌ها و فهرست‌ها")
    assert _made(live) == []
    ctx.close()


def test_match_again_in_the_background(live: Live) -> None:
    ctx = live.context("analyst", lang="fa")
    page = ctx.new_page()
    page.goto(f"{live.url}/xref")
    with page.expect_navigation():
        page.get_by_role("button", name="تطبیق دوباره").click()
    assert "/jobs/j-" in page.url
    # the worker that `khavaran serve` starts runs it; htmx polls until it is done
    expect(page.locator("#job-progress")).to_contain_text("دوباره تطبیق داده شد", timeout=30000)
    live.shot(page, "xref-job-fa")
    page.get_by_role("link", name="بازبینی تطبیق‌ها").click()
    expect(page.locator("h1")).to_contain_text("تحریم‌ها و فهرست‌ها")
    ctx.close()
