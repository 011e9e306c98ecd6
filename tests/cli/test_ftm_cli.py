"""`khavaran import --format ftm` and `khavaran xref`, as a user runs them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select, update

from khavaran.storage.reference_tables import ref_dataset, ref_entity, xref_judgement

FIXTURE = Path(__file__).parent.parent / "fixtures" / "ftm" / "commission.ftm.jsonl"


def _entities(registry) -> int:
    with registry.read() as conn:
        return conn.execute(select(func.count()).select_from(ref_entity)).scalar_one()


def test_import_then_xref_then_judge(demo_cli) -> None:
    out = demo_cli("import", "--format", "ftm", str(FIXTURE), "--fictional",
                   "--dataset-date", "2024-03-01")
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == [
        "dataset commission (2024-03-01): added 1 Organization, 3 Person, 2 Sanction",
        "these are reference entities, not claims: khavaran xref matches them"]
    again = demo_cli("import", "--format", "ftm", str(FIXTURE), "--fictional")
    assert "added nothing new" in again.output and "already present: 6 entities" in again.output

    listed = demo_cli("xref", "--limit", "0")
    assert listed.exit_code == 0, listed.output
    text = listed.output
    assert text.startswith("compared 6 alleged perpetrator(s) with 3 imported person(s)")
    assert "p-demo-perp-23 (Khosrow Jafari / خسرو جعفری [fictional])  ~  commission:tf-002 " \
           "(خسرو جعفری)" in text
    assert "sanction: authority Demoland Foreign Office (fictional), program Demoland " \
           "human-rights sanctions (fictional), listingDate 2022-11-20" in text
    assert "judge: khavaran xref judge p-demo-perp-21 commission:tf-001 same|different|unsure" \
           in text

    judged = demo_cli("xref", "judge", "p-demo-perp-21", "commission:tf-001", "same")
    assert judged.exit_code == 0, judged.output
    lines = judged.output.splitlines()
    assert lines[0] == "judged p-demo-perp-21 and commission:tf-001 same"
    assert lines[1].startswith("added: ") and "1 sources" in lines[1]
    action = next(x.split()[1] for x in lines if x.startswith("action: "))
    shown = demo_cli("action", "show", action)
    assert "Government of Demoland (fictional)" in shown.output
    assert "ftm-commission" in shown.output

    review = demo_cli("xref", "--review", "--limit", "0")
    assert "compared" not in review.output  # --review does not match again
    assert "commission:tf-001 (" not in review.output


def test_each_bad_line_is_reported_and_nothing_imported(demo_cli, tmp_path: Path) -> None:
    good = FIXTURE.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.json"
    bad.write_text("\n".join([
        *good,
        "not json at all",
        '{"id": "x", "schema": "Vehicle2", "properties": {}}',
        '{"id": "y", "schema": "Person", "properties": {"shoeSize": ["44"]}}',
        '{"id": "z", "schema": "Sanction", "properties": {"entity": ["nobody"]}}',
    ]) + "\n", encoding="utf-8")
    out = demo_cli("import", "--format", "ftm", str(bad))
    assert out.exit_code == 1
    assert "4 problem(s), nothing imported (--skip-bad imports the rest)" in out.output
    for said in ("bad.json:line 7: not JSON", 'bad.json:line 8: unknown schema "Vehicle2"',
                 'bad.json:line 9: schema Person has no property "shoeSize"',
                 "bad.json:line 10: Sanction z: entity refers to 'nobody', which is not in "
                 "the file"):
        assert said in out.output
    assert _entities(demo_cli.registry) == 0

    skipped = demo_cli("import", "--format", "ftm", str(bad), "--skip-bad")
    assert skipped.exit_code == 0, skipped.output
    assert [x for x in skipped.output.splitlines() if x.startswith("skipped: ")] == [
        "skipped: line 7: not JSON (Expecting value at column 1)",
        'skipped: line 8: unknown schema "Vehicle2"',
        'skipped: line 9: schema Person has no property "shoeSize"',
        "skipped: line 10: Sanction z: entity refers to 'nobody', which is not in the file"]
    assert _entities(demo_cli.registry) == 6


def test_format_options_are_checked(demo_cli) -> None:
    out = demo_cli("import", "--format", "csv", str(FIXTURE))
    assert out.exit_code == 2 and "'csv' is not a format" in out.output
    out = demo_cli("import", str(FIXTURE), "--skip-bad")
    assert out.exit_code == 2 and "--skip-bad go with --format ftm" in out.output
    out = demo_cli("import", "--format", "ftm", str(FIXTURE), "--kind", "source")
    assert out.exit_code == 2 and "--format ftm takes one file and none of --kind" in out.output
    assert _entities(demo_cli.registry) == 0


def test_xref_judge_needs_a_name_and_a_known_person(demo_cli) -> None:
    demo_cli("import", "--format", "ftm", str(FIXTURE), "--fictional")
    out = demo_cli("xref", "judge", "p-demo-perp-21", "commission:tf-001", "same", user=None)
    assert out.exit_code != 0
    out = demo_cli("xref", "judge", "p-demo-witness-01", "commission:tf-001", "same")
    assert out.exit_code == 1
    assert "no person with id 'p-demo-witness-01'" in out.output
    with demo_cli.registry.read() as conn:
        assert conn.execute(select(func.count()).select_from(xref_judgement)).scalar_one() == 0


def test_xref_with_nothing_imported(demo_cli) -> None:
    out = demo_cli("xref")
    assert out.exit_code == 0
    assert out.output.splitlines() == [
        "compared 6 alleged perpetrator(s) with 0 imported person(s): 0 candidate(s)",
        "nothing to review: no candidate is left unjudged"]


def test_datasets_and_judgements_are_sealed_in_the_ledger(demo_cli) -> None:
    demo_cli("import", "--format", "ftm", str(FIXTURE), "--fictional")
    demo_cli("xref", "judge", "p-demo-perp-23", "commission:tf-003", "different")
    ok = demo_cli("verify")
    assert ok.exit_code == 0 and ok.output.startswith("all verified"), ok.output
    with demo_cli.registry.engine.begin() as conn:  # someone with the database file
        conn.execute(update(ref_dataset).values(date=dt.date(2020, 1, 1)))
    bad = demo_cli("verify")
    assert bad.exit_code == 1 and "ref_dataset" in bad.output, bad.output


def test_a_different_after_a_same_takes_back_what_it_wrote(demo_cli) -> None:
    demo_cli("import", "--format", "ftm", str(FIXTURE), "--fictional")
    judged = demo_cli("xref", "judge", "p-demo-perp-21", "commission:tf-001", "same")
    action = next(x.split()[1] for x in judged.output.splitlines() if x.startswith("action: "))
    posting = next(x.split()[1] for x in judged.output.splitlines()
                   if x.startswith("posting: "))
    assert action in demo_cli("action", "list", "--target", "p-demo-perp-21").output
    assert "Deputy prosecutor of Mehrkuh" in demo_cli("person", "career",
                                                      "p-demo-perp-21").output
    back = demo_cli("xref", "judge", "p-demo-perp-21", "commission:tf-001", "different",
                    "--note", "another man")
    assert back.exit_code == 0, back.output
    assert f"retracted: {posting} (its facts rejected, kept in history)" in back.output
    assert f"retracted: {action} (its facts rejected, kept in history)" in back.output
    assert action not in demo_cli("action", "list", "--target", "p-demo-perp-21").output
    shown = demo_cli("action", "show", action)
    assert "retracted: every fact of it is rejected" in shown.output
    assert "Deputy prosecutor of Mehrkuh" not in demo_cli("person", "career",
                                                          "p-demo-perp-21").output
    again = demo_cli("xref", "judge", "p-demo-perp-21", "commission:tf-001", "same")
    assert f"restored: {posting}" in again.output and "added: nothing new" in again.output
    listed = demo_cli("action", "list", "--target", "p-demo-perp-21").output
    assert listed.count(action) == 1
    assert demo_cli("verify").output.startswith("all verified")
