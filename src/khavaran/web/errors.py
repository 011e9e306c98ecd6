"""One handler for every error: a status code and one JSON shape,
``{"error": {"code", "message", "field", "line"}}`` (tests/web/test_errors.py
pins it).  Messages are our own: nothing from a crash reaches the client."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from khavaran.errors import (
    AuthError,
    ConfigError,
    ForbiddenError,
    KhavaranError,
    NotFoundError,
    RateLimitError,
    ValidationError,
)
from khavaran.web.security import error_body

__all__ = ["install_error_handlers", "status_of"]

log = logging.getLogger("khavaran.web")

_STATUS: list[tuple[type[KhavaranError], int, str]] = [
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


def _ours(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KhavaranError)
    status, code = status_of(exc)
    field = line = None
    message = str(exc)
    if isinstance(exc, ValidationError):
        field, line, message = exc.field, exc.line, exc.message
    headers = {"www-authenticate": "Bearer"} if status == 401 else {}
    if isinstance(exc, RateLimitError):
        headers["retry-after"] = str(exc.retry_after)
    return JSONResponse(error_body(code, message, field, line), status, headers=headers)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return JSONResponse(error_body(code, message), exc.status_code, headers=exc.headers)


def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    # Pydantic's message, never the input: it may be a protected name.
    return JSONResponse(error_body("invalid", str(first.get("msg", "invalid request")),
                                   ".".join(loc) or None), 422)


def _crash(request: Request, exc: Exception) -> JSONResponse:
    log.error("internal error on %s %s: %s", request.method, request.url.path,
              type(exc).__name__)
    return JSONResponse(error_body("server_error", "internal error: nothing was written"), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(KhavaranError, _ours)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(Exception, _crash)
