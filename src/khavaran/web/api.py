"""The JSON API's routes over the registry: each checks the caller's rights,
then calls one service function."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from khavaran.errors import ForbiddenError
from khavaran.model.records import CitationIn, ClaimIn, EntityIn, SourceIn, StatusIn
from khavaran.services import access_log, adding, editing, reading
from khavaran.web.bodies import (
    ClaimBody,
    PersonBody,
    RevealBody,
    SourceBody,
    documented,
    read_body,
)
from khavaran.web.deps import Admin, Client, Reader, Reg, Revealer, Writer

__all__ = ["access", "add_claim", "add_person", "add_source", "health", "history", "person",
           "reveal", "router", "search", "source"]

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No token or session, or a bad one"},
    403: {"description": "The role does not allow this, or no CSRF token"},
    404: {"description": "No such record"},
    422: {"description": "Invalid request"},
}
router = APIRouter(prefix="/api/v1", responses=ERRORS)
Id = Annotated[str, Query(min_length=1, max_length=200)]


@router.get("/health", tags=["meta"], responses={200: {"description": "Always ok"}})
async def health() -> dict[str, str]:
    """A static answer, no token needed (the benchmark's baseline)."""
    return {"status": "ok"}


@router.get("/search", tags=["records"])
def search(registry: Reg, who: Reader,
           q: Annotated[str, Query(min_length=1, max_length=200)],
           limit: Annotated[int, Query(ge=1, le=reading.MAX_PAGE)] = 20,
           offset: Annotated[int, Query(ge=0, le=400)] = 0,
           kind: Annotated[str | None, Query(max_length=32)] = None) -> dict[str, Any]:
    """Records by name in either script; protected people only by pseudonym."""
    page = reading.search_page(registry, q, limit=limit, offset=offset, schema=kind)
    # JSON's own types already: written out as they are (docs/benchmarks.md).
    return JSONResponse(dataclasses.asdict(page))  # type: ignore[return-value]


@router.get("/persons/{person_id}", tags=["records"])
def person(registry: Reg, who: Reader, client: Client, person_id: str) -> dict[str, Any]:
    """A person with every fact and its sources; a protected person under their
    pseudonym, whatever the role (reveal with POST .../reveal)."""
    return JSONResponse(  # type: ignore[return-value]
        reading.person(registry, person_id, actor=who.name, client=client))


@router.post("/persons/{person_id}/reveal", tags=["records"],
             openapi_extra=documented(RevealBody))
async def reveal(request: Request, registry: Reg, who: Revealer, client: Client,
                 person_id: str) -> dict[str, Any]:
    """A protected person's identity, for a role that may reveal, with a reason
    (written to history and the access log)."""
    body = await read_body(request, RevealBody)
    return await run_in_threadpool(reading.reveal_person, registry, person_id,
                                   actor=who.name, reason=body.reason, client=client)


@router.get("/sources/{source_id}", tags=["records"])
def source(registry: Reg, who: Reader, source_id: str) -> dict[str, Any]:
    """A source; a protected witness's testimony without what would name them."""
    return reading.source(registry, source_id)


@router.get("/history/{record_id}", tags=["records"])
def history(registry: Reg, who: Reader, client: Client, record_id: str,
            limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> dict[str, Any]:
    """Who changed what and why, oldest first; protected identities withheld."""
    changes = reading.record_history(registry, record_id, actor=who.name, limit=limit,
                                     client=client)
    return {"items": [dataclasses.asdict(c) for c in changes], "limit": limit}


@router.post("/sources", status_code=201, tags=["writes"], openapi_extra=documented(SourceBody))
async def add_source(request: Request, registry: Reg, who: Writer) -> dict[str, Any]:
    body = await read_body(request, SourceBody)
    new = SourceIn(id=body.id, kind=body.kind, title=body.title, reliability=body.reliability,
                   author=body.author, publisher=body.publisher,
                   publisher_type=body.publisher_type, interested_party=body.interested_party,
                   date=body.date, date_calendar=body.date_calendar, language=body.language,
                   based_on=body.based_on, url=body.url, note=body.note,
                   fictional=body.fictional)
    report = await run_in_threadpool(adding.add_source, registry, new, actor=who.name,
                                     reason=body.reason)
    return {"id": body.id, "added": report.changed_anything}


@router.post("/persons", status_code=201, tags=["writes"], openapi_extra=documented(PersonBody))
async def add_person(request: Request, registry: Reg, who: Writer) -> dict[str, Any]:
    body = await read_body(request, PersonBody)
    new = EntityIn(id=body.id, schema="Person", fictional=body.fictional,
                   protected=body.protected, pseudonym=body.pseudonym)
    report = await run_in_threadpool(adding.add_entity, registry, new, actor=who.name,
                                     reason=body.reason)
    return {"id": body.id, "added": report.changed_anything}


@router.post("/claims", status_code=201, tags=["writes"], openapi_extra=documented(ClaimBody))
async def add_claim(request: Request, registry: Reg, who: Writer) -> dict[str, Any]:
    body = await read_body(request, ClaimBody)
    if body.include_protected and not who.role.may("reveal"):
        raise ForbiddenError(f"the role '{who.role.name}' may not add a protected person's "
                             "identifying facts")
    statuses = [StatusIn(body.status, body.asserted_by or "", body.status_date)] \
        if body.status else []
    claim = ClaimIn(body.entity, body.property, body.value, qualifier=body.qualifier,
                    calendar=body.calendar, citations=[CitationIn(s, body.locator)
                                                       for s in body.sources],
                    statuses=statuses, credibility=body.credibility,
                    assessment=body.assessment)
    claim_id, report = await run_in_threadpool(
        editing.add_claim, registry, claim, actor=who.name, reason=body.reason,
        include_protected=body.include_protected)
    return {"id": claim_id, "added": bool(report.added["claims"])}


@router.get("/access-log", tags=["admin"])
def access(registry: Reg, who: Admin,
           actor: Annotated[str | None, Query(max_length=200)] = None,
           action: Annotated[str | None, Query(max_length=32)] = None,
           target: Annotated[str | None, Query(max_length=200)] = None,
           since: dt.datetime | None = None, until: dt.datetime | None = None,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100,
           offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    """The access log, newest first: sign-ins, views of protected records,
    reveals, exports, refusals.  Administrators only."""
    page = access_log.read_log(registry, actor=actor, action=action, target=target,
                               since=since, until=until, limit=limit, offset=offset)
    return {"items": [dataclasses.asdict(e) for e in page.entries], "total": page.total,
            "limit": page.limit, "offset": page.offset}
