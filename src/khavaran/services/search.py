"""Find people, places and units by name, in either script.

Names are indexed by cross-script phonetic keys (model/types/persian_name.py),
so `Hosseini` finds «حسینی» and back; candidates are then ranked by how close
their spelling is to the query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from khavaran.errors import ValidationError
from khavaran.model.loader import load_model
from khavaran.model.types.persian_name import phonetic_key, tokens, transliterate
from khavaran.model.values import own_name
from khavaran.services import versioned
from khavaran.services.profiles import display_names
from khavaran.services.registry import Registry, require_actor
from khavaran.services.reveals import record_reveals
from khavaran.storage import queries

__all__ = ["CANDIDATES", "Hit", "Results", "search"]

CANDIDATES = 400  # records ranked per query: enough for a name, cheap to rank


@dataclass(frozen=True)
class Hit:
    id: str
    schema: str
    title: str
    matched: str
    score: float
    fictional: bool
    protected: bool


# Honorifics that lists add or leave out: a query word that is one of these
# does not have to match (Seyyed Mohammad Hosseini finds Mohammad Hosseini).
HONORIFICS = frozenset(phonetic_key(w) for w in (
    "Seyyed", "Sayyid", "Seyed", "Sayed", "سید", "Haj", "Hajj", "Haji", "حاج", "حاجی",
    "Sheikh", "شیخ", "Mirza", "میرزا"))
_SHORT_VOWELS = str.maketrans("", "", "aeou")


@lru_cache(maxsize=1 << 16)
def _forms(text: str) -> tuple[tuple[str, str], ...]:
    """Ways of writing a name that rank spellings in both scripts alike.

    Each is (transliteration without short vowels, since Persian script does
    not write them; phonetic keys of the words), for the words as given, for
    each pair of neighbours written as one word (پور‌محمدی, Pour Mohammadi,
    Pourmohammadi), and for the whole name as one word.
    """
    words = tokens(own_name(text))
    variants = [words] + [words[:i] + [words[i] + words[i + 1]] + words[i + 2:]
                          for i in range(len(words) - 1)]
    if len(words) > 2:
        variants.append(["".join(words)])
    return tuple((" ".join(_squeeze(transliterate(w).translate(_SHORT_VOWELS)) for w in v),
                  " ".join(phonetic_key(w) for w in v)) for v in variants)


def _squeeze(word: str) -> str:
    return "".join(c for i, c in enumerate(word) if i == 0 or c != word[i - 1])


def _rank(query: tuple[tuple[str, str], ...],
          records: list[tuple[str, list[str]]]) -> list[tuple[float, str, str]]:
    """(score, id, best name) of each record.  A name's score, 0–100, is how
    closely it is spelled like the query, whatever the script: the best over
    the query's and the name's forms of 0.6 × the token set ratio of their
    phonetic keys + 0.4 × that of their transliterations.

    Each query form is scored against all names at once with rapidfuzz's
    ``process.extract`` (in C++): its ``cdist``, as fast, would import NumPy, a
    tenth of a second of every search's start on the command line."""
    spelled: list[str] = []  # every form of every name, flat
    keyed: list[str] = []
    owner: list[tuple[int, int]] = []  # (record, name) of each form
    for r, (_, names) in enumerate(records):
        for n, name in enumerate(names):
            for nf, nk in _forms(name):
                spelled.append(nf)
                keyed.append(nk)
                owner.append((r, n))
    if not owner:
        return []
    best_form = [-1.0] * len(owner)
    for qf, qk in query:
        keys, forms = _ratios(qk, keyed), _ratios(qf, spelled)
        best_form = [max(b, 0.6 * k + 0.4 * f)
                     for b, k, f in zip(best_form, keys, forms, strict=True)]
    scores: dict[tuple[int, int], float] = {}
    for at, value in zip(owner, best_form, strict=True):
        if value > scores.get(at, -1.0):
            scores[at] = value
    out = []
    for r, (eid, names) in enumerate(records):
        score, best = max((round(scores[(r, n)], 1), name) for n, name in enumerate(names))
        out.append((score, eid, best))
    return out


