"""The records that enter the registry, as plain data.

These are what an import file, a CLI command or (later) a web form produces
and what services check and store.  `where` says which file and line a record
came from so that an error can point a user at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CitationIn", "ClaimIn", "ConsentIn", "EntityIn", "HistoryIn", "RecordIn", "SettingIn",
    "SourceIn", "StatusIn", "Where",
]


@dataclass(frozen=True)
class Where:
    file: str | None = None
    line: int | None = None


NOWHERE = Where()

# Import files are validated against these classes (services/readers.py);
# an unknown field is an error, not silently dropped.
STRICT = {"extra": "forbid"}


@dataclass
class SourceIn:
    __pydantic_config__ = STRICT
    id: str
    kind: str
    title: str
    reliability: str = "F"
    author: str | None = None
    publisher: str | None = None
    publisher_type: str | None = None
    interested_party: bool = False
    date: str | None = None
    date_calendar: str | None = None
    language: str | None = None
    based_on: list[str] = field(default_factory=list)
    witness: str | None = None
    url: str | None = None
    note: str | None = None
    fictional: bool = False
    created_at: str | None = None
    created_by: str | None = None
    where: Where = NOWHERE


@dataclass
class EntityIn:
    __pydantic_config__ = STRICT
    id: str
    schema: str
    fictional: bool | None = False  # None: inherit from the source of its list record
    protected: bool = False
    pseudonym: str | None = None
    created_at: str | None = None
    created_by: str | None = None
    where: Where = NOWHERE


@dataclass
class RecordIn:
    """One row of an imported list, kept exactly as the list gave it."""

    __pydantic_config__ = STRICT
    source: str
    record_id: str
    person: str
    raw: dict[str, Any]
    created_at: str | None = None
    created_by: str | None = None
    where: Where = NOWHERE


@dataclass
class CitationIn:
    __pydantic_config__ = STRICT
    source: str
    locator: str = ""
    quote: str | None = None
    created_at: str | None = None
    created_by: str | None = None


@dataclass
class StatusIn:
    """A dated procedural step of an allegation, and who asserted it."""

    __pydantic_config__ = STRICT
    status: str
    asserted_by: str
    date: str | None = None
    date_calendar: str | None = None
    source: str | None = None
    locator: str | None = None
    created_at: str | None = None
    created_by: str | None = None


@dataclass
class ClaimIn:
    __pydantic_config__ = STRICT
    entity: str
    property: str
    value: str
    qualifier: str | None = None
    calendar: str | None = None
    citations: list[CitationIn] = field(default_factory=list)
    statuses: list[StatusIn] = field(default_factory=list)
    credibility: int = 6
    assessment: str = "alleged"
    record: str | None = None  # id of the source record it came from, if any
    preferred: bool = False
    preferred_by: str | None = None
    preferred_at: str | None = None
    created_at: str | None = None
    created_by: str | None = None
    where: Where = NOWHERE


@dataclass
class ConsentIn:
    __pydantic_config__ = STRICT
    person: str
    scope: str
    purpose: str
    given: str | None = None
    withdrawn: bool = False
    withdrawn_date: str | None = None
    note: str | None = None
    created_at: str | None = None
    created_by: str | None = None
    where: Where = NOWHERE


@dataclass
class SettingIn:
    """A fact about the installation carried by a full export (the person key)."""

    __pydantic_config__ = STRICT
    name: str
    value: str
    where: Where = NOWHERE


@dataclass
class HistoryIn:
    """A history row carried by an export, restored only into an empty registry."""

    __pydantic_config__ = STRICT
    at: str
    actor: str
    action: str
    entity_id: str | None = None
    claim_id: str | None = None
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    reason: str | None = None
    where: Where = NOWHERE
