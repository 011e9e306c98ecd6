"""The whole chain, raw lists -> link -> estimate, against the true total (issue 18).

    python bench/bench_chain.py [--runs 50] [--mixes default,fr-sheet,sheet-fa]
                                [--draws 10] [--workers 2]

Each run generates a population (bench/linkage_data.py: fictional people, five
lists written as that mix writes them, people on no list counted in the
truth), writes the lists as files, reads them as `khavaran estimate` does,
links them with --draws other clusterings drawn from the links' probabilities
and estimates the total with the default method, pooled over the draws
(services/estimation.py).  The population runs from about 5,000 to 30,000: the
number listed is drawn log-uniformly from 3,800 to 22,000 for each run, from
its seed.

It prints a line per run and, per mix and overall: coverage (the share of runs
whose 95% interval holds the true total), the median and largest relative
error of the central figure, the median relative width and the mean share of
the interval's variance that comes from the linkage.  Beside them, for
reading: the same estimate from the one clustering `khavaran link` gives (no
draws) and from the true links.  Goals: coverage >= 90% and median error < 5%.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from khavaran.services import estimation  # noqa: E402
from khavaran.services.list_reading import read_for_linkage  # noqa: E402
from linkage_data import generate, write_dataset  # noqa: E402


@dataclass(frozen=True)
class Run:
    seed: int
    mix: str
    listed: int
    truth: int
    pooled: tuple[float, float, float]
    share: float
    single: tuple[float, float, float]
    true_links: tuple[float, float, float]
    seconds: float


def one(seed: int, mix: str, draws: int) -> Run:
    listed = round(math.exp(random.Random(seed).uniform(math.log(3800), math.log(22000))))
    start = time.perf_counter()
    data = generate(listed, 5, seed=seed, mix=mix)
    with tempfile.TemporaryDirectory(prefix="bench-chain-") as folder:
        paths = write_dataset(data, Path(folder))
        read = read_for_linkage(paths, strict=False)
    captures = estimation.from_read_lists(read, draws=draws, seed=seed)
    [pooled] = estimation.run(captures, seed=seed)
    drawn, captures.draws = captures.draws, ()
    [single] = estimation.run(captures, seed=seed)
    captures.draws = drawn
    truth = {(s, r): p for s, r, p in data.truth}
    true_rows = [(truth[r.source, r.record_id], r.source, {}) for r in read.records]
    [true_links] = estimation.run(estimation._collect(true_rows), seed=seed)
    return Run(seed, mix, listed, data.population,
               (pooled.total, pooled.low, pooled.high), pooled.linkage_share or 0.0,
               (single.total, single.low, single.high),
               (true_links.total, true_links.low, true_links.high),
               time.perf_counter() - start)


def _covers(figure: tuple[float, float, float], truth: int) -> bool:
    return figure[1] <= truth <= figure[2]


def _error(figure: tuple[float, float, float], truth: int) -> float:
    return abs(figure[0] - truth) / truth


def _row(name: str, runs: list[Run]) -> str:
    cover = sum(_covers(r.pooled, r.truth) for r in runs) / len(runs)
    errors = [_error(r.pooled, r.truth) for r in runs]
    width = statistics.median((r.pooled[2] - r.pooled[1]) / r.truth for r in runs)
    single = sum(_covers(r.single, r.truth) for r in runs) / len(runs)
    single_error = statistics.median(_error(r.single, r.truth) for r in runs)
    true = sum(_covers(r.true_links, r.truth) for r in runs) / len(runs)
    true_error = statistics.median(_error(r.true_links, r.truth) for r in runs)
    return (f"| {name} | {len(runs)} | {cover:.0%} | {statistics.median(errors):.1%} | "
            f"{max(errors):.1%} | {width:.3f} | "
            f"{statistics.mean(r.share for r in runs):.0%} | "
            f"{single:.0%}, {single_error:.1%} | {true:.0%}, {true_error:.1%} |")


def _line(r: Run) -> None:
    print(f"seed {r.seed:3d} {r.mix:9s} listed {r.listed:6,d} truth {r.truth:6,d}  "
          f"pooled {r.pooled[0]:7,.0f} ({r.pooled[1]:,.0f}-{r.pooled[2]:,.0f})"
          f"{'' if _covers(r.pooled, r.truth) else ' MISSES'}  linkage "
          f"{r.share:.0%}  one clustering {r.single[0]:,.0f}  true links "
          f"{r.true_links[0]:,.0f}  {r.seconds:.0f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--mixes", default="default,fr-sheet,sheet-fa")
    ap.add_argument("--draws", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    mixes = args.mixes.split(",")
    jobs = [(seed, mixes[(seed - 1) % len(mixes)], args.draws)
            for seed in range(1, args.runs + 1)]
    start = time.perf_counter()
    runs = []
    # Not a multiprocessing.Pool: its workers may not start the linker's own.
    with ProcessPoolExecutor(args.workers, mp_context=get_context("fork")) as pool:
        for r in pool.map(one, *zip(*jobs, strict=True)):
            runs.append(r)
            _line(r)
    print(f"\n{len(runs)} runs, {args.draws} draws each, {args.workers} workers, "
          f"{time.perf_counter() - start:.0f} s\n")
    print("| mix | runs | coverage | median error | largest error | median width / N | "
          "linkage share | one clustering: coverage, median error | true links: "
          "coverage, median error |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for mix in mixes:
        if any(r.mix == mix for r in runs):
            print(_row(mix, [r for r in runs if r.mix == mix]))
    print(_row("all", runs))
    cover = sum(_covers(r.pooled, r.truth) for r in runs) / len(runs)
    median = statistics.median(_error(r.pooled, r.truth) for r in runs)
    ok = cover >= 0.9 and median < 0.05
    print(f"\ngoal: coverage >= 90% and median error < 5%: {cover:.0%}, {median:.1%}: "
          + ("met" if ok else "MISSED"))


if __name__ == "__main__":
    main()
