"""Read queries for the registry's pages: home counts, the executions
timeline, search facets, a source's citing claims and the evidence linked to
claims."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, func, or_, select

from khavaran.storage.case_tables import legal_case
from khavaran.storage.repo import chunks
from khavaran.storage.sealing import registry_version as registry_version_table
from khavaran.storage.tables import (
    citation,
    claim,
    entity,
    history,
    person_member,
    source,
    source_record,
)
from khavaran.storage.vault_tables import (
    evidence_item,
    evidence_link,
    evidence_purge,
)

__all__ = ["claims_citing", "death_dates_of_victims", "evidence_for_claims",
           "evidence_of_source", "facts_of_victims", "heads_of", "home_counts", "members_of",
           "recent_history", "registry_version", "telling_claims"]


def _scalar(conn: Connection, q: Any) -> int:
    return int(conn.execute(q).scalar_one())


def home_counts(conn: Connection) -> dict[str, int]:
    """Victims counted as merged persons (a list person merged with others
    counts once), list records, sources, live evidence items and cases."""
    head = func.coalesce(person_member.c.person_id, claim.c.entity_id)
    victims = (select(func.count(func.distinct(head)))
               .select_from(claim.outerjoin(person_member,
                                            person_member.c.member_id == claim.c.entity_id))
               .where(claim.c.property == "role", claim.c.value == "victim"))
    live = (select(func.count()).select_from(evidence_item)
            .where(~evidence_item.c.id.in_(select(evidence_purge.c.item_id))))
    return {
        "victims": _scalar(conn, victims),
        "records": _scalar(conn, select(func.count()).select_from(source_record)),
        "sources": _scalar(conn, select(func.count()).select_from(source)),
        "evidence": _scalar(conn, live),
        "cases": _scalar(conn, select(func.count()).select_from(legal_case)),
    }


def recent_history(conn: Connection, limit: int) -> list[RowMapping]:
    """The last ``limit`` history rows, newest first."""
    q = select(history).order_by(history.c.id.desc()).limit(limit)
    return list(conn.execute(q).mappings())


def death_dates_of_victims(conn: Connection) -> list[RowMapping]:
    """Every date-of-death claim of a victim, with the merged person it belongs to
    (``person``) and whether that person is protected."""
    victims = select(claim.c.entity_id).where(claim.c.property == "role",
                                              claim.c.value == "victim")
    q = (select(claim.c.entity_id, claim.c.date_start, claim.c.date_end, claim.c.preferred,
                claim.c.credibility, claim.c.created_at,
                func.coalesce(person_member.c.person_id, claim.c.entity_id).label("person"))
         .select_from(claim.outerjoin(person_member,
                                      person_member.c.member_id == claim.c.entity_id))
         .where(claim.c.property == "death_date", claim.c.date_start.is_not(None),
                claim.c.entity_id.in_(victims))
         .order_by(claim.c.entity_id, claim.c.id))
    return list(conn.execute(q).mappings())


def facts_of_victims(conn: Connection, properties: Iterable[str]) -> list[Any]:
    """Every claim of ``properties`` of a victim, as light rows: person (the
    merged person), property, value, date_start."""
    victims = select(claim.c.entity_id).where(claim.c.property == "role",
                                              claim.c.value == "victim")
    q = (select(func.coalesce(person_member.c.person_id, claim.c.entity_id).label("person"),
                claim.c.property, claim.c.value, claim.c.date_start)
         .select_from(claim.outerjoin(person_member,
                                      person_member.c.member_id == claim.c.entity_id))
         .where(claim.c.property.in_(list(properties)), claim.c.entity_id.in_(victims))
         .order_by(claim.c.entity_id, claim.c.id))
    return list(conn.execute(q).all())


def heads_of(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    """Each id's merged person (itself when not merged)."""
    out = {i: i for i in ids}
    for part in chunks(sorted(out)):
        q = select(person_member.c.member_id, person_member.c.person_id).where(
            person_member.c.member_id.in_(part))
        out.update({r.member_id: r.person_id for r in conn.execute(q)})
    return out


