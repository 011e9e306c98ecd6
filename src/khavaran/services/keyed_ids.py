"""Keyed ids for the claims that would identify a protected person.

A plain claim id is a hash of the fact it states (model/ids.claim_id): anyone
can compute the id of "this witness's name is X" and ask for it.  So each claim
that identifies a protected person (an identifying fact of theirs, a list row
of theirs, or a relation naming them) is given a keyed id, a hash of the plain
one keyed with the registry's secret, and is shown and found under it only.
Its plain id answers, to everyone, as an unknown id does.

A protected person's list rows are known the same way: the reference
SOURCE:RECORD (which anyone holding the list can write) answers as unknown, and
the row is shown and found under the keyed hash of its id (``keyed_records``).

Stored rows keep the plain id: citations, history, case and evidence links and
the ledger's seals refer to it.  The keyed id lives beside it (claim_alias),
given when such a claim is written, when its person is protected, and by
`khavaran init` for a registry made before keyed ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from khavaran.model import ids
from khavaran.services.protection import identifies, identifying_properties
from khavaran.storage import aliases, queries, repo

__all__ = ["claim_by_id", "key_protected", "keyed_records", "shown_id", "shown_ids"]


def key_protected(conn: Connection, entity_ids: Iterable[str] | None = None) -> int:
    """Give a keyed id to every claim that identifies a protected person (among
    ``entity_ids``, or all) and has none yet; returns how many were given."""
    people = queries.protected_entities(conn)  # few: cheaper than looking up entity_ids
    if entity_ids is not None:
        wanted_people = set(entity_ids)
        people = {eid: r for eid, r in people.items() if eid in wanted_people}
    if not people:
        return 0
    wanted = {c["id"] for c in queries.claims_for(conn, people)
              if identifies(people[c["entity_id"]]["schema"], c)}
    relations = aliases.claims_referring(conn, people)
    holders = queries.entities(conn, {c["entity_id"] for c in relations})
    wanted |= {c["id"] for c in relations
               if c["property"] in identifying_properties()[holders[c["entity_id"]]["schema"]]}
    missing = wanted - aliases.keyed_of(conn, wanted).keys()
    if missing:
        key = repo.person_key(conn)
        aliases.add_aliases(conn, {p: ids.keyed_id(p, key) for p in missing})
    return len(missing)


def claim_by_id(conn: Connection, claim_id: str) -> Any:
    """The claim row known by ``claim_id``, or None.

    A keyed id finds its claim; the plain id of a claim that has a keyed one
    finds nothing, exactly as an id that does not exist.  Whether the caller may
    see the claim is still for the caller to check (protection.is_hidden_claim).
    """
    plain = aliases.plain_of(conn, claim_id)
    if plain is not None:
        return repo.claim_row(conn, plain)
    if aliases.keyed_of(conn, [claim_id]):
        return None
    return repo.claim_row(conn, claim_id)


def shown_ids(conn: Connection, claim_ids: Iterable[str]) -> dict[str, str]:
    """Plain claim id -> the id it is shown under (its keyed id, or itself)."""
    wanted = set(claim_ids)
    keyed = aliases.keyed_of(conn, wanted)
    return {c: keyed.get(c, c) for c in wanted}


def shown_id(conn: Connection, claim_id: str) -> str:
    """The id ``claim_id`` (plain) is shown under."""
    return shown_ids(conn, [claim_id])[claim_id]


def keyed_records(conn: Connection) -> dict[str, str]:
    """Keyed reference -> source_record id, for every list row of a protected person.

    Computed, not stored: protected people are few, and a row's keyed reference
    follows its person's protection without a write."""
    people = queries.protected_entities(conn)
    rows = aliases.records_of(conn, people) if people else []
    if not rows:
        return {}
    key = repo.person_key(conn)
    return {ids.keyed_id(r["id"], key): r["id"] for r in rows}
