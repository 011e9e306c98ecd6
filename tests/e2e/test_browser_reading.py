"""Reading the registry in chromium: search across scripts and a person's page
(test_browser_read.py has the reveal and the accessibility check)."""

from __future__ import annotations

from playwright.sync_api import expect

from live_site import Live


def test_search_finds_both_scripts_from_either(live: Live) -> None:
    ctx = live.context("viewer", lang="en")
    page = ctx.new_page()
    page.goto(f"{live.url}/search")
    page.fill("#f-q", "Hosseini")
    page.keyboard.press("Enter")
    results = page.locator("#results")
    expect(results).to_contain_text("حسینی")
    expect(results).to_contain_text("Hosseini")
    latin = results.locator("h2.total").inner_text()
    live.shot(page, "search-latin-en")
    page.goto(f"{live.url}/search?q=" + "حسيني")  # Arabic yeh, as typed on many keyboards
    expect(page.locator("#results h2.total")).to_have_text(latin)
    ctx.close()


def test_search_in_persian_shows_persian_digits_and_dates(live: Live) -> None:
    ctx = live.context("viewer", lang="fa")
    page = ctx.new_page()
    page.goto(f"{live.url}/search?q=" + "حسینی")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    heading = page.locator("#results h2.total").inner_text()
    assert any("۰" <= c <= "۹" for c in heading) and not any(c.isascii() and c.isdigit()
                                                             for c in heading)
    expect(page.locator("#results")).to_contain_text("مرداد ۱۳۶۷")
    live.shot(page, "search-fa")
    ctx.close()


def test_a_persons_page_shows_each_fact_with_its_sources_in_both_languages(live: Live) -> None:
    for lang, heading in (("fa", "واقعیت‌ها"), ("en", "Facts")):
        ctx = live.context("analyst", lang=lang)
        page = ctx.new_page()
        page.goto(f"{live.url}/persons/v-demo-001")
        expect(page.locator("main")).to_contain_text(heading)
        assert page.locator("main a[href^='/sources/']").count() >= 3
        assert "<bdi" not in page.title()  # the title is plain text
        live.shot(page, f"person-{lang}")
        ctx.close()


def test_the_dashboard_narrows_by_a_filter_and_brings_in_the_estimate(live: Live) -> None:
    for lang, estimated in (("en", "No estimate"), ("fa", "برآوردی نیست")):
        ctx = live.context("viewer", lang=lang)
        page = ctx.new_page()
        page.goto(f"{live.url}/dashboard")
        # htmx asks for the estimate once the page is shown; it takes seconds.
        expect(page.locator("#estimated")).to_contain_text(estimated, timeout=60_000)
        whole = page.locator("dl.counts dd").first.inner_text()
        live.shot(page, f"dashboard-{lang}")
        page.select_option("#d-wave", "2")
        page.locator("form.dashboard-filters button").click()
        page.wait_for_url("**/dashboard?*wave=2*")
        narrowed = page.locator("dl.counts dd").first.inner_text()
        assert narrowed != whole
        expect(page.locator("#d-wave")).to_have_value("2")
        live.shot(page, f"dashboard-wave-2-{lang}")
        ctx.close()
