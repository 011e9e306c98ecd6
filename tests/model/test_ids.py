"""Ids are part of the data format: the same content must always give the same id."""

from __future__ import annotations

from khavaran.model import ids


def test_ids_are_pinned() -> None:
    # Changing these would give every row of every registry a new id, and
    # re-imports would duplicate instead of matching.
    assert ids.record_id("demo-list-a", "A0001") == "r-" + ids._digest("demo-list-a\x1fA0001")
    assert ids.claim_id("p-1", "name", "full", "Ali", None) == "c-4154f31c993dd09f4e4b1c4b"
    assert ids.claim_id("p-1", "name", None, "Ali", "r-1") != ids.claim_id(
        "p-1", "name", "", "Ali", "r-2")
    assert ids.citation_id("c-1", "s", "") != ids.citation_id("c-1", "s", "p. 1")
