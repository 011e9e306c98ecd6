"""JSON API benchmark: `GET /api/v1/persons/{id}` and `GET /api/v1/search`
served by `khavaran serve --workers 2` (uvicorn) over loopback, driven by wrk,
next to a static answer of the same app (`GET /api/v1/health`) in the same run.

    make bench
    python bench/bench_api.py [--persons 30000] [--seconds 30] [--connections 8]

Prints requests per second, p50 and p95 per route, the ratio to the static
answer, and the server's peak memory (sum of the workers' peak RSS).
Goals: person p95 under 50 ms, search p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from data import write_lists, write_sources  # noqa: E402
from khavaran.services import accounts  # noqa: E402
from khavaran.services.importing import import_files  # noqa: E402
from khavaran.services.registry import init_registry  # noqa: E402
from khavaran.services.search import search  # noqa: E402
from khavaran.settings import Settings  # noqa: E402

# wrk's Lua: rotate through the given paths; print p50 and p95 in microseconds.
SCRIPT = """
paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
i = 0
-- Each of wrk's two threads starts half-way along from the other, so that they
-- do not ask for the same page at the same moment.
threads = 0
setup = function(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
init = function(args)
  i = (offset or 0) * math.floor(#paths / 2)
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("P50 %d\\nP95 %d\\n", latency:percentile(50), latency:percentile(95)))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(home: Path, persons: int) -> tuple[str, list[str], list[str]]:
    """A registry of ``persons`` list persons; a viewer's token, person ids, queries."""
    registry, _ = init_registry(Settings(home=home, db_url=f"sqlite:///{home}/khavaran.db",
                                         actor="bench"))
    lists = home / "lists"
    lists.mkdir()
    write_sources(lists / "sources.csv")
    paths = write_lists(lists, persons)
    import_files(registry, [(lists / "sources.csv", "source")], actor="bench")
    start = time.perf_counter()
    import_files(registry, [(p, "list") for p in paths], actor="bench")
    print(f"imported {persons:,} persons in {time.perf_counter() - start:.0f} s")
    accounts.add_account(registry, "bench-viewer", "viewer", actor="bench",
                         password="bench password 123")
    token = accounts.issue_token(registry, "bench-viewer", actor="bench")
    queries = ["Hosseini", "حسینی", "Karimi", "Mohammad Rezaei", "Ahmadi", "محمدی",
               "Jafari", "Moradi"]
    ids = sorted({h.id for q in queries for h in search(registry, q, limit=50,
                                                        schema="Person")})
    registry.close()
    return token, ids, queries


def peak_rss_kib(pid: int) -> int:
    """Peak resident memory of a process and its children (the workers)."""
    total = 0
    for p in [pid, *children(pid)]:
        try:
            text = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        m = re.search(r"VmHWM:\s+(\d+) kB", text)
        total += int(m.group(1)) if m else 0
    return total


def children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(k) for k in kids]
    for k in list(out):
        out += children(k)
    return out


def drive(base: str, paths: list[str], token: str, seconds: int, connections: int,
          folder: Path) -> tuple[float, float, float]:
    """Requests per second, p50 and p95 in ms."""
    listing = folder / "paths.txt"
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    script = folder / "rotate.lua"
    script.write_text(SCRIPT, encoding="utf-8")
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script),
         "-H", f"Authorization: Bearer {token}", base],
        capture_output=True, text=True, check=True, env={**os.environ, "BENCH_PATHS":
                                                          str(listing)}).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = int(re.search(r"P50 (\d+)", out).group(1)) / 1000  # type: ignore[union-attr]
    p95 = int(re.search(r"P95 (\d+)", out).group(1)) / 1000  # type: ignore[union-attr]
    if "Non-2xx" in out:
        raise SystemExit(f"some requests failed:\n{out}")
    return rps, p50, p95


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=30000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: scripts/system-packages.sh --bench installs it")
    folder = Path(tempfile.mkdtemp(prefix="bench-api-"))
    home = folder / "home"
    token, ids, queries = build(home, args.persons)
    port = free_port()
    khavaran = Path(sys.executable).parent / "khavaran"
    server = subprocess.Popen([str(khavaran), "--home", str(home), "serve", "--port",
                               str(port), "--workers", "2"], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/api/v1/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        routes = [
            ("static /api/v1/health", ["/api/v1/health"]),
            ("GET /api/v1/persons/{id}", [f"/api/v1/persons/{i}" for i in ids]),
            ("GET /api/v1/search", [f"/api/v1/search?q={urllib.request.quote(q)}&limit=20"
                                    for q in queries]),
        ]
        print(f"{args.persons:,} persons; uvicorn, 2 workers; wrk, 2 threads, "
              f"{args.connections} connections, {args.seconds} s per route")
        baseline = 0.0
        for name, paths in routes:
            rps, p50, p95 = drive(base, paths, token, args.seconds, args.connections, folder)
            baseline = baseline or rps
            print(f"  {name:<26} {rps:8.1f} req/s ({rps / baseline:6.3f} of static)  "
                  f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
        print(f"  peak memory of the server: {peak_rss_kib(server.pid) / 1024:.0f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
