"""Dossier benchmark: building a bag of 1,000 exhibits totalling 1 GB.

    make bench
    python bench/bench_dossier.py [--exhibits 1000] [--gb 1] [--rounds 3] [--tmp DIR]
    python bench/bench_dossier.py --quick        (100 exhibits, 0.1 GB: a smoke run)

The figure is a throughput ratio against a baseline run in the same process
on the same files, because these machines are shared and noisy:

  baseline  `cp --reflink=never` of every stored original into a new folder
            (real copies), then `sha256sum` and `sha512sum` over the copies:
            three passes, the coreutils way;
  dossier   `build_dossier` at a fixed ledger head (internal level): each exhibit
            copied out of the vault, hashed both ways and checked against its
            intake hashes in one pass, fsynced; a custody extract per exhibit;
            case.json, the PDF report (1,000-row exhibit index), the manifests.

ratio = baseline seconds / (dossier seconds - PDF seconds): the goal is at
least 0.7.  The PDF's own time is reported apart, and the ratio with it too.
Rounds alternate baseline and dossier; the best of each is compared.  Every
file is read once beforehand so that both start from a warm page cache.
The files are random bytes (incompressible), sizes spread 0.5x-1.5x the mean.
MB and GB are decimal.  Everything lives in a temporary folder, removed at
the end (at its fullest: the inputs, the vault, and one copy).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))
from khavaran.export.dossier import build_dossier  # noqa: E402
from khavaran.export.verify import verify_dossier  # noqa: E402
from khavaran.services import cases  # noqa: E402
from khavaran.services.evidence import add_evidence  # noqa: E402
from khavaran.services.importing import import_files  # noqa: E402
from khavaran.services.registry import Registry, init_registry  # noqa: E402
from khavaran.settings import Settings  # noqa: E402
from khavaran.storage.vault_tables import evidence_item  # noqa: E402
from khavaran.vault.ledger import head  # noqa: E402

GB = 10**9
RECORDS = [
    {"type": "source", "id": "b-court", "kind": "court_record", "title": "Bench judgment",
     "reliability": "A", "fictional": True},
    {"type": "entity", "id": "p-bench-suspect", "schema": "Person", "fictional": True},
    {"type": "claim", "entity": "p-bench-suspect", "property": "name",
     "value": "Bench Suspect (fictional)", "citations": [{"source": "b-court"}]},
    {"type": "entity", "id": "act-bench", "schema": "Act", "fictional": True},
    {"type": "claim", "entity": "act-bench", "property": "act_type", "value": "killing",
     "citations": [{"source": "b-court"}]},
]


def out(line: str = "") -> None:
    print(line, flush=True)


def setup(root: Path, exhibits: int, total: int) -> tuple[Registry, list[Path]]:
    home = root / "home"
    home.mkdir()
    registry, _ = init_registry(Settings(home=home, db_url=f"sqlite:///{home / 'k.db'}",
                                         actor="bench"))
    (root / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    import_files(registry, [(root / "records.jsonl", None)], actor="bench")
    rng = random.Random(1)
    weights = [rng.uniform(0.5, 1.5) for _ in range(exhibits)]
    sizes = [int(total * w / sum(weights)) for w in weights]
    sizes[-1] += total - sum(sizes)
    inputs = root / "in"
    inputs.mkdir()
    paths = []
    for n, size in enumerate(sizes):
        path = inputs / f"exhibit-{n:04d}.bin"
        path.write_bytes(os.urandom(size))
        paths.append(path)
    start = time.perf_counter()
    taken = add_evidence(registry, paths, source_id="b-court", actor="bench")
    out(f"  intake of {exhibits} files: {time.perf_counter() - start:.1f} s")
    for p in paths:
        p.unlink()
    cases.new_case(registry, "bench", suspect="p-bench-suspect", framework_id="rome-statute",
                   title="Bench case", actor="bench")
    cases.add_charge(registry, "bench", crime="cah-murder", mode="ordering",
                     acts=["act-bench"], actor="bench")
    start = time.perf_counter()
    for t in taken:
        cases.link_evidence(registry, "bench", 1, "murder-killed", item_id=t.item_id,
                            locator="whole file", reasoning="bench exhibit",
                            stance="supports", actor="bench")
    out(f"  {exhibits} case links: {time.perf_counter() - start:.1f} s")
    with registry.read() as conn:
        shas = [r.sha256 for r in conn.execute(evidence_item.select())]
    return registry, [registry.vault.path_of(s) for s in shas]


def baseline(blobs: list[Path], dest: Path) -> float:
    dest.mkdir()
    start = time.perf_counter()
    subprocess.run(["cp", "--reflink=never", *map(str, blobs), str(dest)], check=True)
    copies = sorted(map(str, dest.iterdir()))
    for tool in ("sha256sum", "sha512sum"):
        subprocess.run([tool, *copies], check=True, stdout=subprocess.DEVNULL)
    took = time.perf_counter() - start
    shutil.rmtree(dest)
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exhibits", type=int, default=1000)
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tmp", default=None)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.exhibits, args.gb, args.rounds = 100, 0.1, 2
    total = int(args.gb * GB)
    out(f"Dossier benchmark: {args.exhibits} exhibits, {total / GB:.2f} GB, "
        f"{args.rounds} rounds, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(dir=args.tmp, prefix="bench-dossier-") as tmp:
        root = Path(tmp)
        registry, blobs = setup(root, args.exhibits, total)
        with registry.read() as conn:
            seq, _hash = head(conn)
        for b in blobs:  # warm the page cache for both sides alike
            with open(b, "rb") as fh:
                while fh.read(1 << 20):
                    pass
        base, build, pdf = [], [], []
        for r in range(args.rounds):
            base.append(baseline(blobs, root / f"copy-{r}"))
            start = time.perf_counter()
            built = build_dossier(registry, "bench", root / f"dossier-{r}", as_of=str(seq),
                                  actor="bench")
            build.append(time.perf_counter() - start)
            pdf.append(built.pdf_seconds)
            out(f"  round {r + 1}: baseline {base[-1]:.2f} s, dossier {build[-1]:.2f} s "
                f"(PDF {pdf[-1]:.2f} s)")
            if r < args.rounds - 1:
                shutil.rmtree(root / f"dossier-{r}")
        last = root / f"dossier-{args.rounds - 1}"
        start = time.perf_counter()
        check = verify_dossier(last)
        verify_s = time.perf_counter() - start
        assert check.ok, check.problems
        pages = subprocess.run(["pdfinfo", str(last / "data" / "report.pdf")],
                               capture_output=True, text=True, check=False).stdout
        page_count = next((line.split()[-1] for line in pages.splitlines()
                           if line.startswith("Pages:")), "?")
        b, i = min(base), min(range(len(build)), key=lambda k: build[k] - pdf[k])
        without_pdf = build[i] - pdf[i]
        out()
        out(f"baseline cp + sha256sum + sha512sum: {b:.2f} s ({total / GB / b:.2f} GB/s)")
        out(f"dossier without the PDF:             {without_pdf:.2f} s "
            f"({total / GB / without_pdf:.2f} GB/s)")
        out(f"PDF report ({page_count} pages):            {pdf[i]:.2f} s")
        out(f"ratio (baseline / dossier without PDF): {b / without_pdf:.2f}  (goal >= 0.7)")
        out(f"ratio with the PDF:                     {b / build[i]:.2f}")
        out(f"dossier verify (bag, hashes, signatures): {verify_s:.2f} s")
        registry.close()


if __name__ == "__main__":
    main()
