"""The demo data: deterministic, fictional, and shaped like the real record."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from khavaran.demo import write_demo


def _read(folder: Path) -> list[dict]:
    return [json.loads(x) for x in (folder / "registry.jsonl").read_text("utf-8").splitlines()]


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = write_demo(tmp_path / "a")
    b = write_demo(tmp_path / "b")
    for (pa, _), (pb, _) in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()


def test_shape_of_the_demo(tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    lines = _read(tmp_path)
    sources = [x for x in lines if x["type"] == "source"]
    entities = [x for x in lines if x["type"] == "entity"]
    claims = [x for x in lines if x["type"] == "claim"]
    assert len(sources) == 40 and all(s["fictional"] for s in sources)
    assert all(e["fictional"] for e in entities)
    kinds = Counter(c["value"] for c in claims if c["property"] == "kind"
                    and c["entity"].startswith("pl-"))
    assert kinds["city"] >= 3 and kinds["prison"] >= 4
    commissions = {c["entity"] for c in claims if c["value"] == "death_commission"}
    assert len(commissions) == 2
    seats = [c for c in claims if c["property"] == "unit" and c["value"] in commissions]
    assert len(seats) == 6
    protected = [e for e in entities if e.get("protected")]
    assert len(protected) == 1 and protected[0]["pseudonym"]
    assert any(x["type"] == "consent" for x in lines)
    lists = [p for p, kind in files if kind == "list"]
    assert len(lists) == 3
    rows = sum(len(p.read_text("utf-8").splitlines()) - 1 for p in lists)
    assert rows > 300  # 300 victims, many on more than one list


def test_fictional_people_hold_only_fictional_posts(tmp_path: Path) -> None:
    write_demo(tmp_path)
    lines = _read(tmp_path)
    fictional = {e["id"] for e in lines if e["type"] == "entity" and e["fictional"]}
    for c in lines:
        if c["type"] == "claim" and c["property"] in ("unit", "person"):
            assert c["value"] in fictional
    names = [c["value"] for c in lines if c["type"] == "claim" and c["property"] == "name"
             and c["entity"].startswith("u-")]
    assert all("Demo" in n or "commission" in n or "هیئت" in n for n in names), names
