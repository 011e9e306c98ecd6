"""Evidence ids may be shortened, as git's commit ids may: a unique start of one
will do, matched only among the items the user may see."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

UNKNOWN = "ev-" + "0" * 32


def _colliding(tmp_path: Path, n: int = 2, digits: int = 4) -> list[Path]:
    """``n`` small files whose SHA-256 (so whose item ids) start alike for ``digits``."""
    seen: dict[str, list[bytes]] = {}
    for i in itertools.count():
        body = f"fictional note {i}\n".encode()
        start = hashlib.sha256(body).hexdigest()[:digits]
        seen.setdefault(start, []).append(body)
        if len(seen[start]) == n:
            break
    paths = []
    for k, body in enumerate(seen[start]):
        path = tmp_path / f"note-{k}.txt"
        path.write_bytes(body)
        paths.append(path)
    return paths


def _add(cli, path: Path, source: str) -> str:
    done = cli("evidence", "add", str(path), "--source", source)
    assert done.exit_code == 0, done.output
    return done.output.split()[0]


def test_a_unique_start_of_an_id_names_the_item(demo_cli, tmp_path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("a fictional note\n")
    item = _add(demo_cli, note, "demo-court-1")
    for ref in (item[:9], item[3:12], item.upper()[:10].replace("EV-", "ev-")):
        shown = demo_cli("evidence", "show", ref)
        assert shown.exit_code == 0, shown.output
        assert shown.output.startswith(f"{item}  (original)")
    logged = demo_cli("evidence", "log", item[:8])
    assert logged.exit_code == 0 and "intake" in logged.output


def test_a_start_shared_by_two_items_lists_them(demo_cli, tmp_path) -> None:
    first, second = (_add(demo_cli, p, "demo-court-1") for p in _colliding(tmp_path))
    shown = demo_cli("evidence", "show", first[:7])
    assert shown.exit_code == 1
    assert f"'{first[:7]}' is the start of 2 evidence item ids" in shown.output
    assert first in shown.output and second in shown.output
    # One more digit tells them apart, unless they share it too.
    longer = next(n for n in range(8, 36) if first[:n] != second[:n])
    assert demo_cli("evidence", "show", first[:longer]).output.startswith(first)


def test_too_short_a_start_answers_as_an_unknown_id(demo_cli, tmp_path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("a fictional note\n")
    item = _add(demo_cli, note, "demo-court-1")
    got = demo_cli("evidence", "show", item[:6])
    assert got.exit_code == 1 and got.output == f"Error: no evidence item with id '{item[:6]}'\n"


def test_a_protected_witness_testimony_is_not_found_by_a_start(demo_cli, tmp_path) -> None:
    hidden_path, visible_path = _colliding(tmp_path)
    hidden = _add(demo_cli, hidden_path, "demo-testimony-01")  # a protected witness's
    visible = _add(demo_cli, visible_path, "demo-court-1")
    # The shared start names only the item the user may see.
    shown = demo_cli("evidence", "show", hidden[:7])
    assert shown.exit_code == 0 and shown.output.startswith(visible)
    # A start only the hidden item has answers exactly as an unknown id does.
    only = next(hidden[:n] for n in range(8, 36) if hidden[:n] != visible[:n])
    for args in (("show",), ("lineage",), ("log",), ("get", "--out", str(tmp_path / "c")),
                 ("transfer", "--to", "x", "--reason", "y")):
        want = demo_cli("evidence", args[0], UNKNOWN[:len(only)], *args[1:])
        got = demo_cli("evidence", args[0], only, *args[1:])
        assert got.exit_code == want.exit_code == 1
        assert got.output.replace(only, UNKNOWN[:len(only)]) == want.output
    # Asked for, both are candidates.
    both = demo_cli("evidence", "show", hidden[:7], "--include-protected", user="ana")
    assert both.exit_code == 1 and "is the start of 2 evidence item ids" in both.output
    shown = demo_cli("evidence", "show", only, "--include-protected", user="ana")
    assert shown.exit_code == 0 and shown.output.startswith(hidden)
