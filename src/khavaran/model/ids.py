"""Stable ids derived from what a row says, so re-imports hit the same rows."""

from __future__ import annotations

from hashlib import blake2b

__all__ = ["citation_id", "claim_id", "consent_id", "record_id", "record_person_id", "status_id"]

SEP = "\x1f"  # unit separator: cannot occur in a value typed by a person


def _digest(*parts: str | None) -> str:
    joined = SEP.join("" if p is None else p for p in parts)
    return blake2b(joined.encode("utf-8"), digest_size=12).hexdigest()


def record_id(source: str, record: str) -> str:
    return "r-" + _digest(source, record)


def record_person_id(source: str, record: str) -> str:
    """The person a list row stands for, until linkage joins it to others."""
    return "p-" + _digest(source, record)


def claim_id(entity: str, prop: str, qualifier: str | None, value: str, record: str | None) -> str:
    return "c-" + _digest(entity, prop, qualifier, value, record)


def citation_id(claim: str, source: str, locator: str) -> str:
    return "ci-" + _digest(claim, source, locator)


def status_id(claim: str, status: str, date: str | None, asserted_by: str) -> str:
    return "st-" + _digest(claim, status, date, asserted_by)


def consent_id(person: str, scope: str, purpose: str, given: str | None) -> str:
    return "co-" + _digest(person, scope, purpose, given)
