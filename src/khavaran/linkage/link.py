"""Link records of several lists into persons.

1. Blocking: only records that share a name word and the start of another
   word (or an initial against a word) are compared; two records of
   different people who share neither are never scored.
2. Scoring: compare.py weighs each candidate pair.
3. Clustering: pairs are taken from the strongest down, and two groups of
   records join only if *every* pair across them that can be compared is
   compatible (no strong disagreement: another age, another father) and their
   average weight clears the threshold.  That stops chains: «م. حسینی» may
   join one Mohammad Hosseini, never two Mohammad Hosseinis into one.  A list
   names a person once, so two groups holding records of the same list join
   only on much stronger evidence.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from khavaran.errors import ValidationError
from khavaran.linkage.compare import PRIOR, Comparison, Frequencies, compare
from khavaran.linkage.features import Features, prepare_all
from khavaran.linkage.lists import LinkRecord

__all__ = ["LinkResult", "candidate_pairs", "cluster", "link_records", "person_ids",
           "write_clusters"]

LINK_WEIGHT = -PRIOR          # total weight at which a pair is more likely one person
CANNOT_LINK = -4.0            # a pair this far below zero keeps its groups apart
SAME_SOURCE_WEIGHT = LINK_WEIGHT + 8.0
PREFIX = 3                    # letters of the second word's key in a blocking key


def _blocking_keys(f: Features) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Keys of word pairs, and keys of (word, initial) when the name has an initial."""
    full = [w for w in f.words if not w.is_initial and w.key]
    pairs: set[tuple[str, str]] = set()
    initials: set[tuple[str, str]] = set()
    for w in full:
        for key in {w.key, w.alt}:
            others = [o for o in f.words if o is not w]
            for o in others:
                if o.is_initial:
                    initials.add((key, o.initial))
                elif o.key:
                    pairs.add((key, o.key[:PREFIX]))
                    pairs.add((key, o.alt[:PREFIX]))
            if not others:
                pairs.add((key, ""))
    return pairs, initials


def candidate_pairs(features: Sequence[Features]) -> set[tuple[int, int]]:
    """Pairs (i, j), i < j, of records worth comparing."""
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_initial: dict[tuple[str, str], list[int]] = defaultdict(list)
    with_initials: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, f in enumerate(features):
        pairs, initials = _blocking_keys(f)
        for k in pairs:
            blocks[k].append(i)
        for k in initials:
            with_initials[k].append(i)
        for w in f.words:
            if w.is_initial or not w.key:
                continue
            for o in f.words:
                if o is not w:
                    by_initial[w.key, o.initial].append(i)
    out: set[tuple[int, int]] = set()
    for members in blocks.values():
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                out.add((i, j) if i < j else (j, i))
    for k, members in with_initials.items():
        for i in members:
            for j in by_initial.get(k, ()):
                if i != j:
                    out.add((i, j) if i < j else (j, i))
    return out


class _Groups:
    """Union-find that remembers each group's members and sources."""

    def __init__(self, features: Sequence[Features]) -> None:
        self.parent = list(range(len(features)))
        self.members = [[i] for i in range(len(features))]
        self.sources = [{f.source} for f in features]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a] += self.members[b]
        self.sources[a] |= self.sources[b]
        self.members[b], self.sources[b] = [], set()


def cluster(features: Sequence[Features], scores: dict[tuple[int, int], float],
            freq: Frequencies) -> list[int]:
    """Group index of each record (see the module docstring)."""
    groups = _Groups(features)

    def weight(i: int, j: int) -> float:
        key = (i, j) if i < j else (j, i)
        if key not in scores:
            scores[key] = compare(features[key[0]], features[key[1]], freq).weight
        return scores[key]

    order = sorted((w, p) for p, w in scores.items() if w >= LINK_WEIGHT)
    for _w, (i, j) in reversed(order):
        a, b = groups.find(i), groups.find(j)
        if a == b:
            continue
        cross = [weight(x, y) for x in groups.members[a] for y in groups.members[b]]
        if min(cross) < CANNOT_LINK:
            continue
        mean = sum(cross) / len(cross)
        need = SAME_SOURCE_WEIGHT if groups.sources[a] & groups.sources[b] else LINK_WEIGHT
        if mean >= need:
            groups.join(a, b)
    return [groups.find(i) for i in range(len(features))]


def person_ids(records: Sequence[LinkRecord], groups: Sequence[int]) -> list[str]:
    """A stable id per group: a hash of its first record (source, record_id)."""
    first: dict[int, LinkRecord] = {}
    for rec, g in zip(records, groups, strict=True):
        first.setdefault(g, rec)
    ids = {g: "p-" + hashlib.sha256(f"{r.source}\x1f{r.record_id}".encode()).hexdigest()[:12]
           for g, r in first.items()}
    return [ids[g] for g in groups]


@dataclass(frozen=True, slots=True)
class LinkResult:
    person_ids: list[str]
    candidates: int  # pairs compared
    persons: int


def link(records: Sequence[LinkRecord]) -> LinkResult:
    features = prepare_all(records)
    freq = Frequencies(features)
    pairs = candidate_pairs(features)
    scores = {p: compare(features[p[0]], features[p[1]], freq).weight for p in pairs}
    groups = cluster(features, scores, freq)
    ids = person_ids(records, groups)
    return LinkResult(ids, len(pairs), len(set(ids)))


def link_records(records: Sequence[LinkRecord]) -> list[str]:
    """The person id of each record, records of one person sharing an id."""
    return link(records).person_ids


def explain(a: Features, b: Features, freq: Frequencies) -> Comparison:
    return compare(a, b, freq)


def write_clusters(path: Path, records: Sequence[LinkRecord], ids: Sequence[str]) -> None:
    """Write source,record_id,person_id atomically: the file is whole or untouched."""
    target = path.resolve()
    if target.is_dir():
        raise ValidationError("is a folder; give a file name", file=str(path), field="--out")
    fd, tmp = tempfile.mkstemp(prefix=".clusters-", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["source", "record_id", "person_id"])
            for rec, pid in zip(records, ids, strict=True):
                writer.writerow([rec.source, rec.record_id, pid])
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
