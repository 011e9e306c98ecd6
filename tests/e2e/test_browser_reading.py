"""Reading the registry in chromium: search across scripts, a person's page,
and the reveal of a protected identity with its access-log entry."""

from __future__ import annotations

from playwright.sync_api import expect

from khavaran.services.access_log import read_log
from live_site import Live
from web_site import WITNESS, protected_strings


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


def test_a_cleared_user_reveals_a_protected_identity_and_it_is_logged(live: Live) -> None:
    secrets = protected_strings(live.registry)
    viewer = live.context("viewer", lang="en")
    page = viewer.new_page()
    page.goto(f"{live.url}/persons/{WITNESS}")
    expect(page.locator("main")).to_contain_text("This person is protected")
    assert page.locator("form.reveal").count() == 0  # a viewer may not reveal
    html = page.content()
    assert not [s for s in secrets if s in html]
    live.shot(page, "person-protected-viewer-en")
    viewer.close()

    cleared = live.context("investigator", lang="fa")
    page = cleared.new_page()
    page.goto(f"{live.url}/persons/{WITNESS}")
    assert not [s for s in secrets if s in page.content()]  # the pseudonym until asked
    page.click("form.reveal button[type=submit]")  # no reason: refused beside the field
    expect(page.locator("form.reveal")).to_be_visible()
    page.fill("#f-reason", "preparing the hearing of 12 March (fictional)")
    page.click("form.reveal button[type=submit]")
    expect(page.locator("main")).to_contain_text(secrets[0])
    live.shot(page, "person-revealed-fa")
    entry = read_log(live.registry, actor=live.accounts["investigator"].name,
                     action="reveal").entries[0]
    assert entry.target == WITNESS and "hearing of 12 March" in (entry.reason or "")
    cleared.close()


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
