"""Which persons and places the public memorial shows (`khavaran serve --public`).

A person is public when an investigator has published them and they are not
protected: a protected person can never be published, and protecting a
published person takes them off the memorial at once (``is_public`` checks
both on every request).  Each publish and unpublish is written to history with
its reason, and sets the registry's version anew (storage/sealing.py), so the
next request of every process sees it: no cached page outlives an unpublish.

A person merged from several list rows is published under the merged person,
the id the memorial shows.  A place is published for the memorial's map: a
recorded site (a grave not yet announced, say) stays off it until someone
decides to show it.
"""

from __future__ import annotations

from typing import Any

from khavaran.errors import NotFoundError, ValidationError
from khavaran.services.registry import Registry
from khavaran.storage import publishing as store
from khavaran.storage import queries, reading_queries, repo

__all__ = ["is_public", "public_among", "publish", "publish_many", "publish_place", "published",
           "unpublish", "unpublish_place"]


def _why(reason: str) -> str:
    if not reason or not reason.strip():
        raise ValidationError("say why with --reason: history keeps the reason for each change",
                              field="reason")
    return reason.strip()[:1000]


def _set(registry: Registry, entity_id: str, on: bool, actor: str, reason: str,
         schema: str) -> bool:
    why = _why(reason)
    with registry.write() as conn:
        row = queries.entity_row(conn, entity_id)
        if row is None or row["schema"] != schema:
            raise NotFoundError(f"no {schema.lower()} with id '{entity_id}'")
        head = queries.person_of(conn, entity_id) if schema == "Person" else entity_id
        members = queries.group_members(conn, head) if schema == "Person" else [head]
        if on and any(r["protected"] for r in queries.entities(conn, members).values()):
            raise ValidationError(f"{entity_id} is a protected person: a protected person is "
                                  "never published", field="person")
        if on and schema == "Place":
            _drawable(conn, entity_id)
        old = store.set_published(conn, head, on, registry.now(), actor)
        if bool(old) == on:
            return False
        repo.append_history(conn, [{
            "at": registry.now(), "actor": actor, "action": "publish" if on else "unpublish",
            "entity_id": head, "claim_id": None, "field": "published",
            "old_value": str(bool(old)), "new_value": str(on), "reason": why}])
    return True


def _drawable(conn: Any, place_id: str) -> None:
    """A place goes on the public map only if the map can draw it: a point (not a
    country or a province) with coordinates no one has rejected."""
    claims = [c for c in queries.claims_for(conn, [place_id], ["kind", "coordinates"])
              if c["assessment"] != "rejected"]
    kinds = {c["value"] for c in claims if c["property"] == "kind"}
    if kinds & {"country", "province"}:
        raise ValidationError(f"{place_id} is an area, not a point: the public map draws "
                              "prisons, cities and burial sites", field="place")
    if not any(c["property"] == "coordinates" for c in claims):
        raise ValidationError(f"{place_id} has no coordinates: the public map cannot draw "
                              "it; add them, with their source, first", field="place")


def publish(registry: Registry, person_id: str, *, actor: str, reason: str) -> bool:
    """Show a person on the public memorial; False when they already were.

    Parameters: ``actor`` who (kept in history); ``reason`` why.  Refused for a
    protected person (or one merged with a protected person)."""
    return _set(registry, person_id, True, actor, reason, "Person")


def publish_many(registry: Registry, person_ids: list[str] | None = None, *, actor: str,
                 reason: str) -> int:
    """Publish many persons in one transaction (all persons when ``person_ids``
    is None), each in history; protected persons, and those merged with one,
    are left out.  Returns how many were published now."""
    why = _why(reason)
    done = 0
    with registry.write() as conn:
        ids = person_ids if person_ids is not None else store.person_ids(conn)
        rows = queries.entities(conn, ids)
        heads = reading_queries.heads_of(conn, ids)
        members = reading_queries.members_of(conn, set(heads.values()))
        every = [m for ms in members.values() for m in ms]
        shut = {m for m, r in queries.entities(conn, every).items() if r["protected"]}
        already = store.published_among(conn, heads.values())
        now, history = registry.now(), []
        for head in sorted(set(heads.values())):
            if (head in already or shut & set(members[head])
                    or rows.get(head, {"schema": "Person"})["schema"] != "Person"):
                continue
            store.set_published(conn, head, True, now, actor)
            history.append({"at": now, "actor": actor, "action": "publish",
                            "entity_id": head, "claim_id": None, "field": "published",
                            "old_value": "False", "new_value": "True", "reason": why})
            done += 1
        repo.append_history(conn, history)
    return done


def unpublish(registry: Registry, person_id: str, *, actor: str, reason: str) -> bool:
    """Take a person off the public memorial, from the next request on; False
    when they were not published."""
    return _set(registry, person_id, False, actor, reason, "Person")


def publish_place(registry: Registry, place_id: str, *, actor: str, reason: str) -> bool:
    """Show a place on the public memorial's map; False when it already was.
    Refused for an area (a country, a province) and a place without coordinates."""
    return _set(registry, place_id, True, actor, reason, "Place")


def unpublish_place(registry: Registry, place_id: str, *, actor: str, reason: str) -> bool:
    """Take a place off the public memorial's map, from the next request on."""
    return _set(registry, place_id, False, actor, reason, "Place")


def published(registry: Registry, person_id: str) -> bool:
    """Whether the person (their merged person), or the place, is published
    (protected or not)."""
    with registry.read() as conn:
        head = queries.person_of(conn, person_id)
        return bool(store.published_among(conn, [head]))


def is_public(conn: Any, person_id: str) -> str | None:
    """The merged person's id when ``person_id`` may be shown on the memorial:
    a person, published, and neither they nor anyone merged with them protected."""
    found = store.public_head(conn, person_id)
    return None if found is None else found[0]


def public_among(conn: Any, heads: list[str]) -> set[str]:
    """Those of the merged persons ``heads`` that are published (the caller
    drops protected ones itself)."""
    return store.published_among(conn, heads)
