"""Tests for khavaran.linkage.metrics: hand examples, edge cases, and properties
checked against a brute-force enumeration of all record pairs."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Hashable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khavaran.linkage.metrics import (
    PairCounts,
    Scores,
    bcubed_scores,
    pair_counts,
    pairwise_scores,
)


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def brute_pairwise(truth: Sequence[Hashable],
                   pred: Sequence[Hashable]) -> tuple[Scores, PairCounts]:
    pairs = list(itertools.combinations(range(len(truth)), 2))
    true = {(i, j) for i, j in pairs if truth[i] == truth[j]}
    predicted = {(i, j) for i, j in pairs if pred[i] == pred[j]}
    common = true & predicted
    counts = PairCounts(len(true), len(predicted), len(common))
    if not true and not predicted:
        return Scores(1.0, 1.0, 1.0), counts
    p = len(common) / len(predicted) if predicted else 1.0
    r = len(common) / len(true) if true else 1.0
    return Scores(p, r, _f1(p, r)), counts


def brute_bcubed(truth: Sequence[Hashable], pred: Sequence[Hashable]) -> Scores:
    n = len(truth)
    if n == 0:
        return Scores(1.0, 1.0, 1.0)
    ps, rs = [], []
    for i in range(n):
        cluster = {j for j in range(n) if pred[j] == pred[i]}
        klass = {j for j in range(n) if truth[j] == truth[i]}
        both = len(cluster & klass)
        ps.append(both / len(cluster))
        rs.append(both / len(klass))
    p, r = sum(ps) / n, sum(rs) / n
    return Scores(p, r, _f1(p, r))


def assert_close(got: Scores, want: Scores) -> None:
    assert got.precision == pytest.approx(want.precision, abs=1e-12)
    assert got.recall == pytest.approx(want.recall, abs=1e-12)
    assert got.f1 == pytest.approx(want.f1, abs=1e-12)


labelings = st.integers(0, 14).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 4), min_size=n, max_size=n),
    st.lists(st.integers(0, 4), min_size=n, max_size=n),
))


@settings(max_examples=400, deadline=None)
@given(labelings)
def test_pairwise_matches_brute_force(case: tuple[list[int], list[int]]) -> None:
    truth, pred = case
    want, counts = brute_pairwise(truth, pred)
    assert pair_counts(truth, pred) == counts
    assert_close(pairwise_scores(truth, pred), want)


@settings(max_examples=400, deadline=None)
@given(labelings)
def test_bcubed_matches_brute_force(case: tuple[list[int], list[int]]) -> None:
    truth, pred = case
    assert_close(bcubed_scores(truth, pred), brute_bcubed(truth, pred))


@settings(max_examples=200, deadline=None)
@given(labelings)
def test_swapping_truth_and_prediction_swaps_precision_and_recall(
        case: tuple[list[int], list[int]]) -> None:
    truth, pred = case
    for score in (pairwise_scores, bcubed_scores):
        a, b = score(truth, pred), score(pred, truth)
        assert a.precision == pytest.approx(b.recall)
        assert a.recall == pytest.approx(b.precision)
        assert a.f1 == pytest.approx(b.f1)


@settings(max_examples=200, deadline=None)
@given(labelings)
def test_only_equality_of_labels_matters(case: tuple[list[int], list[int]]) -> None:
    truth, pred = case
    renamed_truth = [f"person-{t * 7}" for t in truth]
    renamed_pred = [(p, "x") for p in pred]
    for score in (pairwise_scores, bcubed_scores):
        assert score(truth, pred) == score(renamed_truth, renamed_pred)
        assert score(truth, renamed_truth) == Scores(1.0, 1.0, 1.0)


@settings(max_examples=200, deadline=None)
@given(labelings)
def test_scores_are_in_the_unit_interval(case: tuple[list[int], list[int]]) -> None:
    truth, pred = case
    for score in (pairwise_scores, bcubed_scores):
        s = score(truth, pred)
        for v in (s.precision, s.recall, s.f1):
            assert 0.0 <= v <= 1.0


def test_hand_example_one_cluster_too_many() -> None:
    truth, pred = [1, 1, 2], [1, 1, 1]
    # Pairs: true {(0,1)}; predicted {(0,1),(0,2),(1,2)}.
    assert pair_counts(truth, pred) == PairCounts(true_pairs=1, predicted_pairs=3, common_pairs=1)
    assert_close(pairwise_scores(truth, pred), Scores(1 / 3, 1.0, 0.5))
    # Records 0 and 1: cluster {0,1,2}, class {0,1} -> P 2/3, R 1; record 2: P 1/3, R 1.
    assert_close(bcubed_scores(truth, pred), Scores(5 / 9, 1.0, 5 / 7))


def test_hand_example_split_and_merge() -> None:
    truth = ["a", "a", "a", "b", "b"]
    pred = [1, 1, 2, 2, 2]
    # true pairs: (0,1),(0,2),(1,2),(3,4); predicted: (0,1),(2,3),(2,4),(3,4); common: 2.
    assert_close(pairwise_scores(truth, pred), Scores(0.5, 0.5, 0.5))
    # P: 1,1 | 1/3,2/3,2/3 -> 11/15; R: 2/3,2/3,1/3 | 1,1 -> 11/15.
    assert_close(bcubed_scores(truth, pred), Scores(11 / 15, 11 / 15, 11 / 15))


def test_perfect_prediction_with_other_labels() -> None:
    truth = [1, 1, 2, 3, 3, 3]
    pred = ["x", "x", "y", "z", "z", "z"]
    assert pairwise_scores(truth, pred) == Scores(1.0, 1.0, 1.0)
    assert bcubed_scores(truth, pred) == Scores(1.0, 1.0, 1.0)


def test_no_pairs_anywhere_is_perfect() -> None:
    assert pairwise_scores([1, 2, 3], [4, 5, 6]) == Scores(1.0, 1.0, 1.0)
    assert pairwise_scores([7], [7]) == Scores(1.0, 1.0, 1.0)
    assert pairwise_scores([], []) == Scores(1.0, 1.0, 1.0)
    assert bcubed_scores([], []) == Scores(1.0, 1.0, 1.0)
    assert pair_counts([], []) == PairCounts(0, 0, 0)


def test_no_predicted_pairs_but_true_ones() -> None:
    assert pairwise_scores([1, 1], [1, 2]) == Scores(1.0, 0.0, 0.0)
    assert_close(bcubed_scores([1, 1], [1, 2]), Scores(1.0, 0.5, 2 / 3))


def test_predicted_pairs_but_no_true_ones() -> None:
    assert pairwise_scores([1, 2], [1, 1]) == Scores(0.0, 1.0, 0.0)
    assert_close(bcubed_scores([1, 2], [1, 1]), Scores(0.5, 1.0, 2 / 3))


def test_lengths_must_agree() -> None:
    with pytest.raises(ValueError, match="truth has 2 labels but predicted has 1"):
        pairwise_scores([1, 2], [1])
    with pytest.raises(ValueError):
        bcubed_scores([1], [1, 2])
    with pytest.raises(ValueError):
        pair_counts([], [1])


def test_large_input_is_counted_not_enumerated() -> None:
    # 200,000 records in one true cluster: 2e10 pairs, far beyond enumeration.
    n = 200_000
    truth = [0] * n
    pred = [i % 2 for i in range(n)]
    half = n // 2
    assert pair_counts(truth, pred) == PairCounts(
        true_pairs=n * (n - 1) // 2, predicted_pairs=2 * (half * (half - 1) // 2),
        common_pairs=2 * (half * (half - 1) // 2))
    s = bcubed_scores(truth, pred)
    assert s.precision == 1.0
    assert s.recall == pytest.approx(0.5)


def test_scores_are_frozen() -> None:
    s = pairwise_scores([1], [1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.precision = 0.5  # type: ignore[misc]
