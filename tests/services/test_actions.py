"""The accountability tracker's actions, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from khavaran.errors import ValidationError
from khavaran.services import actions
from khavaran.services.actions import ActionIn
from khavaran.services.importing import import_files
from khavaran.storage.tables import claim, entity

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _counts(registry) -> tuple[int, int]:
    with registry.read() as conn:
        return (conn.execute(select(func.count()).select_from(entity)).scalar_one(),
                conn.execute(select(func.count()).select_from(claim)).scalar_one())


def test_an_added_action_is_listed_with_its_source(demo_registry) -> None:
    rid, report = actions.add_action(demo_registry, ActionIn(
        action_type="travel_ban", actor="demoland-government", date="Mehr 1399",
        source="demo-sanctions-1", locator="entry 7", targets=["p-demo-perp-13"],
        fictional=True), actor="ana")
    assert report.added["entities"] == 1
    found = actions.list_actions(demo_registry, target="p-demo-perp-13")
    ban = next(a for a in found if a.id == rid)
    assert ban.action_type == "travel_ban" and ban.jurisdiction == "demoland"
    assert "Mehr 1399" in ban.date_shown and "2020" in ban.date_shown
    assert [c.source_id for c in ban.sources] == ["demo-sanctions-1"]
    assert ban.sources[0].locator == "entry 7"
    # the same action again adds nothing
    again, report = actions.add_action(demo_registry, ActionIn(
        action_type="travel_ban", actor="demoland-government", date="Mehr 1399",
        source="demo-sanctions-1", locator="entry 7", targets=["p-demo-perp-13"],
        fictional=True), actor="ana")
    assert again == rid and not report.added


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"action_type": "bombing"}, "action_type", "is not a action_type"),
    ({"actor": "nobody"}, "actor", "is not a actor"),
    ({"targets": ["p-nobody"]}, "target", "p-nobody"),
    ({"date": "1367/13/40"}, "date", "month"),
    ({"source": ""}, "source", "no citation"),
    ({"targets": [], "subjects": []}, "target", "needs a target"),
])
def test_a_bad_action_is_refused_and_nothing_written(demo_registry, change, field,
                                                     message) -> None:
    before = _counts(demo_registry)
    fields = {"action_type": "arrest", "actor": "demo-prosecutor", "date": "2020",
              "source": "demo-court-1", "targets": ["p-demo-perp-11"], "fictional": True}
    with pytest.raises(ValidationError) as exc:
        actions.add_action(demo_registry, ActionIn(**(fields | change)), actor="ana")
    assert exc.value.field == field and message in str(exc.value)
    assert _counts(demo_registry) == before


def test_court_steps_of_an_allegation_are_actions_not_entered_twice(demo_registry) -> None:
    found = actions.list_actions(demo_registry, target="p-demo-perp-12")
    kinds = [(a.action_type, a.date) for a in found]
    # the demo's convicted member: an investigation entered as an action, then the
    # court steps recorded as procedural statuses of the allegation
    assert kinds == [("investigation_opened", "2019-11-02"), ("indictment", "2020-03-02"),
                     ("verdict", "2021-10-11"), ("appeal", "2022-05-30"),
                     ("release", "2023-01-17")]
    steps = [a for a in found if a.derived_from]
    assert len(steps) == 4 and all(a.actor == "demo-court" and a.jurisdiction == "demo"
                                   for a in steps)
    assert all(a.sources[0].source_id == "demo-court-1" for a in steps)
    # entering one of them as an action shows it once, as entered
    actions.add_action(demo_registry, ActionIn(
        action_type="verdict", actor="demo-court", date="2021-10-11", source="demo-court-1",
        targets=["p-demo-perp-12"], outcome="life sentence (fictional)", fictional=True),
        actor="ana")
    verdicts = [a for a in actions.list_actions(demo_registry, target="p-demo-perp-12")
                if a.action_type == "verdict"]
    assert len(verdicts) == 1 and verdicts[0].derived_from is None


def test_list_by_country(demo_registry) -> None:
    assert {a.id for a in actions.list_actions(demo_registry, country="demoland")} == {
        "act-demo-resolution", "act-demo-sanction"}
    assert actions.list_actions(demo_registry, country="se") == []
    with pytest.raises(ValidationError):
        actions.list_actions(demo_registry, country="atlantis")


def test_csv_import_of_actions_is_all_or_nothing_and_idempotent(demo_registry,
                                                                tmp_path) -> None:
    report = import_files(demo_registry, [(FIXTURES / "actions.csv", "action")], actor="ana")
    assert report.added["entities"] == 3
    again = import_files(demo_registry, [(FIXTURES / "actions.csv", "action")], actor="ana")
    assert not again.added
    found = actions.list_actions(demo_registry, target="p-demo-perp-13")
    assert [a.document for a in found] == ["DL-SANC-0099 (fictional)"]
    bad = tmp_path / "bad.csv"
    text = (FIXTURES / "actions.csv").read_text(encoding="utf-8")
    bad.write_text(text.replace("2020,,,killings", "2020,,p-demo-nobody,killings")
                   .replace("DL-RES 7", "DL-RES 8"), encoding="utf-8")
    before = _counts(demo_registry)
    with pytest.raises(ValidationError) as exc:
        import_files(demo_registry, [(bad, "action")], actor="ana")
    assert exc.value.file == str(bad) and exc.value.line == 4 and exc.value.field == "target"
    assert _counts(demo_registry) == before
