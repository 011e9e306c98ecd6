"""Dependencies of routes and pages: the registry, who is asking, what their
role allows, and CSRF for requests made with a session cookie.

Each check runs before the route reads or validates the request body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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

__all__ = ["COOKIE", "CSRF_HEADER", "Admin", "Client", "Reader", "Revealer", "Reg", "User",
           "Writer", "client_of", "permit", "principal", "registry_of"]

COOKIE = "khavaran_session"
CSRF_HEADER = "x-csrf-token"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
bearer = HTTPBearer(auto_error=False, description="An API token from `khavaran user token`.")


def registry_of(request: Request) -> Registry:
    reg = request.app.state.registry
    assert isinstance(reg, Registry)
    return reg


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


Reg = Annotated[Registry, Depends(registry_of)]
Client = Annotated[str | None, Depends(client_of)]


async def principal(request: Request, registry: Reg, client: Client,
                    credentials: Annotated[HTTPAuthorizationCredentials | None,
                                           Depends(bearer)]) -> Principal:
    """The account behind a bearer token or a session cookie; 401 otherwise."""
    if credentials is not None:
        return await run_in_threadpool(principal_for_token, registry, credentials.credentials,
                                       client=client)
    if request.headers.get("authorization"):
        raise AuthError("use 'Authorization: Bearer TOKEN'")
    session = request.cookies.get(COOKIE)
    if not session:
        raise AuthError("sign in, or give an API token")
    who = await run_in_threadpool(principal_for_session, registry, session, client=client)
    if request.method not in SAFE and not same(request.headers.get(CSRF_HEADER, ""),
                                               csrf_token(session)):
        await run_in_threadpool(record, registry, actor=who.name, action="denied",
                                outcome="refused", client=client, via="web",
                                reason=f"no valid CSRF token: {request.method} "
                                       f"{request.url.path[:100]}")
        raise ForbiddenError(f"missing or wrong CSRF token: send the {CSRF_HEADER} header "
                             "given at sign-in")
    return who


User = Annotated[Principal, Depends(principal)]


def permit(permission: str) -> Callable[..., Any]:
    """A dependency that lets through only roles with ``permission``; a refusal
    is written to the access log."""

    async def check(request: Request, who: User, registry: Reg, client: Client) -> Principal:
        if not who.role.may(permission):
            await run_in_threadpool(record, registry, actor=who.name, action="denied",
                                    outcome="refused", client=client, via="web",
                                    reason=f"{who.role.name} may not {permission}: "
                                           f"{request.method} {request.url.path[:100]}")
            raise ForbiddenError(f"the role '{who.role.name}' may not {permission}")
        return who

    return check


Reader = Annotated[Principal, Depends(permit("read"))]
Writer = Annotated[Principal, Depends(permit("write"))]
Revealer = Annotated[Principal, Depends(permit("reveal"))]
Admin = Annotated[Principal, Depends(permit("admin"))]
