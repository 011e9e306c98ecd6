"""Protection follows the person (issue 12, point 2): through a merge, through
a relation, and to the witness's consent records; every attack as a user
would make it, on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from files import text_pdf
from keyed_refs import keyed_ref
from khavaran.services.access_log import read_log
from khavaran.storage.tables import history, source_record

WITNESS = "p-demo-witness-01"
# Two demo list rows of one fictional name, each its own person before a merge.
SECRET, OTHER = ("demo-list-c", "C0149"), ("demo-list-b", "B0106")
NAME = "Masoud Ebrahimi"


def _person(cli, ref: tuple[str, str]) -> str:
    with cli.registry.read() as conn:
        return str(conn.execute(select(source_record.c.person_id).where(
            source_record.c.source_id == ref[0],
            source_record.c.record_id == ref[1])).scalar_one())


def _merge_with_protected(cli) -> tuple[str, str]:
    secret, other = _person(cli, SECRET), _person(cli, OTHER)
    done = cli("person", "protect", secret, "--pseudonym", "Witness W-9", "--reason", "at risk")
    assert done.exit_code == 0, done.output
    done = cli("dedupe", "judge", keyed_ref(cli.registry, SECRET), ":".join(OTHER), "same",
               "--yes")
    assert done.exit_code == 0, done.output
    return secret, other


def _export(cli, tmp_path: Path, *extra: str) -> list[str]:
    out = tmp_path / "all.jsonl"
    done = cli("export", "--out", str(out), *extra)
    assert done.exit_code == 0, done.output
    return out.read_text(encoding="utf-8").splitlines()


def test_a_person_merged_with_a_protected_one_is_protected_as_a_whole(demo_cli,
                                                                      tmp_path) -> None:
    secret, other = _merge_with_protected(demo_cli)
    found = demo_cli("search", NAME).output
    assert other not in found and secret not in found
    for pid in (secret, other):
        shown = demo_cli("person", "show", pid).output
        assert "Witness W-9 (protected)" in shown and NAME not in shown
        assert OTHER[1] not in shown and SECRET[1] not in shown
        told = demo_cli("history", pid).output
        assert NAME not in told and "merge" not in told, told
    everything = demo_cli("history", "--limit", "0").output
    assert not any(secret in line and other in line for line in everything.splitlines())
    lines = _export(demo_cli, tmp_path)
    mine = [line for line in lines if other in line or secret in line]
    assert mine and not any(NAME in line or OTHER[1] in line or '"merge"' in line
                            for line in mine)
    member = next(json.loads(line) for line in mine if '"type": "entity"' in line
                  and other in line)
    assert member["protected"] and member["pseudonym"] == "Witness W-9"
    queue = demo_cli("dedupe", "--limit", "0").output
    assert ":".join(OTHER) not in queue and ":".join(SECRET) not in queue
    assert ":".join(OTHER) not in demo_cli("dedupe", "log").output


def test_a_merged_members_history_is_shown_on_request_and_recorded(demo_cli) -> None:
    _, other = _merge_with_protected(demo_cli)
    done = demo_cli("history", other, "--include-protected", user="ana")
    assert done.exit_code == 0 and NAME in done.output
    log = read_log(demo_cli.registry, action="reveal", target=other)
    assert log.total == 1 and log.entries[0].actor == "ana"


def _add_relative(cli) -> str:
    done = cli("person", "add", "--name", "Fatemeh Fictional-Relative", "--source",
               "demo-testimony-01", "--fictional")
    assert done.exit_code == 0, done.output
    pid = done.output.split()[0]
    done = cli("claim", "add", pid, "relative_of", WITNESS, "--qualifier", "sibling",
               "--source", "demo-testimony-01", "--include-protected")
    assert done.exit_code == 0, done.output
    return pid


def test_a_relation_of_a_protected_person_is_hidden_on_both_sides(demo_cli, tmp_path) -> None:
    relative = _add_relative(demo_cli)
    witness = demo_cli("person", "show", WITNESS).output
    assert "Fatemeh" not in witness and relative not in witness
    for args in (("person", "show", relative), ("history", relative),
                 ("history", "--limit", "0")):
        out = demo_cli(*args).output
        assert not any(relative in line and WITNESS in line for line in out.splitlines()), out
    lines = _export(demo_cli, tmp_path)
    assert not any(relative in line and WITNESS in line for line in lines)
    revealed = demo_cli("person", "show", WITNESS, "--include-protected", user="ana").output
    assert "Fatemeh Fictional-Relative" in revealed


def test_a_relation_to_a_protected_person_answers_as_one_to_nobody(demo_cli) -> None:
    """Tying a relative to a protected witness would confirm that the id exists:
    without --include-protected it answers as for an unknown person."""
    done = demo_cli("person", "add", "--name", "Fatemeh Fictional-Relative", "--source",
                    "demo-testimony-01", "--fictional")
    relative = done.output.split()[0]
    unknown = "p-demo-witness-77"
    answers = []
    for target in (WITNESS, unknown):
        with demo_cli.registry.read() as conn:
            before = conn.execute(select(func.count()).select_from(history)).scalar_one()
        got = demo_cli("claim", "add", relative, "relative_of", target, "--qualifier",
                       "sibling", "--source", "demo-testimony-01")
        with demo_cli.registry.read() as conn:
            after = conn.execute(select(func.count()).select_from(history)).scalar_one()
        answers.append((got.exit_code, got.output.replace(target, "ID"), after - before))
    assert answers[0] == answers[1] and answers[0][0] != 0, answers
    # The same words tell a user who meant the witness what to do.
    assert "no record with id 'ID'" in answers[0][1] and "--include-protected" in answers[0][1]
    done = demo_cli("claim", "add", relative, "relative_of", WITNESS, "--qualifier",
                    "sibling", "--source", "demo-testimony-01", "--include-protected",
                    user="ana")
    assert done.exit_code == 0, done.output
    with demo_cli.registry.read() as conn:
        reveals = conn.execute(select(history.c.actor).where(
            history.c.action == "reveal-protected", history.c.entity_id == WITNESS)).all()
    assert [r.actor for r in reveals] == ["ana"]


def test_consent_records_are_shown_only_on_request(demo_cli, tmp_path) -> None:
    scope = "recorded testimony may be quoted"
    assert scope not in demo_cli("person", "show", WITNESS).output
    assert scope not in demo_cli("history", WITNESS).output
    assert scope not in demo_cli("history", "--limit", "0").output
    assert not any(scope in line for line in _export(demo_cli, tmp_path))
    done = demo_cli("history", WITNESS, "--include-protected", user="ana")
    assert scope in done.output
    reveals = read_log(demo_cli.registry, action="reveal", target=WITNESS).entries
    assert reveals[0].actor == "ana" and reveals[0].reason == "history --include-protected"


def _testimony(cli, tmp_path: Path) -> tuple[str, str]:
    """A protected witness's testimony PDF and its text copy, as the vault holds them."""
    pdf = tmp_path / "testimony.pdf"
    pdf.write_bytes(text_pdf(["I was held in ward 3."], title="Testimony of Esmail Fictional",
                             author="Esmail Fictional"))
    done = cli("evidence", "add", str(pdf), "--source", "demo-testimony-01")
    assert done.exit_code == 0, done.output
    item = done.output.split()[0]
    done = cli("evidence", "derive", item, "--kind", "text", "--include-protected")
    assert done.exit_code == 0, done.output
    return item, done.output.split()[0]


