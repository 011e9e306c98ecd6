"""Reveals made on the command line go to the same access log as the web's."""

from __future__ import annotations

import pytest

from khavaran.services.access_log import read_log

WITNESS = "p-demo-witness-01"


@pytest.mark.parametrize("args", [
    ("person", "show", WITNESS, "--include-protected"),
    ("history", WITNESS, "--include-protected"),
    ("search", "Mohammadi", "--include-protected"),
])
def test_a_cli_reveal_is_in_the_access_log(demo_cli, args) -> None:
    before = read_log(demo_cli.registry, action="reveal").total
    done = demo_cli(*args, user="ana")
    assert done.exit_code == 0, done.output
    log = read_log(demo_cli.registry, action="reveal")
    assert log.total > before
    newest = log.entries[0]
    assert (newest.actor, newest.target, newest.via) == ("ana", WITNESS, "cli")
    assert "--include-protected" in (newest.reason or "")


def test_an_export_and_its_reveals_are_in_the_access_log(demo_cli, tmp_path) -> None:
    out = tmp_path / "all.jsonl"
    done = demo_cli("export", "--out", str(out), "--include-protected", user="ana")
    assert done.exit_code == 0, done.output
    exports = read_log(demo_cli.registry, action="export").entries
    assert exports[0].actor == "ana" and exports[0].reason.startswith(
        "export --include-protected (staged ")
    reveals = read_log(demo_cli.registry, action="reveal", target=WITNESS).entries
    assert reveals and reveals[0].via == "cli"


def test_without_include_protected_nothing_is_revealed(demo_cli) -> None:
    assert demo_cli("person", "show", WITNESS, user="ana").exit_code == 0
    assert read_log(demo_cli.registry, action="reveal").total == 0
