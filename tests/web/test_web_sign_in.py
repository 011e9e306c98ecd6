"""Sign-in with a second factor and recovery codes, sessions and CSRF, the
limit on failed sign-ins, token revocation; each attempt in the access log."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from khavaran.services import accounts
from khavaran.services.access_log import read_log
from khavaran.services.reading import source
from khavaran.services.sign_in import FREE_FAILURES, delay_after
from khavaran.web.deps import COOKIE, CSRF_HEADER
from web_site import PASSWORD, Site, site  # noqa: F401  (site: the fixture)


def _sign_in(site: Site, role: str, code: str | None = None, password: str = PASSWORD
             ) -> Any:
    a = site.accounts[role]
    return site.client.post("/api/v1/auth/sign-in", json={
        "name": a.name, "password": password, "code": code if code is not None else a.code()})


def _last(site: Site, action: str) -> tuple[str, str]:
    e = read_log(site.registry, action=action).entries[0]
    return e.actor, e.outcome


def test_sign_in_with_totp_opens_a_strict_session(site: Site) -> None:
    r = _sign_in(site, "investigator")
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for flag in ("HttpOnly", "SameSite=strict", "Secure", "Path=/"):
        assert flag.lower() in cookie.lower()
    assert _last(site, "sign-in") == ("t-investigator", "ok")
    me = site.client.get("/api/v1/auth/me")
    assert me.json() == {"name": "t-investigator", "role": "investigator", "via": "session",
                         "permissions": ["export", "publish", "read", "reveal", "write"]}
    first = site.client.cookies[COOKIE]
    assert _sign_in(site, "investigator").status_code == 200
    assert site.client.cookies[COOKIE] != first  # rotated at sign-in
    old = TestClient(site.client.app, base_url="https://testserver", cookies={COOKIE: first})
    assert old.get("/api/v1/auth/me").status_code == 401


def test_no_code_or_a_wrong_one_is_refused_and_logged(site: Site) -> None:
    for code in ("", "000000", "not-a-code"):
        r = _sign_in(site, "admin", code=code)
        assert r.status_code == 401
        assert r.json()["error"]["message"] == "wrong name, password or code"
        assert COOKIE not in site.client.cookies
        assert _last(site, "sign-in") == ("t-admin", "failed")


def test_a_recovery_code_works_once(site: Site) -> None:
    code = site.accounts["admin"].recovery[0]
    assert _sign_in(site, "admin", code=code).status_code == 200
    site.client.cookies.clear()
    assert _sign_in(site, "admin", code=code).status_code == 401


def test_a_wrong_password_is_refused_and_logged(site: Site) -> None:
    r = _sign_in(site, "viewer", password="not the password")
    assert r.status_code == 401
    assert _last(site, "sign-in") == ("t-viewer", "failed")
    r = site.client.post("/api/v1/auth/sign-in", json={"name": "nobody", "password": "x"})
    assert r.status_code == 401 and r.json()["error"]["message"] == \
        "wrong name, password or code"
    assert _last(site, "sign-in") == ("nobody", "failed")


def test_failed_sign_ins_are_slowed_down_per_account(site: Site) -> None:
    for _ in range(FREE_FAILURES):
        assert _sign_in(site, "analyst", password="wrong").status_code == 401
    r = _sign_in(site, "analyst")  # even the right password must wait now
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert r.json()["error"]["code"] == "rate_limited"
    assert _last(site, "sign-in") == ("t-analyst", "refused")
    # Another account from the same address is slowed too: the address failed.
    assert _sign_in(site, "viewer").status_code == 429


def test_delays_grow_and_stop_growing() -> None:
    delays = [delay_after(n) for n in range(40)]
    assert delays[:FREE_FAILURES] == [0] * FREE_FAILURES
    assert delays == sorted(delays) and delays[FREE_FAILURES + 1] == 2 * delays[FREE_FAILURES]
    assert max(delays) == 15 * 60


def test_a_change_with_a_session_needs_the_csrf_token(site: Site) -> None:
    csrf = _sign_in(site, "analyst").json()["csrf_token"]
    body = {"id": "api-csrf", "kind": "report", "title": "Fictional", "fictional": True}
    r = site.client.post("/api/v1/sources", json=body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert "CSRF" in r.json()["error"]["message"]
    assert _last(site, "denied") == ("t-analyst", "refused")
    r = site.client.post("/api/v1/sources", json=body, headers={CSRF_HEADER: "guess"})
    assert r.status_code == 403
    assert site.client.get("/api/v1/sources/api-csrf").status_code == 404  # nothing written
    r = site.client.post("/api/v1/sources", json=body, headers={CSRF_HEADER: csrf})
    assert r.status_code == 201 and source(site.registry, "api-csrf")["title"] == "Fictional"


def test_sign_out_ends_the_session(site: Site) -> None:
    csrf = _sign_in(site, "viewer").json()["csrf_token"]
    cookie = site.client.cookies[COOKIE]
    assert site.client.post("/api/v1/auth/sign-out", headers={CSRF_HEADER: csrf}
                            ).status_code == 200
    again = TestClient(site.client.app, base_url="https://testserver",
                       cookies={COOKIE: cookie})
    r = again.get("/api/v1/auth/me")
    assert r.status_code == 401 and "sign in again" in r.json()["error"]["message"]
    assert _last(site, "denied") == ("t-viewer", "refused")


def test_a_revoked_token_is_refused_and_logged(site: Site) -> None:
    a = site.accounts["analyst"]
    assert site.client.get("/api/v1/auth/me", headers=site.as_("analyst")).status_code == 200
    accounts.revoke_token(site.registry, a.token, actor="t-admin")
    r = site.client.get("/api/v1/auth/me", headers=site.as_("analyst"))
    assert r.status_code == 401 and r.json()["error"]["message"] == "revoked token"
    assert read_log(site.registry, action="denied").entries[0].reason == "revoked token"
    forged = site.client.get("/api/v1/auth/me", headers={"authorization": "Bearer " +
                                                         a.token[:-2] + "xx"})
    assert forged.status_code == 401


def test_a_disabled_account_can_do_nothing(site: Site) -> None:
    accounts.disable(site.registry, "t-investigator", actor="t-admin")
    assert site.client.get("/api/v1/auth/me", headers=site.as_("investigator")
                           ).status_code == 401
    assert _sign_in(site, "investigator").status_code == 401


def test_totp_enrolment_through_the_api(site: Site) -> None:
    csrf = _sign_in(site, "viewer").json()["csrf_token"]
    made = site.client.post("/api/v1/auth/totp/enrol", json={}, headers={CSRF_HEADER: csrf})
    assert made.status_code == 200 and len(made.json()["recovery_codes"]) == 10
    secret = made.json()["secret"]
    assert made.json()["uri"].startswith("otpauth://totp/")
    wrong = site.client.post("/api/v1/auth/totp/confirm", json={"code": "000000"},
                             headers={CSRF_HEADER: csrf})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "code"
    ok = site.client.post("/api/v1/auth/totp/confirm",
                          json={"code": pyotp.TOTP(secret).now()}, headers={CSRF_HEADER: csrf})
    assert ok.status_code == 200
    site.client.cookies.clear()
    # The confirming code is used up: the next sign-in takes the next step's code.
    assert _sign_in(site, "viewer", code=pyotp.TOTP(secret).now()).status_code == 401
    assert _sign_in(site, "viewer", code=pyotp.TOTP(secret).at(time.time() + 30)
                    ).status_code == 200
