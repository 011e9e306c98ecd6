"""Read queries for profiles, search, export and history.

The queries a person's profile runs are built once, with their ids as an
expanding parameter (``IDS``): building a statement anew on every call, with its
``IN`` list of literal values, cost SQLAlchemy more than SQLite took to answer
it, and made an uncached profile about a third slower."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    Connection,
    Executable,
    RowMapping,
    String,
    bindparam,
    func,
    intersect,
    select,
)

from khavaran.storage.repo import chunks
from khavaran.storage.tables import (
    citation,
    claim,
    claim_status,
    consent,
    entity,
    history,
    person_member,
    search_token,
    source,
    source_basis,
    source_record,
)

__all__ = [
    "IDS", "by_ids", "citations_for", "claim_pages", "claims_for", "consents_for", "counts",
    "entities", "entities_by_pseudonym", "entities_of_schema", "entities_with_keys",
    "entity_flags", "entity_row",
    "first_with_role", "group_members", "history_rows", "iter_table", "names_of", "person_of",
    "protected_entities", "records_for", "referring_entities", "relation_claims", "shielded",
    "source_bases", "source_rows", "statuses_for", "units_of_kinds",
]

IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_ID = bindparam("id", type_=String())


def by_ids(conn: Connection, query: Executable, ids: Iterable[str],
           **params: Any) -> Iterator[RowMapping]:
    """The rows of ``query`` (built once, its ids the parameter ``IDS``) for each
    of ``ids``, in chunks that every database takes."""
    for part in chunks(sorted(set(ids))):
        yield from conn.execute(query, {"ids": list(part), **params}).mappings()


# Built once: making the aliases anew on every call cost a third of a
# person's uncached profile (SQLAlchemy builds each alias's columns).
_MINE, _THEIRS = person_member.alias("mine"), person_member.alias("theirs")
_SHIELDED = (select(_MINE.c.member_id, entity)
             .join(_THEIRS, _THEIRS.c.person_id == _MINE.c.person_id)
             .join(entity, entity.c.id == _THEIRS.c.member_id)
             .where(entity.c.protected.is_(True)).order_by(_MINE.c.member_id, entity.c.id))
_SHIELDED_OF = _SHIELDED.where(_MINE.c.member_id.in_(IDS))


def shielded(conn: Connection, ids: Iterable[str] | None = None) -> dict[str, RowMapping]:
    """Protection follows the person: every list person merged with a protected
    one (among ``ids``, or all), mapped to that protected member's row."""
    out: dict[str, RowMapping] = {}
    rows = conn.execute(_SHIELDED).mappings() if ids is None else by_ids(conn, _SHIELDED_OF, ids)
    for r in rows:
        out.setdefault(r["member_id"], r)
    return out


def _as_protected(row: RowMapping, by: RowMapping | None) -> RowMapping:
    """``row``, shown protected under ``by``'s pseudonym when merged with ``by``."""
    if by is None or row["protected"]:
        return row
    return cast(RowMapping, {**row, "protected": True, "pseudonym": by["pseudonym"]})


_ENTITY = select(entity).where(entity.c.id == _ID)
_ENTITIES = select(entity).where(entity.c.id.in_(IDS))


def entity_row(conn: Connection, entity_id: str) -> RowMapping | None:
    row = conn.execute(_ENTITY, {"id": entity_id}).mappings().first()
    return None if row is None else _as_protected(row, shielded(conn, [entity_id]).get(entity_id))


def protected_entities(conn: Connection) -> dict[str, RowMapping]:
    """Protected people, and every list person merged with one."""
    q = select(entity).where(entity.c.protected.is_(True))
    out = {r["id"]: r for r in conn.execute(q).mappings()}
    merged = shielded(conn)
    out.update({eid: row for eid, row in entities(conn, merged).items()})
    return out


