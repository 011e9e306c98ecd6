"""Every view prints a stored date as person show does: in both calendars, the
one it was written in first, with its own wording when that differs."""

from __future__ import annotations

from pathlib import Path

import pytest

from case_scenario import build
from khavaran.model.types.fuzzy_date import show_date
from khavaran.services.entry import record_consent, withdraw_consent


@pytest.mark.parametrize(("text", "calendar", "shown"), [
    ("1367/05/28", None, "28 Mordad 1367 SH (19 Aug 1988)"),
    ("18 August 1988", None, "18 Aug 1988 (27 Mordad 1367 SH)"),
    ("۱۴۰۲/۰۸/۱۵", "jalali", "15 Aban 1402 SH (6 Nov 2023)"),
    ("Mordad 1367 SH", "jalali", "Mordad 1367 SH (23 Jul – 22 Aug 1988)"),
    ("the week after Ashura", None, "the week after Ashura"),  # kept as written
])
def test_show_date(text: str, calendar: str | None, shown: str) -> None:
    assert show_date(text, calendar) == shown


def test_evidence_show_gives_the_date_of_collection_in_both_calendars(cli, tmp_path) -> None:
    from khavaran.services.importing import import_files

    import_files(cli.registry, [(Path(__file__).parent.parent / "fixtures" / "sources.csv",
                                 "source")], actor="tester")
    note = tmp_path / "note.txt"
    note.write_text("a fictional note\n")
    added = cli("evidence", "add", str(note), "--source", "t-list",
                "--collected-at", "۱۴۰۲/۰۸/۱۵")
    assert added.exit_code == 0, added.output
    shown = cli("evidence", "show", added.output.split()[0])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    at = lines.index("    collected at     15 Aban 1402 SH (6 Nov 2023)")
    assert lines[at + 1] == "    as written       ۱۴۰۲/۰۸/۱۵"  # the wording is kept


def test_consent_dates_are_given_in_both_calendars(demo_cli) -> None:
    registry = demo_cli.registry
    cid = record_consent(registry, "v-demo-001", scope="testimony may be quoted",
                         purpose="a report", given="1402/08/15", actor="tester")
    withdraw_consent(registry, "v-demo-001", cid, date="2024-01-10", actor="tester")
    out = demo_cli("person", "show", "v-demo-001").output
    assert ("consent: testimony may be quoted for a report, given 15 Aban 1402 SH "
            "(6 Nov 2023), withdrawn 10 Jan 2024 (20 Dey 1402 SH) (WITHDRAWN)") in out


def test_the_case_matrix_gives_a_claimed_date_in_both_calendars(cli, tmp_path) -> None:
    build(cli.registry, tmp_path / "files")
    out = cli("case", "matrix", "fx-case").output
    assert "death date: 12 Mordad 1367 SH (3 Aug 1988)" in out
    assert "death date: 1367/05/12" not in out


def test_source_show_gives_its_date_in_both_calendars(demo_cli) -> None:
    lines = demo_cli("source", "show", "demo-court-1").output.splitlines()
    at = lines.index("  date: 11 Oct 2021 (19 Mehr 1400 SH)")
    assert lines[at + 1] == "    as written: 2021-10-11"
    assert not any(line.startswith("  date_calendar") for line in lines)
