"""The web app as a user meets it: `khavaran serve` (real uvicorn) over a copy
of the demo registry, one account per role, and Debian's chromium driven by
Playwright, launched by its executable path.

One server per database for the whole run: the browser tests run once per
database, not once per test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from khavaran.demo import load_demo_sanctions
from khavaran.demo.case import build_demo_case
from khavaran.services.registry import Registry
from khavaran.services.xref import run_xref
from khavaran.settings import Settings
from web_site import PASSWORD, Account, make_accounts

SHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"
# Without the background-networking flags chromium keeps calling Google's
# hosts, which this machine's closed network refuses.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--font-render-hinting=none"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("no chromium: `make test` installs Debian's chromium "
                    "(scripts/system-packages.sh --test)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    url: str
    backend: str
    registry: Registry
    accounts: dict[str, Account]
    browser: Browser
    signed: dict[str, Any] = field(default_factory=dict)  # role -> storage state
    recovery_used: dict[str, int] = field(default_factory=dict)

    def sign_in(self, page: Page, role: str, *, next_url: str = "/account") -> None:
        """Sign in through the form as a user would: with the app's TOTP code the
        first time, then with a recovery code (a TOTP code works only once)."""
        a = self.accounts[role]
        used = self.recovery_used.get(role)
        if used is None:
            code = a.code()
            self.recovery_used[role] = 0
        else:
            code = a.recovery[used]
            self.recovery_used[role] = used + 1
        page.goto(f"{self.url}/login?next={next_url}")
        page.fill("#f-name", a.name)
        page.fill("#f-password", PASSWORD)
        page.fill("#f-code", code)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_load_state()

    def context(self, role: str | None = None, lang: str = "fa") -> BrowserContext:
        """A browser of its own, signed in as ``role`` (once per role and run)."""
        locale = "fa-IR" if lang == "fa" else "en-GB"
        if role is not None and role not in self.signed:
            ctx = self.browser.new_context(locale=locale)
            page = ctx.new_page()
            self.sign_in(page, role)
            assert "/account" in page.url, f"{role} could not sign in: {page.url}"
            self.signed[role] = ctx.storage_state()
            ctx.close()
        ctx = self.browser.new_context(locale=locale,
                                       storage_state=self.signed.get(role) if role else None)
        ctx.add_cookies([{"name": "khavaran_lang", "value": lang, "url": self.url}])
        return ctx

    def shot(self, page: Page, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}-{self.backend}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def _wait_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"khavaran serve stopped: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"khavaran serve did not answer: {log.read_text()[-2000:]}")


def live_site(registry: Registry, browser: Browser) -> Iterator[Live]:
    """Serve ``registry`` (a throw-away copy) with accounts for every role."""
    made = make_accounts(registry, "e")
    build_demo_case(registry)  # as `make run` does: the case and evidence pages have data
    load_demo_sanctions(registry)  # and the xref queue its candidates
    run_xref(registry)
    settings: Settings = registry.settings
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = settings.home / "serve.log"
    env = {**os.environ, "KHAVARAN_HOME": str(settings.home), "KHAVARAN_DB": settings.db_url}
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "khavaran", "serve", "--port",
                                   str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_up(url, server, log)
        yield Live(url, "postgres" if "postgresql" in settings.db_url else "sqlite",
                   registry, made, browser)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