def members_of(conn: Connection, heads: Iterable[str]) -> dict[str, list[str]]:
    """Each merged person's list persons (itself alone when not merged), sorted."""
    out: dict[str, list[str]] = {h: [] for h in heads}
    for part in chunks(sorted(out)):
        q = (select(person_member.c.member_id, person_member.c.person_id)
             .where(person_member.c.person_id.in_(part)).order_by(person_member.c.member_id))
        for r in conn.execute(q):
            out[r.person_id].append(r.member_id)
    return {h: m or [h] for h, m in out.items()}


def telling_claims(conn: Connection, entity_ids: Iterable[str],
                   properties: Iterable[str]) -> list[Any]:
    """The claims of ``properties`` that tell people apart (names only when a
    father's name), as light rows: entity_id, property, qualifier, value,
    date_calendar, date_start, date_end, record_id."""
    out: list[Any] = []
    props = [p for p in properties if p != "name"]
    for part in chunks(sorted(set(entity_ids))):
        q = (select(claim.c.entity_id, claim.c.property, claim.c.qualifier, claim.c.value,
                    claim.c.date_calendar, claim.c.date_start, claim.c.date_end,
                    claim.c.record_id)
             .where(claim.c.entity_id.in_(part),
                    or_(claim.c.property.in_(props),
                        and_(claim.c.property == "name", claim.c.qualifier == "father")))
             .order_by(claim.c.entity_id, claim.c.property, claim.c.created_at, claim.c.id))
        out.extend(conn.execute(q).all())
    return out


def claims_citing(conn: Connection, source_id: str, *, limit: int,
                  offset: int) -> tuple[list[RowMapping], int]:
    """One page of the claims citing a source (with the citation's locator and
    the claim's record's kind and protection), and how many there are."""
    base = (select(claim.c.id, claim.c.entity_id, claim.c.property, claim.c.qualifier,
                   claim.c.value, claim.c.date_calendar, claim.c.record_id,
                   claim.c.allegation, citation.c.locator, entity.c.schema,
                   entity.c.protected)
            .join(citation, citation.c.claim_id == claim.c.id)
            .join(entity, entity.c.id == claim.c.entity_id)
            .where(citation.c.source_id == source_id))
    total = _scalar(conn, select(func.count()).select_from(base.subquery()))
    rows = conn.execute(base.order_by(claim.c.entity_id, claim.c.property, claim.c.id)
                        .limit(limit).offset(offset)).mappings()
    return list(rows), total


def evidence_for_claims(conn: Connection, claim_ids: Iterable[str]) -> list[RowMapping]:
    """The live evidence items linked to the claims, with the link's locator."""
    out: list[RowMapping] = []
    for part in chunks(sorted(set(claim_ids))):
        q = (select(evidence_link.c.claim_id, evidence_link.c.locator,
                    evidence_item.c.id.label("item_id"), evidence_item.c.media_type,
                    evidence_item.c.sha256, evidence_item.c.source_id)
             .join(evidence_item, evidence_item.c.id == evidence_link.c.item_id)
             .outerjoin(evidence_purge, evidence_purge.c.item_id == evidence_item.c.id)
             .where(and_(evidence_link.c.claim_id.in_(part),
                         evidence_purge.c.item_id.is_(None)))
             .order_by(evidence_link.c.claim_id, evidence_link.c.id))
        out.extend(conn.execute(q).mappings())
    return out


def evidence_of_source(conn: Connection, source_id: str) -> list[RowMapping]:
    """The live evidence items taken in from a source."""
    q = (select(evidence_item.c.id, evidence_item.c.media_type, evidence_item.c.sha256,
                evidence_item.c.role, evidence_item.c.size)
         .outerjoin(evidence_purge, evidence_purge.c.item_id == evidence_item.c.id)
         .where(evidence_item.c.source_id == source_id, evidence_purge.c.item_id.is_(None))
         .order_by(evidence_item.c.id))
    return list(conn.execute(q).mappings())


# Read on every cached request: built once (building it cost more than running it).
_VERSION = select(registry_version_table.c.stamp).where(registry_version_table.c.id == 1)


def registry_version(conn: Connection) -> str | None:
    """The registry's version: a random stamp set anew by every write transaction
    that changes what readers see (storage/sealing.py ``count_change``); a
    registry restored to an older state has that state's stamp.  None before
    the table exists (then nothing is cached)."""
    return conn.execute(_VERSION).scalar()
