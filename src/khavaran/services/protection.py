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

__all__ = ["PROTECTED_CELL", "HiddenSet", "hidden_set", "identifies", "identifying_properties",
           "is_hidden_claim"]

# The fewest people a count by place must hold before a protected person counts
# in it (search facets, estimates by city): a smaller cell would single them out.
PROTECTED_CELL = 5


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
    """Whether ``claim`` (a claim row) identifies a protected person: one of
    their identifying facts, or a relation to them ("sibling of" the witness)."""
    row = queries.entity_row(conn, claim["entity_id"])
    if row is None:
        return False
    if row["protected"] and identifies(row["schema"], claim):
        return True
    if claim["ref_id"] and claim["property"] in identifying_properties()[row["schema"]]:
        target = queries.entity_row(conn, claim["ref_id"])
        return bool(target and target["protected"])
    return False


class HiddenSet:
    """The protected people among some records, and every claim id that would
    identify them: ids of identifying claims are hashes of names and dates."""

    def __init__(self, people: dict[str, str], claims: set[str],
                 merged: frozenset[str] = frozenset()) -> None:
        self.people = people  # id -> kind
        self.claims = claims
        self.merged = merged  # every protected person and list person merged with one

    def hides_history(self, row: Any) -> bool:
        """Whether a history row would identify a protected person, directly or
        through the id of a hidden claim or of a list row; a merge or split
        names the list persons that make up the person, consent records are
        shown only on request, and so is the summary of a batch that touched
        them (services/ingest.py)."""
        if row["claim_id"] in self.claims:
            return True
        if row["action"] in ("merge", "split") and self.merged & set(
                (row["new_value"] or "").split(", ")):
            return True
        kind = self.people.get(row["entity_id"])
        return kind is not None and (row["field"] in identifying_properties()[kind]
                                     or row["field"] in ("consent", "batch")
                                     or row["action"] in ("add-source-record", "merge",
                                                          "split"))


def hidden_set(conn: Connection, entity_ids: Iterable[str] | None = None) -> HiddenSet:
    """Protected people (among ``entity_ids``, or all; a person merged with a
    protected one is protected) and their hidden claim ids, relations to them
    from anyone included."""
    everyone = queries.protected_entities(conn)
    people = {eid: row["schema"] for eid, row in
              (queries.entities(conn, entity_ids) if entity_ids is not None
               else everyone).items() if row["protected"]}
    claims = {c["id"] for c in queries.claims_for(conn, people)
              if identifies(people[c["entity_id"]], c)}
    secret = identifying_properties()
    claims |= {c["id"] for c in queries.relation_claims(conn, everyone)
               if c["property"] in secret[c["schema"]]}
    return HiddenSet(people, claims, frozenset(everyone))
