"""TOTP codes: accepted once only, in Persian or Arabic-Indic digits too, and a
code that is not one refused with a plain 422 (never a 500)."""

from __future__ import annotations

import json
import time

import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from khavaran.services.totp import normalise_code
from web_site import PASSWORD, Site, site  # noqa: F401  (site: the fixture)

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _sign_in(site: Site, role: str, code: str) -> int:
    a = site.accounts[role]
    site.client.cookies.clear()
    return site.client.post("/api/v1/auth/sign-in", content=json.dumps({
        "name": a.name, "password": PASSWORD, "code": code}),
        headers={"Content-Type": "application/json"}).status_code


def test_a_code_is_accepted_once_only(site: Site) -> None:
    code = site.accounts["investigator"].code()
    assert _sign_in(site, "investigator", code) == 200
    assert _sign_in(site, "investigator", code) == 401  # replayed within its window
    # An earlier step's code, still inside the window, is refused too.
    totp = pyotp.TOTP(site.accounts["investigator"].totp)
    assert _sign_in(site, "investigator", totp.at(time.time() - 30)) == 401
    assert _sign_in(site, "investigator", site.accounts["investigator"].code()) == 200


@pytest.mark.parametrize("table", [PERSIAN, ARABIC_INDIC], ids=["persian", "arabic-indic"])
def test_codes_in_persian_and_arabic_indic_digits_are_read(site: Site, table) -> None:
    code = site.accounts["admin"].code()
    typed = f"{code[:3]} {code[3:]}".translate(table)
    assert _sign_in(site, "admin", typed) == 200


@pytest.mark.parametrize("code", ["abcdef", "12345", "۱۲۳۴۵۶۷", "\ud800\ud800", "12 34 5x"])
def test_a_confirm_code_that_is_not_six_digits_is_a_plain_422(site: Site, code: str) -> None:
    a = site.accounts["viewer"]
    site.client.cookies.clear()
    r = site.client.post("/api/v1/auth/sign-in", json={
        "name": a.name, "password": PASSWORD, "code": a.code()})
    assert r.status_code == 200, r.text
    csrf = r.json()["csrf_token"]
    assert site.client.post("/api/v1/auth/totp/enrol", json={},
                            headers={"X-CSRF-Token": csrf}).status_code == 200
    # Sent as JSON escapes, as a client may: "\ud800" reaches us as a lone surrogate.
    done = site.client.post("/api/v1/auth/totp/confirm", content=json.dumps({"code": code}),
                            headers={"X-CSRF-Token": csrf,
                                     "Content-Type": "application/json"})
    assert done.status_code == 422, done.text
    # (a body that is not UTF-8 text is refused as a whole, before the field is read)
    assert done.json()["error"]["field"] == ("code" if code.isprintable() else None)


@pytest.mark.parametrize("code", ["\ud800", "١٢٣", "x" * 64])
def test_a_strange_sign_in_code_is_refused_not_a_500(site: Site, code: str) -> None:
    assert _sign_in(site, "analyst", code) in (401, 422)


@given(st.text(alphabet="0123456789", min_size=6, max_size=6),
       st.sampled_from([str.maketrans("", ""), PERSIAN, ARABIC_INDIC]),
       st.sampled_from(["", " ", "-", "\u200c"]))
def test_any_digits_normalise_to_the_same_ascii_code(code: str, table, sep: str) -> None:
    typed = (code[:3] + sep + code[3:]).translate(table)
    assert normalise_code(typed) == code


@given(st.text(min_size=1, max_size=12))
def test_text_that_is_not_six_digits_is_no_code(text: str) -> None:
    got = normalise_code(text)
    assert got is None or (len(got) == 6 and got.isascii() and got.isdigit())
