"""Do the vault's rows still say what their signed ledger entries committed to?

Triggers stop changes made through SQL; these checks catch changes made past
them (someone with the database file).  Every row that describes an item is
compared with the entry that recorded it: the item itself, its intakes and
metadata, its derivation, its links to claims, and its purge.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select

from khavaran.services.evidence import meta_digest, record_digest
from khavaran.storage.vault_tables import (
    evidence_derivation,
    evidence_intake,
    evidence_link,
    evidence_meta,
    evidence_purge,
    ledger_entry,
)
from khavaran.vault.ledger import body_of, iso
from khavaran.vault.verify_ledger import canonical

__all__ = ["record_problems"]

CHUNK = 500  # items whose rows are read at once: a few queries per chunk, not per item


def record_problems(conn: Connection, items: list[Any]) -> list[str]:
    problems: list[str] = []
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        rows = _Rows(conn, [item.id for item in chunk])
        for item in chunk:
            problems += [f"item {item.id}: {p}" for p in _item_problems(rows, item)]
    return problems


class _Rows:
    """Every row that describes some items, each table read once, by item."""

    def __init__(self, conn: Connection, ids: list[str]) -> None:
        def by_item(query: Any, key: Callable[[Any], str]) -> dict[str, list[Any]]:
            found: dict[str, list[Any]] = defaultdict(list)
            for row in conn.execute(query):
                found[key(row)].append(row)
            return found

        def item_of(row: Any) -> str:
            return str(row.item_id)

        self.entries = by_item(select(ledger_entry.c.item_id, ledger_entry.c.body)
                               .where(ledger_entry.c.item_id.in_(ids))
                               .order_by(ledger_entry.c.seq), item_of)
        self.purges = by_item(select(evidence_purge)
                              .where(evidence_purge.c.item_id.in_(ids)), item_of)
        self.intakes = by_item(select(evidence_intake)
                               .where(evidence_intake.c.item_id.in_(ids))
                               .order_by(evidence_intake.c.id), item_of)
        self.meta = by_item(select(evidence_meta.c.item_id, evidence_meta.c.field,
                                   evidence_meta.c.value, evidence_meta.c.sensitive)
                            .where(evidence_meta.c.item_id.in_(ids)), item_of)
        self.derivations = by_item(select(evidence_derivation)
                                   .where(evidence_derivation.c.child_id.in_(ids)),
                                   lambda row: str(row.child_id))
        self.links = by_item(select(evidence_link.c.item_id, evidence_link.c.claim_id,
                                    evidence_link.c.locator)
                             .where(evidence_link.c.item_id.in_(ids)), item_of)


def _item_problems(rows: _Rows, item: Any) -> list[str]:
    bodies = [body_of(r.body) for r in rows.entries.get(item.id, [])]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    whole: dict[str, list[dict[str, Any]]] = {}
    for body in bodies:
        data = body.get("data")
        by_kind.setdefault(str(body.get("kind", "")), []).append(
            data if isinstance(data, dict) else {})
        whole.setdefault(str(body.get("kind", "")), []).append(body)
    creating = [b for b in bodies if b.get("kind") in ("intake", "derive")]
    if not creating:
        return ["has no intake entry in the ledger"]
    first_body = creating[0]
    first = first_body.get("data") if isinstance(first_body.get("data"), dict) else {}
    assert isinstance(first, dict)
    problems = []
    recorded = (item.sha256, item.sha512, item.size, item.media_type, item.role, item.source_id,
                item.created_by, iso(item.created_at))
    signed = (first.get("sha256"), first.get("sha512"), first.get("size"),
              first.get("media_type"), first.get("role"), first.get("source"),
              first_body.get("actor"), first_body.get("at"))
    if recorded != signed:
        problems.append("its record (hashes, size, media type, role, source, who or when) "
                        "differs from its intake entry (the record was edited)")
    purge_row = next(iter(rows.purges.get(item.id, [])), None)
    tombstones = whole.get("purge", [])
    if purge_row is not None and not tombstones:
        problems.append("is marked purged, but the ledger has no purge entry for it")
    if tombstones and purge_row is None:
        problems.append("the ledger says it was purged, but its purge record is gone")
    if purge_row is not None and tombstones:
        stone = tombstones[0]
        data = stone.get("data") if isinstance(stone.get("data"), dict) else {}
        assert isinstance(data, dict)
        if (purge_row.reason, purge_row.approved_by, purge_row.created_by,
                iso(purge_row.created_at)) != (data.get("reason"), data.get("approved_by"),
                                               stone.get("actor"), stone.get("at")):
            problems.append("its purge record (reason, approver, who or when) differs from "
                            "its purge entry (the record was edited)")
    if purge_row is None:
        problems += _description_problems(rows, item, by_kind)
    elif rows.intakes.get(item.id) or rows.meta.get(item.id):
        problems.append("is purged, but intake or metadata rows for it are back")
    problems += _derivation_problems(rows, item, by_kind)
    links = Counter((r.claim_id, r.locator) for r in rows.links.get(item.id, []))
    signed_links = Counter((d.get("claim"), d.get("locator")) for d in by_kind.get("link", []))
    if links != signed_links:
        problems.append("its links to claims differ from the link entries in the ledger")
    return problems


def _description_problems(rows: _Rows, item: Any,
                          by_kind: dict[str, list[dict[str, Any]]]) -> list[str]:
    problems = []
    committed = [d.get("record") for d in by_kind.get("intake", [])]
    intakes = rows.intakes.get(item.id, [])
    if [record_digest(r._mapping) for r in intakes] != committed:
        problems.append("its intake records differ from what the ledger committed to (an "
                        "intake record was edited, added or removed)")
    first = (by_kind.get("intake") or [{}])[0]
    meta = rows.meta.get(item.id, [])
    # Working copies have no metadata rows: their digest is that of none.
    committed_meta = first.get("meta", meta_digest([]))
    if meta_digest((r.field, r.value, r.sensitive) for r in meta) != committed_meta:
        problems.append("its metadata differs from what its intake entry committed to")
    return problems


def _derivation_problems(rows: _Rows, item: Any,
                         by_kind: dict[str, list[dict[str, Any]]]) -> list[str]:
    lineage = rows.derivations.get(item.id, [])
    derived = by_kind.get("derive", [])
    if not lineage and not derived:
        return []
    if not derived or len(lineage) != 1:
        return ["its lineage records differ from its derive entries in the ledger"]
    row, signed = lineage[0], derived[0]
    if (row.parent_id, row.kind, row.tool, row.params) != (
            signed.get("parent"), signed.get("kind"), signed.get("tool"),
            canonical(signed.get("params", {}))):
        return ["its lineage record (parent, kind, tool or parameters) differs from its "
                "derive entry (the record was edited)"]
    return []
