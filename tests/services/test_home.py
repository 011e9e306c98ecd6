"""The home page's counts, recent changes and summer-1988 timeline."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from khavaran.services import dedupe, editing, profiles
from khavaran.services.home import chart_svg, home, recent_changes, timeline
from khavaran.services.registry import Registry
from web_site import protected_strings

SVG = "{http://www.w3.org/2000/svg}"


def test_counts_victims_as_merged_persons(demo_registry: Registry) -> None:
    before = home(demo_registry).counts
    assert before["records"] == 500 and before["sources"] > 0
    assert before["evidence"] == 0 and before["cases"] == 0
    dedupe.judge(demo_registry, "demo-list-a:A0016", "demo-list-c:C0014", "same",
                 actor="tester")
    after = home(demo_registry).counts
    assert after["victims"] == before["victims"] - 1
    assert after["records"] == before["records"]


def test_timeline_counts_each_person_once_per_day(demo_registry: Registry) -> None:
    line = timeline(demo_registry)
    assert line.days[0].day == dt.date(1988, 7, 19) and line.days[-1].day == dt.date(1988, 9, 22)
    assert sum(d.count for d in line.days) == line.persons > 0
    assert line.imprecise > 0  # dates known only to the month
    # v-demo-001: 1367/05/28 preferred over "18 August 1988": counted on 19 Aug only.
    aug19 = next(d for d in line.days if d.day == dt.date(1988, 8, 19))
    assert aug19.jalali == "1367/05/28"
    assert aug19.label("fa") == "۲۸ مرداد ۱۳۶۷" and aug19.label("en") == "19 Aug 1988"
    dedupe.judge(demo_registry, "demo-list-a:A0016", "demo-list-c:C0014", "same",
                 actor="tester")
    assert timeline(demo_registry).persons + timeline(demo_registry).imprecise == \
        line.persons + line.imprecise - 1


def test_chart_is_svg_with_a_title_per_bar(demo_registry: Registry) -> None:
    line = timeline(demo_registry)
    for lang, word in (("en", "executions on"), ("fa", "اعدام در")):
        svg = chart_svg(line, lang)
        root = ET.fromstring(svg)
        bars = root.findall(f"{SVG}rect")
        assert len(bars) == len(line.days) == 66
        titles = [b.find(f"{SVG}title").text for b in bars]
        assert all(word in t for t in titles)
        assert "<script" not in svg
    fa = chart_svg(line, "fa")
    assert "مرداد" in fa and "۱۳۶۷/۰۵/۲۸" in fa and "Jul" in chart_svg(line, "en")


def test_recent_changes_never_show_a_protected_identity(demo_registry: Registry) -> None:
    real = [f.value for f in profiles.show(demo_registry, "v-demo-002").facts["name"]]
    editing.protect(demo_registry, "v-demo-002", pseudonym="Victim V-2", actor="tester",
                    reason="family asked")
    changes = recent_changes(demo_registry, 200)
    assert changes and changes[0][0].at >= changes[-1][0].at
    shown = repr(changes)
    for secret in protected_strings(demo_registry):
        assert secret not in shown
    names = {n for _, n, _ in changes if n}
    assert "Victim V-2 (protected)" in names
    about = [(c, n) for c, n, kind in changes if c.entity_id == "v-demo-002"]
    assert about and all(n == "Victim V-2 (protected)" for _, n in about)
    assert not any(c.field == "name" or c.new_value in real for c, _ in about)
