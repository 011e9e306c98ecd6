"""The estimate carries the linkage's uncertainty (issue 18, point 5): clusterings
drawn from the links' probabilities, and the estimates of each pooled."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from khavaran.cli import app
from khavaran.linkage.compare import Frequencies
from khavaran.linkage.estimate import NOT_ESTIMATED, Estimate, with_linkage
from khavaran.linkage.features import prepare_all
from khavaran.linkage.link import GUARDED, _noise, cluster, link
from khavaran.linkage.lists import LinkRecord

# Fictional records: one man on two lists, written a little differently.
TWO = [LinkRecord("demo-a", "1", "Ali Karimi", father_name="Hassan", age="35",
                  death_date="1988-08-01", city="Tehran"),
       LinkRecord("demo-b", "1", "علی کریمی", father_name="حسن", age="35",
                  death_date="1367/05/10", city="تهران")]


@settings(max_examples=25, deadline=None)
@given(st.floats(-6, 6))
def test_the_noise_links_a_pair_alone_as_often_as_its_probability(margin: float) -> None:
    """A pair ``margin`` bits above where linking starts is linked in a share of
    the draws close to 1 / (1 + 2^-margin)."""
    rng = random.Random(1367)
    draws = 4000
    linked = sum(margin + _noise(rng) >= 0 for _ in range(draws))
    p = 1 / (1 + 2 ** -margin)
    # five standard errors: a fixed seed, so this cannot flake
    assert abs(linked / draws - p) <= 5 * math.sqrt(p * (1 - p) / draws) + 1e-9


def test_draws_link_a_pair_as_its_weight_says_and_never_a_guarded_one() -> None:
    features = prepare_all(TWO)
    freq = Frequencies(features)
    threshold = -freq.prior
    for weight, share in ((threshold + 12, 1.0), (threshold, 0.5), (threshold - 12, 0.0),
                          (GUARDED, 0.0)):
        rng = random.Random(7)
        scores = {(0, 1): weight}
        joined = sum(len(set(cluster(features, scores, freq, jitter=rng))) == 1
                     for _ in range(400))
        assert abs(joined / 400 - share) < 0.1, (weight, joined)
        assert scores == {(0, 1): weight}  # the caller's weights are left as they were


def test_link_draws_the_same_clusterings_for_the_same_seed() -> None:
    first, again = link(TWO, draws=5, seed=3), link(TWO, draws=5, seed=3)
    assert len(first.draws) == 5 and first.draws == again.draws
    assert link(TWO).draws == ()
    assert all(len(ids) == 2 for ids in first.draws)


def _est(total: float, low: float, high: float, observed: int = 800) -> Estimate:
    return Estimate(("a", "b", "c"), observed, total, low, high, "loglinear", "[AB][C]", ())


def test_draws_that_agree_give_the_shown_interval_back() -> None:
    shown = _est(1000, 950, 1100)
    pooled = with_linkage([shown] * 10, shown)
    assert (round(pooled.total), round(pooled.low), round(pooled.high)) == (1000, 950, 1100)
    assert pooled.linkage_share == 0 and pooled.draws == 10
    assert pooled.observed == shown.observed and pooled.model == shown.model


def test_draws_that_disagree_widen_the_interval_by_rubins_rules() -> None:
    from scipy import stats

    draws = [_est(t, t * 0.95, t * 1.1) for t in (900, 1000, 1100, 950, 1050)]
    shown = _est(980, 930, 1080, observed=780)
    pooled = with_linkage(draws, shown)
    assert pooled.observed == 780 and pooled.draws == 5
    logs = [math.log(d.total) for d in draws]
    centre = sum(logs) / 5
    assert math.isclose(pooled.total, math.exp(centre))
    within = (math.log(1.1 / 0.95) / (2 * 1.959964)) ** 2
    between = 1.2 * sum((x - centre) ** 2 for x in logs) / 4
    freedom = 4 * (1 + within / between) ** 2
    stretch = (stats.t.ppf(0.975, freedom) * math.sqrt(within + between)
               / (1.959964 * math.sqrt(within)))
    # the shown interval's shape, each side stretched
    assert math.isclose(math.log(pooled.total / pooled.low), math.log(980 / 930) * stretch)
    assert math.isclose(math.log(pooled.high / pooled.total), math.log(1080 / 980) * stretch)
    assert math.isclose(pooled.linkage_share or 0, between / (within + between))
    assert 0.5 < (pooled.linkage_share or 0) < 1 and stretch > 2


def test_the_linkage_never_narrows_the_interval() -> None:
    shown = _est(1000, 900, 1200)
    narrower = [_est(t, t * 0.98, t * 1.02) for t in (999, 1000, 1001)]
    pooled = with_linkage(narrower, shown)
    assert pooled.high - pooled.low >= (1200 - 900) * 0.999


def test_unbounded_or_unestimated_draws_are_said_and_never_narrow_it() -> None:
    shown = _est(1000, 950, 1100)
    unbounded = _est(1000, 950, math.inf)
    pooled = with_linkage([_est(1000, 950, 1100), _est(1010, 960, 1110), unbounded], shown)
    assert pooled.draws == 3 and math.isinf(pooled.high)
    failed = replace(_est(math.nan, math.nan, math.nan), method=NOT_ESTIMATED)
    pooled = with_linkage([_est(1000, 950, 1100), _est(1010, 960, 1110), failed], shown)
    assert pooled.draws == 2 and math.isfinite(pooled.high)
    assert any("1 of 3 clusterings drawn could not be estimated" in w
               for w in pooled.warnings)
    alone = with_linkage([_est(1000, 950, 1100), failed], shown)
    assert (alone.total, alone.low, alone.high, alone.linkage_share) == (1000, 950, 1100, None)
    assert "The linkage's uncertainty is not in this interval: 1 of 2" in alone.warnings[-1]


def _lists(tmp_path: Path) -> list[str]:
    """Three fictional lists of 300 people; some names written two ways."""
    rng = random.Random(11)
    given_names = ["Ali", "Reza", "Hassan", "Mehdi", "Javad", "Saeed", "Majid", "Kaveh",
                   "Omid", "Vahid", "Nader", "Ramin", "Peyman", "Farhad", "Siamak"]
    families = ["Karimi", "Rahimi", "Jafari", "Ghasemi", "Nazari", "Moradi", "Sadeghi",
                "Bahrami", "Abbasi", "Amini", "Heidari", "Kazemi", "Mousavi", "Najafi",
                "Omidi", "Rostami", "Salehi", "Tavakoli", "Yazdani", "Zamani"]
    people = [(g, f, 1330 + i % 30) for i, (g, f) in
              enumerate((g, f) for g in given_names for f in families)][:300]
    paths = []
    for j in range(3):
        rows = []
        for i, (g, f, year) in enumerate(people):
            if rng.random() < 0.5:
                # a list that spells some family names its own way
                name = f"{g} {f[:-1] + 'y' if j == 2 and i % 4 == 0 else f}"
                rows.append(f"list{j},{i},{name},{year},Tabriz\n")
        path = tmp_path / f"list{j}.csv"
        path.write_text("source,record_id,name,birth_year,city\n" + "".join(rows),
                        encoding="utf-8")
        paths.append(str(path))
    return paths


def test_the_cli_estimate_says_how_much_of_the_interval_is_the_linkage(
        tmp_path: Path) -> None:
    paths = _lists(tmp_path)
    shown = CliRunner().invoke(app, ["estimate", *paths, "--draws", "4"])
    assert shown.exit_code == 0, shown.output
    assert "linkage: pooled over 4 clusterings drawn from the links' probabilities" in \
        shown.output
    assert "comes from the linkage" in shown.output and "from the capture" in shown.output
    none = CliRunner().invoke(app, ["estimate", *paths, "--draws", "0"])
    assert none.exit_code == 0 and "linkage: pooled" not in none.output
    refused = CliRunner().invoke(app, ["estimate", *paths, "--draws", "-1"])
    assert refused.exit_code == 2 and "--draws" in refused.output
    one = CliRunner().invoke(app, ["estimate", *paths, "--draws", "1"])
    assert one.exit_code == 1 and "draw at least 2 clusterings, or 0" in one.output
    clusters = tmp_path / "clusters.csv"
    assert CliRunner().invoke(app, ["link", *paths, "--out", str(clusters)]).exit_code == 0
    decided = CliRunner().invoke(app, ["estimate", *paths, "--clusters", str(clusters),
                                       "--draws", "5"])
    assert decided.exit_code == 1 and "--draws goes with lists linked now" in decided.output
