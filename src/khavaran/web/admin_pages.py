"""Administration in the browser, for the admin role: accounts, roles, API
tokens, and the access log with filters.  The same services as `khavaran
user …` and `khavaran access-log`; every change goes to the access log."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from khavaran.errors import KhavaranError, ValidationError
from khavaran.model.roles import load_roles
from khavaran.services import access_log, accounts
from khavaran.services.accounts import NewSecrets
from khavaran.web.deps import Reg
from khavaran.web.i18n import catalogue
from khavaran.web.pages import SignedIn, form_of, language, may, render

__all__ = ["add_user", "admin", "change_role", "disable_user", "issue_token", "log",
           "revoke_token", "router"]

router = APIRouter(prefix="/admin", include_in_schema=False)
PAGE = 50


async def _overview(request: Request, registry: Reg, *, status: int = 200,
                    errors: dict[str, str] | None = None, kept: dict[str, str] | None = None,
                    secrets: NewSecrets | None = None, token: str = "") -> Response:
    users = await run_in_threadpool(accounts.list_accounts, registry)
    tokens = await run_in_threadpool(accounts.tokens, registry)
    return render(request, "admin.html", {
        "users": users, "tokens": tokens, "roles": load_roles(), "errors": errors or {},
        "kept": kept or {}, "secrets": secrets, "token": token}, status=status)


@router.get("")
async def admin(request: Request, registry: Reg, who: SignedIn) -> Response:
    await may(request, registry, who, "admin")
    return await _overview(request, registry)


def _message(request: Request, e: KhavaranError) -> str:
    text = e.message if isinstance(e, ValidationError) else str(e)
    return catalogue(language(request)).gettext(text)


@router.post("/users")
async def add_user(request: Request, registry: Reg, who: SignedIn) -> Response:
    await may(request, registry, who, "admin")
    form = await form_of(request, registry, who)
    name, role = str(form.get("name", "")).strip(), str(form.get("role", ""))
    try:
        made = await run_in_threadpool(accounts.add_account, registry, name, role,
                                       actor=who.name, second_factor=True)
    except KhavaranError as e:
        field = e.field if isinstance(e, ValidationError) and e.field else "role"
        return await _overview(request, registry, status=422, kept={"name": name, "role": role},
                               errors={field: _message(request, e)})
    return await _overview(request, registry, secrets=made)


@router.post("/users/{name}/role")
async def change_role(request: Request, registry: Reg, who: SignedIn, name: str) -> Response:
    await may(request, registry, who, "admin")
    form = await form_of(request, registry, who)
    made = await run_in_threadpool(accounts.set_role, registry, name,
                                   str(form.get("role", "")), actor=who.name)
    if made.totp_secret:
        return await _overview(request, registry, secrets=made)
    return RedirectResponse("/admin", status_code=303)


@router.post("/users/{name}/disable")
async def disable_user(request: Request, registry: Reg, who: SignedIn, name: str) -> Response:
    await may(request, registry, who, "admin")
    await form_of(request, registry, who)
    await run_in_threadpool(accounts.disable, registry, name, actor=who.name)
    return RedirectResponse("/admin", status_code=303)


@router.post("/users/{name}/token")
async def issue_token(request: Request, registry: Reg, who: SignedIn, name: str) -> Response:
    await may(request, registry, who, "admin")
    await form_of(request, registry, who)
    token = await run_in_threadpool(accounts.issue_token, registry, name, actor=who.name)
    return await _overview(request, registry, token=token)


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(request: Request, registry: Reg, who: SignedIn,
                       token_id: str) -> Response:
    await may(request, registry, who, "admin")
    await form_of(request, registry, who)
    await run_in_threadpool(accounts.revoke_token, registry, token_id, actor=who.name)
    return RedirectResponse("/admin", status_code=303)


def _day(text: str, field: str, end: bool = False) -> dt.datetime | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError("give a date as YYYY-MM-DD", field=field) from None
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start + dt.timedelta(days=1) if end else start


@router.get("/log")
async def log(request: Request, registry: Reg, who: SignedIn) -> Response:
    """The access log, newest first: who did what to which record, when, how."""
    await may(request, registry, who, "admin")
    q = request.query_params
    kept = {k: q.get(k, "").strip() for k in ("actor", "action", "target", "since", "until")}
    try:
        page = max(int(q.get("page", "1") or 1), 1)
    except ValueError:
        page = 1
    errors: dict[str, str] = {}
    entries = None
    try:
        entries = await run_in_threadpool(
            lambda: access_log.read_log(
                registry, actor=kept["actor"] or None, action=kept["action"] or None,
                target=kept["target"] or None, since=_day(kept["since"], "since"),
                until=_day(kept["until"], "until", end=True), limit=PAGE,
                offset=(page - 1) * PAGE))
    except ValidationError as e:
        errors[e.field or "action"] = _message(request, e)
    return render(request, "admin_log.html", {
        "kept": kept, "errors": errors, "log": entries, "page": page, "size": PAGE,
        "actions": sorted(access_log.ACTIONS)}, status=422 if errors else 200)
