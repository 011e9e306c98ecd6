"""Deterministic, clearly fictional demo data (see DOMAIN.md: never real people).

`write_demo(folder)` writes registry.jsonl (sources, places, units, people,
postings, events, acts, consents) and three overlapping victim lists as CSV,
and returns them as (path, kind) pairs for import.  The same seed gives the
same bytes every time.
"""

from __future__ import annotations

from pathlib import Path

from khavaran.demo.build import DemoBuilder

__all__ = ["write_demo"]


def write_demo(folder: Path, seed: int = 1367) -> list[tuple[Path, str | None]]:
    folder.mkdir(parents=True, exist_ok=True)
    return DemoBuilder(seed).write(folder)
