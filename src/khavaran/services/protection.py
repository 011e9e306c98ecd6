"""What may be shown of a protected person.

A protected person's identifying facts are hidden everywhere unless the caller
asks for them.  Claim ids are hashes of their content, so a hidden claim must
also be unreachable by id: otherwise anyone could confirm a guess at a name by
hashing it and asking for that id.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection

from khavaran.model.loader import load_model
from khavaran.storage import queries

__all__ = ["identifying_properties", "is_hidden_claim"]


@cache
def identifying_properties() -> dict[str, frozenset[str]]:
    """Kind -> the properties that identify a person of that kind."""
    return {name: frozenset(p for p, prop in schema.properties.items() if prop.identifying)
            for name, schema in load_model().schemas.items()}


def is_hidden_claim(conn: Connection, claim: Any) -> bool:
    """Whether ``claim`` (a claim row) identifies a protected person."""
    row = queries.entity_row(conn, claim["entity_id"])
    return bool(row and row["protected"]
                and claim["property"] in identifying_properties()[row["schema"]])
