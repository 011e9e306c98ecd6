"""Reading the registry on behalf of an account: the use cases behind the JSON
API (and any other front end), over search, profiles and history.

What may be seen is decided by services/protection.py through the services
called here; this module adds paging, the reveal with a reason, and writes
each view of a protected record and each reveal to the access log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from khavaran.errors import NotFoundError, ValidationError
from khavaran.model.types.fuzzy_date import show_date
from khavaran.services import history as history_service
from khavaran.services import profiles, versioned
from khavaran.services import search as search_service
from khavaran.services.access_log import record
from khavaran.services.history import Change
from khavaran.services.keyed_ids import claim_by_id
from khavaran.services.protection import hidden_set
from khavaran.services.registry import Registry
from khavaran.services.search import Hit
from khavaran.storage import queries, repo

__all__ = ["MAX_PAGE", "Page", "person", "record_history", "reveal_person", "search_page",
           "source"]

MAX_PAGE = 100


@dataclass
class Page:
    items: list[Any]
    limit: int
    offset: int
    more: bool  # whether a next page may hold more


def _paging(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    if offset < 0:
        raise ValidationError("offset must be 0 or more", field="offset")


def search_page(registry: Registry, query: str, *, limit: int = 20, offset: int = 0,
                schema: str | None = None) -> Page:
    """One page of search results; protected people appear only under their
    pseudonym, found only by it."""
    _paging(limit, offset)
    if not query.strip():
        raise ValidationError("give a name or id to search for", field="q")
    if offset + limit > search_service.CANDIDATES:
        raise ValidationError(f"only the best {search_service.CANDIDATES} results are ranked: "
                              "narrow the query instead of paging further", field="offset")
    return versioned.cached(registry, ("search-page", query, limit, offset, schema),
                            lambda: _search_page(registry, query, limit, offset, schema))


def _search_page(registry: Registry, query: str, limit: int, offset: int,
                 schema: str | None) -> Page:
    hits: list[Hit] = search_service.search(registry, query, limit=offset + limit + 1,
                                            schema=schema)
    return Page([dataclasses.asdict(h) for h in hits[offset:offset + limit]], limit, offset,
                len(hits) > offset + limit)


def _log_if_protected(registry: Registry, entity_id: str, actor: str, client: str | None,
                      via: str) -> None:
    with registry.read() as conn:
        info = repo.entity_info(conn, [entity_id]).get(entity_id)
    if info is not None and info.protected:
        record(registry, actor=actor, action="view-protected", target=entity_id,
               client=client, via=via)


def person(registry: Registry, person_id: str, *, actor: str, client: str | None = None,
           via: str = "web") -> dict[str, Any]:
    """A person's profile as data in JSON's own types, a protected person under
    their pseudonym; a view of a protected person is written to the access log."""
    protected, shown_id, data = versioned.cached(
        registry, ("person-data", person_id), lambda: _person_data(registry, person_id))
    if protected:
        # On every request, cached or not: the access log misses no view.
        record(registry, actor=actor, action="view-protected", target=shown_id,
               client=client, via=via)
    return data


def _person_data(registry: Registry, person_id: str) -> tuple[bool, str, dict[str, Any]]:
    shown = profiles.show(registry, person_id, schema="Person")
    return shown.protected, shown.id, _plain(shown)


def _plain(value: Any) -> Any:
    """``value`` in JSON's own types (dataclasses as dicts, times and dates as
    ISO 8601 text), so that a front end can write it out as it is.

    One walk, instead of dataclasses.asdict (which deep-copies every value) and
    then a second walk: that took longer than reading the person."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    names = _FIELDS.get(type(value))
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {n: _plain(getattr(value, n)) for n in names}
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}


def reveal_person(registry: Registry, person_id: str, *, actor: str, reason: str,
                  client: str | None = None, via: str = "web") -> dict[str, Any]:
    """A protected person's identity, for an account that may reveal, given a
    reason: the reveal goes to history and to the access log with the reason.
    The caller checks the role."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("say why you need to see this identity", field="reason")
    shown = profiles.show(registry, person_id, schema="Person", include_protected=True,
                          actor=actor, reason=reason[:1000], via=via, client=client)
    return dataclasses.asdict(shown)


def record_history(registry: Registry, record_id: str, *, actor: str, limit: int = 50,
                   client: str | None = None, via: str = "web") -> list[Change]:
    """The history of a record or claim, withholding protected identities."""
    if not 1 <= limit <= 1000:
        raise ValidationError("limit must be between 1 and 1000", field="limit")
    with registry.read() as conn:
        known = (claim_by_id(conn, record_id) if record_id.startswith("c-")
                 else queries.entity_row(conn, record_id))
        hidden = record_id.startswith("c-") and known is not None and \
            known["id"] in hidden_set(conn, {known["entity_id"]}).claims
    if known is None or hidden:
        # The same answer for a hidden claim as for none: no confirming guesses.
        raise NotFoundError(f"no record or claim with id '{record_id}'")
    changes = history_service.history(registry, record_id, limit=limit)
    _log_if_protected(registry, known["entity_id"] if record_id.startswith("c-")
                      else record_id, actor, client, via)
    return changes


def source(registry: Registry, source_id: str) -> dict[str, Any]:
    """A source with what it is based on; a protected witness's testimony
    without the title, author, address or note that would name them."""
    with registry.read() as conn:
        row = repo.source_rows(conn, [source_id]).get(source_id)
        if row is None:
            raise NotFoundError(f"no source with id '{source_id}'")
        based_on = sorted(repo.source_basis_of(conn, [source_id]).get(source_id, set()))
        witness = (repo.entity_info(conn, [row["witness_id"]]).get(row["witness_id"])
                   if row["witness_id"] else None)
    out = {"id": row["id"], "kind": row["kind"], "title": row["title"],
           "reliability": row["reliability"], "author": row["author"],
           "publisher": row["publisher"], "publisher_type": row["publisher_type"],
           "interested_party": bool(row["interested_party"]), "date": row["date_text"],
           "date_calendar": row["date_calendar"],
           "date_shown": (show_date(row["date_text"], row["date_calendar"])
                          if row["date_text"] else None),
           "language": row["language"],
           "based_on": based_on, "witness": row["witness_id"], "url": row["url"],
           "note": row["note"], "fictional": bool(row["fictional"])}
    if witness is not None and witness.protected:
        # As in exports: a testimony's title or author often names its witness.
        out |= {"title": f"testimony of {witness.pseudonym}", "author": None, "url": None,
                "note": None}
    return out
