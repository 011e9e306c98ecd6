"""Reading items and recording what is done with them: show, lineage, custody
log, download, transfer of custody, link to a claim.  Every use of an item's
content is written to the ledger; showing its record is not.

A protected witness's testimony (the original and its working copies: they
keep its source) is the witness's as much as their name is: its record, tree,
log and file answer as an unknown item unless asked for with
``include_protected``, and every such access is recorded as a reveal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from khavaran.errors import IntegrityError, NotFoundError, ValidationError
from khavaran.model.types.fuzzy_date import show_date
from khavaran.services.editing import _claim
from khavaran.services.evidence import new_file, purged, require_item
from khavaran.services.registry import Registry
from khavaran.services.witness_items import guard_item, protected_witness, record_item_reveal
from khavaran.storage.tables import citation
from khavaran.storage.vault_tables import (
    evidence_derivation,
    evidence_intake,
    evidence_item,
    evidence_link,
    evidence_meta,
    evidence_purge,
)
from khavaran.vault.keys import load_key
from khavaran.vault.ledger import LedgerWriter, body_of, data_of, iter_entries
from khavaran.vault.streaming import copy_and_hash

__all__ = ["MIN_PREFIX", "Node", "custodian", "custody_log", "download", "item_info",
           "lineage", "link_claim", "protected_witness", "resolve_item", "transfer"]

MIN_PREFIX = 4  # hex digits after "ev-" that a shortened id must give, as git asks
SHOWN = 10  # candidates listed when a prefix names more than one item


def resolve_item(registry: Registry, ref: str, *, include_protected: bool = False) -> str:
    """The id of the evidence item ``ref`` names: its whole id, or a prefix of
    it (``ev-`` may be left out) of at least MIN_PREFIX hex digits that only one
    item's id starts with.

    A prefix is matched only among the items the caller may see: a protected
    witness's testimony counts only with ``include_protected``.  A prefix that
    matches none of those answers exactly as an unknown id, so that it tells
    nothing of a hidden item; one that matches several lists those.  A whole
    id is returned as given: the command it is for decides what it may see.

    Parameters: ``include_protected`` also match a protected witness's items.
    """
    unknown = NotFoundError(f"no evidence item with id '{ref}'")
    text = ref.strip().lower()
    prefix = text if text.startswith("ev-") else f"ev-{text}"
    with registry.read() as conn:
        if conn.execute(select(evidence_item.c.id)
                        .where(evidence_item.c.id == ref)).first() is not None:
            return ref
        if len(prefix) - 3 < MIN_PREFIX:
            raise unknown
        found = conn.execute(select(evidence_item.c.id)
                             .where(evidence_item.c.id.startswith(prefix, autoescape=True))
                             .order_by(evidence_item.c.id)).scalars().all()
        visible: list[str] = [i for i in found
                   if include_protected or protected_witness(conn, i) is None]
    if not visible:
        raise unknown
    if len(visible) > 1:
        listed = ", ".join(visible[:SHOWN]) + (" ..." if len(visible) > SHOWN else "")
        raise ValidationError(f"'{ref}' is the start of {len(visible)} evidence item ids "
                              f"({listed}): give more of it", field="item")
    return visible[0]


def _record(registry: Registry, witness: str | None, actor: str | None, what: str) -> None:
    if witness is not None:
        with registry.write() as conn:
            record_item_reveal(conn, registry, witness, actor, what)


def item_info(registry: Registry, item_id: str, *, include_protected: bool = False,
              actor: str | None = None) -> dict[str, Any]:
    """Everything recorded about an item (its record, not its content).

    Parameters: ``include_protected`` show a protected witness's testimony
    (needs ``actor``; recorded)."""
    with registry.read() as conn:
        witness = guard_item(conn, item_id, include_protected, actor)
        item = require_item(conn, item_id, live=False)
        t = evidence_intake.c
        intakes = [_intake(r._mapping) for r in conn.execute(
            select(evidence_intake).where(t.item_id == item_id).order_by(t.id))]
        meta = [dict(r._mapping) for r in conn.execute(
            select(evidence_meta).where(evidence_meta.c.item_id == item_id)
            .order_by(evidence_meta.c.field))]
        parents = [dict(r._mapping) for r in conn.execute(select(evidence_derivation).where(
            evidence_derivation.c.child_id == item_id))]
        children = [dict(r._mapping) for r in conn.execute(select(evidence_derivation).where(
            evidence_derivation.c.parent_id == item_id))]
        links = [dict(r._mapping) for r in conn.execute(select(evidence_link).where(
            evidence_link.c.item_id == item_id).order_by(evidence_link.c.id))]
        purge = conn.execute(select(evidence_purge).where(
            evidence_purge.c.item_id == item_id)).first()
        holder = custodian(conn, item_id)
    _record(registry, witness, actor, f"evidence show {item_id}")
    return {"item": dict(item._mapping), "intakes": intakes, "metadata": meta,
            "parents": parents, "children": children, "links": links,
            "purge": dict(purge._mapping) if purge else None, "custodian": holder}


def _intake(row: Any) -> dict[str, Any]:
    """An intake, with its date of collection as every view prints dates."""
    text = row["collected_text"]
    return {**row, "collected_shown": show_date(text, row["collected_calendar"])
            if text else None}


@dataclass
class Node:
    id: str
    kind: str  # original, or the kind of working copy
    tool: str | None
    media_type: str
    purged: bool
    children: list[Node] = field(default_factory=list)


def lineage(registry: Registry, item_id: str, *, include_protected: bool = False,
            actor: str | None = None) -> list[Node]:
    """The whole tree ``item_id`` belongs to, from its original(s) down
    (``include_protected`` as for item_info)."""
    with registry.read() as conn:
        witness = guard_item(conn, item_id, include_protected, actor)
        require_item(conn, item_id, live=False)
        roots, seen, todo = set(), set(), [item_id]
        while todo:  # up to the originals
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            ups = [r.parent_id for r in conn.execute(select(evidence_derivation.c.parent_id)
                   .where(evidence_derivation.c.child_id == current))]
            todo.extend(ups)
            if not ups:
                roots.add(current)
        trees = [_subtree(conn, root, "original", None, set()) for root in sorted(roots)]
    _record(registry, witness, actor, f"evidence lineage {item_id}")
    return trees


def _subtree(conn: Connection, item_id: str, kind: str, tool: str | None,
             path: set[str]) -> Node:
    item = require_item(conn, item_id, live=False)
    node = Node(item_id, kind, tool, item.media_type, purged(conn, item_id))
    for r in conn.execute(select(evidence_derivation).where(
            evidence_derivation.c.parent_id == item_id).order_by(
            evidence_derivation.c.created_at, evidence_derivation.c.child_id)):
        if r.child_id not in path:  # a cycle cannot be made, but never loop
            node.children.append(_subtree(conn, r.child_id, r.kind, r.tool,
                                          path | {item_id}))
    return node


def custody_log(registry: Registry, item_id: str, *, include_protected: bool = False,
                actor: str | None = None) -> list[dict[str, Any]]:
    """The item's ledger entries, oldest first, as their bodies say
    (``include_protected`` as for item_info)."""
    with registry.read() as conn:
        witness = guard_item(conn, item_id, include_protected, actor)
        require_item(conn, item_id, live=False)
        out = [body_of(e.body) | {"hash": e.hash} for e in iter_entries(conn, item_id)]
    _record(registry, witness, actor, f"evidence log {item_id}")
    return out


def custodian(conn: Connection, item_id: str) -> str | None:
    """Who holds the item now: the last transfer's recipient, else who took it in."""
    holder = None
    for e in iter_entries(conn, item_id):
        if e.kind in ("intake", "derive") and holder is None:
            holder = body_of(e.body).get("actor")
        elif e.kind == "transfer":
            holder = data_of(e.body).get("to", holder)
    return holder