def entities(conn: Connection, ids: Iterable[str]) -> dict[str, RowMapping]:
    wanted = sorted(set(ids))
    out = {r["id"]: r for r in by_ids(conn, _ENTITIES, wanted)}
    merged = shielded(conn, wanted)
    return {eid: _as_protected(row, merged.get(eid)) for eid, row in out.items()}


_RELATIONS = (select(claim, entity.c.schema).join(entity, entity.c.id == claim.c.entity_id)
              .where(claim.c.ref_id.in_(IDS)))


def relation_claims(conn: Connection, ref_ids: Iterable[str]) -> list[RowMapping]:
    """Claims that point at any of ``ref_ids``, with their record's kind."""
    return list(by_ids(conn, _RELATIONS, ref_ids))


_FLAGS = select(entity.c.id, entity.c.schema, entity.c.protected, entity.c.pseudonym,
                entity.c.fictional).where(entity.c.id.in_(IDS))


def entity_flags(conn: Connection, ids: Iterable[str]) -> dict[str, Any]:
    """Id, kind, protection, pseudonym and fictional mark of each record: what a
    search ranks and shows, without the rest of the row."""
    wanted = sorted(set(ids))
    out = {r["id"]: r for r in by_ids(conn, _FLAGS, wanted)}
    # Protection follows the person: one merged with a protected member is protected.
    merged = shielded(conn, wanted)
    return {eid: _as_protected(row, merged.get(eid)) for eid, row in out.items()}


_NAMES = select(claim.c.entity_id, claim.c.value).where(claim.c.entity_id.in_(IDS),
                                                        claim.c.property == "name")


