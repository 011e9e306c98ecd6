"""axe-core's rules on the main pages, in both languages: no serious or
critical violation.  Each page is also kept as a screenshot."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from live_site import Live

JUDGMENT = "ev-8b1420023d6fa5685034ff54292c188d"  # the demo case's court judgment
# (path, who looks at it): every main page, anonymous or signed in.
PAGES = [("/login", None), ("/no-such-page", None), ("/account", "investigator"),
         ("/admin", "admin"), ("/admin/log", "admin"),
         # data entry (test_browser_read.py checks the reading pages)
         ("/sources/new", "analyst"), ("/persons/new", "analyst"),
         ("/persons/v-demo-001/claims/new", "analyst"), ("/persons/v-demo-002/protect",
                                                         "investigator"),
         ("/persons/v-demo-001/consents", "investigator"), ("/import", "analyst"),
         # cases and evidence (the demo case's judgment and its working copy)
         ("/cases", "viewer"), ("/cases/demo-commission", "viewer"),
         (f"/evidence/{JUDGMENT}", "viewer"), (f"/evidence/{JUDGMENT}", "analyst"),
         ("/evidence/new?source=demo-report-1", "analyst"),
         # redaction: the judgment is text, its passages are listed
         (f"/evidence/{JUDGMENT}/redact", "analyst"), (f"/evidence/{JUDGMENT}/view", "analyst"),
         ("/evidence/search?q=golzarabad", "analyst"),
         # the review queue, with its judging buttons
         ("/review", "analyst"),
         # the xref queue: the demo's sanctions matched, cards with judging buttons
         ("/xref", "analyst"),
         # dossiers: the case page with its build form, the check of an upload
         # (test_browser_dossier.py checks a job's page, whose id is made by a build)
         ("/cases/demo-commission", "investigator"), ("/dossiers/verify", "viewer"),
         # the summer-1988 dashboard, whole and narrowed
         ("/dashboard", "viewer"), ("/dashboard?wave=2", "viewer"),
         # the network of the death commissions: the drawing and its tables
         ("/network", "viewer"),
         # the map of the places, drawn on Natural Earth's borders
         ("/map", "viewer"),
         # a place's page with its box for the public memorial's map
         ("/places/pl-demo-golzar", "investigator"),
         # verifying the installation in the background
         ("/verify", "investigator"),
         # the tracker's reports: the index, an impunity report, the matrix, a briefing
         ("/reports", "viewer"), ("/reports/impunity/p-demo-perp-12", "viewer"),
         ("/reports/matrix", "viewer"), ("/reports/country/se", "viewer")]


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize(("path", "role"), PAGES)
def test_no_serious_accessibility_problem(live: Live, path: str, role: str | None,
                                          lang: str) -> None:
    ctx = live.context(role, lang=lang)
    page = ctx.new_page()
    page.goto(f"{live.url}{path}")
    assert page.locator("html").get_attribute("lang") == lang
    name = path.strip("/").replace("/", "-") or "home"
    live.shot(page, f"page-{name}-{lang}")
    results = Axe().run(page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{path} in {lang}: {serious}"
    ctx.close()
