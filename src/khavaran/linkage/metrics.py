"""Quality of a clustering of records against the true one (for tests and benchmarks).

Both functions take two equal-length sequences of cluster labels, one per
record in the same order: ``truth`` (records with the same label are the same
person) and ``predicted`` (the linker's person ids).  Labels are only compared
for equality; their values and types do not matter.

``pairwise_scores`` -- over record *pairs*
    A pair of distinct records is a true pair if both records have the same
    truth label, a predicted pair if they have the same predicted label.
    precision = |true ∩ predicted pairs| / |predicted pairs|: of the links
    made, how many are right.  recall = |true ∩ predicted pairs| / |true
    pairs|: of the links that exist, how many were made.  Large clusters weigh
    quadratically: wrongly merging two clusters of 10 costs 100 wrong pairs.

``bcubed_scores`` -- B-cubed, per *record* (Bagga & Baldwin 1998; Amigó et al. 2009)
    For each record r, with P(r) its predicted cluster and T(r) its true one:
    precision(r) = |P(r) ∩ T(r)| / |P(r)|, recall(r) = |P(r) ∩ T(r)| / |T(r)|
    (both sets contain r itself).  precision and recall are the means over all
    records.  Each record weighs the same whatever the size of its cluster,
    and singletons count (a correctly unlinked record scores 1 on both).

In both, f1 is the harmonic mean 2·P·R / (P + R) of the reported precision and
recall, and 0.0 when both are 0.

Edge cases (defined, never a division by zero):
    * pairwise, no true pairs and no predicted pairs (every record alone in
      both, or fewer than two records): precision = recall = f1 = 1.0;
    * pairwise, no predicted pairs but some true pairs: precision = 1.0
      (no link made is wrong), recall = 0.0, f1 = 0.0;
    * pairwise, no true pairs but some predicted pairs: recall = 1.0
      (nothing was there to find), precision = 0.0, f1 = 0.0;
    * B-cubed with no records: precision = recall = f1 = 1.0.
    Sequences of different lengths raise ValueError.

Both run in O(n) time and memory: they count records per (truth, predicted)
cell of the contingency table and derive pair counts as k·(k-1)/2 per cell,
cluster and class; pairs are never enumerated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

__all__ = ["PairCounts", "Scores", "bcubed_scores", "pair_counts", "pairwise_scores"]


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision, recall and their harmonic mean, each in [0, 1]."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class PairCounts:
    """Numbers of record pairs: same person (true), same predicted id, and both."""

    true_pairs: int
    predicted_pairs: int
    common_pairs: int


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 0.0 if total == 0 else 2 * precision * recall / total


def _pairs(k: int) -> int:
    return k * (k - 1) // 2


def _contingency(
    truth: Sequence[Hashable], predicted: Sequence[Hashable]
) -> tuple[Counter[tuple[Hashable, Hashable]], Counter[Hashable], Counter[Hashable]]:
    if len(truth) != len(predicted):
        raise ValueError(
            f"truth has {len(truth)} labels but predicted has {len(predicted)}; "
            "they must give one label per record, in the same order")
    cells: Counter[tuple[Hashable, Hashable]] = Counter(zip(truth, predicted, strict=True))
    true_sizes: Counter[Hashable] = Counter()
    pred_sizes: Counter[Hashable] = Counter()
    for (t, p), k in cells.items():
        true_sizes[t] += k
        pred_sizes[p] += k
    return cells, true_sizes, pred_sizes


def pair_counts(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> PairCounts:
    """How many record pairs are true, predicted, and both (see the module docstring)."""
    cells, true_sizes, pred_sizes = _contingency(truth, predicted)
    return PairCounts(
        true_pairs=sum(_pairs(k) for k in true_sizes.values()),
        predicted_pairs=sum(_pairs(k) for k in pred_sizes.values()),
        common_pairs=sum(_pairs(k) for k in cells.values()),
    )


def pairwise_scores(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> Scores:
    """Pairwise precision, recall and F1 of ``predicted`` against ``truth``."""
    c = pair_counts(truth, predicted)
    if c.true_pairs == 0 and c.predicted_pairs == 0:
        return Scores(1.0, 1.0, 1.0)
    precision = 1.0 if c.predicted_pairs == 0 else c.common_pairs / c.predicted_pairs
    recall = 1.0 if c.true_pairs == 0 else c.common_pairs / c.true_pairs
    return Scores(precision, recall, _f1(precision, recall))


def bcubed_scores(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> Scores:
    """B-cubed precision, recall and F1 of ``predicted`` against ``truth``.

    A record r in cell (t, p) of size k shares k records with both its clusters,
    so the k records of the cell add k·k/|p| to the precision sum and k·k/|t|
    to the recall sum.
    """
    cells, true_sizes, pred_sizes = _contingency(truth, predicted)
    n = len(truth)
    if n == 0:
        return Scores(1.0, 1.0, 1.0)
    precision = sum(k * k / pred_sizes[p] for (_, p), k in cells.items()) / n
    recall = sum(k * k / true_sizes[t] for (t, _), k in cells.items()) / n
    # Rounding can leave the sums a hair above n.
    precision, recall = min(precision, 1.0), min(recall, 1.0)
    return Scores(precision, recall, _f1(precision, recall))
