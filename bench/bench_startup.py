"""Start-up and command-line intake benchmark.

    python bench/bench_startup.py [--rounds 5] [--intake-mb 200] [--tmp DIR]

Two figures, each against a baseline run in the same process, because these
machines are shared and noisy: the ratio travels better than the seconds.

1. Wall time of `khavaran date`, `khavaran search` and `khavaran person show`
   (a fresh process each, against a demo registry) next to `python -c pass`;
   the best of --rounds runs of each.
2. `khavaran evidence add` of a file of random bytes through the command line,
   against `sha512sum` over the same file: throughput ratio (goal at least 0.7).
   Each intake goes into a fresh registry, so each is a first intake.

Everything is written to a temporary folder and removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# `python -m khavaran` rather than the installed script, so that PYTHONPATH
# chooses the sources measured (a worktree's, say).
KHAVARAN = [sys.executable, "-m", "khavaran"]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    env.pop("KHAVARAN_DB", None)
    # An installed package has its bytecode compiled; with this set, every run
    # would compile our modules from source and measure that instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _best(cmd: list[str], env: dict[str, str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def startup(root: Path, rounds: int) -> None:
    env = _env(KHAVARAN_HOME=str(root / "home"), KHAVARAN_USER="bench")
    subprocess.run([*KHAVARAN, "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} cores")
    base = _best([sys.executable, "-c", "pass"], env, rounds)
    print(f"start-up, best of {rounds} (python -c pass: {base:.3f} s)")
    for args in (["date", "1367/05/06"], ["search", "Hosseini"],
                 ["person", "show", "v-demo-001"]):
        t = _best([*KHAVARAN, *args], env, rounds)
        print(f"  khavaran {' '.join(args):<28} {t:6.3f} s  ({t / base:5.1f} x python -c pass)")


def intake(root: Path, megabytes: int, rounds: int) -> None:
    big = root / "big.bin"
    with big.open("wb") as fh:
        for _ in range(megabytes):
            fh.write(os.urandom(1_000_000))
    size = big.stat().st_size
    base = _best(["sha512sum", str(big)], dict(os.environ), rounds)
    best = float("inf")
    for n in range(rounds):
        home = root / f"intake-{n}"
        env = _env(KHAVARAN_HOME=str(home), KHAVARAN_USER="bench")
        subprocess.run([*KHAVARAN, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*KHAVARAN, "import", str(Path(__file__).parent.parent / "tests" /
                                              "fixtures" / "sources.csv"), "--kind", "source"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        start = time.perf_counter()
        subprocess.run([*KHAVARAN, "evidence", "add", str(big), "--source", "t-list"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
        shutil.rmtree(home)
    mb = size / 1e6
    print(f"evidence add of {mb:.0f} MB through the command line, best of {rounds}")
    print(f"  sha512sum          {base:6.2f} s  {mb / base:7.1f} MB/s")
    print(f"  khavaran evidence  {best:6.2f} s  {mb / best:7.1f} MB/s  "
          f"(ratio {base / best:.2f}; goal at least 0.7)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--intake-mb", type=int, default=200)
    parser.add_argument("--tmp", default=None)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="khavaran-bench-startup-", dir=args.tmp))
    try:
        startup(root, args.rounds)
        intake(root, args.intake_mb, max(1, args.rounds // 2))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
