"""What every page shares: the templates, the page's language, who is signed
in, the form token, and the checks a page makes before it reads or writes.

Pages call the same services as the JSON API and accept the same credentials
(a session cookie, or ``Authorization: Bearer``).  A visitor who is not signed
in is sent to ``/login`` and brought back afterwards.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.datastructures import FormData
from starlette.routing import Match

from khavaran.errors import AuthError, ForbiddenError
from khavaran.services.access_log import record
from khavaran.services.registry import Registry
from khavaran.services.sign_in import (
    Principal,
    csrf_token,
    principal_for_session,
    principal_for_token,
    same,
)
from khavaran.web import formatting
from khavaran.web.deps import COOKIE, CSRF_HEADER, Client, Reg
from khavaran.web.i18n import LANGUAGES, N_, catalogue, direction, pick

__all__ = ["LANG_COOKIE", "NAV", "LoginRequired", "MaybeSignedIn", "SignedIn", "attachment",
           "environment",
           "form_of", "keep_language", "language", "login_redirect", "may", "maybe_signed_in",
           "render", "safe_next", "signed_in"]

LANG_COOKIE = "khavaran_lang"
# The main menu: (path, label, permission).  An entry shows only when the app
# serves that path and the account's role has the permission.
NAV = [("/", N_("Home"), "read"), ("/search", N_("Search"), "read"),
       ("/dashboard", N_("Summer 1988"), "read"),
       ("/reports", N_("Reports"), "read"), ("/cases", N_("Cases"), "read"),
       ("/review", N_("Review queue"), "write"),
       ("/xref", N_("Sanctions lists"), "write"),
       ("/persons/new", N_("New person"), "write"),
       ("/sources/new", N_("New source"), "write"), ("/import", N_("Import"), "write"),
       ("/dossiers/verify", N_("Verify a dossier"), "read"),
       ("/verify", N_("Verify this installation"), "export"),
       ("/corrections", N_("Corrections"), "publish"),
       ("/admin", N_("Administration"), "admin")]


class LoginRequired(Exception):
    """Raised by ``signed_in`` for an anonymous visitor; answered with a
    redirect to the sign-in page (web/errors.py)."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def login_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    target = "/login?" + urlencode({"next": exc.next_url})
    if request.headers.get("hx-request"):
        # htmx would put the sign-in page inside a fragment: make it a full load.
        return Response(status_code=204, headers={"hx-redirect": target})
    return RedirectResponse(target, status_code=303)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another origin (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(c in target for c in "\r\n\t\\") or target.startswith("/login"):
        return "/"
    return target


async def _principal(request: Request, registry: Registry, client: str | None,
                     ) -> Principal | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return await run_in_threadpool(principal_for_token, registry, header[7:].strip(),
                                       client=client)
    session = request.cookies.get(COOKIE)
    if not session:
        return None
    try:
        return await run_in_threadpool(principal_for_session, registry, session,
                                       client=client)
    except AuthError:
        return None  # expired or ended: the visitor signs in again


async def maybe_signed_in(request: Request, registry: Reg, client: Client) -> Principal | None:
    """Who is signed in, if anyone (for pages open to all, such as /login)."""
    who = await _principal(request, registry, client)
    request.state.who = who
    return who


async def signed_in(request: Request, registry: Reg, client: Client) -> Principal:
    who = await maybe_signed_in(request, registry, client)
    if who is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(safe_next(path))
    return who


SignedIn = Annotated[Principal, Depends(signed_in)]
MaybeSignedIn = Annotated[Principal | None, Depends(maybe_signed_in)]


async def _refuse(request: Request, registry: Registry, who: Principal, reason: str) -> None:
    await run_in_threadpool(record, registry, actor=who.name, action="denied",
                            outcome="refused", client=request.client.host if request.client
                            else None, via="web",
                            reason=f"{reason}: {request.method} {request.url.path[:100]}")


async def may(request: Request, registry: Registry, who: Principal, permission: str) -> None:
    """Refuse (403 page, written to the access log) a role without ``permission``."""
    if not who.role.may(permission):
        await _refuse(request, registry, who, f"{who.role.name} may not {permission}")
        raise ForbiddenError(f"the role '{who.role.name}' may not {permission}")


async def form_of(request: Request, registry: Registry, who: Principal) -> FormData:
    """The posted form, once its token proves it came from one of our pages
    (a hidden ``csrf`` field, or the X-CSRF-Token header that htmx sends)."""
    form = await request.form()
    if who.via == "session":
        session = request.cookies.get(COOKIE, "")
        sent = str(form.get("csrf") or request.headers.get(CSRF_HEADER) or "")
        if not session or not same(sent, csrf_token(session)):
            await _refuse(request, registry, who, "no valid CSRF token")
            raise ForbiddenError("this form has expired or did not come from Khavaran: "
                                 "reload the page and try again")
    return form


def language(request: Request) -> str:
    """?lang= first, then the choice kept in this browser, then the account's
    own (set on its account page), then the browser's languages."""
    who: Principal | None = getattr(request.state, "who", None)
    return pick(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                who.language if who else None,
                accept=request.headers.get("accept-language", ""))


def keep_language(request: Request, response: Response, lang: str) -> None:
    """Remember the language in this browser (a year)."""
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, path="/", samesite="lax",
                        httponly=True, secure=request.url.scheme == "https")


