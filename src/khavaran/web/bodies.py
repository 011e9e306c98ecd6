"""Request bodies of the JSON API, read only after the caller's rights are
checked (routes call ``read_body``), and documented in the OpenAPI document."""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ClaimBody", "EnrolBody", "PersonBody", "RevealBody", "SignInBody", "SourceBody",
           "Strict", "TotpBody", "documented", "read_body"]

T = TypeVar("T", bound=BaseModel)
Short = Field(min_length=1, max_length=200)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignInBody(Strict):
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)
    code: str | None = Field(None, max_length=64,
                             description="A TOTP code, or an unused recovery code.")


class TotpBody(Strict):
    code: str = Field(min_length=1, max_length=64)


class EnrolBody(Strict):
    pass


class RevealBody(Strict):
    reason: str = Field(min_length=1, max_length=1000,
                        description="Why you need to see this identity (kept in the log).")


class SourceBody(Strict):
    id: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=32)
    title: str = Field(min_length=1, max_length=2000)
    reliability: str = Field("F", min_length=1, max_length=1)
    author: str | None = Field(None, max_length=1000)
    publisher: str | None = Field(None, max_length=1000)
    publisher_type: str | None = Field(None, max_length=32)
    interested_party: bool = False
    date: str | None = Field(None, max_length=100)
    date_calendar: str | None = Field(None, max_length=16)
    language: str | None = Field(None, max_length=16)
    based_on: list[str] = Field(default_factory=list, max_length=100)
    url: str | None = Field(None, max_length=2000)
    note: str | None = Field(None, max_length=10000)
    fictional: bool = False
    reason: str | None = Field(None, max_length=1000)


class PersonBody(Strict):
    id: str = Field(min_length=1, max_length=64)
    fictional: bool = False
    protected: bool = False
    pseudonym: str | None = Field(None, max_length=200)
    reason: str | None = Field(None, max_length=1000)


class ClaimBody(Strict):
    entity: str = Field(min_length=1, max_length=64, description="The record it is about.")
    property: str = Field(min_length=1, max_length=64)
    value: str = Field(min_length=1, max_length=10000, description="Verbatim, as the source "
                                                                   "says.")
    sources: list[str] = Field(min_length=1, max_length=50,
                               description="Source ids: a claim without one is refused.")
    locator: str = Field("", max_length=1000)
    qualifier: str | None = Field(None, max_length=64)
    calendar: str | None = Field(None, max_length=16)
    credibility: int = Field(6, ge=1, le=6)
    assessment: str = Field("alleged", max_length=32)
    status: str | None = Field(None, max_length=64)
    status_date: str | None = Field(None, max_length=100)
    asserted_by: str | None = Field(None, max_length=1000)
    reason: str | None = Field(None, max_length=1000)
    include_protected: bool = Field(False, description="Allow a protected person's "
                                                       "identifying fact (needs reveal).")


def documented(model: type[BaseModel]) -> dict[str, Any]:
    """openapi_extra for a route that reads ``model`` itself (see read_body)."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


async def read_body(request: Request, model: type[T]) -> T:
    """The request body as ``model``; a 422 in the API's error shape otherwise."""
    raw = await request.body()
    if b"\\u0000" in raw or b"\x00" in raw:
        # No text field of the database can hold a NUL character.
        raise RequestValidationError([{"loc": ("body",), "msg": "the body holds a NUL "
                                       "character", "type": "value_error"}])
    try:
        return model.model_validate_json(raw)
    except pydantic.ValidationError as exc:
        raise RequestValidationError(exc.errors(include_input=False)) from None
