"""Link records of several lists into persons.

1. Blocking: only records that share their name, two name words, or a name
   word and something rarer (see _keys) are compared; docs/linkage.md lists
   the blocks.
2. Scoring: compare.py weighs each candidate pair.
3. Clustering: pairs are taken from the strongest down, and two groups of
   records join only if *every* pair across them that can be compared is
   compatible (no strong disagreement: another age, another father) and their
   average weight clears the threshold.  That stops chains: «م. حسینی» may
   join one Mohammad Hosseini, never two Mohammad Hosseinis into one.  A list
   names a person once, so two groups holding records of the same list join
   only on much stronger evidence.
4. Draws (``link(..., draws=N)``): other clusterings as likely as the links are
   sure, for an estimate that carries the linkage's uncertainty
   (services/estimation.py).  Each moves every pair's weight by logistic noise
   of scale 1/ln 2 bits, so that a pair alone is linked with its posterior
   probability 1 / (1 + 2^-(weight + prior)), and clusters again under the
   same rules.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import math
import multiprocessing as mp
import os
import random
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from khavaran.errors import ValidationError
from khavaran.export.cells import safe_row
from khavaran.linkage.compare import Frequencies, compare
from khavaran.linkage.features import Features, prepare_all
from khavaran.linkage.lists import LinkRecord
from khavaran.linkage.names import link_key, skeleton

__all__ = ["LinkResult", "candidate_pairs", "cluster", "cross_pairs", "link", "link_records",
           "person_ids", "score_pairs", "write_clusters"]

# Two groups join only if every pair across them is within this many bits of
# the link weight: a pair that is unlikely one person keeps its groups apart.
CANNOT_LINK_BITS = 6.0
SAME_SOURCE_BITS = 12.0       # more evidence needed to join two records of one list
PARALLEL_PAIRS = 200_000      # fewer candidate pairs than this are scored in one process
MAX_WORKERS = 8
PREFIX = 3                    # letters of the second word's key in a blocking key
PAIR_BLOCK = 200              # (word, word) blocks larger than this are not used
SMALL_BLOCK = 30              # loose blocks larger than this are not used
# The weight of a pair that compare.py guards as namesakes: never joined, and its
# groups never joined.
GUARDED = float("-inf")


def _block_words(f: Features) -> list[tuple[str, str, frozenset[int]]]:
    """(key, skeleton, positions) of each name word and of each two neighbours
    written as one (Ali Zadeh = Alizadeh)."""
    full = [(i, w) for i, w in enumerate(f.words) if not w.is_initial and w.key]
    out = [(w.key, w.skeleton, frozenset((i,))) for i, w in full]
    out += [(w.alt, w.skeleton, frozenset((i,))) for i, w in full if w.alt != w.key]
    for (i, x), (j, y) in itertools.pairwise(full):
        key = link_key(x.text + y.text)
        out.append((key, skeleton(key), frozenset((i, j))))
    return [w for w in out if w[1]]


def _keys(f: Features) -> tuple[str, set[tuple[str, str]], set[tuple[str, str]],
                                set[tuple[str, str]]]:
    """Blocking keys.

    Always: the whole name.  Unless too common: (word, another word), which
    meets a name with a word more or less.  When their blocks are
    small: (word, skeleton of another word), read loosely enough that
    Tavakkuli meets توکلی; (word, start or end of another word's skeleton),
    for a typo in a word; (word, father); a rare skeleton alone.  And (word,
    initial) when the name has an initial.
    """
    words = _block_words(f)
    names = {(k, k2) for k, _, p1 in words for k2, _, p2 in words if not p1 & p2}
    full = " ".join(sorted(w.key for w in f.words if not w.is_initial))
    others = [(k, s2) for k, _, p1 in words for _, s2, p2 in words if not p1 & p2]
    loose = {(k, "~" + s2) for k, s2 in others}
    loose |= {(k, s2[:PREFIX] + "…") for k, s2 in others if len(s2) > PREFIX}
    loose |= {(k, "…" + s2[-PREFIX:]) for k, s2 in others if len(s2) > PREFIX}
    father = [w.skeleton for w in f.father if w.skeleton]
    if father:
        loose |= {(k, "/" + father[0][:PREFIX]) for k, _, _ in words}
    # A typo in every other word: the word and another field.
    birth = f.birth_interval(f.death_years)
    extra = [f"b{birth[1]}" if birth else "", f"d{f.death[0]}" if f.death and
             f.death[2] == "day" else "", f"c{f.city}" if f.city else ""]
    loose |= {(k, e) for k, _, _ in words for e in extra if e}
    loose |= {(s, "") for _, s, _ in words}
    initials = {(k, o.initial) for k, _, _ in words for o in f.words if o.is_initial}
    return full, names, initials, loose


def candidate_pairs(features: Sequence[Features]) -> set[tuple[int, int]]:
    """Pairs (i, j), i < j, of records worth comparing."""
    whole: dict[str, list[int]] = defaultdict(list)
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    small: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_initial: dict[tuple[str, str], list[int]] = defaultdict(list)
    with_initials: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, f in enumerate(features):
        full, names, initials, loose = _keys(f)
        whole[full].append(i)
        for k in names:
            blocks[k].append(i)
        for k in initials:
            with_initials[k].append(i)
        for k in loose:
            small[k].append(i)
        for word, _, pos in _block_words(f):
            for o in {o.initial for n, o in enumerate(f.words) if n not in pos}:
                by_initial[word, o].append(i)
    out: set[tuple[int, int]] = set()
    groups = [m for m in whole.values() if len(m) > 1]
    groups += [m for m in blocks.values() if 1 < len(m) <= PAIR_BLOCK]
    groups += [m for m in small.values() if 1 < len(m) <= SMALL_BLOCK]
    for members in groups:
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                if i != j:
                    out.add((i, j) if i < j else (j, i))
    for k, members in with_initials.items():
        for i in members:
            for j in by_initial.get(k, ()):
                if i != j:
                    out.add((i, j) if i < j else (j, i))
    return out


def cross_pairs(left: Sequence[Features], right: Sequence[Features]) -> set[tuple[int, int]]:
    """Pairs (i, j) of a record i of ``left`` and j of ``right`` worth comparing.

    The blocks of candidate_pairs (the whole name, word pairs, the loose keys;
    not initials), read across the two sides only: a few hundred suspects
    against a large reference list compare no two reference records.  A block
    is too common by the number of ``right`` records in it.
    """
    whole: dict[str, list[int]] = defaultdict(list)
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    small: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j, f in enumerate(right):
        full, names, _, loose = _keys(f)
        whole[full].append(j)
        for k in names:
            blocks[k].append(j)
        for k in loose:
            small[k].append(j)
    out: set[tuple[int, int]] = set()
    for i, f in enumerate(left):
        full, names, _, loose = _keys(f)
        out.update((i, j) for j in whole.get(full, ()))
        for k in names:
            found = blocks.get(k, ())
            if len(found) <= PAIR_BLOCK:
                out.update((i, j) for j in found)
        for k in loose:
            found = small.get(k, ())
            if len(found) <= SMALL_BLOCK:
                out.update((i, j) for j in found)
    return out


def _weight(a: Features, b: Features, freq: Frequencies) -> float:
    c = compare(a, b, freq, explain=False)
    return GUARDED if c.guard else c.weight


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


def _noise(rng: random.Random) -> float:
    """Logistic noise in bits: P(noise < x) = 1 / (1 + 2^-x)."""
    u = rng.random()
    while u <= 0.0:
        u = rng.random()
    return math.log2(u / (1.0 - u))


def cluster(features: Sequence[Features], scores: dict[tuple[int, int], float],
            freq: Frequencies, jitter: random.Random | None = None) -> list[int]:
    """Group index of each record (see the module docstring); with ``jitter``, one
    draw: every weight moved by logistic noise (``scores`` is left as it was)."""
    groups = _Groups(features)
    if jitter is not None:
        scores = {k: w if w == GUARDED else w + _noise(jitter) for k, w in scores.items()}

    def weight(i: int, j: int) -> float:
        key = (i, j) if i < j else (j, i)
        if key not in scores:
            w = _weight(features[key[0]], features[key[1]], freq)
            scores[key] = w if jitter is None or w == GUARDED else w + _noise(jitter)
        return scores[key]

    link_weight = -freq.prior  # where a pair becomes more likely one person than two
    order = sorted((w, p) for p, w in scores.items() if w >= link_weight)
    for _w, (i, j) in reversed(order):
        a, b = groups.find(i), groups.find(j)
        if a == b:
            continue
        cross = [weight(x, y) for x in groups.members[a] for y in groups.members[b]]
        if min(cross) < link_weight - CANNOT_LINK_BITS:
            continue
        mean = sum(cross) / len(cross)
        same_source = groups.sources[a] & groups.sources[b]
        need = link_weight + SAME_SOURCE_BITS if same_source else link_weight
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
    # with draws: the person id of each record in each clustering drawn
    draws: tuple[list[str], ...] = ()


# Set just before the scoring workers fork, so that they inherit it unpickled.
_SHARED: tuple[Sequence[Features], Frequencies] | None = None


def _score_chunk(pairs: list[tuple[int, int]]) -> list[float]:
    assert _SHARED is not None
    features, freq = _SHARED
    return [_weight(features[i], features[j], freq) for i, j in pairs]


def score_pairs(features: Sequence[Features], freq: Frequencies,
                pairs: set[tuple[int, int]]) -> dict[tuple[int, int], float]:
    """The weight of every candidate pair; on all cores when there are many."""
    global _SHARED
    ordered = sorted(pairs)
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    _SHARED = (features, freq)
    try:
        if len(ordered) < PARALLEL_PAIRS or workers < 2 or "fork" not in mp.get_all_start_methods():
            return dict(zip(ordered, _score_chunk(ordered), strict=True))
        size = -(-len(ordered) // workers)
        chunks = [ordered[k:k + size] for k in range(0, len(ordered), size)]
        with mp.get_context("fork").Pool(workers) as pool:
            weights = [w for part in pool.map(_score_chunk, chunks) for w in part]
        return dict(zip(ordered, weights, strict=True))
    finally:
        _SHARED = None


def link(records: Sequence[LinkRecord], features: Sequence[Features] | None = None, *,
         draws: int = 0, seed: int = 0) -> LinkResult:
    """Link ``records``; ``features`` are theirs when already prepared.  With
    ``draws``, as many other clusterings drawn from the pairs' probabilities
    (the same for the same ``seed``)."""
    features = prepare_all(records) if features is None else features
    freq = Frequencies(features)
    pairs = candidate_pairs(features)
    scores = score_pairs(features, freq, pairs)
    groups = cluster(features, scores, freq)
    ids = person_ids(records, groups)
    rng = random.Random(seed)
    drawn = tuple(person_ids(records, cluster(features, scores, freq, jitter=rng))
                  for _ in range(draws))
    return LinkResult(ids, len(pairs), len(set(ids)), drawn)


def link_records(records: Sequence[LinkRecord]) -> list[str]:
    """The person id of each record, records of one person sharing an id."""
    return link(records).person_ids


def write_clusters(path: Path, records: Sequence[LinkRecord], ids: Sequence[str]) -> None:
    """Write source,record_id,person_id atomically: the file is whole or untouched.

    Cells that a spreadsheet would run as a formula are written as text (see
    export/cells.py)."""
    target = path.resolve()
    if target.is_dir():
        raise ValidationError("is a folder; give a file name", file=str(path), field="--out")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".clusters-", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise ValidationError(f"cannot write here: {exc.strerror}", file=str(path),
                              field="--out") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["source", "record_id", "person_id"])
            for rec, pid in zip(records, ids, strict=True):
                writer.writerow(safe_row([rec.source, rec.record_id, pid]))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ValidationError(f"cannot write here: {exc.strerror}", file=str(path),
                              field="--out") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
