"""In-process timings of the person and search services and pages (no HTTP):
a guide while the machine is too busy for wrk's figures to mean much.

    python bench/bench_inprocess.py HOME [--rounds 3]

HOME is a data home built by bench_api.build (for instance by a run of
bench_api.py kept aside).  Prints the median and 95th percentile per call, the
first round (nothing cached) apart from the next rounds (cached per version).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from khavaran.services import finding, reading, record_views, search, versioned
from khavaran.services.registry import init_registry
from khavaran.settings import Settings

QUERIES = ["Hosseini", "حسینی", "Karimi", "Mohammad Rezaei", "Ahmadi", "محمدی", "Jafari",
           "Moradi"]


def _time(label: str, calls: list[Callable[[], object]]) -> None:
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"  {label:<34} n={len(times):4d}  median {statistics.median(times):7.2f} ms  "
          f"p95 {p95:7.2f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("home", type=Path)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--persons", type=int, default=100)
    args = ap.parse_args()
    registry, _ = init_registry(Settings(home=args.home, db_url=f"sqlite:///{args.home}/"
                                         "khavaran.db", actor="bench"))
    ids = sorted({h.id for q in QUERIES for h in search.search(registry, q, limit=50,
                                                               schema="Person")})
    ids = ids[:args.persons]
    for rnd in range(args.rounds):
        if rnd == 0:
            versioned.clear()
        print("round", rnd + 1, "(nothing cached)" if rnd == 0 else "(cached)")
        _time("reading.person (API)", [lambda i=i: reading.person(registry, i, actor="b")
                                       for i in ids])
        versioned.clear() if rnd == 0 else None
        _time("record_views.person_view (page)",
              [lambda i=i: record_views.person_view(registry, i, actor="b") for i in ids])
        _time("reading.search_page (API)",
              [lambda q=q: reading.search_page(registry, q, limit=20) for q in QUERIES])
        _time("finding.find (page)",
              [lambda q=q: finding.find(registry, q, limit=20) for q in QUERIES])
    registry.close()


if __name__ == "__main__":
    main()
