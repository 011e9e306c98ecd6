"""Evidence-vault benchmark: intake throughput, peak memory of an intake, ledger verification.

    make bench
    python bench/bench_vault.py [--intake-gb 1] [--memory-gb 4] [--entries 1000000]
                                [--rounds 3] [--skip intake|memory|ledger] [--tmp DIR]
    python bench/bench_vault.py --quick        (tiny sizes: a smoke run of about 30 s)

The default sizes take about 6 minutes on our 2-core machines, most of it
building the ledger.  Three figures, each next to a baseline measured in the
same process, because these machines are shared and noisy: the ratio travels
better than the absolute figure.  How much of the second core the host lets us
have varies from minute to minute, so a "core check" (two SHA-512 threads
against one) is printed before each figure: read a figure that needs both
cores with it.

1. Intake of a file of random bytes through the service layer (add_evidence:
   both digests, the stored copy, its fsync, the database records), against
   hashlib's SHA-256 and SHA-512 alone over the same bytes; the slower of the
   two is the baseline.  Digests, a plain copy, the bare staging step and the
   intake are run in turn, --rounds times, and the best of each is compared.
   Each intake goes into a fresh registry, so each is a first intake.
2. Peak RSS of the real command line taking in a big file, in a child process
   (ru_maxrss of RUSAGE_CHILDREN, read by a small wrapper process), against the
   same command line running 'ledger head', which takes nothing in.
3. Verifying a ledger of --entries entries (built with LedgerWriter in one
   transaction, spread over 1000 fake items): the chains alone, then chains and
   every signature, against reading all rows and hashing all bodies.

MB and GB are decimal (10^6 and 10^9 bytes).  Everything is written to a
temporary folder (on the disk of --tmp, default the system's) and removed at
the end; at its fullest it holds the big file and its stored copy, about
2 x --memory-gb.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from nacl.signing import VerifyKey

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))
from khavaran.services.evidence import add_evidence  # noqa: E402
from khavaran.services.importing import import_files  # noqa: E402
from khavaran.services.registry import Registry, init_registry  # noqa: E402
from khavaran.services.verification import Report, verify  # noqa: E402
from khavaran.settings import Settings  # noqa: E402
from khavaran.vault.keys import load_key  # noqa: E402
from khavaran.vault.ledger import LedgerWriter, iso, iter_entries  # noqa: E402
from khavaran.vault.streaming import CHUNK, Digests  # noqa: E402
from khavaran.vault.verify_ledger import canonical  # noqa: E402

SOURCE_ID = "b-src"
SOURCES_CSV = (
    "id,kind,title,author,publisher,publisher_type,interested_party,date,calendar,language,"
    "based_on,witness,reliability,url,note,fictional\n"
    f"{SOURCE_ID},testimony,Bench testimony,,Bench NGO,ngo,false,1369,,fa,,,C,,,true\n"
)
GB = 10**9
MB = 10**6
WRITE_BLOCK = 8 << 20  # random bytes are made and written 8 MiB at a time
SIGNATURE_WORKERS = 2  # as khavaran.services.verification uses
T = TypeVar("T")


def out(line: str = "") -> None:
    print(line, flush=True)


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of every thread, and of children waited for


def timed(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[Run, T]:
    before, start = os.times(), time.perf_counter()
    result = fn(*args, **kwargs)
    wall, after = time.perf_counter() - start, os.times()
    cpu = sum(getattr(after, f) - getattr(before, f)
              for f in ("user", "system", "children_user", "children_system"))
    return Run(wall, cpu), result


def core_check() -> float:
    """How much faster two SHA-512 threads get through twice the work of one: 2.0 when
    both cores are ours, about 1.0 when the host gives us the power of one (it varies)."""
    block = b"\x5a" * CHUNK

    def work() -> None:
        h = hashlib.sha512()
        for _ in range(192):
            h.update(block)

    one = timed(work)[0].wall
    threads = [threading.Thread(target=work) for _ in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 2 * one / (time.perf_counter() - start)


def make_registry(home: Path) -> Registry:
    """A fresh SQLite registry in ``home`` with one source to take evidence from."""
    home.mkdir(parents=True)
    registry, _ = init_registry(Settings(home=home, db_url=f"sqlite:///{home / 'khavaran.db'}",
                                         actor="bench"))
    (home / "sources.csv").write_text(SOURCES_CSV, encoding="utf-8")
    import_files(registry, [(home / "sources.csv", "source")], actor="bench")
    return registry


def write_random(path: Path, size: int) -> float:
    """Write ``size`` random bytes, a block at a time; returns the seconds taken."""
    start = time.perf_counter()
    with open(path, "wb") as fh:
        left = size
        while left:
            block = os.urandom(min(WRITE_BLOCK, left))
            fh.write(block)
            left -= len(block)
    return time.perf_counter() - start


def rate(size: int, seconds: float) -> str:
    return f"{size / MB / seconds:,.0f} MB/s"


# -- 1. intake throughput ---------------------------------------------------------


def digest_alone(path: Path, name: str) -> str:
    """hashlib alone over the file, read as the intake reads it."""
    h = hashlib.new(name)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def copy_alone(path: Path, target: Path) -> None:
    """Copy the file as the vault does (unbuffered writes, fsync), without digests."""
    with open(path, "rb") as src, open(target, "wb", buffering=0) as dst:
        while chunk := src.read(CHUNK):
            dst.write(chunk)
        os.fsync(dst.fileno())


def stage_alone(registry: Registry, path: Path) -> Digests:
    """The vault's staging step alone (copy, both digests, fsync), then discarded."""
    with registry.vault.staging() as area, open(path, "rb") as fh:
        staged = area.stage(fh, str(path))
        staged.discard()
    return staged.digests


