"""The registry's review queue, judgements, merges and splits (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from khavaran.errors import ConfigError, NotFoundError, ValidationError
from khavaran.services import dedupe, editing, link_pairs, profiles
from khavaran.services.importing import import_files
from khavaran.services.registry import Registry
from khavaran.storage import queries

HEADER = "source,record_id,name,father_name,birth_year,age,death_date,city,prison,gender\n"
LIST_A = HEADER + (
    "t-list,a1,محمد حسيني,علی,1340,,1367/05/12,باختران,اوین,مرد\n"
    "t-list,a2,علی محمدی,حسن,1338,,1367/05,تهران,اوین,مرد\n"
    "t-list,a3,حسین محمدی,حسن,1344,,1367/05,تهران,اوین,مرد\n"
)
LIST_B = HEADER + (
    "t-report,b1,Muhammad Husayni (son of Ali),,,27,1988-08-03,Kermanshah,Evin,m\n"
    "t-report,b2,Ali Mohammadi,Hassan,,30,August 1988,Tehran,Evin,m\n"
    "t-report,b3,M. Hosseini,,,,,,,\n"
)
LIST_C = HEADER + "t-party,c1,Mohammad Hoseyni,Ali,1961,,,Kermanshah,,m\n"


def _load(registry: Registry, tmp_path: Path, *lists: tuple[str, str]) -> None:
    sources = Path(__file__).parent.parent / "fixtures" / "sources.csv"
    files = [(sources, "source")]
    for name, body in lists:
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        files.append((path, "list"))
    import_files(registry, files, actor="tester")


@pytest.fixture
def linked(registry: Registry, tmp_path: Path) -> Registry:
    _load(registry, tmp_path, ("a.csv", LIST_A), ("b.csv", LIST_B))
    return registry


def _pairs(queue: list[dedupe.Candidate]) -> dict[frozenset[str], dedupe.Candidate]:
    return {frozenset((c.a.ref, c.b.ref)): c for c in queue}


def _member(registry: Registry, ref: str) -> str:
    src, _, rec = ref.partition(":")
    with registry.read() as conn:
        return str(conn.execute(
            text("SELECT person_id FROM source_record WHERE source_id = :s AND record_id = :r"),
            {"s": src, "r": rec}).scalar_one())


def _person(registry: Registry, ref: str) -> str:
    with registry.read() as conn:
        return queries.person_of(conn, _member(registry, ref))


def test_queue_explains_each_pair_and_puts_uncertain_far_reaching_pairs_first(
        linked: Registry) -> None:
    queue = dedupe.queue(linked, limit=0)
    pairs = _pairs(queue)
    same = pairs[frozenset(("t-list:a1", "t-report:b1"))]
    assert same.probability > 0.9
    fields = {(r.field, r.verdict) for r in same.reasons}
    assert {("name", "agree"), ("father", "agree"), ("birth", "agree"),
            ("city", "agree"), ("death", "agree")} <= fields
    assert any("Kermanshah" in r.detail and "باختران" in r.detail for r in same.reasons)
    # The brothers share family name, father and city; their given names differ.
    brothers = pairs.get(frozenset(("t-list:a2", "t-list:a3")))
    assert brothers is None or brothers.probability < 0.05
    priorities = [c.priority for c in queue]
    assert priorities == sorted(priorities, reverse=True)
    uncertain = [c for c in queue if 0.2 < c.probability < 0.8]
    if uncertain:
        assert queue[0].priority >= uncertain[0].priority


def test_judging_same_merges_without_touching_records_or_claims(linked: Registry) -> None:
    with linked.read() as conn:
        before = queries.counts(conn)
    before.pop("history")  # the merge is recorded there
    out = dedupe.judge(linked, "t-list:a1", "t-report:b1", "same", actor="reviewer",
                       note="same father, date and city")
    assert out.applied and out.after == [["t-list:a1", "t-report:b1"]]
    assert len(out.before) == 2
    person = _person(linked, "t-list:a1")
    assert person == _person(linked, "t-report:b1")
    profile = profiles.show(linked, person)
    assert {r["record_id"] for r in profile.records} == {"a1", "b1"}
    names = {f.value for f in profile.facts["name"]}
    assert {"محمد حسيني", "Muhammad Husayni (son of Ali)"} <= names
    assert len(profile.members) == 2
    with linked.read() as conn:
        after = queries.counts(conn)
        assert after.pop("history") > 0
        # Two records, one person: the persons counted drop by one, nothing else changes.
        assert after.pop("victims") == before.pop("victims") - 1
        assert after == before
        history = queries.history_rows(conn, entity_id=person)
    assert any(h["action"] == "merge" and h["actor"] == "reviewer" for h in history)
    # Asked once, never again.
    assert frozenset(("t-list:a1", "t-report:b1")) not in _pairs(dedupe.queue(linked, limit=0))


def test_consequences_are_shown_before_they_apply(linked: Registry) -> None:
    dedupe.judge(linked, "t-list:a1", "t-report:b1", "same", actor="reviewer")
    preview = dedupe.judge(linked, "t-report:b3", "t-report:b1", "same", actor="reviewer",
                           apply=False)
    assert not preview.applied
    assert preview.after == [["t-list:a1", "t-report:b1", "t-report:b3"]]
    assert preview.implied == 1  # a1 and b3 become one person without being judged
    assert _person(linked, "t-report:b3") != _person(linked, "t-list:a1")


def test_a_later_judgement_splits_and_conflicts_are_refused(linked: Registry) -> None:
    dedupe.judge(linked, "t-list:a1", "t-report:b1", "same", actor="r1")
    dedupe.judge(linked, "t-report:b1", "t-report:b3", "same", actor="r1")
    assert _person(linked, "t-report:b3") == _person(linked, "t-list:a1")
    # a1 and b3 are one person only through b1: refused, naming the chain.
    out = dedupe.judge(linked, "t-list:a1", "t-report:b3", "different", actor="r2")
    assert not out.applied
    assert "t-list:a1 = t-report:b1" in out.conflicts[0]
    assert _person(linked, "t-report:b3") == _person(linked, "t-list:a1")
    # Reversing the judgement that joined them splits the person again.
    out = dedupe.judge(linked, "t-report:b1", "t-report:b3", "different", actor="r2")
    assert out.applied and out.after == [["t-list:a1", "t-report:b1"], ["t-report:b3"]]
    assert _person(linked, "t-report:b3") != _person(linked, "t-list:a1")
    # Now a1 = b3 would contradict b1 ≠ b3.
    out = dedupe.judge(linked, "t-list:a1", "t-report:b3", "same", actor="r3")
    assert not out.applied and "judged different by r2" in out.conflicts[0]
    log = dedupe.judgements(linked)
    assert [({j.a, j.b}, j.decision, j.by) for j in log] == [
        ({"t-list:a1", "t-report:b1"}, "same", "r1"),
        ({"t-report:b1", "t-report:b3"}, "same", "r1"),
        ({"t-report:b1", "t-report:b3"}, "different", "r2")]


def test_a_new_import_reuses_past_judgements(linked: Registry, tmp_path: Path) -> None:
    dedupe.judge(linked, "t-list:a1", "t-report:b1", "same", actor="r1")
    dedupe.judge(linked, "t-list:a2", "t-report:b2", "different", actor="r1")
    _load(linked, tmp_path, ("a.csv", LIST_A), ("b.csv", LIST_B), ("c.csv", LIST_C))
    pairs = _pairs(dedupe.queue(linked, limit=0))
    assert frozenset(("t-list:a1", "t-report:b1")) not in pairs
    assert frozenset(("t-list:a2", "t-report:b2")) not in pairs
    assert _person(linked, "t-list:a1") == _person(linked, "t-report:b1")
    new = [p for p in pairs if "t-party:c1" in p]
    assert new, "the new list's record is proposed"
    # c1 joins a1 and b1 as one person: only one of the two pairs is asked.
    assert sum(1 for p in new if p & {"t-list:a1", "t-report:b1"}) == 1


def test_unsure_pairs_wait_until_asked_for(linked: Registry) -> None:
    dedupe.judge(linked, "t-list:a1", "t-report:b1", "unsure", actor="r1")
    key = frozenset(("t-list:a1", "t-report:b1"))
    assert key not in _pairs(dedupe.queue(linked, limit=0))
    assert key in _pairs(dedupe.queue(linked, limit=0, include_unsure=True))
    assert _person(linked, "t-list:a1") != _person(linked, "t-report:b1")


def test_bad_judgements_are_refused(linked: Registry) -> None:
    with pytest.raises(ConfigError):
        dedupe.judge(linked, "t-list:a1", "t-report:b1", "same", actor=None)
    with pytest.raises(ValidationError, match="not one of"):
        dedupe.judge(linked, "t-list:a1", "t-report:b1", "maybe", actor="r")
    with pytest.raises(NotFoundError, match="no record 'zz'"):
        dedupe.judge(linked, "t-list:a1", "t-report:zz", "same", actor="r")
    with pytest.raises(ValidationError, match="SOURCE:RECORD_ID"):
        dedupe.judge(linked, "a1", "t-report:b1", "same", actor="r")
    with pytest.raises(ValidationError, match="itself"):
        dedupe.judge(linked, "t-list:a1", "t-list:a1", "same", actor="r")
    assert dedupe.judgements(linked) == []


def test_judgements_are_append_only(linked: Registry) -> None:
    dedupe.judge(linked, "t-list:a1", "t-report:b1", "same", actor="r1")
    for sql in ("UPDATE link_judgement SET decision = 'different'", "DELETE FROM link_judgement"):
        with pytest.raises(DBAPIError, match="append-only"):
            with linked.write() as conn:
                conn.execute(text(sql))
    assert [j.decision for j in dedupe.judgements(linked)] == ["same"]


def test_protected_records_stay_out_of_the_queue_unless_asked(
        registry: Registry, tmp_path: Path) -> None:
    protected = ("source,record_id,name,father_name,birth_year,city\n"
                 "t-list,p1,Kaveh Azadmehr,Bahram,1340,Tehran\n"
                 "t-report,p2,کاوه آزادمهر,بهرام,1961,تهران\n")
    _load(registry, tmp_path, ("p.csv", protected))
    for ref in ("t-list:p1", "t-report:p2"):
        editing.protect(registry, _member(registry, ref), pseudonym="Witness K", actor="r",
                        reason="asked to be protected")
    assert dedupe.queue(registry, limit=0) == []
    with pytest.raises(ConfigError):
        dedupe.queue(registry, include_protected=True)
    shown = dedupe.queue(registry, limit=0, include_protected=True, actor="lawyer")
    assert len(shown) == 1 and shown[0].probability > 0.5
    with registry.read() as conn:
        rows = queries.history_rows(conn)
    assert sum(1 for h in rows if h["action"] == "reveal-protected" and
               h["actor"] == "lawyer") == 2


def test_cli_shows_consequences_and_asks_before_applying(cli, linked: Registry) -> None:
    queue = cli("dedupe", "--limit", "3")
    assert queue.exit_code == 0, queue.output
    assert "judge: khavaran dedupe judge" in queue.output and "probability" in queue.output
    refused = cli("dedupe", "judge", "t-list:a1", "t-report:b1", "same", input="n\n")
    assert refused.exit_code == 1 and "nothing written" in refused.output
    assert "one person: t-list:a1, t-report:b1" in refused.output
    assert dedupe.judgements(linked) == []
    done = cli("dedupe", "judge", "t-list:a1", "t-report:b1", "same", "--note", "checked")
    assert done.exit_code == 1  # no --yes and no input: not applied
    assert "Aborted" not in done.output and "pass --yes to apply" in done.output
    done = cli("dedupe", "judge", "t-list:a1", "t-report:b1", "same", "--yes")
    assert done.exit_code == 0, done.output
    log = cli("dedupe", "log", "t-report:b1")
    assert "tester: " in log.output and " same " in log.output and "t-list:a1" in log.output
    person = _person(linked, "t-list:a1")
    shown = cli("person", "show", person)
    assert "MERGED by linkage judgements from 2 list records" in shown.output
    assert "Muhammad Husayni" in shown.output and "محمد حسيني" in shown.output


def test_judge_shows_both_records_names_and_key_fields(demo_cli) -> None:
    shown = demo_cli("dedupe", "judge", "demo-list-a:A0016", "demo-list-c:C0014", "same")
    lines = shown.output.splitlines()
    assert lines[0].startswith("demo-list-a:A0016: name=بهروز بهرامی | father_name=جعفر | "
                               "birth_year=1340 | death_date=1367/05/18")
    assert lines[1].startswith("demo-list-c:C0014: name=Behrouz Bahrami | age=27 | "
                               "death_date=Mordad 1367")


def test_judge_without_a_terminal_asks_for_yes_and_writes_nothing(demo_cli) -> None:
    # CliRunner's input is not a terminal, as a script's or a pipe's is not: even a
    # "y" on it does not apply a merge nobody saw.
    done = demo_cli("dedupe", "judge", "demo-list-a:A0016", "demo-list-c:C0014", "same",
                    input="y\n")
    assert done.exit_code == 1
    assert "Aborted" not in done.output
    assert ("nothing written: there is no terminal to ask whether to apply; pass --yes to "
            "apply") in done.output
    assert dedupe.judgements(demo_cli.registry) == []


def _stored(registry: Registry) -> dict[tuple[str, str], float]:
    with registry.read() as conn:
        return {(r.record_a, r.record_b): r.weight for r in conn.execute(
            text("SELECT record_a, record_b, weight FROM link_pair"))}


def test_the_queue_reads_stored_pairs_scored_once_per_new_record(
        linked: Registry, tmp_path: Path) -> None:
    assert link_pairs.refresh(linked) > 0  # as the queue's first read does
    first = _stored(linked)
    assert first and link_pairs.refresh(linked) == 0  # nothing new: nothing scored
    _load(linked, tmp_path, ("c.csv", LIST_C))
    # A command-line import leaves the scoring to the queue's next read.
    assert _stored(linked) == first
    assert link_pairs.refresh(linked) > 0
    after = _stored(linked)
    # Only the new record's pairs were scored; the others kept as they were.
    new = {k: w for k, w in after.items() if k not in first}
    assert new
    assert {k: after[k] for k in first} == first
    with linked.read() as conn:
        c1 = dedupe.resolve_record(conn, "t-party:c1")
    assert all(c1 in k for k in new)
    # Rescoring weighs every pair again against today's frequencies.
    assert link_pairs.refresh(linked, rescore=True) == len(after)


def test_a_candidate_says_how_many_other_pairs_a_judgement_settles(linked: Registry,
                                                                 tmp_path: Path) -> None:
    assert all(c.decides == 0 for c in dedupe.queue(linked, limit=0))
    dedupe.judge(linked, "t-list:a1", "t-report:b1", "same", actor="r1")
    _load(linked, tmp_path, ("c.csv", LIST_C))
    c1 = [c for c in dedupe.queue(linked, limit=0) if "t-party:c1" in (c.a.ref, c.b.ref)
          and {c.a.ref, c.b.ref} & {"t-list:a1", "t-report:b1"}]
    # c1 against the person of a1 and b1: the other record's pair is settled with it.
    assert [c.decides for c in c1] == [1] and c1[0].affected == 3
    first, left = dedupe.next_pair(linked)
    assert first is not None and left == len(dedupe.queue(linked, limit=0))
