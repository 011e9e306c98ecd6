"""Stable ids derived from what a row says, so re-imports hit the same rows.

Each id is a BLAKE2b digest of its parts joined by the unit separator (U+001F,
which no typed value contains), a missing part counting as "".  The parts and
their order are part of the data format: changing them would give every
existing row a new id.
"""

from __future__ import annotations

from hashlib import blake2b

__all__ = ["citation_id", "claim_id", "consent_id", "keyed_id", "record_id", "record_person_id",
           "status_id"]


def _digest(joined: str) -> str:
    return blake2b(joined.encode("utf-8"), digest_size=12).hexdigest()


def record_id(source: str, record: str) -> str:
    return "r-" + _digest(f"{source}\x1f{record}")


def record_person_id(source: str, record: str, key: bytes) -> str:
    """The person a list row stands for, until linkage joins it to others.

    Keyed with the registry's own secret: the id is printed wherever the person
    appears (pseudonym included), and an unkeyed hash of a list and a row number
    would let anyone holding the list find which row a protected person is.
    """
    joined = f"{source}\x1f{record}".encode()
    return "p-" + blake2b(joined, digest_size=12, key=key).hexdigest()


def keyed_id(plain: str, key: bytes) -> str:
    """The id a protected person's claim is shown and found under, in place of ``plain``.

    A plain claim id is a hash of the fact it states, so anyone could compute the
    id of "this witness's name is X" and ask for it.  The keyed id is a hash of
    the plain one keyed with the registry's secret (as ``record_person_id``): it
    cannot be computed without the secret.  It keeps the plain id's prefix.
    """
    prefix = plain.split("-", 1)[0]
    return f"{prefix}-" + blake2b(f"keyed\x1f{plain}".encode(), digest_size=12,
                                  key=key).hexdigest()


def claim_id(entity: str, prop: str, qualifier: str | None, value: str, record: str | None) -> str:
    return "c-" + _digest(f"{entity}\x1f{prop}\x1f{qualifier or ''}\x1f{value}\x1f{record or ''}")


def citation_id(claim: str, source: str, locator: str) -> str:
    return "ci-" + _digest(f"{claim}\x1f{source}\x1f{locator}")


def status_id(claim: str, status: str, date: str | None, asserted_by: str) -> str:
    return "st-" + _digest(f"{claim}\x1f{status}\x1f{date or ''}\x1f{asserted_by}")


def consent_id(person: str, scope: str, purpose: str, given: str | None) -> str:
    return "co-" + _digest(f"{person}\x1f{scope}\x1f{purpose}\x1f{given or ''}")