def bench_intake(root: Path, size: int, rounds: int) -> None:
    folder = root / "intake"
    folder.mkdir()
    path = folder / "evidence.bin"
    made = write_random(path, size)
    out(f"1. intake of a {size / GB:g} GB file of random bytes (written in {made:.1f} s; it "
        f"stays in the page cache for every run below, nothing is dropped); best of {rounds} "
        "rounds, each running in turn: sha256 alone, sha512 alone, a plain copy, the bare "
        "staging step, an intake into a fresh registry")
    steps = ("sha256", "sha512", "copy", "stage", "intake")
    runs: dict[str, list[Run]] = {k: [] for k in steps}
    cores: list[float] = []
    stage_registry = make_registry(root / "stage-registry")
    try:
        for n in range(rounds):
            cores.append(core_check())
            run, want = timed(digest_alone, path, "sha256")
            runs["sha256"].append(run)
            runs["sha512"].append(timed(digest_alone, path, "sha512")[0])
            run, _ = timed(copy_alone, path, folder / "copy.bin")
            (folder / "copy.bin").unlink()
            runs["copy"].append(run)
            run, staged = timed(stage_alone, stage_registry, path)
            assert staged.sha256 == want, "staging computed another SHA-256"
            runs["stage"].append(run)
            registry = make_registry(root / f"intake-registry-{n}")
            try:
                run, (done,) = timed(add_evidence, registry, [path],
                                      source_id=SOURCE_ID, actor="bench")
                assert done.sha256 == want and not done.repeat
                assert registry.vault.has(done.sha256)
            finally:
                registry.close()
                shutil.rmtree(root / f"intake-registry-{n}")
            runs["intake"].append(run)
    finally:
        stage_registry.close()
    best = {k: min(v, key=lambda r: r.wall) for k, v in runs.items()}
    slower = max(("sha256", "sha512"), key=lambda k: best[k].wall)
    base = best[slower].wall

    def line(k: str) -> str:
        b = best[k]
        every = ", ".join(f"{size / MB / r.wall:,.0f}" for r in runs[k])
        return (f"{rate(size, b.wall)} ({b.wall:.2f} s, CPU {b.cpu:.2f} s; "
                f"runs {every} MB/s)")

    out(f"   baseline sha256 alone: {line('sha256')}")
    out(f"   baseline sha512 alone: {line('sha512')}")
    out(f"   intake (add_evidence: both digests, stored copy, fsync, records): "
        f"{line('intake')}; ratio to {slower} alone = {base / best['intake'].wall:.2f} "
        f"(target >= 0.8)")
    per_round = ", ".join(
        f"{max(a.wall, b.wall) / c.wall:.2f}" for a, b, c in
        zip(runs["sha256"], runs["sha512"], runs["intake"], strict=True))
    out(f"   intake ratio round by round (slower digest / intake): {per_round}; core check "
        f"at the start of each round: {', '.join(f'{c:.2f}' for c in cores)}")
    out(f"   bare staging step (Vault.staging().stage: copy, both digests, fsync): "
        f"{line('stage')}; ratio to {slower} alone = {base / best['stage'].wall:.2f}")
    out(f"   plain copy alone (read, unbuffered write, fsync; no digest): {line('copy')}; "
        f"ratio to {slower} alone = {base / best['copy'].wall:.2f}")
    shutil.rmtree(folder)


