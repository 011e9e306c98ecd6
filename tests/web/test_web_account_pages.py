"""The sign-in page, signing out, one's own account page, and error pages:
what a user sees in Persian and English, and what the access log keeps."""

from __future__ import annotations

import re

import pyotp
from fastapi.testclient import TestClient

from khavaran.services.access_log import read_log
from khavaran.web.account_pages import LOGIN_CSRF
from khavaran.web.deps import COOKIE
from web_site import PASSWORD, Site, form_token, page_sign_in, site  # noqa: F401


def test_a_page_sends_an_anonymous_visitor_to_sign_in_and_back(site: Site) -> None:
    r = site.client.get("/account?tab=x", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Faccount%3Ftab%3Dx"
    page = site.client.get(r.headers["location"])
    assert '<html lang="fa" dir="rtl">' in page.text  # Persian first
    assert "ورود" in page.text and 'value="/account?tab=x"' in page.text
    done = page_sign_in(site, "viewer", next_url="/account?tab=x")
    assert done.status_code == 303 and done.headers["location"] == "/account?tab=x"
    account = site.client.get("/account?lang=en")
    assert "Your account" in account.text and "t-viewer" in account.text
    assert "Viewer" in account.text and "search and read" in account.text
    assert "reveal protected identities" not in account.text


def test_sign_in_refuses_another_site_as_the_next_page(site: Site) -> None:
    targets = ("https://evil.example/", "//evil.example/x", "/\\evil.example",
               "javascript:alert(1)")
    for target, code in zip(targets, site.accounts["viewer"].recovery, strict=False):
        # a TOTP code works once: each sign-in here spends a recovery code
        r = page_sign_in(site, "viewer", next_url=target, code=code)
        assert r.status_code == 303 and r.headers["location"] == "/", target


def test_a_wrong_code_shows_the_form_again_with_the_name_kept(site: Site) -> None:
    r = page_sign_in(site, "admin", code="000000", lang="fa")
    assert r.status_code == 401
    assert "نام، گذرواژه یا کد نادرست است." in r.text
    assert 'value="t-admin"' in r.text and PASSWORD not in r.text
    assert COOKIE not in site.client.cookies
    assert read_log(site.registry, action="sign-in").entries[0].outcome == "failed"


def test_sign_in_form_without_its_token_is_refused(site: Site) -> None:
    a = site.accounts["viewer"]
    r = site.client.post("/login", data={"name": a.name, "password": PASSWORD,
                                         "code": a.code(), "login_csrf": "forged"})
    assert r.status_code == 403 and COOKIE not in site.client.cookies
    assert "این فرم منقضی شده است" in r.text  # Persian: no language was asked for


def test_sign_out_needs_the_form_token_and_is_logged(site: Site) -> None:
    assert page_sign_in(site, "analyst").status_code == 303
    forged = site.client.post("/logout", data={"csrf": "forged"}, follow_redirects=False)
    assert forged.status_code == 403 and "did not come from Khavaran" in forged.text
    denied = read_log(site.registry, action="denied").entries[0]
    assert denied.actor == "t-analyst" and "CSRF" in (denied.reason or "")
    token = form_token(site.client.get("/account").text)
    out = site.client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert site.client.get("/account", follow_redirects=False).status_code == 303
    assert read_log(site.registry, action="sign-out").entries[0].actor == "t-analyst"


def test_change_password_keeps_this_session_and_ends_the_others(site: Site) -> None:
    other = TestClient(site.client.app, base_url="https://testserver")
    a = site.accounts["analyst"]
    got = other.get("/login")
    other.post("/login", data={"login_csrf": got.cookies[LOGIN_CSRF], "name": a.name,
                               "password": PASSWORD, "code": a.code(), "next": "/account"})
    assert other.get("/account", follow_redirects=False).status_code == 200
    page_sign_in(site, "analyst", code=a.recovery[0])
    token = form_token(site.client.get("/account").text)
    short = site.client.post("/account/password?lang=fa", data={
        "csrf": token, "current": PASSWORD, "new": "short", "again": "short"})
    assert short.status_code == 422
    assert "گذرواژه باید دست‌کم ۱۲ نویسه داشته باشد" in short.text
    wrong = site.client.post("/account/password?lang=en", data={
        "csrf": token, "current": "not the password", "new": "a new long password",
        "again": "a new long password"})
    assert wrong.status_code == 422 and "the current password is wrong" in wrong.text
    done = site.client.post("/account/password", data={
        "csrf": token, "current": PASSWORD, "new": "a new long password",
        "again": "a new long password"}, follow_redirects=False)
    assert done.status_code == 303
    assert site.client.get("/account", follow_redirects=False).status_code == 200
    assert other.get("/account", follow_redirects=False).status_code == 303
    assert read_log(site.registry, action="password-change").entries[0].outcome == "ok"


def test_enrol_two_factor_shows_a_qr_code_once_and_needs_a_code_to_confirm(site: Site) -> None:
    page_sign_in(site, "viewer")
    token = form_token(site.client.get("/account").text)
    r = site.client.post("/account/two-factor?lang=en", data={"csrf": token})
    assert r.status_code == 200 and "<svg" in r.text
    secret = re.search(r'<code dir="ltr">([A-Z2-7]+)</code>', r.text)
    assert secret is not None
    bad = site.client.post("/account/two-factor/confirm?lang=en",
                           data={"csrf": token, "code": "123456"})
    assert bad.status_code == 422 and "does not match" in bad.text
    ok = site.client.post("/account/two-factor/confirm", follow_redirects=False, data={
        "csrf": token, "code": pyotp.TOTP(secret.group(1)).now()})
    assert ok.status_code == 303


def test_unknown_pages_and_api_paths_answer_in_their_own_form(site: Site) -> None:
    page = site.client.get("/no-such-page?lang=fa")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "صفحه پیدا نشد" in page.text and 'dir="rtl"' in page.text
    fresh = TestClient(site.client.app, base_url="https://testserver")  # no language chosen
    english = fresh.get("/no-such-page", headers={"accept-language": "en-GB,en"})
    assert "Page not found" in english.text
    api = site.client.get("/api/v1/no-such-thing", headers=site.as_("viewer"))
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def test_the_language_chosen_is_kept_across_pages(site: Site) -> None:
    assert 'lang="en"' in site.client.get("/login?lang=en").text
    assert 'lang="en"' in site.client.get("/login").text
    assert 'lang="fa"' in site.client.get("/login?lang=fa").text


def test_pages_accept_an_api_token(site: Site) -> None:
    r = site.client.get("/account?lang=en", headers=site.as_("investigator"))
    assert r.status_code == 200 and "t-investigator" in r.text
    assert "Change your password" not in r.text  # a token holder has no session


def test_an_account_keeps_its_language_for_the_next_sign_in(site: Site) -> None:
    page_sign_in(site, "viewer", lang="fa")
    token = form_token(site.client.get("/account").text)
    r = site.client.post("/account/language", data={"csrf": token, "language": "en"},
                         follow_redirects=False)
    assert r.status_code == 303
    assert 'lang="en"' in site.client.get("/account").text
    elsewhere = TestClient(site.client.app, base_url="https://testserver",
                           headers={"accept-language": "fa-IR"})
    got = elsewhere.get("/login")
    assert 'lang="fa"' in got.text  # not known yet: the browser's language
    a = site.accounts["viewer"]
    elsewhere.post("/login", data={"login_csrf": got.cookies[LOGIN_CSRF], "name": a.name,
                                   "password": PASSWORD, "code": a.recovery[0],
                                   "next": "/account"})
    assert 'lang="en"' in elsewhere.get("/account").text
    bad = site.client.post("/account/language", data={"csrf": token, "language": "xx"})
    assert bad.status_code == 422


def test_markup_typed_into_a_name_stays_text_in_the_window_title(site: Site) -> None:
    """A title ending the <title> early would let a writer send every reader
    elsewhere (a <meta refresh>): the window title is escaped after its tags go."""
    page_sign_in(site, "analyst")
    token = form_token(site.client.get("/sources/new").text)
    hostile = 'T</title><meta http-equiv="refresh" content="0;url=https://evil.example/">'
    made = site.client.post("/sources/new", follow_redirects=False, data={
        "csrf": token, "title": hostile, "kind": "report", "reliability": "C",
        "reason": "test"})
    assert made.status_code == 303, made.text
    page = site.client.get(made.headers["location"])
    assert page.status_code == 200
    assert "<meta http-equiv" not in page.text
    head = page.text.split("</head>")[0]
    assert head.count("</title>") == 1 and "&lt;/title&gt;" in head
