"""Coverage benchmark of the multiple systems estimates (docs/estimation.md).

    python bench/bench_estimate.py [--runs 200] [--scenarios equal,unequal,...]
                                   [--methods "2 lists,independence,loglinear,lcmcr,auto"]
                                   [--lists 5,3] [--population 5000] [--workers 2]
    python bench/bench_estimate.py --quick     (20 runs, 5 lists: a smoke run)

The defaults (5 lists, 5 scenarios, 200 runs) took 702 s on our 2-core machine
with both cores free; --lists 3 about as long again.  Figures and their reading
are in docs/estimation.md.

Each run simulates a population of --population victims, lets each list capture
some of them as the scenario says, counts the capture histories and asks each
method for a 95% interval.  For each scenario and method it prints: coverage
(share of runs whose interval holds the true total), median and mean relative
width ((high - low) / true total), mean relative bias of the central figure,
and mean seconds per estimate; "ok" when coverage >= 90%.

"profile" (only when asked for) is the chosen log-linear model's profile-
likelihood interval, which ignores the uncertainty of the choice of model.

"auto" is what estimate(method="auto") gives: for 4 lists or more the
"combined" method, built here with khavaran.linkage.estimate.combine from the
log-linear and latent-class estimates of the same run exactly as estimate()
does (a test checks that), its time the sum of theirs; for 3 lists the
log-linear estimate.  "2 lists" is the independence
(Chapman) estimate from the first two lists alone, the only one two lists allow.

Scenarios, with capture probabilities per list chosen in 0.1-0.7 before any
method was run on them (the same for every method):

  equal       all lists capture everyone with probability 0.3, independently
  unequal     unequal capture: logit p = logit(b_list) + u_person, u ~ Normal(0, 1),
              b = 0.2, 0.3, 0.4, 0.5, 0.6
  dependent   b = 0.3, 0.25, 0.4, 0.35, 0.5; list 2 also copies each person of
              list 1 with probability 0.5 (positive dependence)
  city        30% of victims are from one city; list 1 captures 0.7 there and 0.15
              elsewhere, list 3 0.45 and 0.3; lists 2, 4, 5: 0.3, 0.4, 0.5
  hidden      unequal capture by a hidden group: 40% of victims are hard to find
              (0.1, 0.15, 0.1, 0.2, 0.1), the others easy (0.5, 0.6, 0.4, 0.5, 0.6)

With --lists 3 the same populations are captured by the first three lists only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

import numpy as np

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))
from khavaran.errors import ValidationError  # noqa: E402
from khavaran.linkage import estimate_loglinear as ll  # noqa: E402
from khavaran.linkage.estimate import Estimate, auto_method, combine, estimate  # noqa: E402
from khavaran.linkage.estimate_profile import profile_interval  # noqa: E402

Array = np.ndarray

SCENARIOS: dict[str, str] = {
    "equal": "equal capture",
    "unequal": "unequal capture (per-person propensity)",
    "dependent": "dependent lists (list 2 copies list 1)",
    "city": "one list favouring one city",
    "hidden": "unequal capture: a hard-to-find group",
}
METHODS = ("2 lists", "independence", "loglinear", "lcmcr", "auto")
# Not offered by estimate(): the chosen log-linear model's profile-likelihood
# interval, which ignores the choice of model (docs/estimation.md says why not).
EXTRA = ("profile",)
NAMES = ("L1", "L2", "L3", "L4", "L5")


def _expit(v: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-v))


def _logit(p: Array) -> Array:
    return np.log(p / (1.0 - p))


def _probabilities(scenario: str, n: int, rng: np.random.Generator) -> Array:
    if scenario == "equal":
        return np.full((n, 5), 0.3)
    if scenario == "unequal":
        base = _logit(np.array([0.2, 0.3, 0.4, 0.5, 0.6]))
        return _expit(base[None, :] + rng.normal(0.0, 1.0, n)[:, None])
    if scenario == "dependent":
        return np.tile([0.3, 0.25, 0.4, 0.35, 0.5], (n, 1))
    if scenario == "city":
        city = rng.random(n) < 0.3
        p = np.tile([0.15, 0.3, 0.3, 0.4, 0.5], (n, 1))
        p[city, 0], p[city, 2] = 0.7, 0.45
        return p
    hard = rng.random(n) < 0.4
    return np.where(hard[:, None], [0.1, 0.15, 0.1, 0.2, 0.1], [0.5, 0.6, 0.4, 0.5, 0.6])


def simulate(scenario: str, n: int, rng: np.random.Generator) -> Array:
    """0/1 capture matrix (persons x 5 lists) of the whole population."""
    caught = rng.random((n, 5)) < _probabilities(scenario, n, rng)
    if scenario == "dependent":
        caught[:, 1] |= caught[:, 0] & (rng.random(n) < 0.5)
    return caught.astype(np.int8)


def histories(caught: Array) -> dict[tuple[int, ...], int]:
    rows, counts = np.unique(caught[caught.any(axis=1)], axis=0, return_counts=True)
    return {tuple(int(v) for v in r): int(c) for r, c in zip(rows, counts, strict=True)}


def _timed(fn: Callable[[], Estimate]) -> tuple[Estimate | None, float]:
    start = time.perf_counter()
    try:
        return fn(), time.perf_counter() - start
    except ValidationError:  # a refusal counts as a miss: no interval was given
        return None, time.perf_counter() - start


Row = tuple[float, float, float, float]  # total, low, high, seconds (NaN when refused)


def _profile(h: dict[tuple[int, ...], int], k: int) -> Estimate:
    y = np.zeros(2**k - 1)
    for history, count in h.items():
        y[int("".join(map(str, history)), 2) - 1] = count
    fit = ll.select_model(y, k)
    if fit is None:
        raise ValidationError("no model")
    low, high = profile_interval(y, k, fit)
    total = y.sum() + fit.unobserved
    return Estimate(NAMES[:k], int(y.sum()), total, low, high, "profile", "", ())


def one_run(job: tuple[str, int, int, int, tuple[str, ...]]) -> tuple[str, int, dict[str, Row]]:
    scenario, k, run, population, methods = job
    rng = np.random.default_rng([list(SCENARIOS).index(scenario), run])
    caught = simulate(scenario, population, rng)
    out: dict[str, tuple[Estimate | None, float]] = {}
    h = histories(caught[:, :k])
    lists = NAMES[:k]
    if "2 lists" in methods:
        two = histories(caught[:, :2])
        out["2 lists"] = _timed(lambda: estimate(two, NAMES[:2], seed=run))
    needed = set(methods)
    if "auto" in methods:
        auto = auto_method(k)
        needed |= {"loglinear", "lcmcr"} if auto == "combined" else {auto}
    for m in ("independence", "loglinear", "lcmcr"):
        if m in needed:
            out[m] = _timed(lambda m=m: estimate(h, lists, method=m, seed=run))
    if "profile" in methods:
        out["profile"] = _timed(lambda: _profile(h, k))
    if "auto" in methods and auto == "combined":
        (a, ta), (b, tb) = out["loglinear"], out["lcmcr"]
        out["auto"] = (combine(a, b) if a and b else None, ta + tb)
    elif "auto" in methods:
        out["auto"] = out[auto]
    rows = {m: ((e.total, e.low, e.high, t) if e else (np.nan, np.nan, np.nan, t))
            for m, (e, t) in out.items() if m in methods}
    return scenario, k, rows


def summarise(rows: list[Row], truth: float) -> str:
    a = np.array(rows)
    covered = (a[:, 1] <= truth) & (truth <= a[:, 2])
    width = (a[:, 2] - a[:, 1]) / truth
    coverage = float(covered.mean())
    refused = int(np.isnan(a[:, 0]).sum())
    return (f"{coverage:6.1%} {'ok ' if coverage >= 0.9 else 'LOW'} "
            f"{np.nanmedian(width):8.3f} {np.nanmean(width):8.3f} "
            f"{np.nanmean(a[:, 0] / truth - 1):+8.2%} {a[:, 3].mean():7.2f}s"
            + (f"  ({refused} refused)" if refused else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--lists", default="5",
                        help="numbers of lists, e.g. 5 or 5,3 (3 lists take about as long again)")
    parser.add_argument("--population", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="20 runs, 5 lists")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.lists = 20, "5"
    scenarios = args.scenarios.split(",")
    methods = tuple(args.methods.split(","))
    sizes = [int(v) for v in args.lists.split(",")]
    for name in scenarios:
        if name not in SCENARIOS:
            parser.error(f"unknown scenario {name}: one of {', '.join(SCENARIOS)}")
    for m in methods:
        if m not in METHODS + EXTRA:
            parser.error(f"unknown method {m}: one of {', '.join(METHODS + EXTRA)}")
    jobs = [(s, k, r, args.population, methods) for k in sizes for s in scenarios
            for r in range(args.runs)]
    start = time.perf_counter()
    with Pool(args.workers) as pool:
        results = pool.map(one_run, jobs, chunksize=4)
    elapsed = time.perf_counter() - start
    print(f"# bench_estimate, {dt.date.today().isoformat()}: {args.runs} runs per scenario, "
          f"true N = {args.population:,}, {args.workers} workers on {os.cpu_count()} cores, "
          f"{elapsed:.0f} s in all")
    print(f"{'lists':5} {'scenario':40} {'method':12} {'cover':>6} {'':3} "
          f"{'med.wid':>8} {'mean.wid':>8} {'bias':>8} {'time':>8}")
    for k in sizes:
        for s in scenarios:
            for m in methods:
                if m == "2 lists" and k != sizes[0]:
                    continue  # the same two lists whatever k
                rows = [rr[m] for sc, kk, rr in results if sc == s and kk == k]
                print(f"{k:5} {SCENARIOS[s]:40} {m:12} {summarise(rows, args.population)}")


if __name__ == "__main__":
    main()