def test_a_protected_witness_testimony_answers_as_an_unknown_item(demo_cli, tmp_path) -> None:
    items = _testimony(demo_cli, tmp_path)
    before = read_log(demo_cli.registry, action="reveal").total
    unknown = "ev-" + "0" * 32
    for args in (("show",), ("lineage",), ("log",), ("get", "--out", str(tmp_path / "c"))):
        want = demo_cli("evidence", args[0], unknown, *args[1:])
        for item in items:
            got = demo_cli("evidence", args[0], item, *args[1:])
            assert got.exit_code == want.exit_code == 1
            assert got.output.replace(item, unknown) == want.output
    assert not (tmp_path / "c").exists()
    assert read_log(demo_cli.registry, action="reveal").total == before


def test_a_protected_witness_testimony_is_shown_on_request_and_recorded(demo_cli,
                                                                        tmp_path) -> None:
    item, copy = _testimony(demo_cli, tmp_path)
    shown = demo_cli("evidence", "show", item, "--include-protected", user="ana")
    assert shown.exit_code == 0 and "Esmail Fictional" in shown.output
    out = tmp_path / "copy.pdf"
    got = demo_cli("evidence", "get", copy, "--out", str(out), "--include-protected",
                   user="ana")
    assert got.exit_code == 0 and out.exists()
    reasons = [e.reason for e in read_log(demo_cli.registry, action="reveal", actor="ana",
                                          target=WITNESS).entries]
    # The command, not the item: the reveal is in the witness's history too.
    assert reasons == ["evidence get --include-protected", "evidence show --include-protected"]