@pass_context
def _digits(context: Context, value: object) -> str:
    return formatting.digits(value, context["lang"])


@pass_context
def _day(context: Context, value: object, calendar: str | None = None) -> str:
    return formatting.day(value, context["lang"], calendar)


@pass_context
def _moment(context: Context, value: object) -> str:
    return formatting.moment(value, context["lang"])


def _isolated(value: object) -> Markup:
    """User text in its own bidi isolate: a right-to-left override or an
    unmatched embedding typed into a name cannot reorder the page around it."""
    return Markup("<bdi>") + escape("" if value is None else str(value)) + Markup("</bdi>")


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("khavaran.web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.filters.update(digits=_digits, day=_day, dt=_moment, iso=_isolated)
    return env


def _served(request: Request) -> frozenset[str]:
    """The menu's paths that this app serves (routers are included as a tree,
    so ask the routes whether they answer, rather than list them)."""
    paths = getattr(request.app.state, "page_paths", None)
    if paths is None:
        def answers(path: str) -> bool:
            scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
            return any(r.matches(scope)[0] == Match.FULL for r in request.app.router.routes)
        paths = frozenset(p for p, _, _ in NAV if answers(p))
        request.app.state.page_paths = paths
    return paths


def _switch(request: Request, lang: str) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return request.url.path + "?" + urlencode([*query, ("lang", lang)])


def render(request: Request, name: str, context: dict[str, Any] | None = None, *,
           status: int = 200) -> HTMLResponse:
    lang = language(request)
    words = catalogue(lang)
    who: Principal | None = getattr(request.state, "who", None)
    session = request.cookies.get(COOKIE)
    served = _served(request)
    nav = [(path, words.gettext(label)) for path, label, permission in NAV
           if who is not None and path in served and who.role.may(permission)]
    page = {"request": request, "who": who, "lang": lang, "dir": direction(lang),
            "csrf": csrf_token(session) if session and who and who.via == "session" else "",
            "_": words.gettext, "gettext": words.gettext, "ngettext": words.ngettext,
            "nav": nav, "path": request.url.path,
            "switch": {other: _switch(request, other) for other in LANGUAGES if other != lang}}
    page.update(context or {})
    html = environment().get_template(name).render(page)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        keep_language(request, response, lang)
    return response


def attachment(body: bytes | str, media_type: str, filename: str) -> Response:
    """A file to download (a chart, a drawing), named for the person who saves it."""
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
