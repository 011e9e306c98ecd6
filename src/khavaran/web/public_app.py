"""The public memorial: a separate, read-only app (`khavaran serve --public`).

It serves the home page, search, a page per published person (only what
services/memorial.py shows) and "correct this entry"; every other address,
the team app's pages and the JSON API included, answers 404, because this
app has no route for it: nothing of the team app is mounted here.  The same
security layer (web/security.py) and templates' escaping as the team app.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from khavaran.errors import KhavaranError, RateLimitError
from khavaran.services.registry import Registry, open_registry
from khavaran.settings import Settings
from khavaran.storage.engine import DATABASE_AWAY
from khavaran.web import public_pages
from khavaran.web.app import KhavaranApp
from khavaran.web.errors import RETRY_SECONDS, is_outage, status_of
from khavaran.web.i18n import N_, catalogue
from khavaran.web.pages import language, render

__all__ = ["create_public_app", "from_environment"]

log = logging.getLogger("khavaran.web.public")
# A correction is at most 10,000 characters, some 60 kB once a Persian text is
# form-encoded: a body larger than this is refused before it is read.
MAX_BODY = 256 * 1024

_TITLES = {400: N_("The request is not valid"), 404: N_("Page not found"),
           405: N_("Page not found"), 413: N_("Too large"),
           422: N_("Please check what you entered"), 429: N_("Too many attempts"),
           500: N_("Something went wrong"), 503: N_("Not available for a moment")}
_MESSAGES = {404: N_("There is no page at this address."),
             405: N_("There is no page at this address."),
             413: N_("This is too long to send."),
             429: N_("Too many messages from your address: please try again later."),
             500: N_("internal error: nothing was written"),
             503: N_("The memorial is not answering just now. Please try again in a moment.")}


def _page(request: Request, status: int, headers: dict[str, str] | None = None) -> Response:
    words = catalogue(language(request))
    # A 405 is a 404 here: a method the team app has must not show that a path exists.
    shown = 404 if status == 405 else status
    response = render(request, "public_error.html", {
        "title": words.gettext(_TITLES.get(shown, "Something went wrong")),
        "message": words.gettext(_MESSAGES.get(shown, "The request is not valid"))},
        status=shown)
    response.headers.update(headers or {})
    return response


def _ours(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, KhavaranError)
    status, _ = status_of(exc)
    headers = {"retry-after": str(exc.retry_after)} if isinstance(exc, RateLimitError) else {}
    return _page(request, status if status in _TITLES else 400, headers)


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _page(request, exc.status_code if exc.status_code in _TITLES else 400)


def _invalid(request: Request, exc: Exception) -> Response:
    return _page(request, 422)


def _unavailable(request: Request, exc: Exception) -> Response:
    if not is_outage(exc):
        return _crash(request, exc)
    log.error("the database did not answer on %s %s: %s", request.method, request.url.path,
              type(exc).__name__)
    return _page(request, 503, {"retry-after": str(RETRY_SECONDS)})


def _crash(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s %s: %s", request.method, request.url.path,
              type(exc).__name__)
    return _page(request, 500)


def create_public_app(settings: Settings, *, registry: Registry | None = None) -> KhavaranApp:
    """The public memorial over the registry that ``settings`` names (or
    ``registry``, which the caller then closes)."""
    reg = registry if registry is not None else open_registry(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if registry is None:
            reg.close()

    # No OpenAPI schema nor docs: this app has no API.
    app = KhavaranApp(title="Khavaran memorial", openapi_url=None, docs_url=None,
                      redoc_url=None, lifespan=lifespan)
    app.max_body = MAX_BODY
    app.state.registry = reg
    app.add_exception_handler(KhavaranError, _ours)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _invalid)
    for outage in DATABASE_AWAY:
        app.add_exception_handler(outage, _unavailable)
    app.add_exception_handler(Exception, _crash)
    app.include_router(public_pages.router)
    app.mount("/static", StaticFiles(packages=[("khavaran.web", "static")]), name="static")
    return app


def from_environment() -> KhavaranApp:
    """For uvicorn's --factory: the data home from KHAVARAN_HOME / KHAVARAN_DB."""
    return create_public_app(Settings.resolve())
