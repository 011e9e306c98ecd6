"""How well each legal element is proved: a status computed from its links.

Pure functions over plain data, so that the rules can be read in one place:

- no evidence      nothing supports the element;
- single source    what supports it comes from one independent source;
- corroborated     at least two independent sources support it;
- contested        something contradicts it (whatever supports it).

Two sources are not independent when one is based on the other (directly or
through others), when both are based on a common source, or when both are the
testimony of one witness.  Exculpatory evidence is never dropped: one
contradicting link makes the element contested.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["STATUSES", "SourceFacts", "independent_groups", "status"]

STATUSES = {
    "no-evidence": "no evidence",
    "single-source": "single source",
    "corroborated": "corroborated",
    "contested": "contested",
}


@dataclass(frozen=True)
class SourceFacts:
    witness: str | None
    based_on: tuple[str, ...] = ()


def independent_groups(sources: Mapping[str, SourceFacts]) -> dict[str, str]:
    """Source id -> the id of its group; sources in one group are not independent.

    A union-find over "based on" and "same witness": the group's id is its
    smallest source id, so that output is stable.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_witness: dict[str, str] = {}
    for sid, facts in sorted(sources.items()):
        find(sid)
        for basis in facts.based_on:
            join(sid, basis)
        if facts.witness:
            join(sid, by_witness.setdefault(facts.witness, sid))
    return {sid: find(sid) for sid in parent}


def status(supporting: Iterable[Iterable[str]], contradicting: int,
           groups: Mapping[str, str]) -> tuple[str, int]:
    """An element's status and its number of independent supporting sources.

    ``supporting`` holds, for each supporting link, the sources it rests on
    (a claim may cite several)."""
    independent = {groups.get(s, s) for link in supporting for s in link}
    if contradicting:
        return "contested", len(independent)
    if not independent:
        return "no-evidence", 0
    return ("corroborated" if len(independent) >= 2 else "single-source"), len(independent)
