"""Multiple systems estimation: refusals, known formulas, simulated populations, properties."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from khavaran.errors import ValidationError
from khavaran.linkage.estimate import (
    Estimate,
    auto_method,
    capture_histories,
    combine,
    estimate,
    estimate_by,
)
from khavaran.linkage.estimate_loglinear import design, fit_model

Histories = dict[tuple[int, ...], int]


def simulate(n: int, probs: Sequence[float], seed: int, *, copy: float = 0.0,
             spread: float = 0.0) -> Histories:
    """Capture histories of n persons; list 2 copies list 1 with probability `copy`;
    `spread` is the s.d. of a per-person capture propensity on the logit scale."""
    rng = np.random.default_rng(seed)
    logit = np.log(np.array(probs) / (1 - np.array(probs)))
    p = 1 / (1 + np.exp(-(logit[None, :] + rng.normal(0, spread, n)[:, None])))
    caught = rng.random(p.shape) < p
    caught[:, 1] |= caught[:, 0] & (rng.random(n) < copy)
    names = [chr(ord("A") + j) for j in range(len(probs))]
    memberships = [(f"p{i}", names[j]) for i, j in zip(*np.nonzero(caught), strict=True)]
    return capture_histories(memberships, names)


def names(k: int) -> list[str]:
    return [chr(ord("A") + j) for j in range(k)]


# --- capture histories ----------------------------------------------------------------

def test_capture_histories_counts_each_person_once_per_list() -> None:
    memberships = [("1", "A"), ("1", "B"), ("2", "A"), ("3", "B"), ("3", "C"),
                   ("4", "C"), ("1", "A"), ("5", "A"), ("5", "B")]
    assert capture_histories(memberships, ["A", "B", "C"]) == {
        (1, 1, 0): 2, (1, 0, 0): 1, (0, 1, 1): 1, (0, 0, 1): 1}


def test_capture_histories_refuses_an_unknown_or_repeated_list() -> None:
    with pytest.raises(ValidationError, match="list 'Z', which is not one of the lists"):
        capture_histories([("1", "Z")], ["A", "B"])
    with pytest.raises(ValidationError, match="named twice"):
        capture_histories([("1", "A")], ["A", "A"])


# --- refusals -------------------------------------------------------------------------

def test_one_list_is_refused_not_estimated() -> None:
    with pytest.raises(ValidationError) as exc:
        estimate({(1,): 500}, ["Amnesty"])
    assert str(exc.value).startswith("one list cannot estimate anything")


def test_lists_without_overlap_are_refused() -> None:
    with pytest.raises(ValidationError, match="no person is on two or more lists.*infinite"):
        estimate({(1, 0, 0): 40, (0, 1, 0): 30, (0, 0, 1): 20}, names(3))


@pytest.mark.parametrize("method", ["loglinear", "lcmcr", "combined"])
def test_heterogeneity_models_need_three_lists(method: str) -> None:
    with pytest.raises(ValidationError, match="needs at least three lists"):
        estimate({(1, 1): 10, (1, 0): 20, (0, 1): 30}, names(2), method=method)


@pytest.mark.parametrize(("histories", "message"), [
    ({(1, 1, 0): 5, (0, 0, 0): 3}, "person on no list"),
    ({(1, 1): 5}, "not a 0/1 per list"),
    ({(1, 2, 0): 5}, "not a 0/1 per list"),
    ({(1, 1, 0): -1, (1, 0, 1): 4}, "has count -1"),
    ({(1, 1, 0): 5, (1, 0, 0): 5}, "list 'C' has nobody on it"),
    ({(1, 1, 0): 5, (1, 0, 1): 5, (1, 0, 0): 9}, "list 'A' holds every person"),
])
def test_malformed_or_uninformative_histories_are_refused(histories: Histories,
                                                          message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        estimate(histories, names(3))


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown method 'petersen'"):
        estimate({(1, 1): 10, (1, 0): 20, (0, 1): 30}, names(2), method="petersen")


# --- two lists: Chapman ---------------------------------------------------------------

def test_two_lists_give_chapman_with_a_log_normal_interval_and_a_warning() -> None:
    n10, n01, m = 310, 240, 90
    est = estimate({(1, 0): n10, (0, 1): n01, (1, 1): m}, ["Amnesty", "Families"])
    n1, n2, n = n10 + m, n01 + m, n10 + n01 + m
    chapman = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    assert est.total == pytest.approx(chapman)
    assert est.total == pytest.approx(n1 * n2 / m, rel=0.02)  # close to Lincoln-Petersen
    var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    spread = math.exp(1.96 * math.sqrt(math.log(1 + var / (chapman - n) ** 2)))
    assert est.low == pytest.approx(n + (chapman - n) / spread, rel=1e-4)
    assert est.high == pytest.approx(n + (chapman - n) * spread, rel=1e-4)
    assert (est.method, est.observed, est.lists) == ("independence", n, ("Amnesty", "Families"))
    assert any("Only two lists" in w and "likely higher" in w for w in est.warnings)


def test_small_overlap_and_a_wide_interval_are_warned_of() -> None:
    est = estimate({(1, 0): 120, (0, 1): 95, (1, 1): 4}, names(2))
    text = " ".join(est.warnings)
    assert "Only 4 persons are on more than one list" in text
    assert "The interval is very wide" in text
    assert "extrapolation" in text  # about 2,900 estimated against 219 listed


# --- simulated populations ------------------------------------------------------------

def test_independent_lists_interval_holds_the_truth_and_is_narrow() -> None:
    truth = 20_000
    histories = simulate(truth, [0.3, 0.25, 0.35, 0.3], seed=11)
    for method in ("independence", "loglinear"):
        est = estimate(histories, names(4), method=method, seed=1)
        assert est.low <= truth <= est.high, method
        assert (est.high - est.low) / truth < 0.06, method
        assert est.warnings == ()


def test_the_model_chosen_for_a_copying_list_has_that_interaction() -> None:
    truth = 8000
    histories = simulate(truth, [0.3, 0.2, 0.35, 0.3], seed=5, copy=0.6)
    independent = estimate(histories, names(4), method="independence")
    est = estimate(histories, names(4), method="loglinear", seed=2)
    assert "[12]" in est.model and est.model.endswith("(AIC)")
    assert independent.high < truth  # positive dependence: independence undercounts
    assert est.low <= truth <= est.high


def test_the_model_is_named_in_the_callers_order_of_lists() -> None:
    histories = simulate(8000, [0.3, 0.2, 0.35, 0.3], seed=5, copy=0.6)
    # put list B (copying A) third and A last: the interaction is then [34]
    order = [2, 3, 1, 0]
    moved = {tuple(h[i] for i in order): c for h, c in histories.items()}
    est = estimate(moved, [names(4)[i] for i in order], method="loglinear", seed=2)
    assert "[34]" in est.model and "[12]" not in est.model


def test_unequal_capture_gives_a_larger_and_wider_estimate_than_independence() -> None:
    truth = 5000
    histories = simulate(truth, [0.2, 0.3, 0.4, 0.5, 0.6], seed=3, spread=1.5)
    independent = estimate(histories, names(5), method="independence")
    loglin = estimate(histories, names(5), method="loglinear", seed=3)
    assert independent.high < truth  # the classic undercount
    assert loglin.total > independent.total
    assert loglin.high - loglin.low > independent.high - independent.low
    assert loglin.high > truth


def test_our_poisson_fit_matches_statsmodels() -> None:
    histories = simulate(4000, [0.3, 0.2, 0.35, 0.3], seed=8, copy=0.4)
    y = np.zeros(15)
    for h, c in histories.items():
        y[int("".join(map(str, h)), 2) - 1] = c
    for terms in [(), ((0, 1),), ((0, 1), (2, 3), "darroch"), ((1, 2), "poisson")]:
        fit = fit_model(y, 4, terms)
        x = design(4, terms)
        assert fit is not None and x is not None
        ref = sm.GLM(y, x, family=sm.families.Poisson()).fit()
        assert fit.loglik == pytest.approx(ref.llf, rel=1e-9)
        assert fit.unobserved == pytest.approx(math.exp(ref.params[0]), rel=1e-6)


def test_lcmcr_is_deterministic_given_a_seed_and_covers_independent_lists() -> None:
    truth = 3000
    histories = simulate(truth, [0.35, 0.3, 0.4, 0.3], seed=21)
    first = estimate(histories, names(4), method="lcmcr", seed=7)
    assert first == estimate(histories, names(4), method="lcmcr", seed=7)
    other = estimate(histories, names(4), method="lcmcr", seed=8)
    assert (other.low, other.high) != (first.low, first.high)
    assert first.low <= truth <= first.high
    assert first.method == "lcmcr" and "latent classes" in first.model


def test_auto_is_the_combination_from_four_lists_and_loglinear_for_three() -> None:
    histories = simulate(3000, [0.3, 0.35, 0.25, 0.4], seed=4, spread=1.0)
    auto = estimate(histories, names(4), seed=9)
    loglin = estimate(histories, names(4), method="loglinear", seed=9)
    latent = estimate(histories, names(4), method="lcmcr", seed=9)
    assert auto == combine(loglin, latent) and auto.method == "combined"
    assert (auto.low, auto.high) == (min(loglin.low, latent.low), max(loglin.high, latent.high))
    three = {}
    for h, c in histories.items():
        if any(h[:3]):
            three[h[:3]] = three.get(h[:3], 0) + c
    assert estimate(three, names(3), seed=9) == estimate(three, names(3), method="loglinear",
                                                          seed=9)
    assert [auto_method(k) for k in (2, 3, 4, 5)] == [
        "independence", "loglinear", "combined", "combined"]


def test_combine_spans_both_intervals_and_says_when_they_disagree() -> None:
    lists = ("A", "B", "C")
    a = Estimate(lists, 900, 1000.0, 950.0, 1050.0, "loglinear", "[1][2][3] (AIC)", ())
    b = Estimate(lists, 900, 1200.0, 1100.0, 1300.0, "lcmcr", "latent classes", ())
    both = combine(a, b)
    assert (both.low, both.total, both.high) == (950.0, 1100.0, 1300.0)
    assert any("disagree" in w for w in both.warnings)
    close = combine(a, Estimate(lists, 900, 1020.0, 990.0, 1060.0, "lcmcr", "lc", ()))
    assert not any("disagree" in w for w in close.warnings)


# --- strata ---------------------------------------------------------------------------

def test_estimate_by_stratum_estimates_what_it_can_and_says_why_not() -> None:
    rng = np.random.default_rng(2)
    memberships: list[tuple[str, str]] = []
    strata: dict[str, str] = {}
    plan = [("Tehran", 6000, [0.35, 0.3, 0.4, 0.3]), ("Tabriz", 25, [0.4, 0.4, 0.4, 0.4]),
            ("Mashhad", 3000, [0.4, 0.3, 0.35, 0.0]), ("", 2000, [0.3, 0.3, 0.3, 0.3]),
            ("Shiraz", 1500, [0.4, 0.5, 0.0, 0.0])]
    for city, n, probs in plan:
        caught = rng.random((n, 4)) < probs
        for i, j in zip(*np.nonzero(caught), strict=True):
            person = f"{city}-{i}"
            memberships.append((person, names(4)[j]))
            strata[person] = city
    result = estimate_by(memberships, strata, names(4), method="loglinear", seed=1)
    by = {e.stratum: e for e in result}
    assert [e.stratum for e in result] == ["Mashhad", "Shiraz", "Tabriz", "Tehran", "(unknown)"]
    assert by["Tehran"].estimated and by["Tehran"].low <= 6000 <= by["Tehran"].high
    assert by["Mashhad"].lists == ("A", "B", "C") and by["Mashhad"].estimated
    assert any("List 'D' has nobody in Mashhad" in w for w in by["Mashhad"].warnings)
    tabriz = by["Tabriz"]
    assert not tabriz.estimated and math.isnan(tabriz.total) and tabriz.method == "none"
    assert any(f"only {tabriz.observed} persons are listed in Tabriz" in w
               for w in tabriz.warnings)
    shiraz = by["Shiraz"]  # two lists left: log-linear impossible, said so
    assert not shiraz.estimated and shiraz.lists == ("A", "B")
    assert any("needs at least three lists" in w for w in shiraz.warnings)
    assert by["(unknown)"].estimated and by["(unknown)"].low <= 2000 <= by["(unknown)"].high


# --- properties -----------------------------------------------------------------------

cell_counts = st.lists(st.integers(0, 60), min_size=7, max_size=7)
permutations = st.permutations([0, 1, 2])


def _valid(h: Histories) -> bool:
    k = 3
    return (all(any(x[j] for x in h) and not all(x[j] for x in h) for j in range(k))
            and any(sum(x) >= 2 for x in h))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(cell_counts, permutations, st.sampled_from(["independence", "loglinear"]))
def test_estimates_are_coherent_and_ignore_the_order_of_lists(
        counts: list[int], order: list[int], method: str) -> None:
    cells = [h for h in np.ndindex(2, 2, 2) if any(h)]
    histories = {tuple(int(v) for v in h): c for h, c in zip(cells, counts, strict=True) if c}
    assume(_valid(histories))
    est = estimate(histories, names(3), method=method, seed=3)
    observed = sum(histories.values())
    assert est.observed == observed
    assert observed <= est.low <= est.total <= est.high
    moved = {tuple(h[i] for i in order): c for h, c in histories.items()}
    again = estimate(moved, [names(3)[i] for i in order], method=method, seed=3)
    assert (again.total, again.low, again.high) == pytest.approx((est.total, est.low, est.high))
