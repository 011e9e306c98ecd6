"""Full-text search of the vault's texts, in either script.

The texts are the items stored as text: originals (statements, e-mails,
transcripts) and the working copies Khavaran or a documenter made (a PDF's
text, OCR of a scan, translations, redactions).  Their words are indexed by
the same cross-script phonetic keys as names (model/types/persian_name.py), so
`Golzarabad` finds «گلزارآباد» in an OCR'd page and back; an item matches when
it holds every word of the query.  The index is derived from the stored files
and filled in when a search finds items not in it yet.

What is never found: a protected witness's testimony and its copies, and any
text that names a protected person (the dossier's filter, export/disclosure.py,
decides): a search must not confirm that a document mentions a guessed name.
Those are opened from their item's page by who may see them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from khavaran.errors import ValidationError
from khavaran.export.disclosure import Disclosure
from khavaran.model.types.persian_name import phonetic_key, tokens
from khavaran.services.protection import hidden_set
from khavaran.services.registry import Registry
from khavaran.services.viewing import MAX_TEXT
from khavaran.services.witness_items import withheld_items
from khavaran.storage.vault_tables import (
    evidence_derivation,
    evidence_indexed,
    evidence_item,
    evidence_purge,
    evidence_word,
)

__all__ = ["TextHit", "refresh_index", "search_texts"]

CONTEXT = 80  # characters shown on each side of the first word found
BATCH = 200  # items indexed per transaction


@dataclass(frozen=True)
class TextHit:
    item_id: str
    media_type: str
    source_id: str
    kind: str  # "original", or the kind of working copy (ocr, text, translation...)
    before: str
    found: str
    after: str


def _keys(text: str) -> set[str]:
    return {k for k in (phonetic_key(t) for t in tokens(text)) if k and len(k) <= 64}


def _read(registry: Registry, sha256: str, size: int) -> str:
    if size > MAX_TEXT:
        with registry.vault.open(sha256) as fh:
            raw = fh.read(MAX_TEXT)  # the first MAX_TEXT bytes of a very long text
    else:
        with registry.vault.open(sha256) as fh:
            raw = fh.read()
    return raw.decode("utf-8", "replace")


def _unindexed(conn: Connection) -> list[Any]:
    purged = select(evidence_purge.c.item_id)
    done = select(evidence_indexed.c.item_id)
    return list(conn.execute(
        select(evidence_item.c.id, evidence_item.c.sha256, evidence_item.c.size)
        .where(evidence_item.c.media_type.like("text/%"), evidence_item.c.id.not_in(purged),
               evidence_item.c.id.not_in(done))
        .order_by(evidence_item.c.id)))


def refresh_index(registry: Registry) -> int:
    """Index the text items not indexed yet, and drop purged ones; how many were added."""
    with registry.read() as conn:
        todo = _unindexed(conn)
    added = 0
    for start in range(0, len(todo), BATCH):
        rows = []
        for item in todo[start:start + BATCH]:
            try:
                keys = _keys(_read(registry, item.sha256, item.size))
            except Exception:  # noqa: BLE001 - a missing blob is for verify to name
                continue
            rows.append((item.id, keys))
        with registry.write() as conn:
            already = set(conn.execute(select(evidence_indexed.c.item_id).where(
                evidence_indexed.c.item_id.in_([i for i, _ in rows]))).scalars())
            for item_id, keys in rows:
                if item_id in already:  # another search got there first
                    continue
                if keys:
                    conn.execute(insert(evidence_word),
                                 [{"item_id": item_id, "key": k} for k in sorted(keys)])
                conn.execute(insert(evidence_indexed).values(item_id=item_id,
                                                            words=len(keys)))
                added += 1
    with registry.write() as conn:
        gone = select(evidence_purge.c.item_id)
        conn.execute(delete(evidence_word).where(evidence_word.c.item_id.in_(gone)))
        conn.execute(delete(evidence_indexed).where(evidence_indexed.c.item_id.in_(gone)))
    return added


def _matching(conn: Connection, keys: list[str]) -> Iterator[Any]:
    found = (select(evidence_word.c.item_id).where(evidence_word.c.key.in_(keys))
             .group_by(evidence_word.c.item_id)
             .having(func.count(evidence_word.c.key) == len(keys)).subquery())
    kind = (select(evidence_derivation.c.kind)
            .where(evidence_derivation.c.child_id == evidence_item.c.id)
            .limit(1).scalar_subquery())
    yield from conn.execute(
        select(evidence_item.c.id, evidence_item.c.sha256, evidence_item.c.size,
               evidence_item.c.media_type, evidence_item.c.source_id,
               kind.label("kind"))
        .join(found, found.c.item_id == evidence_item.c.id)
        .where(evidence_item.c.id.not_in(select(evidence_purge.c.item_id)))
        .order_by(evidence_item.c.created_at.desc(), evidence_item.c.id))


def _snippet(text: str, keys: set[str]) -> tuple[str, str, str]:
    """The text around the first word of the query found in it."""
    for start, end in _words_with_places(text):
        if _keys(text[start:end]) & keys:
            a, b = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
            return (("…" if a else "") + text[a:start], text[start:end],
                    text[end:b] + ("…" if b < len(text) else ""))
    return text[:2 * CONTEXT], "", ""


def _words_with_places(text: str) -> Iterator[tuple[int, int]]:
    start = None
    for i, ch in enumerate(text):
        if ch.isalnum() or ch in "\u200c\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652":
            if start is None:
                start = i
        elif start is not None:
            yield start, i
            start = None
    if start is not None:
        yield start, len(text)


def search_texts(registry: Registry, query: str, *, limit: int = 20) -> list[TextHit]:
    """The newest texts holding every word of ``query`` (either script), with the
    place of the first one; none that a protected person's identity is in."""
    if not 1 <= limit <= 100:
        raise ValidationError("limit must be 1 to 100", field="limit")
    keys = sorted(_keys(query))
    if not keys:
        raise ValidationError("give a word to look for", field="query")
    refresh_index(registry)
    hits: list[TextHit] = []
    with registry.read() as conn:
        screen = Disclosure.build(conn, "prosecutor", hidden_set(conn), [])
        for row in _matching(conn, keys):
            if withheld_items(conn, [row.id]):
                continue
            try:
                text = _read(registry, row.sha256, row.size)
            except Exception:  # noqa: BLE001 - a missing blob is for verify to name
                continue
            if screen.leaks(text):
                continue
            before, found, after = _snippet(text, set(keys))
            hits.append(TextHit(row.id, row.media_type, row.source_id, row.kind or "original",
                                before, found, after))
            if len(hits) == limit:
                break
    return hits
