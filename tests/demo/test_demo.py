"""The demo data: deterministic, fictional, and shaped like the real record."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from khavaran.demo import write_demo
from khavaran.demo.build import DemoBuilder


def _read(folder: Path) -> list[dict]:
    return [json.loads(x) for x in (folder / "registry.jsonl").read_text("utf-8").splitlines()]


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = write_demo(tmp_path / "a")
    b = write_demo(tmp_path / "b")
    for (pa, _), (pb, _) in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()


def test_shape_of_the_demo(tmp_path: Path) -> None:
    builder = DemoBuilder(1367)
    files = builder.write(tmp_path)
    lines = _read(tmp_path)
    sources = [x for x in lines if x["type"] == "source"]
    entities = [x for x in lines if x["type"] == "entity"]
    claims = [x for x in lines if x["type"] == "claim"]
    assert len(sources) == 42 and all(s["fictional"] for s in sources)
    assert all(e["fictional"] for e in entities)
    kinds = Counter(c["value"] for c in claims if c["property"] == "kind"
                    and c["entity"].startswith("pl-"))
    assert kinds["city"] >= 3 and kinds["prison"] >= 4
    commissions = {c["entity"] for c in claims if c["value"] == "death_commission"}
    assert len(commissions) == 2
    seats = [c for c in claims if c["property"] == "unit" and c["value"] in commissions]
    assert len(seats) == 6 and all(c["citations"] for c in seats)
    protected = [e for e in entities if e.get("protected")]
    assert len(protected) == 1 and protected[0]["pseudonym"]
    assert any(x["type"] == "consent" for x in lines)
    # 300 victims over three overlapping lists
    assert len(builder.people) == 300 and set(builder.membership) == set(range(300))
    on_lists = Counter(len(v) for v in builder.membership.values())
    assert on_lists[2] + on_lists[3] > 50 and on_lists[1] > 50
    lists = [p for p, kind in files if kind == "list"]
    rows = sum(len(p.read_text("utf-8").splitlines()) - 1 for p in lists)
    assert len(lists) == 3 and rows == sum(len(v) for v in builder.membership.values())
    # conflicting claims: two dates of death for one person, from two sources
    deaths = Counter(c["entity"] for c in claims if c["property"] == "death_date")
    assert sum(1 for n in deaths.values() if n > 1) >= 5


# Real places, bodies and people named in DOMAIN.md: none may appear in the demo.
REAL = ["Evin", "اوین", "Gohardasht", "Rajaei", "Ghezel", "Dezful", "Tehran", "تهران",
        "Khavaran", "خاوران", "Intelligence Ministry", "Nayyeri", "Eshraghi", "Pour-Mohammadi",
        "Raisi", "Avaei", "Nouri", "Noury", "Amnesty", "Montazeri", "Khomeini", "Stockholm"]


def test_fictional_people_hold_only_fictional_posts(tmp_path: Path) -> None:
    write_demo(tmp_path)
    text = "\n".join(p.read_text("utf-8") for p in tmp_path.iterdir())
    for name in REAL:
        assert name not in text, name
    lines = _read(tmp_path)
    units = {c["value"] for c in lines if c["type"] == "claim" and c["property"] == "unit"}
    names = {c["entity"]: c["value"] for c in lines if c["type"] == "claim"
             and c["property"] == "name" and c["entity"] in units and c["value"].isascii()}
    assert set(names) == units
    fictional_places = ("Golzarabad", "Mehrkuh")
    for unit, name in names.items():
        assert "Demo Republic" in name or name.startswith(fictional_places), (unit, name)
