"""The command line as a user meets it: messages, exit codes, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_init_is_idempotent(cli) -> None:
    result = cli("init", user=None)
    assert result.exit_code == 0 and "already up to date" in result.output


def test_overview_shows_counts_and_two_cited_profiles(demo_cli) -> None:
    result = demo_cli("overview", user=None)
    assert result.exit_code == 0, result.output
    out = result.output
    with demo_cli.registry.read() as conn:
        from khavaran.storage import queries

        victims = queries.counts(conn)["victims"]
    assert victims > 300 and f"victims: {victims} persons" in out and "sources: 42 (" in out
    assert "Sample victim" in out and "Sample alleged perpetrator" in out
    assert "FICTIONAL" in out and "source:" in out and "status: reported by NGO" in out


def test_person_show_prints_a_source_under_every_fact(demo_cli) -> None:
    result = demo_cli("person", "show", "p-demo-perp-12", user=None)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    # Top-level facts are indented two spaces and end with their grades in [...];
    # each is followed by its status and source lines (six spaces).
    facts = [i for i, ln in enumerate(lines) if ln.startswith("  ") and not
             ln.startswith("   ") and ln.rstrip().endswith("]") and "credibility" in ln]
    assert len(facts) >= 5
    for i in facts:
        block = []
        for ln in lines[i + 1:]:
            if not ln.startswith("      "):
                break
            block.append(ln.strip())
        assert any(b.startswith("source: ") for b in block), lines[i]
        if "ALLEGATION" in lines[i]:
            assert any(b.startswith("status: ") and "asserted by" in b for b in block)
    # related records print one line per fact, with sources inline
    related = [ln for ln in lines if ln.startswith("      ") and "[" in ln and "sources:" in ln]
    assert related and all("sources: demo-" in ln for ln in related)


def test_show_prints_both_calendars_and_the_conflict(demo_cli) -> None:
    result = demo_cli("person", "show", "v-demo-001", user=None)
    assert "CONFLICT: the sources disagree on death date" in result.output
    dates = [ln for ln in result.output.splitlines() if ln.startswith("  death date:")]
    assert len(dates) == 2 and all("SH" in d and "1988" in d for d in dates)
    assert sum("preferred by" in d for d in dates) == 1


@pytest.mark.parametrize("group", ["unit", "place", "event"])
def test_other_show_commands(demo_cli, group: str) -> None:
    rid = {"unit": "u-demo-commission-1", "place": "pl-demo-prison-golzar",
           "event": "e-demo-execution-000"}[group]
    result = demo_cli(group, "show", rid, user=None)
    assert result.exit_code == 0 and rid in result.output and "source:" in result.output


def test_show_protected_needs_as_and_is_recorded(demo_cli) -> None:
    hidden = demo_cli("person", "show", "p-demo-witness-01", user=None)
    assert "Witness W-1" in hidden.output and "withheld" in hidden.output
    refused = demo_cli("person", "show", "p-demo-witness-01", "--include-protected", user=None)
    assert refused.exit_code == 1 and "--as NAME" in refused.output
    shown = demo_cli("person", "show", "p-demo-witness-01", "--include-protected",
                     user="lawyer-1")
    assert shown.exit_code == 0 and "identity revealed" in shown.output
    history = demo_cli("history", "p-demo-witness-01", user=None)
    assert "lawyer-1  reveal-protected" in history.output


def test_writes_without_as_are_refused(cli) -> None:
    result = cli("import", str(FIXTURES / "sources.csv"), "--kind", "source", user=None)
    assert result.exit_code == 1
    assert "--as NAME" in result.output and "Traceback" not in result.output


def test_import_then_again(cli) -> None:
    first = cli("import", str(FIXTURES / "sources.csv"), "--kind", "source")
    assert first.exit_code == 0 and "3 sources" in first.output
    again = cli("import", str(FIXTURES / "sources.csv"), "--kind", "source")
    assert "added: nothing new" in again.output


def test_bad_import_message_names_file_line_field(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("source,record_id,name,death_date\nt-list,1,Ali,1367/13/40\n",
                   encoding="utf-8")
    cli("import", str(FIXTURES / "sources.csv"), "--kind", "source")
    result = cli("import", str(bad), "--kind", "list")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{bad}, line 2, field 'death_date'" in result.output


def test_uncited_claim_from_the_command_line(demo_cli) -> None:
    result = demo_cli("claim", "add", "v-demo-001", "burial_place", "Bagh-e Sorkh")
    assert result.exit_code == 1 and "no citation" in result.output
    ok = demo_cli("claim", "add", "v-demo-001", "burial_place", "Bagh-e Sorkh",
                  "--source", "demo-testimony-02", "--locator", "minute 3")
    assert ok.exit_code == 0 and "added" in ok.output


def test_claim_prefer_and_history(demo_cli) -> None:
    import re

    shown = demo_cli("person", "show", "v-demo-003", "--json", user=None)
    claim_id = re.search(r'"claim_id": "(c-[0-9a-f]+)"', shown.output).group(1)
    result = demo_cli("claim", "prefer", claim_id, "--reason", "family confirmed")
    assert result.exit_code == 0
    history = demo_cli("history", claim_id, user=None)
    assert "tester  prefer" in history.output and "family confirmed" in history.output


def test_search_both_scripts(demo_cli) -> None:
    latin = demo_cli("search", "Hosseini", user=None)
    persian = demo_cli("search", "حسینی", user=None)
    assert latin.exit_code == 0 and "حسینی" in latin.output
    assert "Hosseini" in persian.output


def test_export_to_file(demo_cli, tmp_path: Path) -> None:
    out = tmp_path / "e.jsonl"
    result = demo_cli("export", "--out", str(out), user=None)
    assert result.exit_code == 0 and out.exists() and "withheld" in result.output
    assert not (tmp_path / "e.jsonl.partial").exists()


@pytest.mark.parametrize(("args", "expected", "code"), [
    (["date", "1367/05/06"], "28 Jul 1988", 0),
    (["date", "۱۰ مرداد ۱۳۶۷"], "1 Aug 1988", 0),
    (["date", "28 July 1988"], "6 Mordad 1367 SH", 0),
    (["date", "1367/13/40"], "month 13", 1),
    (["date", "1367/05/10", "--calendar", "mayan"], "unknown calendar", 1),
])
def test_date_command(cli, args: list[str], expected: str, code: int) -> None:
    result = cli(*args, user=None)
    assert result.exit_code == code and expected in result.output
    assert "Traceback" not in result.output


def test_unknown_record_is_a_clear_error(demo_cli) -> None:
    result = demo_cli("person", "show", "p-nobody", user=None)
    assert result.exit_code == 1 and "no person with id 'p-nobody'" in result.output


def test_a_name_given_as_an_id_points_to_search(demo_cli) -> None:
    result = demo_cli("person", "show", "farhad", user=None)
    assert result.exit_code == 1
    assert "no person with id 'farhad'; to find one by name: khavaran search \"farhad\"" \
        in result.output


def test_uninitialised_home_says_run_init(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from khavaran.cli import app

    result = CliRunner().invoke(app, ["--home", str(tmp_path / "nowhere"), "overview"],
                                env={"KHAVARAN_DB": None})
    assert result.exit_code == 1 and "khavaran init" in result.output


def test_history_cannot_confirm_a_protected_persons_name(demo_cli, demo_registry) -> None:
    from khavaran.model import ids
    from khavaran.services import profiles

    names = profiles.show(demo_registry, "p-demo-witness-01", include_protected=True,
                          actor="lawyer-1").facts["name"]
    guess = ids.claim_id("p-demo-witness-01", "name", "full", names[0].value, None)
    keyed = names[0].claim_id  # shown under a keyed id: the plain one is a hash of the value
    assert guess != keyed
    for args in (["history", "p-demo-witness-01"], ["history", "--limit", "0"]):
        out = demo_cli(*args, user=None).output
        assert guess not in out and names[0].value not in out
    by_id = demo_cli("history", guess, user=None)
    assert by_id.output.strip() == f"no history for {guess}"
    for args in (["claim", "assess", guess, "--assessment", "contested", "--reason", "x"],
                 ["claim", "prefer", guess, "--reason", "x"]):
        result = demo_cli(*args)
        assert result.exit_code == 1 and f"no claim with id '{guess}'" in result.output
    # Even to a caller allowed to see it, the plain id answers as unknown.
    unknown = demo_cli("history", guess, "--include-protected", user="lawyer-1")
    assert unknown.output.strip() == f"no history for {guess}"
    revealed = demo_cli("history", keyed, "--include-protected", user="lawyer-1")
    assert names[0].value in revealed.output and keyed in revealed.output
    assert "lawyer-1  reveal-protected" in demo_cli("history", "p-demo-witness-01",
                                                    user=None).output


def test_adding_a_protected_persons_identity_needs_include_protected(demo_cli) -> None:
    args = ["claim", "add", "p-demo-witness-01", "name", "Some Guess", "--qualifier", "full",
            "--source", "demo-testimony-01"]
    refused = demo_cli(*args)
    assert refused.exit_code == 1 and "--include-protected" in refused.output
    assert "already present" not in refused.output
    allowed = demo_cli(*args, "--include-protected", "--reason", "second interview")
    assert allowed.exit_code == 0
    history = demo_cli("history", "p-demo-witness-01", user=None).output
    assert "tester  reveal-protected" in history and "Some Guess" not in history


def test_lists_and_sources_are_recognised_without_kind(cli, tmp_path: Path) -> None:
    result = cli("import", str(FIXTURES / "sources.csv"), str(FIXTURES / "list.csv"))
    assert result.exit_code == 0 and "3 records" in result.output
    people = tmp_path / "people.csv"
    people.write_text("id,fictional,name:full,source\np-1,true,Ali,t-report\n", encoding="utf-8")
    unknown = cli("import", str(people))
    assert unknown.exit_code == 1 and "--kind" in unknown.output


def test_a_home_that_is_a_file_is_refused(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from khavaran.cli import app

    home = tmp_path / "home"
    home.write_text("not a folder", encoding="utf-8")
    for command in ("init", "overview"):
        result = CliRunner().invoke(app, ["--home", str(home), command],
                                    env={"KHAVARAN_DB": None})
        assert result.exit_code == 1 and "is a file, not a folder" in result.output


def test_reading_a_missing_registry_creates_nothing(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from khavaran.cli import app

    home = tmp_path / "new"
    result = CliRunner().invoke(app, ["--home", str(home), "overview"],
                                env={"KHAVARAN_DB": None})
    assert result.exit_code == 1 and "khavaran init" in result.output
    assert not (home / "khavaran.db").exists()


def test_a_registry_from_a_newer_version_is_refused_clearly(cli) -> None:
    from sqlalchemy import text

    with cli.registry.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    for command in ("init", "overview"):
        result = cli(command, user=None)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "9999" in result.output
    if cli.registry.engine.dialect.name == "postgresql":
        # A refused command lets go of the server: no connection of it is left open.
        with cli.registry.read() as conn:
            others = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalar()
        assert others == 0


def test_export_refuses_to_replace_a_symlink(demo_cli, tmp_path: Path) -> None:
    target = tmp_path / "target.jsonl"
    target.write_text("keep\n", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    result = demo_cli("export", "--out", str(link), user=None)
    assert result.exit_code == 1 and "not a regular file" in result.output
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "keep\n"
    missing = demo_cli("export", "--out", str(tmp_path / "no" / "x.jsonl"), user=None)
    assert missing.exit_code == 1 and "cannot write the export" in missing.output


@pytest.mark.parametrize(("content", "message"), [
    ("id,kind,title\nnul-1,report,a\x00b\n", "NUL character"),
    ("[" * 100000 + "\n", "nested too deeply"),
    ("{}\n", 'needs a "type"'),
])
def test_more_bad_files(cli, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / ("bad.csv" if content.startswith("id") else "bad.jsonl")
    path.write_text(content, encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output


def test_status_steps_only_on_allegations(demo_cli) -> None:
    import re

    shown = demo_cli("person", "show", "v-demo-002", "--json", user=None)
    claim_id = re.search(r'"claim_id": "(c-[0-9a-f]+)"', shown.output).group(1)
    result = demo_cli("claim", "status", claim_id, "convicted", "--asserted-by", "Nobody")
    assert result.exit_code == 1 and "not an allegation" in result.output
