"""The public memorial in a real browser: `khavaran serve --public` over the
same copy of the demo as the team app's server, a Persian person page and its
"correct this entry" form, axe-core's rules in both languages, screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from khavaran.services import corrections
from live_site import Live, free_port

PAGES = ["/", "/search?q=Hosseini", "/persons/v-demo-001", "/map"]


@pytest.fixture(scope="module")
def public_url(live: Live) -> Iterator[str]:
    """`khavaran serve --public` on the live site's data home."""
    settings = live.registry.settings
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = settings.home / f"serve-public-{port}.log"
    env = {**os.environ, "KHAVARAN_HOME": str(settings.home), "KHAVARAN_DB": settings.db_url}
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "khavaran", "serve", "--public",
                                   "--port", str(port)], env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"serve --public stopped: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("serve --public did not answer") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_public_pages_have_no_serious_accessibility_problem(
        live: Live, public_url: str, path: str, lang: str) -> None:
    ctx = live.browser.new_context(locale="fa-IR" if lang == "fa" else "en-GB")
    page = ctx.new_page()
    page.goto(f"{public_url}{path}{'&' if '?' in path else '?'}lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "fa" else "ltr")
    name = path.strip("/").replace("/", "-").replace("?q=", "-") or "home"
    live.shot(page, f"public-{name}-{lang}")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in Axe().run(page).response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{path} in {lang}: {serious}"
    ctx.close()


def test_a_correction_sent_in_persian(live: Live, public_url: str) -> None:
    ctx = live.browser.new_context(locale="fa-IR")
    page = ctx.new_page()
    page.goto(f"{public_url}/persons/v-demo-001?lang=fa")
    expect(page.locator("h2#correct-title")).to_have_text("اصلاح این صفحه")
    # The sum, as a reader works it out from the question (in Persian digits).
    label = page.locator("label[for=f-answer]").inner_text()
    digits = [int(c.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")))
              for c in label if c in "۰۱۲۳۴۵۶۷۸۹"]
    assert len(digits) == 2, label
    text = "تاریخ اعدام ۱۳۶۷/۰۵/۱۰ است، نه آنچه نوشته شده. <script>alert(1)</script>"
    page.fill("#f-text", text)
    page.fill("#f-answer", str(sum(digits)).translate(
        str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    live.shot(page, "public-correct-filled-fa")
    page.click("form[action$='/correct'] button[type=submit]")
    expect(page.locator("section.correct p[role=status]")).to_contain_text("سپاس")
    live.shot(page, "public-correct-sent-fa")
    assert any(c.text == text for c in corrections.queue(live.registry))
    ctx.close()


def test_the_team_app_is_not_there(public_url: str) -> None:
    for path in ("/login", "/api/v1/persons/v-demo-001", "/admin", "/corrections"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{public_url}{path}", timeout=5)
        refused.value.close()  # the error holds the response open
        assert refused.value.code == 404, path
