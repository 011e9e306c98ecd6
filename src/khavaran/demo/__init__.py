"""Deterministic, clearly fictional demo data (see DOMAIN.md: never real people).

`write_demo(folder)` writes registry.jsonl (sources, places, units, people,
postings, events, acts, consents) and three overlapping victim lists as CSV,
and returns them as (path, kind) pairs for import.  The same seed gives the
same bytes every time.  `publish_demo(registry)`, after the import, puts the
documented victims on the public memorial but for a few (UNPUBLISHED), and
most of its places on the memorial's map, so that both kinds can be seen and
tested; the list rows stay unpublished, as
rows nobody has reviewed.  `load_demo_sanctions(registry)` imports the demo's
FtM file of fictional sanctions (demo_sanctions.ftm.jsonl) into the reference
area, for `khavaran xref` to match against the fictional commission members.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from khavaran.demo.build import DemoBuilder

if TYPE_CHECKING:
    from khavaran.services.ftm_import import FtmImport
    from khavaran.services.registry import Registry

__all__ = ["PUBLISHED", "PUBLISHED_PLACES", "SANCTIONS", "UNPUBLISHED", "load_demo_sanctions",
           "publish_demo", "write_demo"]

# Fictional people and sanctions in FtM, names in both scripts (docs/ftm.md).
SANCTIONS = Path(__file__).with_name("demo_sanctions.ftm.jsonl")

# The documented (curated) victims: v-demo-001 to v-demo-020.
UNPUBLISHED = ("v-demo-018", "v-demo-019", "v-demo-020")
PUBLISHED = tuple(f"v-demo-{n:03d}" for n in range(1, 21)
                  if f"v-demo-{n:03d}" not in UNPUBLISHED)
# The places on the memorial's map; Tarandasht stays off it, to be seen and tested.
PUBLISHED_PLACES = ("pl-demo-golzar", "pl-demo-mehrkuh", "pl-demo-grave")


def write_demo(folder: Path, seed: int = 1367) -> list[tuple[Path, str | None]]:
    folder.mkdir(parents=True, exist_ok=True)
    return DemoBuilder(seed).write(folder)


def publish_demo(registry: Registry, actor: str = "khavaran demo") -> int:
    """Publish the demo's documented victims but UNPUBLISHED, and PUBLISHED_PLACES
    (safe to run again); returns how many victims were published now."""
    from khavaran.services.publishing import publish, publish_place

    for place in PUBLISHED_PLACES:
        publish_place(registry, place, actor=actor, reason="demo: fictional place")
    return sum(publish(registry, pid, actor=actor, reason="demo: fictional victim")
               for pid in PUBLISHED)


def load_demo_sanctions(registry: Registry, actor: str = "khavaran demo") -> FtmImport:
    """Import the demo's fictional sanctions into the reference area (safe to run
    again: the second time adds nothing)."""
    from khavaran.services.ftm_import import import_ftm

    return import_ftm(registry, SANCTIONS, actor=actor, dataset="demo_sanctions",
                      title="Demoland sanctions list (fictional)", fictional=True)
