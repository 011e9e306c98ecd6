"""The reading pages in a real browser: a Persian search narrowed by a facet
through htmx, a person page, the reveal flow and its access-log entry, and
axe-core's rules on each reading page in both languages (with screenshots)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from khavaran.services.access_log import read_log
from live_site import Live
from web_site import WITNESS

PAGES = ["/", "/search?q=Hosseini", "/persons/v-demo-001", "/persons/v-demo-001/history",
         "/persons/p-demo-perp-12", "/sources/demo-list-a", "/units/u-demo-commission-1",
         "/places/pl-demo-golzar", "/events/e-demo-execution-000"]


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_reading_pages_have_no_serious_accessibility_problem(live: Live, path: str,
                                                             lang: str) -> None:
    ctx = live.context("viewer", lang=lang)
    page = ctx.new_page()
    page.goto(f"{live.url}{path}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    name = path.strip("/").replace("/", "-").replace("?q=", "-") or "home"
    live.shot(page, f"read-{name}-{lang}")
    results = Axe().run(page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{path} in {lang}: {serious}"
    ctx.close()


def test_persian_search_narrowed_by_a_facet(live: Live) -> None:
    ctx = live.context("viewer", lang="fa")
    page = ctx.new_page()
    page.goto(f"{live.url}/search")
    page.fill("#f-q", "حسینی")
    page.click("form.search button[type=submit]")
    total = page.locator("h2.total")
    expect(total).to_contain_text("نفر")
    before = total.inner_text()
    expect(page.locator("li.hit").first).to_be_visible()
    assert page.locator("li.hit bdi", has_text="Hosseini").count() > 0  # both scripts
    page.locator("aside.facets a", has_text="گلزارآباد").first.click()
    expect(page.locator("aside.facets a.chosen")).to_be_visible()
    assert total.inner_text() != before
    assert page.url.endswith("/search")  # htmx swapped the results in place
    live.shot(page, "read-search-facet-fa")
    ctx.close()


def test_reveal_in_the_browser_is_logged(live: Live) -> None:
    ctx = live.context("investigator", lang="en")
    page = ctx.new_page()
    page.goto(f"{live.url}/persons/{WITNESS}")
    expect(page.locator("h1")).to_contain_text("Witness W-1")
    page.fill("#f-reason", "checking the testimony before the hearing")
    page.click("form.reveal button[type=submit]")
    expect(page.locator("p.protected-note")).to_contain_text("Identity revealed for you")
    live.shot(page, "read-reveal-en")
    entry = read_log(live.registry, action="reveal").entries[0]
    assert entry.target == WITNESS and entry.reason == "checking the testimony before the hearing"
    ctx.close()
