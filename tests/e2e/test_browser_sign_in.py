"""Signing in with a second factor, per role, in a real browser (chromium)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from khavaran.services.access_log import read_log
from live_site import Live
from web_site import PASSWORD, ROLES


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_with_its_code_and_sees_its_role(live: Live, role: str) -> None:
    ctx = live.context(role, lang="en")
    page = ctx.new_page()
    page.goto(f"{live.url}/account")
    expect(page.locator("h1")).to_have_text("Your account")
    expected = {"admin": "Administrator", "investigator": "Investigator",
                "analyst": "Analyst", "viewer": "Viewer"}[role]
    expect(page.locator("header .role")).to_have_text(expected)
    live.shot(page, f"account-{role}-en")
    ctx.close()


def test_a_wrong_code_is_refused_in_persian_and_the_page_stays_right_to_left(live: Live) -> None:
    ctx = live.context(None, lang="fa")
    page = ctx.new_page()
    page.goto(f"{live.url}/login")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    live.shot(page, "login-fa")
    page.fill("#f-name", live.accounts["admin"].name)
    page.fill("#f-password", PASSWORD)
    page.fill("#f-code", "000000")
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator("p.error")).to_have_text("نام، گذرواژه یا کد نادرست است.")
    expect(page.locator("#f-name")).to_have_value(live.accounts["admin"].name)
    live.shot(page, "login-refused-fa")
    assert read_log(live.registry, actor=live.accounts["admin"].name,
                    action="sign-in").entries[0].outcome == "failed"
    ctx.close()


def test_signing_out_ends_the_session(live: Live) -> None:
    ctx = live.context(None, lang="en")
    page = ctx.new_page()
    live.sign_in(page, "analyst")
    expect(page.locator("h1")).to_have_text("Your account")
    page.click("header form[action='/logout'] button")
    page.wait_for_url(f"{live.url}/login")
    page.goto(f"{live.url}/account")
    assert page.url.startswith(f"{live.url}/login?next=")
    ctx.close()


def test_a_page_from_another_site_cannot_post_our_forms(live: Live) -> None:
    """CSRF: a form posted without the page's token is refused and logged."""
    ctx = live.context("analyst", lang="en")
    page = ctx.new_page()
    page.goto(f"{live.url}/account")
    page.locator("header form[action='/logout'] input[name=csrf]").evaluate(
        "input => { input.value = 'forged'; }")
    page.click("header form[action='/logout'] button")
    expect(page.locator("h1")).to_have_text("Not allowed")
    live.shot(page, "csrf-refused-en")
    denied = read_log(live.registry, action="denied").entries[0]
    assert denied.actor == live.accounts["analyst"].name and "CSRF" in (denied.reason or "")
    page.goto(f"{live.url}/account")
    expect(page.locator("h1")).to_have_text("Your account")  # still signed in
    ctx.close()
