"""One handler for every error: a status code and one JSON shape,
``{"error": {"code", "message", "field", "line"}}`` (tests/web/test_errors.py
pins it), or on a page's address an error page in the user's language.
Messages are our own: nothing from a crash reaches the client."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from khavaran.errors import (
    AuthError,
    ConfigError,
    ForbiddenError,
    KhavaranError,
    NotFoundError,
    RateLimitError,
    StoreUnavailableError,
    ValidationError,
)
from khavaran.storage.engine import DATABASE_AWAY
from khavaran.web.i18n import N_, catalogue
from khavaran.web.pages import LoginRequired, language, login_redirect, render
from khavaran.web.security import error_body

__all__ = ["RETRY_SECONDS", "install_error_handlers", "is_outage", "status_of"]

log = logging.getLogger("khavaran.web")

_STATUS: list[tuple[type[KhavaranError], int, str]] = [
    (StoreUnavailableError, 503, "unavailable"),
    (RateLimitError, 429, "rate_limited"),
    (AuthError, 401, "unauthorized"),
    (ForbiddenError, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (ValidationError, 422, "invalid"),
    (ConfigError, 422, "invalid"),
]
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
               422: "invalid", 429: "rate_limited"}


def status_of(exc: KhavaranError) -> tuple[int, str]:
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            return status, code
    return 409, "refused"


# The title of an error page, by status.
_TITLES = {400: N_("The request is not valid"), 401: N_("Please sign in"),
           403: N_("Not allowed"), 404: N_("Page not found"), 405: N_("Not allowed"),
           413: N_("Too large"), 422: N_("Please check what you entered"),
           429: N_("Too many attempts"), 500: N_("Something went wrong"),
           503: N_("Not available for a moment")}
# A server the app needs (the database, the object store) did not answer: the user
# may try again shortly, and is told to look first whether a change was saved (the
# database may have taken it just before the connection was lost).
RETRY_SECONDS = 5
STORE_UNAVAILABLE = N_("The evidence store is not answering just now: nothing was taken "
                       "in. Try again in a moment.")
UNAVAILABLE = N_("The database is not answering just now. Try again in a moment; if you "
                 "were saving something, look first whether it was saved.")


def _page(request: Request) -> bool:
    """Is this the address of a page (not of the API)?"""
    return not request.url.path.startswith("/api/")


def _html(request: Request, status: int, message: str, headers: dict[str, str] | None = None
          ) -> Response:
    words = catalogue(language(request))
    title = words.gettext(_TITLES.get(status, "Something went wrong"))
    response = render(request, "error.html", {"title": title,
                                              "message": words.gettext(message)},
                      status=status)
    response.headers.update(headers or {})
    return response


def _ours(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, KhavaranError)
    status, code = status_of(exc)
    field = line = None
    message = str(exc)
    if isinstance(exc, ValidationError):
        field, line, message = exc.field, exc.line, exc.message
    if isinstance(exc, StoreUnavailableError):
        # The store's address, bucket and keys are for the administrator's log only.
        log.error("the object store did not answer on %s %s: %s", request.method,
                  request.url.path, exc)
        message = STORE_UNAVAILABLE
    headers = {"www-authenticate": "Bearer"} if status == 401 else {}
    if status == 503:
        headers["retry-after"] = str(RETRY_SECONDS)
    if isinstance(exc, RateLimitError):
        headers["retry-after"] = str(exc.retry_after)
    if _page(request):
        if status == 401:
            return login_redirect(request, LoginRequired(request.url.path))
        return _html(request, status, message, headers)
    return JSONResponse(error_body(code, message, field, line), status, headers=headers)


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if _page(request):
        if exc.status_code == 404:
            message = N_("There is no page at this address.")
        return _html(request, exc.status_code, message, dict(exc.headers or {}))
    return JSONResponse(error_body(code, message), exc.status_code, headers=exc.headers)


def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    # Pydantic's message, never the input: it may be a protected name.
    return JSONResponse(error_body("invalid", str(first.get("msg", "invalid request")),
                                   ".".join(loc) or None), 422)


def is_outage(exc: Exception) -> bool:
    """Whether the database was away.  A deadlock or a serialisation failure is
    not that: a bug, shown as one."""
    return isinstance(exc, DATABASE_AWAY) and getattr(
        getattr(exc, "orig", None), "sqlstate", None) not in ("40P01", "40001")


def _unavailable(request: Request, exc: Exception) -> Response:
    """The database did not answer: 503, in words."""
    if not is_outage(exc):
        return _crash(request, exc)
    log.error("the database did not answer on %s %s: %s", request.method, request.url.path,
              type(exc).__name__)
    headers = {"retry-after": str(RETRY_SECONDS)}
    if _page(request):
        return _html(request, 503, UNAVAILABLE, headers)
    return JSONResponse(error_body("unavailable", UNAVAILABLE), 503, headers=headers)


def _crash(request: Request, exc: Exception) -> Response:
    # The kinds of error only (and of the driver's, under a database error): a
    # message may quote what a user sent, a protected name among it.
    orig = getattr(exc, "orig", None)
    log.error("internal error on %s %s: %s%s", request.method, request.url.path,
              type(exc).__qualname__, f" ({type(orig).__module__}.{type(orig).__qualname__})"
              if orig is not None else "")
    if _page(request):
        try:
            return _html(request, 500, N_("internal error: nothing was written"))
        except Exception:  # the error page itself failed: answer plainly
            log.exception("the error page failed")
    return JSONResponse(error_body("server_error", "internal error: nothing was written"), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, login_redirect)
    app.add_exception_handler(KhavaranError, _ours)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _invalid)
    for outage in DATABASE_AWAY:
        app.add_exception_handler(outage, _unavailable)
    app.add_exception_handler(Exception, _crash)
