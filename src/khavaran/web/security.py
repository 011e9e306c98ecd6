"""The outermost layer of the app: the same security headers on every
response (HEAD, errors and crashes included) and early refusal of large
bodies, before any route or dependency runs."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["HEADERS", "MAX_BODY", "Guard", "error_body"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 1024 * 1024  # bytes; documented in docs/api.md

HEADERS = {
    # No inline script anywhere: pages load their scripts from our own origin.
    "content-security-policy": "default-src 'self'; script-src 'self'; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
}
_RAW = [(k.encode(), v.encode()) for k, v in HEADERS.items()]


def error_body(code: str, message: str, field: str | None = None,
               line: int | None = None) -> dict[str, Any]:
    """The one error shape of the API."""
    return {"error": {"code": code, "message": message, "field": field, "line": line}}


class Guard:
    """``own_limit``: paths that take uploads and check their size themselves
    (against the ``max_upload`` setting, answering in the user's language)."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY,
                 own_limit: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.max_body = max_body
        self.own_limit = own_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in _RAW}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + _RAW
            await send(message)

        if scope["method"] == "HEAD":
            # A HEAD is answered as the GET of the same address, without its body:
            # the routes are declared for GET only.
            scope = {**scope, "method": "GET"}
            answer = send_with_headers

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.body":
                    message = {**message, "body": b""}
                await answer(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            status, code, text = refusal
            body = json.dumps(error_body(code, text, "body")).encode()
            await send_with_headers({"type": "http.response.start", "status": status,
                                     "headers": [(b"content-type", b"application/json"),
                                                 (b"content-length", str(len(body)).encode())]})
            await send_with_headers({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            # No text field of the database can hold a NUL character.
            return 400, "invalid", "the address holds a NUL character"
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                return 400, "invalid", "Content-Length is not a number"
            if int(length) > self.max_body and scope.get("path") not in self.own_limit:
                return 413, "too_large", f"the body is larger than {self.max_body} bytes"
        elif b"transfer-encoding" in headers:
            # A body of unknown length could be any size: say it first.
            return 411, "length_required", "give the body's Content-Length"
        return None