def names_of(conn: Connection, entity_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(entity id, name) of each name claim of the records, in no order."""
    return [(r["entity_id"], r["value"]) for r in by_ids(conn, _NAMES, entity_ids)]


_CLAIM_ORDER = (claim.c.entity_id, claim.c.property, claim.c.created_at, claim.c.id)
_CLAIMS = select(claim).where(claim.c.entity_id.in_(IDS)).order_by(*_CLAIM_ORDER)
_CLAIMS_OF = (select(claim)
              .where(claim.c.entity_id.in_(IDS),
                     claim.c.property.in_(bindparam("properties", expanding=True)))
              .order_by(*_CLAIM_ORDER))


def claims_for(conn: Connection, entity_ids: Iterable[str],
               properties: Iterable[str] | None = None) -> list[RowMapping]:
    if properties is None:
        return list(by_ids(conn, _CLAIMS, entity_ids))
    return list(by_ids(conn, _CLAIMS_OF, entity_ids, properties=list(properties)))


_CITATIONS = (select(citation, source.c.title, source.c.publisher_type, source.c.reliability,
                     source.c.interested_party, source.c.kind.label("source_kind"),
                     source.c.witness_id)
              .join(source, source.c.id == citation.c.source_id)
              .where(citation.c.claim_id.in_(IDS))
              .order_by(citation.c.claim_id, citation.c.source_id, citation.c.locator))


def citations_for(conn: Connection, claim_ids: Iterable[str]) -> list[RowMapping]:
    return list(by_ids(conn, _CITATIONS, claim_ids))


_STATUSES = (select(claim_status).where(claim_status.c.claim_id.in_(IDS))
             .order_by(claim_status.c.claim_id, claim_status.c.date_start, claim_status.c.id))


def statuses_for(conn: Connection, claim_ids: Iterable[str]) -> list[RowMapping]:
    return list(by_ids(conn, _STATUSES, claim_ids))


# A rejected link (a posting a retraction took back) no longer joins the two.
_REFERRING = (select(claim.c.entity_id, claim.c.property)
              .where(claim.c.ref_id == _ID, claim.c.assessment != "rejected")
              .distinct().order_by(claim.c.entity_id))


def referring_entities(conn: Connection, entity_id: str) -> list[tuple[str, str]]:
    """(entity_id, property) of the claims that point at ``entity_id``, but
    rejected ones."""
    return [(r.entity_id, r.property) for r in conn.execute(_REFERRING, {"id": entity_id})]


_PERSON_OF = select(person_member.c.person_id).where(person_member.c.member_id == _ID)


def person_of(conn: Connection, entity_id: str) -> str:
    """The merged person a list person belongs to (itself when not merged)."""
    row = conn.execute(_PERSON_OF, {"id": entity_id}).first()
    return str(row.person_id) if row else entity_id


# One statement: the members of the merged person that the record is in (or heads).
_GROUP = select(person_member.c.member_id).where(
    person_member.c.person_id == func.coalesce(_PERSON_OF.scalar_subquery(), _ID))


def group_members(conn: Connection, entity_id: str) -> list[str]:
    """Every list person merged with ``entity_id`` (itself included), sorted."""
    rows = conn.execute(_GROUP, {"id": entity_id}).scalars().all()
    return sorted(rows) if rows else [entity_id]


_RECORDS = (select(source_record).where(source_record.c.person_id.in_(IDS))
            .order_by(source_record.c.source_id, source_record.c.record_id))


def records_for(conn: Connection, person_ids: Iterable[str]) -> list[RowMapping]:
    # Each chunk comes in order; sorted again for when there is more than one.
    return sorted(by_ids(conn, _RECORDS, person_ids),
                  key=lambda r: (r["source_id"], r["record_id"]))


_CONSENTS = select(consent).where(consent.c.person_id == _ID).order_by(consent.c.id)


def consents_for(conn: Connection, person_id: str) -> list[RowMapping]:
    return list(conn.execute(_CONSENTS, {"id": person_id}).mappings())


def source_rows(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(select(source).order_by(source.c.id)).mappings())


def source_bases(conn: Connection) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in conn.execute(select(source_basis).order_by(source_basis.c.based_on_id)):
        out.setdefault(r.source_id, []).append(r.based_on_id)
    return out


def history_rows(conn: Connection, *, entity_id: str | None = None,
                 claim_id: str | None = None, limit: int | None = None) -> list[RowMapping]:
    q = select(history)
    if entity_id:
        q = q.where(history.c.entity_id == entity_id)
    if claim_id:
        q = q.where(history.c.claim_id == claim_id)
    q = q.order_by(history.c.id.desc() if limit else history.c.id)
    if limit:
        q = q.limit(limit)
    rows = list(conn.execute(q).mappings())
    return rows[::-1] if limit else rows


def iter_table(conn: Connection, table: Any, order: Any, size: int = 5000) -> Iterator[RowMapping]:
    """Every row of ``table`` in ``order``, streamed (for export)."""
    result = conn.execution_options(yield_per=size).execute(select(table).order_by(order))
    yield from result.mappings()


def counts(conn: Connection) -> dict[str, Any]:
    def scalar(q: Any) -> int:
        return int(conn.execute(q).scalar_one())

    by_schema: dict[str, int] = dict(
        conn.execute(select(entity.c.schema, func.count()).group_by(entity.c.schema)).all())
    return {
        "by_schema": by_schema,
        "fictional": scalar(select(func.count()).select_from(entity)
                            .where(entity.c.fictional.is_(True))),
        "protected": scalar(select(func.count()).select_from(entity)
                            .where(entity.c.protected.is_(True))),
        "sources": scalar(select(func.count()).select_from(source)),
        "records": scalar(select(func.count()).select_from(source_record)),
        "claims": scalar(select(func.count()).select_from(claim)),
        "citations": scalar(select(func.count()).select_from(citation)),
        "allegations": scalar(select(func.count()).select_from(claim)
                              .where(claim.c.allegation.is_(True))),
        "history": scalar(select(func.count()).select_from(history)),
        "sources_by_publisher": dict(conn.execute(
            select(source.c.publisher_type, func.count()).group_by(source.c.publisher_type))
            .all()),
        "records_by_source": dict(conn.execute(
            select(source_record.c.source_id, func.count())
            .group_by(source_record.c.source_id)).all()),
        # Persons, merged ones once: a list record makes a person of its own
        # until `dedupe judge` merges it with the others that name the same one.
        "victims": scalar(
            select(func.count(func.distinct(func.coalesce(person_member.c.person_id,
                                                          claim.c.entity_id))))
            .select_from(claim.outerjoin(person_member,
                                         person_member.c.member_id == claim.c.entity_id))
            .where(claim.c.property == "role", claim.c.value == "victim")),
        "victim_records": scalar(select(func.count(func.distinct(claim.c.entity_id)))
                                 .where(claim.c.property == "role",
                                        claim.c.value == "victim")),
        "alleged_perpetrators": scalar(
            select(func.count(func.distinct(claim.c.entity_id)))
            .where(claim.c.property == "role", claim.c.value == "alleged_perpetrator")),
    }


def entities_with_keys(conn: Connection, keys: list[str], limit: int) -> list[str]:
    """Ids of records that have every one of ``keys`` in the search index."""
    if not keys:
        return []
    parts = [select(search_token.c.entity_id).where(search_token.c.key == k) for k in keys]
    q = parts[0] if len(parts) == 1 else intersect(*parts)
    return list(conn.execute(q.limit(limit)).scalars())


def entities_by_pseudonym(conn: Connection, text: str, limit: int) -> list[str]:
    q = (select(entity.c.id).where(entity.c.protected.is_(True),
                                   func.lower(entity.c.pseudonym).contains(text.lower(),
                                                                           autoescape=True))
         .limit(limit))
    return list(conn.execute(q).scalars())


def claim_pages(conn: Connection, size: int = 2000) -> Iterator[list[RowMapping]]:
    """All claims in id order, a page at a time (keyset pagination)."""
    last = ""
    while True:
        page = list(conn.execute(select(claim).where(claim.c.id > last)
                                 .order_by(claim.c.id).limit(size)).mappings())
        if not page:
            return
        yield page
        last = page[-1]["id"]


def first_with_role(conn: Connection, role: str, *, prefer_conflicts: bool = False) -> str | None:
    """An unprotected person with ``role``; with ``prefer_conflicts`` one whose
    records disagree on a date of death, to show conflicts side by side."""
    people = (select(claim.c.entity_id).join(entity, entity.c.id == claim.c.entity_id)
              .where(claim.c.property == "role", claim.c.value == role,
                     entity.c.protected.is_(False)))
    if prefer_conflicts:
        conflicted = (select(claim.c.entity_id).where(claim.c.property == "death_date")
                      .group_by(claim.c.entity_id)
                      .having(func.count(func.distinct(claim.c.value)) > 1))
        hit = conn.execute(people.where(claim.c.entity_id.in_(conflicted))
                           .order_by(claim.c.entity_id).limit(1)).scalar()
        if hit:
            return str(hit)
    hit = conn.execute(people.order_by(claim.c.entity_id).limit(1)).scalar()
    return str(hit) if hit else None


def units_of_kinds(conn: Connection, kinds: Iterable[str]) -> list[str]:
    """Ids of the units with a `kind` claim among ``kinds`` (not rejected), in id order."""
    q = (select(claim.c.entity_id).distinct()
         .join(entity, entity.c.id == claim.c.entity_id)
         .where(entity.c.schema == "Unit", claim.c.property == "kind",
                claim.c.value.in_(sorted(kinds)), claim.c.assessment != "rejected")
         .order_by(claim.c.entity_id))
    return [r[0] for r in conn.execute(q)]


def entities_of_schema(conn: Connection, schema: str) -> list[str]:
    """Ids of the records of one kind, in id order."""
    return [r[0] for r in conn.execute(select(entity.c.id).where(entity.c.schema == schema)
                                       .order_by(entity.c.id))]