# -- 2. peak memory -----------------------------------------------------------------


# Linux counts in a child's ru_maxrss the memory of the process it was forked
# from (exec records the old address space's peak), so the CLI is started by
# this small wrapper, not by the benchmark process itself.
RSS_WRAPPER = """\
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as fh:
    fh.write(f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} {code}")
"""


def peak_rss(args: list[str], log: Path) -> tuple[float, float, str]:
    """Run a command; its peak RSS in MB, its seconds and its output."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p)}
    result = log.with_suffix(".rss")
    start = time.perf_counter()
    with open(log, "w") as fh:
        subprocess.run([sys.executable, "-c", RSS_WRAPPER, str(result), *args], stdout=fh,
                       stderr=subprocess.STDOUT, env=env, check=True)
    elapsed = time.perf_counter() - start
    maxrss, code = result.read_text().split()
    text = log.read_text(errors="replace").strip()
    if code != "0":
        raise SystemExit(f"{' '.join(args)} failed ({code}):\n{text}")
    return int(maxrss) * 1024 / MB, elapsed, text  # Linux: ru_maxrss is in KiB


def bench_memory(root: Path, size: int) -> None:
    folder = root / "memory"
    folder.mkdir()
    home = folder / "home"
    registry = make_registry(home)
    db_url = registry.settings.db_url
    registry.close()
    cli = [sys.executable, "-m", "khavaran", "--home", str(home), "--db", db_url]
    base, _, _ = peak_rss([*cli, "ledger", "head"], folder / "head.log")
    big = folder / "big.bin"
    made = write_random(big, size)
    peak, secs, text = peak_rss([*cli, "--as", "bench", "evidence", "add", str(big),
                                 "--source", SOURCE_ID], folder / "add.log")
    assert text.endswith("1 file(s) taken in"), text
    verdict = "met" if peak < 100 else "NOT met"
    out(f"2. peak RSS of 'python -m khavaran evidence add' taking in a {size / GB:g} GB file "
        f"(written in {made:.1f} s): {peak:.1f} MB (target < 100 MB: {verdict}); "
        f"the intake took {secs:.1f} s = {rate(size, secs)} in that process")
    out(f"   baseline peak RSS of 'python -m khavaran ledger head' (interpreter and imports, "
        f"no intake): {base:.1f} MB; the intake adds {peak - base:.1f} MB; "
        f"ratio {peak / base:.2f}")
    shutil.rmtree(folder)


# -- 3. ledger verification -----------------------------------------------------------


def build_ledger(registry: Registry, entries: int, items: int) -> None:
    key = load_key(registry.settings)
    ids = [f"ev-{i:016x}" for i in range(items)]
    digests = [hashlib.sha256(i.encode()).hexdigest() for i in ids]
    now = registry.now()
    with registry.write() as conn:
        writer = LedgerWriter(conn, key)
        for n in range(entries):
            i = n % items
            writer.append("view", item=ids[i], actor="bench", at=now,
                          data={"purpose": "review", "sha256": digests[i], "n": n})


def append_work_alone(registry: Registry, sample: int) -> float:
    """Seconds per entry for an append's own work without the database:
    canonical JSON, SHA-256 and the Ed25519 signature of a like body."""
    key = load_key(registry.settings)
    at = iso(registry.now())
    start = time.perf_counter()
    for n in range(sample):
        body = {"v": 1, "seq": n + 1, "prev": "0" * 64, "item": "ev-0000000000000000",
                "item_prev": "1" * 64, "kind": "view", "actor": "bench", "at": at,
                "key": key.key_id, "data": {"purpose": "review", "sha256": "2" * 64, "n": n}}
        text = canonical(body)
        hashlib.sha256(text.encode("utf-8")).hexdigest()
        key.sign(text)
    return (time.perf_counter() - start) / sample


def read_baselines(registry: Registry, sample: int) -> tuple[float, float, float]:
    """Seconds to read every row, seconds to SHA-256 every body, seconds per signature check."""
    with registry.read() as conn:
        start = time.perf_counter()
        count = sum(1 for _ in iter_entries(conn))
        read = time.perf_counter() - start
        assert count > 0, "the ledger is empty"
        hashing = 0.0
        batch: list[bytes] = []
        kept: list[tuple[bytes, bytes]] = []
        for e in iter_entries(conn):
            batch.append(e.body.encode("utf-8"))
            if len(kept) < sample:
                kept.append((bytes.fromhex(e.signature), batch[-1]))
            if len(batch) == 10_000:
                start = time.perf_counter()
                for body in batch:
                    hashlib.sha256(body).hexdigest()
                hashing += time.perf_counter() - start
                batch = []
        start = time.perf_counter()
        for body in batch:
            hashlib.sha256(body).hexdigest()
        hashing += time.perf_counter() - start
    # The library verify itself uses (libsodium, through PyNaCl).
    public = VerifyKey(bytes.fromhex(load_key(registry.settings).public_hex))
    start = time.perf_counter()
    for sig, body in kept:
        public.verify(body, sig)
    return read, hashing, (time.perf_counter() - start) / len(kept)


def checked_verify(registry: Registry, signatures: bool) -> Report:
    report = verify(registry, None, actor="bench", check_signatures_too=signatures)
    assert not report.problems, report.problems[:5]
    return report


def bench_ledger(root: Path, entries: int, items: int) -> None:
    registry = make_registry(root / "ledger")
    try:
        cores = core_check()
        built, _ = timed(build_ledger, registry, entries, items)
        sample = min(entries, 20_000)
        per_append = append_work_alone(registry, sample)
        alone = per_append * entries
        out(f"3. ledger of {entries:,} 'view' entries over {items:,} fake items, built with "
            f"LedgerWriter.append in one transaction: {built.wall:.1f} s "
            f"({entries / built.wall:,.0f} entries/s, CPU {built.cpu:.1f} s; "
            f"core check before: {cores:.2f})")
        out(f"   baseline: an append's own work without the database (canonical JSON, "
            f"SHA-256, Ed25519 sign: {per_append * 1e6:.0f} us, timed over {sample:,}) "
            f"x {entries:,} = {alone:.1f} s; ratio {built.wall / alone:.1f}")
        read, hashing, per_check = read_baselines(registry, sample)
        base = read + hashing
        cores = core_check()
        chains, report = timed(checked_verify, registry, False)
        verdict = "met" if chains.wall < 10 else "NOT met"
        out(f"   verify, chains only (verify(registry, None, check_signatures_too=False)): "
            f"{chains.wall:.1f} s for {report.entries:,} entries = "
            f"{report.entries / chains.wall:,.0f} entries/s, CPU {chains.cpu:.1f} s "
            f"(target < 10 s: {verdict}; core check before: {cores:.2f})")
        out(f"   baseline: reading every row with iter_entries {read:.1f} s + SHA-256 of every "
            f"body {hashing:.1f} s = {base:.1f} s; ratio {chains.wall / base:.2f}")
        cores = core_check()
        full, report = timed(checked_verify, registry, True)
        verdict = "met" if full.wall < 60 else "NOT met"
        out(f"   verify, chains and every signature (verify(registry, None)): {full.wall:.1f} s "
            f"for {report.entries:,} entries and {report.signatures:,} signatures "
            f"(target < 60 s: {verdict}; core check before: {cores:.2f}); CPU {full.cpu:.1f} s "
            f"with the workers' = {full.cpu / full.wall:.2f} cores busy on average")
        least = per_check * report.signatures / SIGNATURE_WORKERS
        out(f"   baseline: Ed25519 verify alone (libsodium) {per_check * 1e6:.0f} us (timed over "
            f"{sample:,}); {report.signatures:,} of them on {SIGNATURE_WORKERS} cores take "
            f"{least:.1f} s at best, plus the chains-only run {chains.wall:.1f} s = "
            f"{least + chains.wall:.1f} s; ratio {full.wall / (least + chains.wall):.2f} "
            f"(the signatures added {full.wall - chains.wall:.1f} s to the chains-only run)")
    finally:
        registry.close()
        shutil.rmtree(root / "ledger")


# -- main -------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--intake-gb", type=float, default=1.0, help="size of the intake file")
    ap.add_argument("--memory-gb", type=float, default=4.0,
                    help="size of the file whose intake's peak memory is measured")
    ap.add_argument("--entries", type=int, default=1_000_000, help="ledger entries to verify")
    ap.add_argument("--items", type=int, default=1000, help="fake items the entries name")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the intake comparison")
    ap.add_argument("--skip", action="append", default=[],
                    choices=["intake", "memory", "ledger"], help="leave out a figure")
    ap.add_argument("--tmp", type=Path, default=None,
                    help="where to make the temporary folder (default: the system's)")
    ap.add_argument("--quick", action="store_true",
                    help="tiny sizes (20 MB, 50 MB, 60,000 entries, 2 rounds): a smoke run")
    args = ap.parse_args()
    if args.quick:
        args.intake_gb, args.memory_gb, args.entries, args.rounds = 0.02, 0.05, 60_000, 2
    intake, memory = int(args.intake_gb * GB), int(args.memory_gb * GB)
    with tempfile.TemporaryDirectory(prefix="khavaran-bench-vault-", dir=args.tmp) as tmp:
        root = Path(tmp)
        need = max(3 * intake if "intake" not in args.skip else 0,
                   2 * memory if "memory" not in args.skip else 0) + GB // 2
        free = shutil.disk_usage(root).free
        if free < need:
            raise SystemExit(f"{root} has {free / GB:.1f} GB free; this run needs about "
                             f"{need / GB:.1f} GB (use smaller --intake-gb/--memory-gb)")
        out(f"khavaran evidence-vault benchmark ({os.cpu_count()} cores, Python "
            f"{sys.version.split()[0]}, SQLite, temporary folder {root}, "
            f"{dt.datetime.now():%Y-%m-%d %H:%M})")
        out(f"core check: two SHA-512 threads got through twice the work of one "
            f"{core_check():.2f} times as fast (2.00: both cores are ours; about 1: the shared "
            "host gives us one core's worth; it is measured again before each figure)")
        steps: list[tuple[str, Callable[[], None]]] = [
            ("intake", lambda: bench_intake(root, intake, args.rounds)),
            ("memory", lambda: bench_memory(root, memory)),
            ("ledger", lambda: bench_ledger(root, args.entries, args.items)),
        ]
        for name, step in steps:
            if name not in args.skip:
                start = time.perf_counter()
                step()
                out(f"   ({name} section: {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
