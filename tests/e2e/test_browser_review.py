"""The review queue in a real browser, judged by keyboard (static/keys.js): u
and d judge the pair shown and bring the next, a key typed into a field judges
nothing, and a Persian keyboard's keys in the same places work alike.  The
judgements are unsure and different only: the server is shared by the other
browser tests, whose persons a "same" would merge."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from khavaran.services import dedupe
from live_site import Live


def _pair(page: Page) -> tuple[str, str]:
    form = page.locator("section form.judge").first
    return (form.locator("input[name=a]").get_attribute("value") or "",
            form.locator("input[name=b]").get_attribute("value") or "")


def _latest(live: Live, pair: tuple[str, str]) -> str | None:
    found = [j.decision for j in dedupe.judgements(live.registry) if {j.a, j.b} == set(pair)]
    return found[-1] if found else None


def test_the_review_queue_by_keyboard(live: Live) -> None:
    ctx = live.context("analyst", lang="en")
    page = ctx.new_page()
    page.goto(f"{live.url}/review")
    expect(page.locator("h1")).to_have_text("Review queue")
    expect(page.locator("#keys")).to_contain_text("s same, d different, u unsure")
    live.shot(page, "review-en")
    seen = []
    for key, decision in (("u", "unsure"), ("d", "different")):
        pair = _pair(page)
        seen.append(pair)
        with page.expect_navigation():
            page.keyboard.press(key)
        expect(page.locator("h1")).to_have_text("Review queue")
        assert _latest(live, pair) == decision, (key, pair)
        assert _pair(page) not in seen
    # Typed into a field, a key judges nothing.
    pair = _pair(page)
    before = len(dedupe.judgements(live.registry))
    page.evaluate("""() => { const i = document.createElement('input');
                             i.id = 'typing'; document.querySelector('main').append(i); }""")
    page.focus("#typing")
    page.keyboard.type("sud")
    expect(page.locator("#typing")).to_have_value("sud")
    assert _pair(page) == pair and len(dedupe.judgements(live.registry)) == before
    ctx.close()


def test_the_persian_keyboard_judges_with_the_same_keys(live: Live) -> None:
    ctx = live.context("investigator", lang="fa")
    page = ctx.new_page()
    page.goto(f"{live.url}/review")
    expect(page.locator("h1")).to_have_text("صف بازبینی")
    live.shot(page, "review-fa")
    pair = _pair(page)
    # ع is where u is: what a Persian layout sends for that key.
    with page.expect_navigation():
        page.evaluate("""() => document.dispatchEvent(new KeyboardEvent('keydown',
                         {key: 'ع', code: 'KeyU', bubbles: true}))""")
    assert _latest(live, pair) == "unsure"
    expect(page.locator("ul.recent")).to_contain_text("نامطمئن")
    ctx.close()


def test_a_viewer_sees_the_queue_without_keys(live: Live) -> None:
    ctx = live.context("viewer", lang="en")
    page = ctx.new_page()
    page.goto(f"{live.url}/review")
    expect(page.locator("main")).to_contain_text("may see the queue but not judge")
    assert page.locator("button[data-key]").count() == 0
    before = len(dedupe.judgements(live.registry))
    page.keyboard.press("s")
    page.wait_for_timeout(300)
    assert len(dedupe.judgements(live.registry)) == before
    ctx.close()