def download(registry: Registry, item_id: str, out: Path, *, actor: str,
             purpose: str | None = None, include_protected: bool = False) -> Path:
    """Write an exact copy of the stored file to ``out``, checked as it is copied
    (``include_protected`` as for item_info: the reveal is recorded with the
    download)."""
    key = load_key(registry.settings)
    with registry.read() as conn:
        witness = guard_item(conn, item_id, include_protected, actor)
        item = require_item(conn, item_id)
    with new_file(out, registry.settings.home) as dst:
        with registry.vault.open(item.sha256) as src:
            digests = copy_and_hash(src, dst)
        if digests.sha256 != item.sha256 or digests.sha512 != item.sha512:
            raise IntegrityError(f"the stored file of {item_id} no longer matches its hashes: "
                                 "nothing was written; run 'khavaran evidence verify'")
        # Recorded before the copy appears at --out: no copy leaves unrecorded.
        with registry.write() as conn:
            LedgerWriter(conn, key).append("download", item=item_id, actor=actor,
                                           at=registry.now(), data={"purpose": purpose,
                                                                    "sha256": item.sha256})
            record_item_reveal(conn, registry, witness, actor, f"evidence get {item_id}")
    return out


def transfer(registry: Registry, item_id: str, *, to: str, reason: str, actor: str,
             include_protected: bool = False) -> str:
    """Record that custody of the item passes to ``to``; returns who held it
    (``include_protected`` as for item_info)."""
    if not to.strip() or not reason.strip():
        raise ValidationError("a transfer needs --to and --reason", field="--to")
    key = load_key(registry.settings)
    with registry.write() as conn:
        ledger = LedgerWriter(conn, key)
        witness = guard_item(conn, item_id, include_protected, actor)
        require_item(conn, item_id)
        holder = custodian(conn, item_id)
        if holder == to.strip():
            raise ValidationError(f"{to} holds {item_id} already", field="--to")
        ledger.append("transfer", item=item_id, actor=actor, at=registry.now(),
                      data={"from": holder, "to": to.strip(), "reason": reason.strip()})
        record_item_reveal(conn, registry, witness, actor, f"evidence transfer {item_id}")
    return holder or ""