@pytest.mark.parametrize("fmt", ["jsonl", "ftm"])
@pytest.mark.parametrize("to_file", [True, False])
def test_only_an_export_with_identities_is_recorded_as_revealing_them(demo_cli, tmp_path,
                                                                       fmt, to_file) -> None:
    """A plain export withholds protected people: recording it as revealing them
    would fill the access log with reveals that never happened."""
    out = ["--out", str(tmp_path / f"plain.{fmt}")] if to_file else []
    assert demo_cli("export", "--format", fmt, *out, user="ana").exit_code == 0
    assert read_log(demo_cli.registry, action="reveal").total == 0
    assert read_log(demo_cli.registry, action="export").total == 1
    out = ["--out", str(tmp_path / f"full.{fmt}")] if to_file else []
    done = demo_cli("export", "--format", fmt, *out, "--include-protected", user="ana")
    assert done.exit_code == 0, done.output
    revealed = read_log(demo_cli.registry, action="reveal")
    assert revealed.total >= 1 and {e.actor for e in revealed.entries} == {"ana"}
    assert WITNESS in {e.target for e in revealed.entries}


def test_a_reveal_is_not_shown_beside_the_change_that_needed_it(demo_cli, tmp_path) -> None:
    """Written at the same moment as the relation it allowed, a reveal row in the
    registry-wide feeds (a plain export, the home page's recent changes) would
    tie the new relative to the witness; the witness's own history keeps it."""
    from khavaran.services.home import recent_changes

    relative = demo_cli("person", "add", "--name", "Fatemeh Fictional-Relative", "--source",
                        "demo-testimony-01", "--fictional").output.split()[0]
    done = demo_cli("claim", "add", relative, "relative_of", WITNESS, "--qualifier",
                    "sibling", "--source", "demo-testimony-01", "--include-protected",
                    user="ana")
    assert done.exit_code == 0, done.output
    plain = [json.loads(line) for line in _export(demo_cli, tmp_path)]
    assert not [h for h in plain if h["type"] == "history"
                and h["action"] == "reveal-protected"]
    assert [h for h in plain if h["type"] == "history" and h.get("entity_id") == relative]
    full = [json.loads(line) for line in _export(demo_cli, tmp_path, "--include-protected")]
    [reveal] = [h for h in full if h["type"] == "history" and h["action"] == "reveal-protected"
                and h["entity_id"] == WITNESS]
    # Nor anything else written in that moment: the batch's summary and its reason
    # ("claim add <relative> relative_of") are the witness's, withheld with them.
    assert not [h for h in plain if h["type"] == "history" and h["at"] == reveal["at"]]
    assert [h for h in full if h["type"] == "history" and h["at"] == reveal["at"]
            and h["field"] == "batch" and relative in h["reason"]]
    feed = recent_changes(demo_cli.registry, limit=50)
    assert not [c for c, _, _ in feed if c.action == "reveal-protected"]
    assert any(c.entity_id == relative for c, _, _ in feed)
    assert "ana  reveal-protected" in demo_cli("history", WITNESS).output
