"""Public memorial benchmark: the public person page (`GET /persons/{id}`) and
search (`GET /search?q=`) served by `khavaran serve --public --workers 2`
(uvicorn) over loopback, driven by wrk, next to a static file of the same site
in the same run.

    python bench/bench_public.py [--persons 30000] [--seconds 30] [--connections 8]

Builds a registry of fictional persons (bench/data.py, as bench_pages.py does),
publishes them all (services/publishing.py ``publish_many``) and prints requests
per second, p50 and p95 per route and the ratio to the static file.  Goals
(issue 17): person page p95 under 50 ms and at least 300 pages per second.

The person page is driven twice: over the few hundred persons the search queries
find (pages the workers' caches keep after their first reading), and over every
published person in a shuffled order, so that nearly every page is built anew,
as when visitors come from everywhere.  The goal holds only if both meet it.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_api import build, drive, free_port, peak_rss_kib  # noqa: E402
from bench_pages import static_path, wait_for  # noqa: E402
from khavaran.services.memorial import public_ids  # noqa: E402
from khavaran.services.publishing import publish_many  # noqa: E402
from khavaran.services.registry import open_registry  # noqa: E402
from khavaran.settings import Settings  # noqa: E402

GOALS = {"person": (50.0, 300.0), "every": (50.0, 300.0)}  # p95 ms, req/s


def publish_all(home: Path) -> list[str]:
    """Publish every person; the ids the memorial shows, shuffled (the same each run)."""
    registry = open_registry(Settings(home=home, db_url=f"sqlite:///{home}/khavaran.db",
                                      actor="bench"))
    try:
        start = time.perf_counter()
        done = publish_many(registry, actor="bench", reason="benchmark")
        print(f"published {done:,} persons in {time.perf_counter() - start:.1f} s")
        shown = public_ids(registry)
    finally:
        registry.close()
    random.Random(1367).shuffle(shown)
    return shown


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=30000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: scripts/system-packages.sh --bench installs it")
    folder = Path(tempfile.mkdtemp(prefix="bench-public-"))
    home = folder / "home"
    token, ids, queries = build(home, args.persons)
    every = publish_all(home)
    port = free_port()
    khavaran = Path(sys.executable).parent / "khavaran"
    server = subprocess.Popen([str(khavaran), "--home", str(home), "serve", "--public",
                               "--port", str(port), "--workers", "2"],
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    static = static_path()
    try:
        wait_for(base + static)
        routes = [
            ("static", f"static {static}", [static]),
            ("person", "GET /persons/{id}", [f"/persons/{i}" for i in ids]),
            ("every", "GET /persons/{id}, every one", [f"/persons/{i}" for i in every]),
            ("search", "GET /search?q=", [f"/search?q={urllib.request.quote(q)}"
                                          for q in queries]),
        ]
        print(f"{args.persons:,} persons, all published; uvicorn, 2 workers; wrk, 2 threads, "
              f"{args.connections} connections, {args.seconds} s per route; "
              f"{len(ids)} person pages (then all {len(every):,}), {len(queries)} "
              "queries in rotation")
        baseline = 0.0
        failed = []
        for key, name, paths in routes:
            # No account on the public site: the token is sent and ignored.
            rps, p50, p95 = drive(base, paths, token, args.seconds, args.connections, folder)
            baseline = baseline or rps
            goal = GOALS.get(key)
            verdict = ""
            if goal:
                ok = p95 < goal[0] and rps >= goal[1]
                verdict = "  goal met" if ok else "  GOAL MISSED"
                if not ok:
                    failed.append(key)
            print(f"  {name:<30} {rps:8.1f} req/s ({rps / baseline:6.3f} of static)  "
                  f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms{verdict}")
        print(f"  peak memory of the server: {peak_rss_kib(server.pid) / 1024:.0f} MiB")
        print("  goal: person page p95 < 50 ms and >= 300 pages/s, both rotations"
              + (f"; missed: {', '.join(failed)}" if failed else "; met"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