def link_claim(registry: Registry, item_id: str, claim_id: str, *, locator: str,
               actor: str, include_protected: bool = False) -> None:
    """Record that the item (at ``locator``) is the evidence for a claim
    (``include_protected`` as for item_info)."""
    if not locator.strip():
        raise ValidationError("say where in the item with --locator (page, time, region)",
                              field="--locator")
    key = load_key(registry.settings)
    with registry.write() as conn:
        ledger = LedgerWriter(conn, key)
        witness = guard_item(conn, item_id, include_protected, actor)
        item = require_item(conn, item_id)
        claim = _claim(conn, claim_id, include_protected=False)
        sources = {r.source_id for r in conn.execute(select(evidence_intake.c.source_id)
                                                      .where(evidence_intake.c.item_id ==
                                                             item_id))} | {item.source_id}
        cited = {r.source_id for r in conn.execute(select(citation.c.source_id).where(
            citation.c.claim_id == claim["id"]))}
        if not sources & cited:
            raise ValidationError(
                f"claim {claim_id} does not cite the source of {item_id} "
                f"({', '.join(sorted(sources))}): cite it first", field="--claim")
        now = registry.now()
        conn.execute(insert(evidence_link).values(item_id=item_id, claim_id=claim["id"],
                                                  locator=locator.strip(), created_at=now,
                                                  created_by=actor))
        ledger.append("link", item=item_id, actor=actor, at=now,
                      data={"claim": claim["id"], "locator": locator.strip()})
        record_item_reveal(conn, registry, witness, actor, f"evidence link {item_id}")

