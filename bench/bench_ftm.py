"""FtM export and import benchmark: entities per second written by `export
--format ftm` and read back by `import --format ftm` (every line checked against
the FtM model, written to the reference area), each against the followthemoney
library parsing the same file in the same run.

    python bench/bench_ftm.py [--persons N]

Each generated list person gives a Person and a Documentation entity, and each
source a Document: --persons 50000 makes about 100,000 entities.  The figure to
read is the ratio (our export / the library's parse), since these machines are
shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from data import write_lists, write_sources  # noqa: E402
from khavaran.services.ftm_export import export_ftm_to  # noqa: E402
from khavaran.services.ftm_import import import_ftm  # noqa: E402
from khavaran.services.importing import import_files  # noqa: E402
from khavaran.services.registry import init_registry  # noqa: E402
from khavaran.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=20000)
    args = parser.parse_args()
    from followthemoney import model

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        registry, _ = init_registry(Settings(home=folder, db_url=f"sqlite:///{folder}/k.db",
                                             actor="bench"))
        write_sources(folder / "sources.csv")
        lists = write_lists(folder, args.persons)
        import_files(registry, [(folder / "sources.csv", "source")], actor="bench")
        import_files(registry, [(p, "list") for p in lists], actor="bench")
        out = folder / "out.ftm.jsonl"
        start = time.perf_counter()
        report = export_ftm_to(registry, out)
        ours = time.perf_counter() - start
        entities = sum(report.written.values())
        start = time.perf_counter()
        with out.open(encoding="utf-8") as fh:
            parsed = sum(1 for line in fh if model.get_proxy(json.loads(line), cleaned=False))
        theirs = time.perf_counter() - start
        start = time.perf_counter()
        done = import_ftm(registry, out, actor="bench", fictional=True)
        imported = time.perf_counter() - start
        registry.close()
    assert parsed == entities == sum(done.added.values())
    print(f"FtM export and import, {entities:,} entities from {args.persons:,} list persons "
          "(SQLite)")
    print(f"  khavaran export --format ftm: {entities / ours:,.0f} entities/s ({ours:.1f} s)")
    print(f"  followthemoney parse (same file): {entities / theirs:,.0f} entities/s "
          f"({theirs:.1f} s)")
    print(f"  ratio export / library parse: {theirs / ours:.2f}")
    print(f"  khavaran import --format ftm (same file, checked and stored): "
          f"{entities / imported:,.0f} entities/s ({imported:.1f} s)")
    print(f"  ratio import / library parse: {theirs / imported:.2f}")


if __name__ == "__main__":
    main()
