"""What may be shown of a protected person.

A protected person's identifying facts are hidden everywhere unless the caller
asks for them.  Claim ids are hashes of their content, so a hidden claim must
also be unreachable by id: otherwise anyone could confirm a guess at a name by
hashing it and asking for that id.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Connection

from khavaran.model.loader import load_model
from khavaran.storage import queries

__all__ = ["HiddenSet", "hidden_set", "identifies", "identifying_properties",
           "is_hidden_claim"]


@cache
def identifying_properties() -> dict[str, frozenset[str]]:
    """Kind -> the properties that identify a person of that kind."""
    return {name: frozenset(p for p, prop in schema.properties.items() if prop.identifying)
            for name, schema in load_model().schemas.items()}


def identifies(kind: str, claim: Any) -> bool:
    """Whether a claim (row) about a protected person of ``kind`` must be hidden:
    an identifying property, or anything taken from a list row (its locator,
    the row's number in the list, points at the person)."""
    return (claim["property"] in identifying_properties()[kind]
            or claim["record_id"] is not None)


def is_hidden_claim(conn: Connection, claim: Any) -> bool:
    """Whether ``claim`` (a claim row) identifies a protected person."""
    row = queries.entity_row(conn, claim["entity_id"])
    return bool(row and row["protected"] and identifies(row["schema"], claim))


class HiddenSet:
    """The protected people among some records, and every claim id that would
    identify them: ids of identifying claims are hashes of names and dates."""

    def __init__(self, people: dict[str, str], claims: set[str]) -> None:
        self.people = people  # id -> kind
        self.claims = claims

    def hides_history(self, row: Any) -> bool:
        """Whether a history row would identify a protected person, directly or
        through the id of a hidden claim or of a list row."""
        if row["claim_id"] in self.claims:
            return True
        kind = self.people.get(row["entity_id"])
        return kind is not None and (row["field"] in identifying_properties()[kind]
                                     or row["action"] == "add-source-record")


def hidden_set(conn: Connection, entity_ids: Iterable[str] | None = None) -> HiddenSet:
    """Protected people (among ``entity_ids``, or all) and their hidden claim ids."""
    people = {eid: row["schema"] for eid, row in
              (queries.entities(conn, entity_ids) if entity_ids is not None
               else queries.protected_entities(conn)).items() if row["protected"]}
    claims = {c["id"] for c in queries.claims_for(conn, people)
              if identifies(people[c["entity_id"]], c)}
    return HiddenSet(people, claims)
