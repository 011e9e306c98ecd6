"""The network of the death commissions, on the demo: every member's seat with its
sources, the acts alleged counted as the registry holds them, posts since, ties,
and a protected person neither drawn nor counted."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import func, select

from khavaran.services import editing, network
from khavaran.services.network_chart import network_svg
from khavaran.services.registry import Registry
from khavaran.storage.tables import claim

SVG = "{http://www.w3.org/2000/svg}"


def _acts_against(registry: Registry, pid: str) -> int:
    with registry.read() as conn:
        return conn.execute(select(func.count(func.distinct(claim.c.entity_id))).where(
            claim.c.property == "perpetrator", claim.c.value == pid)).scalar_one()


def test_the_demo_commissions_with_seats_acts_posts_and_ties(demo_registry: Registry) -> None:
    net = network.network(demo_registry)
    assert [c.id for c in net.commissions] == ["u-demo-commission-1", "u-demo-commission-2"]
    members = {p.id for p in net.people}
    assert members == {f"p-demo-perp-{c}{s}" for c in (1, 2) for s in (1, 2, 3)}
    seats = [e for e in net.edges if e.kind == "seat"]
    assert {(e.source, e.target) for e in seats} == {
        (f"p-demo-perp-{c}{s}", f"u-demo-commission-{c}") for c in (1, 2) for s in (1, 2, 3)}
    for e in seats:
        assert e.allegation and e.titles
        assert "demo-report-1" in {c.source_id for c in e.citations}
        assert e.start is not None and e.start.value == "Mordad 1367"
    for p in net.people:
        assert p.acts == _acts_against(demo_registry, p.id)
    assert any(p.acts for p in net.people)
    posts = [e for e in net.edges if e.kind == "post"]
    assert len(posts) == 6 and {u.id for u in net.units} == {e.target for e in posts}
    [tie] = [e for e in net.edges if e.kind == "associate_of"]
    assert (tie.source, tie.target, tie.titles) == ("p-demo-perp-12", "p-demo-perp-22",
                                                     ["colleague"])
    assert [c.source_id for c in tie.citations] == ["demo-news-04"]


def test_the_drawing_has_a_titled_line_for_every_edge(demo_registry: Registry) -> None:
    net = network.network(demo_registry)
    for lang in ("en", "fa"):
        root = ET.fromstring(network_svg(net, lang))
        lines = root.findall(f"{SVG}line") + root.findall(f"{SVG}path")
        assert len(lines) == len(net.edges)
        tips = [ln.find(f"{SVG}title").text for ln in lines]
        assert all("demo" in t.lower() or "Demo" in t for t in tips)
        nodes = root.findall(f"{SVG}g")
        assert len(nodes) == len(net.commissions) + len(net.people) + len(net.units)
    assert "هیئت‌های مرگ" in network_svg(net, "fa")


def test_a_protected_member_is_neither_drawn_nor_counted(demo_registry: Registry) -> None:
    editing.protect(demo_registry, "p-demo-perp-22", pseudonym="Witness Z", actor="a",
                    reason="an insider witness now")
    net = network.network(demo_registry)
    assert "p-demo-perp-22" not in {p.id for p in net.people}
    assert all("p-demo-perp-22" not in (e.source, e.target) for e in net.edges)
    drawn = network_svg(net, "en")
    assert "p-demo-perp-22" not in drawn and "Witness Z" not in drawn
    # the other members are all there
    assert len(net.people) == 5


def test_no_commission_says_so(registry: Registry) -> None:
    net = network.network(registry)
    assert net.empty
    assert "No death commission is recorded." in network_svg(net, "en")


def test_each_source_of_the_acts_is_counted_once_per_act(demo_registry: Registry) -> None:
    net = network.network(demo_registry)
    for p in net.people:
        with demo_registry.read() as conn:
            acts = [r[0] for r in conn.execute(select(claim.c.entity_id).where(
                claim.c.property == "perpetrator", claim.c.value == p.id))]
        assert sum(n for _, n in p.act_sources) >= p.acts == len(set(acts))
        assert all(1 <= n <= p.acts for _, n in p.act_sources)
        assert len({c.source_id for c, _ in p.act_sources}) == len(p.act_sources)


def test_a_rejected_seat_draws_no_line_and_a_tie_both_ways_is_one(
        demo_registry: Registry) -> None:
    from khavaran.model.records import CitationIn, ClaimIn

    before = network.network(demo_registry)
    with demo_registry.read() as conn:
        seat = conn.execute(select(claim.c.id).where(
            claim.c.entity_id == "po-demo-23", claim.c.property == "person")).scalar_one()
    editing.assess(demo_registry, seat, actor="a", reason="the report was wrong",
                   assessment="rejected")
    editing.add_claim(demo_registry, ClaimIn(
        "p-demo-perp-22", "associate_of", "p-demo-perp-12", qualifier="colleague",
        citations=[CitationIn("demo-news-04", "p. 3")]), actor="a")
    net = network.network(demo_registry)
    assert "p-demo-perp-23" in {p.id for p in before.people}
    assert "p-demo-perp-23" not in {p.id for p in net.people}
    assert all("p-demo-perp-23" not in (e.source, e.target) for e in net.edges)
    assert len([e for e in net.edges if e.kind == "associate_of"]) == 1


def test_the_drawing_keeps_every_box_on_the_canvas_and_takes_odd_text() -> None:
    from khavaran.services.network import Edge, Network, Node
    from khavaran.services.network_chart import BOX_H

    odd = "Name\x0b with \x1b[31m controls \ud800 and <tags> & \"quotes\""
    commissions = [Node(f"u-{i}", "commission", f"{odd} {i}", True) for i in range(7)]
    person = Node("p-1", "person", odd, True, acts=3)
    units = [Node(f"u-post-{i}", "unit", f"Body {i}", False) for i in range(9)]
    edges = [Edge("p-1", c.id, "seat", [odd], None, None, [], True) for c in commissions]
    edges += [Edge("p-1", u.id, "post", [], None, None, [], False) for u in units]
    net = Network(commissions, [person], units, edges)
    for lang in ("en", "fa"):
        root = ET.fromstring(network_svg(net, lang))  # well-formed despite the text
        height = float(root.get("height"))
        ys = [float(r.get("y")) for r in root.iter(f"{SVG}rect")]
        assert len(ys) == 17 and all(0 <= y <= height - BOX_H for y in ys), ys
        assert len({y for y in ys[:7]}) == 7  # no two commissions on one another
    from khavaran.services.chart_png import svg_to_png

    assert svg_to_png(network_svg(net, "fa"))[:8] == b"\x89PNG\r\n\x1a\n"
