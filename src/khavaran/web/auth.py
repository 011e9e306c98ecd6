"""Sign-in, sign-out and second-factor enrolment, as JSON (the pages' forms
post to the same routes).  A session lives in an HttpOnly, SameSite=Strict
cookie, Secure over TLS, made anew at each sign-in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from khavaran.services import accounts, sign_in
from khavaran.web.bodies import EnrolBody, SignInBody, TotpBody, documented, read_body
from khavaran.web.deps import COOKIE, Client, Reg, User

__all__ = ["confirm", "enrol", "me", "router", "sign_in_", "sign_out"]

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses={
    401: {"description": "Wrong name, password or code; or not signed in"},
    403: {"description": "No CSRF token"}, 422: {"description": "Invalid request"},
    429: {"description": "Too many failed sign-ins: see Retry-After"}})


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.post("/sign-in", openapi_extra=documented(SignInBody))
async def sign_in_(request: Request, response: Response, registry: Reg,
                   client: Client) -> dict[str, Any]:
    """Open a session: name, password and, for accounts with a second factor, a
    TOTP code or an unused recovery code.  Returns the CSRF token to send as
    X-CSRF-Token with every change made with this session."""
    body = await read_body(request, SignInBody)
    done = await run_in_threadpool(sign_in.sign_in, registry, body.name, body.password,
                                   body.code, client=client)
    old = request.cookies.get(COOKIE)
    if old:
        await run_in_threadpool(sign_in.end_session, registry, old)
    response.set_cookie(COOKIE, done.session_id, max_age=sign_in.SESSION_HOURS * 3600,
                        path="/", httponly=True, samesite="strict", secure=_secure(request))
    return {"name": done.principal.name, "role": done.principal.role.name,
            "csrf_token": done.csrf, "expires_at": done.expires_at.isoformat()}


@router.post("/sign-out")
async def sign_out(request: Request, response: Response, registry: Reg, who: User,
                   client: Client) -> dict[str, str]:
    await run_in_threadpool(sign_in.sign_out, registry, who, client=client)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict",
                           secure=_secure(request))
    return {"signed_out": who.name}


@router.get("/me")
def me(who: User) -> dict[str, Any]:
    return {"name": who.name, "role": who.role.name, "via": who.via,
            "permissions": sorted(who.role.permissions)}


@router.post("/totp/enrol", openapi_extra=documented(EnrolBody))
async def enrol(request: Request, registry: Reg, who: User, client: Client) -> dict[str, Any]:
    """A new TOTP secret and recovery codes, shown once.  The old recovery codes
    stop working now; the new secret replaces the old one when a first code
    from it is sent to /totp/confirm."""
    await read_body(request, EnrolBody)
    made = await run_in_threadpool(accounts.enrol_totp, registry, who.name, actor=who.name,
                                   via="web", client=client)
    return {"secret": made.totp_secret, "uri": made.totp_uri,
            "recovery_codes": made.recovery_codes}


@router.post("/totp/confirm", openapi_extra=documented(TotpBody))
async def confirm(request: Request, registry: Reg, who: User, client: Client
                  ) -> dict[str, bool]:
    body = await read_body(request, TotpBody)
    await run_in_threadpool(sign_in.confirm_totp, registry, who.name, body.code,
                            client=client)
    return {"confirmed": True}
