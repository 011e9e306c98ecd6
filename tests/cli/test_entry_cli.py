"""`source add`, `source show` and `person add`: no hand-written CSV, no invented ids."""

from __future__ import annotations

import json
import re
from typing import Any

from khavaran.services import profiles
from khavaran.settings import DEFAULT_MAX_UPLOAD, Settings


def test_add_and_show_a_source_then_a_named_person(cli: Any) -> None:
    added = cli("source", "add", "--kind", "report", "--title", "Fictional report",
                "--reliability", "B", "--publisher-type", "ngo", "--date", "1367/05/06",
                "--based-on", "", "--fictional")
    assert added.exit_code == 0, added.output
    sid = added.output.strip()
    assert re.fullmatch(r"s-[a-z2-7]{8}", sid)
    shown = cli("source", "show", sid, user=None)
    assert shown.exit_code == 0 and "Fictional report  (fictional)" in shown.output
    assert "reliability: B" in shown.output
    assert "date: 6 Mordad 1367 SH (28 Jul 1988)\n    as written: 1367/05/06" in shown.output
    data = json.loads(cli("source", "show", sid, "--json", user=None).output)
    assert (data["id"], data["publisher_type"]) == (sid, "ngo")
    person = cli("person", "add", "--name", "Parviz Example", "--source", sid,
                 "--locator", "p. 4", "--fictional")
    assert person.exit_code == 0, person.output
    pid = person.output.strip()
    assert re.fullmatch(r"p-[a-z2-7]{8}", pid)
    [name] = profiles.show(cli.registry, pid).facts["name"]
    assert name.value == "Parviz Example" and name.citations[0].locator == "p. 4"


def test_bad_values_are_named_and_nothing_is_added(cli: Any) -> None:
    bad = cli("source", "add", "--kind", "rumour", "--title", "X", "--reliability", "Q")
    assert bad.exit_code == 1
    assert "field 'kind'" in bad.output and "field 'reliability'" in bad.output
    assert "nothing was written" in bad.output
    uncited = cli("person", "add", "--name", "Parviz Example")
    assert uncited.exit_code == 1 and "field 'source'" in uncited.output
    assert cli("source", "show", "s-nosuch00", user=None).exit_code == 1


def test_adding_needs_a_name(cli: Any) -> None:
    out = cli("person", "add", "--fictional", user=None)
    assert out.exit_code == 1 and "--as" in out.output


def test_max_upload_setting() -> None:
    assert Settings.resolve(env={}).max_upload == DEFAULT_MAX_UPLOAD == 200_000_000
    assert Settings.resolve(env={"KHAVARAN_MAX_UPLOAD": "2GB"}).max_upload == 2 * 1000**3
    assert Settings.resolve(max_upload="512KiB", env={}).max_upload == 512 * 1024
    try:
        Settings.resolve(env={"KHAVARAN_MAX_UPLOAD": "lots"})
    except Exception as exc:  # noqa: BLE001
        assert "max_upload" in str(exc) and "lots" in str(exc)
    else:
        raise AssertionError("an unreadable size was accepted")
