"""Sign in, sign out, and one's own account: change the password, enrol a
second factor.  The pages' forms call the same services as the JSON API."""

from __future__ import annotations

import secrets

import segno
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from khavaran.errors import AuthError, RateLimitError, ValidationError
from khavaran.services import accounts, sign_in
from khavaran.web.deps import COOKIE, Client, Reg
from khavaran.web.i18n import catalogue
from khavaran.web.pages import (
    LANG_COOKIE,
    MaybeSignedIn,
    SignedIn,
    form_of,
    keep_language,
    language,
    render,
    safe_next,
)

__all__ = ["LOGIN_CSRF", "account", "change_password", "choose_language", "confirm_two_factor",
           "enrol_two_factor", "login", "login_form", "logout", "router"]

router = APIRouter(include_in_schema=False)
LOGIN_CSRF = "khavaran_login"  # double-submit token of the sign-in form


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(request: Request, token: str, *, status: int = 200, error: str = "",
                name: str = "", next_url: str = "/") -> Response:
    response = render(request, "login.html", {"error": error, "name": name,
                                              "next": safe_next(next_url),
                                              "login_csrf": token}, status=status)
    response.set_cookie(LOGIN_CSRF, token, max_age=3600, path="/login", httponly=True,
                        samesite="strict", secure=_secure(request))
    return response


@router.get("/login")
async def login_form(request: Request, who: MaybeSignedIn) -> Response:
    token = request.cookies.get(LOGIN_CSRF) or secrets.token_urlsafe(24)
    return _login_page(request, token, next_url=request.query_params.get("next", "/"))


@router.post("/login")
async def login(request: Request, registry: Reg, client: Client) -> Response:
    form = await request.form()
    words = catalogue(language(request))
    name, next_url = str(form.get("name", ""))[:200], str(form.get("next", "/"))
    token = request.cookies.get(LOGIN_CSRF, "")
    if not token or not sign_in.same(str(form.get("login_csrf", "")), token):
        return _login_page(request, secrets.token_urlsafe(24), status=403, name=name,
                           next_url=next_url,
                           error=words.gettext("This form has expired: please try again."))
    try:
        done = await run_in_threadpool(sign_in.sign_in, registry, name,
                                       str(form.get("password", "")),
                                       str(form.get("code", "")) or None, client=client)
    except RateLimitError as e:
        error = words.gettext("Too many failed sign-ins: try again in %(seconds)s seconds."
                              ) % {"seconds": e.retry_after}
        return _login_page(request, token, status=429, error=error, name=name,
                           next_url=next_url)
    except AuthError:
        return _login_page(request, token, status=401, name=name, next_url=next_url,
                           error=words.gettext("Wrong name, password or code."))
    old = request.cookies.get(COOKIE)
    if old:
        await run_in_threadpool(sign_in.end_session, registry, old)
    response = RedirectResponse(safe_next(next_url), status_code=303)
    response.set_cookie(COOKIE, done.session_id, max_age=sign_in.SESSION_HOURS * 3600,
                        path="/", httponly=True, samesite="strict", secure=_secure(request))
    response.delete_cookie(LOGIN_CSRF, path="/login")
    if done.principal.language:
        keep_language(request, response, done.principal.language)
    return response


@router.post("/logout")
async def logout(request: Request, registry: Reg, who: SignedIn, client: Client) -> Response:
    await form_of(request, registry, who)
    await run_in_threadpool(sign_in.sign_out, registry, who, client=client)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict",
                           secure=_secure(request))
    return response


def _account_page(request: Request, who: sign_in.Principal, *, status: int = 200,
                  **context: object) -> Response:
    return render(request, "account.html",
                  {"permissions": sorted(who.role.permissions), "errors": {},
                   "done": request.query_params.get("done", ""), **context}, status=status)


@router.get("/account")
async def account(request: Request, who: SignedIn) -> Response:
    return _account_page(request, who)


def _error(request: Request, e: ValidationError) -> dict[str, str]:
    words = catalogue(language(request))
    return {e.field or "form": words.gettext(e.message)}


@router.post("/account/password")
async def change_password(request: Request, registry: Reg, who: SignedIn,
                          client: Client) -> Response:
    form = await form_of(request, registry, who)
    new, again = str(form.get("new", "")), str(form.get("again", ""))
    words = catalogue(language(request))
    if new != again:
        errors = {"again": words.gettext("The two new passwords differ.")}
        return _account_page(request, who, status=422, errors=errors)
    try:
        await run_in_threadpool(sign_in.change_password, registry, who.name,
                                str(form.get("current", "")), new, keep_session=who.session,
                                client=client)
    except ValidationError as e:
        return _account_page(request, who, status=422,
                             errors={"new" if e.field == "password" else "current":
                                     _error(request, e).popitem()[1]})
    return RedirectResponse("/account?done=password", status_code=303)


@router.post("/account/two-factor")
async def enrol_two_factor(request: Request, registry: Reg, who: SignedIn,
                           client: Client) -> Response:
    await form_of(request, registry, who)
    made = await run_in_threadpool(accounts.enrol_totp, registry, who.name, actor=who.name,
                                   via="web", client=client)
    assert made.totp_uri
    qr = segno.make(made.totp_uri, error="m").svg_inline(scale=4, title="TOTP")
    return render(request, "two_factor.html", {"secret": made.totp_secret, "qr": qr,
                                               "codes": made.recovery_codes, "errors": {}})


@router.post("/account/two-factor/confirm")
async def confirm_two_factor(request: Request, registry: Reg, who: SignedIn,
                             client: Client) -> Response:
    form = await form_of(request, registry, who)
    try:
        await run_in_threadpool(sign_in.confirm_totp, registry, who.name,
                                str(form.get("code", "")), client=client)
    except ValidationError as e:
        return render(request, "two_factor.html", {"errors": _error(request, e)}, status=422)
    return RedirectResponse("/account?done=two-factor", status_code=303)


@router.post("/account/language")
async def choose_language(request: Request, registry: Reg, who: SignedIn) -> Response:
    """The account's language: kept for its next sign-in anywhere, and in this browser."""
    form = await form_of(request, registry, who)
    lang = str(form.get("language", "")) or None
    await run_in_threadpool(accounts.set_language, registry, who.name, lang)
    response = RedirectResponse("/account", status_code=303)
    if lang:
        keep_language(request, response, lang)
    else:
        response.delete_cookie(LANG_COOKIE, path="/")
    return response
