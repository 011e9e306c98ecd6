"""Find people, places and units by name, in either script.

Names are indexed by cross-script phonetic keys (model/types/persian_name.py),
so `Hosseini` finds «حسینی» and back; candidates are then ranked by how close
their spelling is to the query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from khavaran.errors import ValidationError
from khavaran.model.types.persian_name import phonetic_key, tokens, transliterate
from khavaran.services.profiles import display_names
from khavaran.services.registry import Registry, require_actor
from khavaran.storage import queries
from khavaran.storage.repo import append_history

__all__ = ["Hit", "search"]

CANDIDATES = 400


@dataclass(frozen=True)
class Hit:
    id: str
    schema: str
    title: str
    matched: str
    score: float
    fictional: bool
    protected: bool


@lru_cache(maxsize=1 << 16)
def _forms(text: str) -> tuple[str, str]:
    """A name's transliteration and the phonetic keys of its words."""
    return transliterate(text), " ".join(phonetic_key(t) for t in tokens(text))


def _score(query: tuple[str, str], name: str) -> float:
    n, nk = _forms(name)
    return round(0.5 * fuzz.token_set_ratio(query[0], n)
                 + 0.5 * fuzz.token_set_ratio(query[1], nk), 1)


def search(registry: Registry, query: str, *, limit: int = 20, schema: str | None = None,
           include_protected: bool = False, actor: str | None = None) -> list[Hit]:
    """Records whose names match ``query``, best first.

    Parameters: ``schema`` limit to one kind (Person, Place, Unit);
    ``include_protected`` also match protected people by their real names
    (needs ``actor``; recorded in history).  Without it a protected person is
    found only by pseudonym and shown only under it.
    """
    if include_protected:
        require_actor(actor)
    text = query.strip()
    if not text:
        raise ValidationError("empty search", field="query")
    keys = [phonetic_key(t) for t in tokens(text)]
    keys = [k for k in dict.fromkeys(keys) if k]
    compact = [k for k in [phonetic_key(text)] if k] if len(keys) > 1 else []
    with registry.read() as conn:
        found = dict.fromkeys(queries.entities_with_keys(conn, keys, CANDIDATES))
        if compact:
            found.update(dict.fromkeys(queries.entities_with_keys(conn, compact, CANDIDATES)))
        by_pseudonym = set(queries.entities_by_pseudonym(conn, text, CANDIDATES))
        if queries.entity_row(conn, text) is not None:
            found[text] = None  # an exact id
        rows = queries.entities(conn, list(found) + list(by_pseudonym))
        names: dict[str, list[str]] = defaultdict(list)
        for c in queries.claims_for(conn, found, ["name"]):
            names[c["entity_id"]].append(c["value"])
        qforms = _forms(text)
        scored: list[tuple[float, str, str]] = []
        for eid, row in rows.items():
            if schema and row["schema"] != schema:
                continue
            if row["protected"] and not include_protected:
                if eid in by_pseudonym:  # a real name must not lead to a protected person
                    scored.append((100.0, eid, row["pseudonym"]))
                continue
            if eid == text:
                scored.append((100.0, eid, eid))
                continue
            best = max(names.get(eid) or [eid], key=lambda n: _score(qforms, n))
            scored.append((_score(qforms, best), eid, best))
        scored.sort(key=lambda s: (-s[0], s[1]))
        top = scored[:limit]
        titles = display_names(conn, [eid for _, eid, _ in top], reveal=include_protected)
    hits, revealed = [], []
    for score, eid, matched in top:
        row = rows[eid]
        title = titles.get(eid, eid).removesuffix(" [fictional]")
        if row["protected"] and include_protected:
            revealed.append(eid)
            title = f"{title} (protected: {row['pseudonym']})"
        hits.append(Hit(eid, row["schema"], title, matched, score, bool(row["fictional"]),
                        bool(row["protected"])))
    shown = [h.id for h in hits if h.id in revealed]
    if shown:
        require_actor(actor)
        with registry.write() as conn:
            append_history(conn, [{
                "at": registry.now(), "actor": actor, "action": "reveal-protected",
                "entity_id": eid, "claim_id": None, "field": "identity", "old_value": None,
                # the query is not kept: it may be the protected person's real name
                "new_value": None, "reason": "search --include-protected"}
                for eid in shown])
    return hits
