"""The tracker's reports and the impunity rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess

from khavaran.export.tracker_report import lines_pdf
from khavaran.services import accountability, impunity
from khavaran.services.actions import ActionIn, add_action


def test_impunity_report_lists_each_rules_gap(demo_registry) -> None:
    with demo_registry.read() as conn:
        r = impunity.impunity_report(conn, "p-demo-perp-11")
    assert [g.rule for g in r.gaps] == ["peer-designation", "universal-jurisdiction-presence",
                                        "call-without-follow-up"]
    assert "Demoland (fictional) has designated 2 other" in r.gaps[0].en
    assert "Sweden allows universal jurisdiction" in r.gaps[1].en
    assert "سوئد" in r.gaps[1].fa
    assert r.allegations and all(f.citations for f in r.allegations)
    assert [p.posting_id for p in r.career.posts] == ["po-demo-11", "po-demo-career-11"]


def test_gaps_close_when_the_action_is_recorded(demo_registry) -> None:
    for kind, actor, target in (("sanction_designation", "demoland-government",
                                 "p-demo-perp-11"),):
        add_action(demo_registry, ActionIn(kind, actor, "2021-01-05", "demo-sanctions-1",
                                           targets=[target], regime="x"), actor="ana")
    add_action(demo_registry, ActionIn("statement", "demo-government", "2019-06-01",
                                       "demo-statement-gov", subjects=["killings_1988"],
                                       follows="act-demo-un-call"), actor="ana")
    with demo_registry.read() as conn:
        r = impunity.impunity_report(conn, "p-demo-perp-11")
    assert [g.rule for g in r.gaps] == ["universal-jurisdiction-presence"]


def test_a_designated_person_has_no_peer_gap_and_sees_the_sanction(demo_registry) -> None:
    with demo_registry.read() as conn:
        r = impunity.impunity_report(conn, "p-demo-perp-21")
    assert "peer-designation" not in [g.rule for g in r.gaps]
    assert [a.action_type for a in r.actions] == ["sanction_designation"]


def test_country_briefing_and_matrix(demo_registry) -> None:
    with demo_registry.read() as conn:
        se = accountability.briefing(conn, "se")
        m = accountability.matrix(conn)
        lines = accountability.timeline_lines(accountability.timeline(conn), "fa")
    assert se.actions == [] and se.law and "universal jurisdiction" in se.law[0]
    assert [pid for pid, _, _ in se.suspects] == ["p-demo-perp-11"]
    assert [a.id for a in m.cells[("demoland", "sanction_designation")]] == [
        "act-demo-sanction"]
    assert lines[0] == "اقدامات از ۱۳۶۷ به این سو" and "ساختگی" in lines[1]
    assert any("[منابع: demo-resolution-1]" in ln for ln in lines)


def test_reports_render_as_pdf_in_both_languages(demo_registry, tmp_path) -> None:
    with demo_registry.read() as conn:
        r = impunity.impunity_report(conn, "p-demo-perp-11")
    for lang in ("en", "fa"):
        pdf = tmp_path / f"impunity-{lang}.pdf"
        pdf.write_bytes(lines_pdf("impunity", accountability.impunity_lines(r, lang), lang))
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "p-demo-perp-11" in text and "demo-news-04" in text
        assert ("Sweden" in text) if lang == "en" else ("سوئد" in text)
