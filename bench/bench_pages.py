"""Web pages benchmark: the person page (`GET /persons/{id}`) and the search
page (`GET /search?q=`) served by `khavaran serve --workers 2` (uvicorn) over
loopback, driven by wrk, next to a static file of the same app in the same run.

    python bench/bench_pages.py [--persons 30000] [--seconds 30] [--connections 8]

Builds a registry of fictional persons (bench/data.py, as bench_api.py does),
signs in a viewer with an API token (the pages accept `Authorization: Bearer`)
and prints requests per second, p50 and p95 per route and the ratio to the
static file.  Goals: person page p95 under 100 ms and at least 200 pages per
second; search page p95 under 150 ms.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import khavaran.web  # noqa: E402
from bench_api import build, drive, free_port, peak_rss_kib  # noqa: E402

GOALS = {"person": (100.0, 200.0), "search": (150.0, 0.0)}  # p95 ms, req/s


def static_path() -> str:
    """A static file the app serves (its stylesheet)."""
    folder = Path(khavaran.web.__file__).parent / "static"
    files = sorted(folder.rglob("*.css")) or sorted(p for p in folder.rglob("*") if p.is_file())
    if not files:
        raise SystemExit(f"no static file in {folder}")
    return "/static/" + files[0].relative_to(folder).as_posix()


def wait_for(url: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=30000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: scripts/system-packages.sh --bench installs it")
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    home = folder / "home"
    token, ids, queries = build(home, args.persons)
    port = free_port()
    khavaran = Path(sys.executable).parent / "khavaran"
    server = subprocess.Popen([str(khavaran), "--home", str(home), "serve", "--port",
                               str(port), "--workers", "2"], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    static = static_path()
    try:
        wait_for(base + static)
        routes = [
            ("static", f"static {static}", [static]),
            ("person", "GET /persons/{id}", [f"/persons/{i}" for i in ids]),
            ("search", "GET /search?q=", [f"/search?q={urllib.request.quote(q)}"
                                          for q in queries]),
        ]
        print(f"{args.persons:,} persons; uvicorn, 2 workers; wrk, 2 threads, "
              f"{args.connections} connections, {args.seconds} s per route; "
              f"{len(ids)} person pages, {len(queries)} queries in rotation")
        baseline = 0.0
        failed = []
        for key, name, paths in routes:
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
        print("  goals: person page p95 < 100 ms and >= 200 pages/s; search p95 < 150 ms"
              + (f"; missed: {', '.join(failed)}" if failed else "; all met"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
