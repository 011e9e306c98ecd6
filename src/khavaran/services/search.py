"""Find people, places and units by name, in either script.

Names are indexed by cross-script phonetic keys (model/types/persian_name.py),
so `Hosseini` finds «حسینی» and back; candidates are then ranked by how close
their spelling is to the query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from khavaran.errors import ValidationError
from khavaran.model.types.persian_name import name_keys, phonetic_key, tokens, transliterate
from khavaran.services.profiles import display_names
from khavaran.services.registry import Registry
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


def _score(query: str, name: str) -> float:
    q, n = transliterate(query), transliterate(name)
    qk = " ".join(phonetic_key(t) for t in tokens(query))
    nk = " ".join(phonetic_key(t) for t in tokens(name))
    return round(0.5 * fuzz.token_set_ratio(q, n) + 0.5 * fuzz.token_set_ratio(qk, nk), 1)


def search(registry: Registry, query: str, *, limit: int = 20, schema: str | None = None,
           include_protected: bool = False, actor: str | None = None) -> list[Hit]:
    """Records whose names match ``query``, best first.

    Parameters: ``schema`` limit to one kind (Person, Place, Unit);
    ``include_protected`` also match protected people by their real names
    (needs ``actor``; recorded in history).  Without it a protected person is
    found only by pseudonym and shown only under it.
    """
    text = query.strip()
    if not text:
        raise ValidationError("empty search", field="query")
    keys = [phonetic_key(t) for t in tokens(text)]
    keys = [k for k in dict.fromkeys(keys) if k]
    compact = name_keys(text)[-1:] if len(keys) > 1 else []
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
        titles = display_names(conn, list(found), reveal=include_protected)
    hits = []
    revealed = []
    for eid, row in rows.items():
        if schema and row["schema"] != schema:
            continue
        protected = bool(row["protected"])
        if protected and not include_protected:
            if eid not in by_pseudonym:
                continue  # a real name must not lead to a protected person
            hits.append(Hit(eid, row["schema"], f"{row['pseudonym']} (protected)",
                            row["pseudonym"], 100.0, bool(row["fictional"]), True))
            continue
        candidates = names.get(eid) or [eid]
        best = max(candidates, key=lambda n: _score(text, n))
        title = titles.get(eid, eid).removesuffix(" [fictional]")
        if protected:
            revealed.append(eid)
            title = f"{title} (protected: {row['pseudonym']})"
        hits.append(Hit(eid, row["schema"], title, best,
                        100.0 if eid == text else _score(text, best),
                        bool(row["fictional"]), protected))
    hits.sort(key=lambda h: (-h.score, h.title, h.id))
    hits = hits[:limit]
    shown = [h.id for h in hits if h.id in revealed]
    if shown:
        assert actor, "revealing a protected person needs an actor"
        with registry.write() as conn:
            append_history(conn, [{
                "at": registry.now(), "actor": actor, "action": "reveal-protected",
                "entity_id": eid, "claim_id": None, "field": "identity", "old_value": None,
                "new_value": None, "reason": f"search {text!r} --include-protected"}
                for eid in shown])
    return hits
