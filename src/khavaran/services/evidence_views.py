"""An evidence item as a page shows it: its record, custody log and lineage.

What the command line shows with ``evidence show``, less what a reader of a
page may not see: a protected witness's testimony answers as an unknown item
(services/custody.py), and the fields marked sensitive at intake (metadata,
the file's original name, who collected it, where) are counted, not shown.
Reading a record is not a use of the item, so nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from khavaran.services import custody
from khavaran.services.custody import Node
from khavaran.services.registry import Registry

__all__ = ["LINK_CHOICES", "CustodyEntry", "IntakeLine", "ItemView", "item_view", "link_choices"]


@dataclass
class IntakeLine:
    at: dt.datetime
    by: str
    repeat: bool
    collected_at: str | None  # the date as the collector wrote it


@dataclass
class CustodyEntry:
    seq: int
    kind: str  # intake, derive, transfer, link, download, review, purge...
    at: str  # ISO time as the entry records it
    actor: str | None
    hash: str


@dataclass
class ItemView:
    item: dict[str, Any]
    custodian: str | None
    purge: dict[str, Any] | None
    metadata: list[tuple[str, str]]  # (field, value), sensitive fields left out
    withheld: int  # sensitive fields not shown: metadata and intake details
    intakes: list[IntakeLine]
    links: list[dict[str, Any]]  # claim_id, locator
    lineage: list[Node]
    log: list[CustodyEntry]


def item_view(registry: Registry, item_id: str) -> ItemView:
    """The item's page (NotFoundError for an unknown or hidden item)."""
    info = custody.item_info(registry, item_id)
    trees = custody.lineage(registry, item_id)
    log = [CustodyEntry(e.get("seq", 0), e.get("kind", ""), e.get("at", ""), e.get("actor"),
                        e["hash"]) for e in custody.custody_log(registry, item_id)]
    sensitive = [m for m in info["metadata"] if m["sensitive"]]
    details = sum(1 for i in info["intakes"]
                  for key in ("original_name", "collected_by", "collected_where", "note")
                  if i[key])
    return ItemView(
        info["item"], info["custodian"], info["purge"],
        [(m["field"], m["value"]) for m in info["metadata"] if not m["sensitive"]],
        len(sensitive) + details,
        [IntakeLine(i["created_at"], i["created_by"], i["repeat"], i["collected_text"])
         for i in info["intakes"]],
        [{"claim_id": lk["claim_id"], "locator": lk["locator"]} for lk in info["links"]],
        trees, log)


LINK_CHOICES = 200  # claims offered to pick from; beyond, the claim's id is typed


def link_choices(registry: Registry, view: ItemView) -> list[dict[str, Any]]:
    """Claims the item could be linked to: those citing its source, not linked
    yet, none that would identify a protected person (record_views withholds
    them).  Empty when the source has more than LINK_CHOICES: the id is typed."""
    from khavaran.services import record_views

    cited = record_views.source_view(registry, view.item["source_id"], limit=LINK_CHOICES)
    if cited.total > LINK_CHOICES:
        return []
    linked = {lk["claim_id"] for lk in view.links}
    return [c for c in cited.claims if c["claim_id"] not in linked]
