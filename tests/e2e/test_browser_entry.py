"""Data entry in a real browser: a source, a person picked from the source
picker (htmx), a cited claim, and the import report, in Persian and English."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from khavaran.services import profiles
from live_site import Live

BAD = """id,name:full,death_date,source,fictional
p-e2e-1,Parviz Example,1367/13/40,demo-testimony-02,true
p-e2e-2,Simin Example,1367/05/01,no-such-source,true
"""


def test_a_source_a_person_and_a_cited_claim(live: Live) -> None:
    ctx = live.context("analyst", lang="en")
    page = ctx.new_page()
    page.goto(f"{live.url}/sources/new")
    expect(page.locator("h1")).to_have_text("New source")
    page.fill("#f-title", "Fictional browser report on Example Town")
    page.select_option("#f-kind", "report")
    page.fill("#f-date", "1367/05/06")
    page.check("input[name=fictional]")
    live.shot(page, "entry-source-en")
    page.click("form.entry button[type=submit]")
    page.wait_for_url(re.compile(r".*/sources/s-[a-z2-7]{8}$"))
    sid = page.url.rsplit("/", 1)[1]

    page.goto(f"{live.url}/persons/new")
    page.fill("#f-name", "Parviz Browser-Example")
    page.fill("#f-source", "browser report")  # the picker searches as one types
    choice = page.locator(f"input[name=source_pick][value='{sid}']")
    expect(choice).to_be_visible()
    choice.check()
    page.fill("#f-locator", "p. 4")
    page.check("input[name=fictional]")
    live.shot(page, "entry-person-en")
    page.click("form.entry button[type=submit]")
    page.wait_for_url(re.compile(r".*/persons/p-[a-z2-7]{8}$"))
    pid = page.url.rsplit("/", 1)[1]

    page.goto(f"{live.url}/persons/{pid}/claims/new")
    page.select_option("#f-property", "death_date")
    page.fill("#f-value", "1367/13/40")  # no such day
    page.fill("#f-source", sid)
    page.click("form.entry button[type=submit]")
    expect(page.locator("#e-value")).to_contain_text("This date cannot be read")
    expect(page.locator("#f-value")).to_have_value("1367/13/40")
    page.fill("#f-value", "1367/05/10")
    page.fill("#f-locator", "p. 7")
    page.click("form.entry button[type=submit]")
    page.wait_for_url(f"{live.url}/persons/{pid}")
    [death] = profiles.show(live.registry, pid).facts["death_date"]
    assert [(c.source_id, c.locator) for c in death.citations] == [(sid, "p. 7")]
    ctx.close()


def test_the_import_report_in_persian(live: Live, tmp_path: Path) -> None:
    ctx = live.context("analyst", lang="fa")
    page = ctx.new_page()
    page.goto(f"{live.url}/import")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    live.shot(page, "entry-import-fa")
    path = tmp_path / "people.csv"
    path.write_text(BAD, encoding="utf-8")
    page.select_option("#f-kind", "Person")
    page.set_input_files("#f-file", str(path))
    page.click("form.entry button[type=submit]")
    expect(page.locator("p.error[role=alert]")).to_contain_text("چیزی نوشته نشد")
    rows = page.locator("table.problems tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("death_date")
    expect(rows.nth(1)).to_contain_text("source")
    live.shot(page, "entry-import-report-fa")
    ctx.close()


GOOD = """id,name:full,city,source,locator,fictional
p-e2e-3,Kaveh Example,Example Town,demo-testimony-02,row 3,true
"""


def test_confirming_an_import_shows_its_progress_then_the_outcome(live: Live,
                                                                  tmp_path: Path) -> None:
    ctx = live.context("analyst", lang="en")
    page = ctx.new_page()
    page.goto(f"{live.url}/import")
    path = tmp_path / "people.csv"
    path.write_text(GOOD, encoding="utf-8")
    page.select_option("#f-kind", "Person")
    page.set_input_files("#f-file", str(path))
    page.click("form.entry button[type=submit]")
    expect(page.locator("p.done[role=status]")).to_contain_text("No problems found")
    page.click("form[action='/import/confirm'] button[type=submit]")
    expect(page.locator("#import-progress")).to_contain_text("Imported, all in one transaction")
    live.shot(page, "entry-import-done-en")
    assert profiles.show(live.registry, "p-e2e-3").facts["city"][0].value == "Example Town"
    ctx.close()
