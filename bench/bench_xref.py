"""xref benchmark: `khavaran xref` of 500 alleged perpetrators against 100,000
imported FtM persons, wall time and peak memory, against `khavaran link` of the
same records in the same run.

    python bench/bench_xref.py [--persons 100000] [--suspects 500]

The records are the synthetic lists of bench/linkage_data.py (invented people):
the reference persons are the Persian-script list (names in Persian, birth
years), written as an FtM file and imported with `import --format ftm` (its
time is printed too); the suspects are records of the English list, imported
into the registry as alleged perpetrators.  `khavaran link` links the same two
lists (the reference list and the suspects) as CSV files.  Each command runs
in its own process; peak memory is that process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from khavaran.errors import ValidationError  # noqa: E402
from khavaran.linkage.values import read_birth_year  # noqa: E402
from linkage_data import generate  # noqa: E402

KHAVARAN = str(Path(sys.executable).with_name("khavaran"))
NGO = "Bench Human Rights Group (synthetic)"


def _run(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB, and output of one command in its own process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{output}")
    return wall, usage.ru_maxrss / 1024, output


def _birth(text: str) -> str | None:
    try:
        lo, _ = read_birth_year(text)
    except ValidationError:
        return None
    return str(lo)


def write_inputs(folder: Path, persons: int, suspects: int) -> tuple[Path, Path, Path, Path]:
    data = generate(int(persons * 1.6) + suspects, lists=2, seed=20)
    (_, fa_rows), (_, en_rows) = data.lists
    refs = fa_rows[:persons]
    picked = en_rows[:suspects]
    ftm = folder / "reference.ftm.jsonl"
    with ftm.open("w", encoding="utf-8") as fh:
        for row in refs:
            props: dict[str, list[str]] = {"name": [row["name"]]}
            birth = _birth(row.get("birth_year", "")) if row.get("birth_year") else None
            if birth:
                props["birthDate"] = [birth]
            if row.get("gender") in ("male", "female"):
                props["gender"] = [row["gender"]]
            props["nationality"] = ["ir"]
            fh.write(json.dumps({"id": f"ref-{row['record_id']}", "schema": "Person",
                                 "properties": props}, ensure_ascii=False) + "\n")
    registry = folder / "suspects.jsonl"
    with registry.open("w", encoding="utf-8") as fh:
        def line(**kw: object) -> None:
            fh.write(json.dumps(kw, ensure_ascii=False) + "\n")
        line(type="source", id="bench-suspects", kind="report", title="Bench suspects",
             publisher_type="ngo", reliability="B", fictional=True)
        cite = [{"source": "bench-suspects", "locator": ""}]
        for n, row in enumerate(picked, 1):
            pid = f"p-bench-{n:05d}"
            line(type="entity", id=pid, schema="Person", fictional=True)
            line(type="claim", entity=pid, property="name", value=row["name"],
                 qualifier="full", citations=cite)
            line(type="claim", entity=pid, property="role", value="alleged_perpetrator",
                 citations=cite, credibility=2,
                 statuses=[{"status": "reported_by_ngo", "asserted_by": NGO,
                            "date": "2011-12-01", "source": "bench-suspects"}])
    columns = ("source", "record_id", "name", "birth_year", "gender")
    lists = []
    for name, rows in (("reference.csv", refs), ("suspects.csv", picked)):
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore",
                                    lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        lists.append(path)
    return ftm, registry, lists[0], lists[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--suspects", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ftm, registry, refs_csv, suspects_csv = write_inputs(folder, args.persons,
                                                             args.suspects)
        persons = sum(1 for _ in ftm.open(encoding="utf-8"))
        home = ["--home", str(folder / "home"), "--as", "bench"]
        _run([KHAVARAN, *home, "init"])
        _run([KHAVARAN, *home, "import", str(registry)])
        wall_imp, rss_imp, _ = _run([KHAVARAN, *home, "import", "--format", "ftm", str(ftm),
                                     "--fictional"])
        wall_x, rss_x, out_x = _run([KHAVARAN, *home, "xref", "--limit", "1"])
        wall_l, rss_l, out_l = _run([KHAVARAN, "link", str(refs_csv), str(suspects_csv),
                                     "--out", str(folder / "clusters.csv")])
    print(f"xref, {args.suspects:,} suspects against {persons:,} imported FtM persons "
          "(SQLite, each command in its own process)")
    print(f"  import --format ftm: {persons / wall_imp:,.0f} entities/s ({wall_imp:.1f} s, "
          f"peak {rss_imp:,.0f} MB)")
    print(f"  khavaran xref: {wall_x:.1f} s, peak {rss_x:,.0f} MB ({out_x.splitlines()[0]})")
    print(f"  khavaran link (same records): {wall_l:.1f} s, peak {rss_l:,.0f} MB "
          f"({out_l.splitlines()[0]})")
    print(f"  ratio xref / link: time {wall_x / wall_l:.2f}, memory {rss_x / rss_l:.2f}")


if __name__ == "__main__":
    main()