def _ratios(query: str, choices: list[str]) -> list[float]:
    """The token set ratio of ``query`` with each of ``choices``, in their order."""
    out = [0.0] * len(choices)
    for _, score, at in process.extract(query, choices, scorer=fuzz.token_set_ratio,
                                        limit=None):
        out[at] = score
    return out


class Results(list[Hit]):
    """Hits, best first; ``capped`` when more records matched than were ranked."""

    capped: bool = False


def search(registry: Registry, query: str, *, limit: int = 20, schema: str | None = None,
           include_protected: bool = False, actor: str | None = None) -> Results:
    """Records whose names match ``query``, best first.

    At most CANDIDATES matching records are ranked; ``Results.capped`` says when
    more matched (a common name): then the query should be narrowed.

    Parameters: ``limit`` 1 to CANDIDATES; ``schema`` limit to one kind (Person,
    Place, Unit);
    ``include_protected`` also match protected people by their real names
    (needs ``actor``; recorded in history).  Without it a protected person is
    found only by pseudonym and shown only under it.
    """
    if include_protected:
        require_actor(actor)
    if not 1 <= limit <= CANDIDATES:
        raise ValidationError(f"limit must be 1 to {CANDIDATES}", field="limit")
    if schema is not None and schema not in load_model().schemas:
        raise ValidationError(f"unknown kind '{schema}' (one of "
                              f"{', '.join(load_model().schemas)})", field="kind")
    text = query.strip()
    if not text:
        raise ValidationError("empty search", field="query")
    if include_protected:
        return _search(registry, text, limit, schema, include_protected=True, actor=actor)
    # The same for every caller: kept per registry version (services/versioned.py).
    kept = versioned.cached(registry, ("search", text, limit, schema),
                            lambda: _search(registry, text, limit, schema))
    out = Results(kept)  # a copy: the kept list is shared
    out.capped = kept.capped
    return out


def _search(registry: Registry, text: str, limit: int, schema: str | None, *,
            include_protected: bool = False, actor: str | None = None) -> Results:
    keys = [phonetic_key(t) for t in tokens(text)]
    keys = [k for k in dict.fromkeys(keys) if k]
    if len(keys) > 1:
        keys = [k for k in keys if k not in HONORIFICS] or keys
    compact = [k for k in [phonetic_key(text)] if k] if len(keys) > 1 else []
    with registry.read() as conn:
        # Ask for one more than is ranked, to know whether more matched.
        found = dict.fromkeys(queries.entities_with_keys(conn, keys, CANDIDATES + 1))
        if compact:
            found.update(dict.fromkeys(queries.entities_with_keys(conn, compact,
                                                                  CANDIDATES + 1)))
        capped = len(found) > CANDIDATES
        found = dict.fromkeys(list(found)[:CANDIDATES])
        by_pseudonym = set(queries.entities_by_pseudonym(conn, text, CANDIDATES))
        if queries.entity_row(conn, text) is not None:
            found[text] = None  # an exact id
        rows = queries.entity_flags(conn, list(found) + list(by_pseudonym))
        names: dict[str, list[str]] = defaultdict(list)
        for eid, name in queries.names_of(conn, found):
            names[eid].append(name)
        scored: list[tuple[float, str, str]] = []
        ranked: list[tuple[str, list[str]]] = []
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
            ranked.append((eid, names.get(eid) or [eid]))
        scored += _rank(_forms(text), ranked)
        # Equal scores keep no script first: ids are hashes, so ties mix.
        scored.sort(key=lambda s: (-s[0], s[1]))
        top = scored[:limit]
        titles = display_names(conn, [eid for _, eid, _ in top], reveal=include_protected)
    hits, revealed = Results(), []
    hits.capped = capped
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
            # the query is not kept: it may be the protected person's real name
            record_reveals(conn, registry, actor=actor, ids=shown,
                           reason="search --include-protected")
    return hits
