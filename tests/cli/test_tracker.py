"""`action` and `person career` as a user meets them."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_person_career_prints_posts_in_order_and_standing(demo_cli) -> None:
    result = demo_cli("person", "career", "p-demo-perp-11", user=None)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Career of ") and "FICTIONAL" in lines[1]
    posts = [ln for ln in lines if " – " in ln]
    assert "religious judge" in posts[0] and "[ALLEGATION]" in posts[0]
    assert "minister" in posts[1] and "2007" in posts[1] and "2012" in posts[1]
    assert all("sources: demo-" in lines[lines.index(p) + 1] for p in posts)
    assert "  travel country: Sweden / سوئد  (sources: demo-news-04 p. 2)" in lines


def test_person_career_of_a_protected_witness_withholds_residence(demo_cli) -> None:
    result = demo_cli("person", "career", "p-demo-witness-01", user=None)
    assert result.exit_code == 0
    assert "Witness W-1" in result.output and "Street 12" not in result.output
    assert "withheld" in result.output


def test_action_add_show_list(demo_cli) -> None:
    result = demo_cli("action", "add", "--type", "arrest", "--actor", "demo-prosecutor",
                      "--date", "1399/07/01", "--target", "p-demo-perp-13",
                      "--source", "demo-court-1", "--locator", "p. 3")
    assert result.exit_code == 0, result.output
    rid = result.output.split()[1]
    shown = demo_cli("action", "show", rid, user=None).output
    assert "arrest / بازداشت" in shown and "Demo Prosecution Office (fictional)" in shown
    assert "22 Sep 2020" in shown and "source: Demo District Court judgment (fictional) " \
        "[demo-court-1, p. 3]" in shown
    listed = demo_cli("action", "list", "--target", "p-demo-perp-13", user=None).output
    assert rid in listed and "arrest" in listed


def test_action_add_needs_a_name_and_refuses_unknown_actor(demo_cli) -> None:
    result = demo_cli("action", "add", "--type", "arrest", "--actor", "martians",
                      "--date", "2020", "--target", "p-demo-perp-13", "--source",
                      "demo-court-1")
    assert result.exit_code == 1 and "'martians' is not a actor" in result.output
    assert "Traceback" not in result.output
    result = demo_cli("action", "add", "--type", "arrest", "--actor", "demo-prosecutor",
                      "--date", "2020", "--target", "p-demo-perp-13", "--source",
                      "demo-court-1", user=None)
    assert result.exit_code == 1 and "--as" in result.output


def test_import_kind_action_reports_file_line_and_field(demo_cli, tmp_path) -> None:
    bad = tmp_path / "actions.csv"
    bad.write_text("action_type,actor,date,target,source\n"
                   "resolution,demoland-parliament,2016,p-demo-perp-11,demo-resolution-1\n"
                   "spying,demoland-parliament,2016,p-demo-perp-11,demo-resolution-1\n",
                   encoding="utf-8")
    result = demo_cli("import", str(bad), "--kind", "action")
    assert result.exit_code == 1
    assert f"{bad}, line 3" in result.output and "action_type" in result.output
    # the demo's own two; nothing of the refused file
    assert len(demo_cli("action", "list", "--country", "demoland",
                        user=None).output.splitlines()) == 2
    ok = demo_cli("import", str(FIXTURES / "actions.csv"), "--kind", "action")
    assert ok.exit_code == 0 and "3 entities" in ok.output


def test_report_commands(demo_cli, tmp_path) -> None:
    out = demo_cli("report", "impunity", "p-demo-perp-11", "--lang", "fa", "--pdf",
                   str(tmp_path / "r.pdf"), user=None)
    assert out.exit_code == 0, out.output
    assert "گزارش مصونیت از مجازات" in out.output and (tmp_path / "r.pdf").stat().st_size
    assert "Suspects with standing" in demo_cli("report", "country", "se", user=None).output
    assert demo_cli("report", "matrix", "--lang", "xx", user=None).exit_code == 1
    assert demo_cli("report", "impunity", "p-demo-witness-01", user=None).exit_code == 1


def test_report_network_and_dashboard_with_their_drawings(demo_cli, tmp_path) -> None:
    png, svg = tmp_path / "net.png", tmp_path / "summer.svg"
    out = demo_cli("report", "network", "--png", str(png), "--lang", "fa", user=None)
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].endswith("(u-demo-commission-1)")
    seat = lines.index(next(ln for ln in lines if "(p-demo-perp-12): sat on it" in ln))
    assert "demo-report-1 p. 12" in lines[seat + 1] and "Mordad 1367" in lines[seat + 1]
    assert any("(p-demo-perp-12) associate of " in ln and "(p-demo-perp-22)" in ln
               for ln in lines)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    board = demo_cli("report", "dashboard", "--wave", "1", "--svg", str(svg), user=None)
    assert board.exit_code == 0, board.output
    assert board.output.startswith("Documented victims (merged persons): ")
    assert "(filters: wave=1)" in board.output.splitlines()[0]
    assert svg.read_text().startswith("<svg") and "Executions per day" in svg.read_text()
    bad = demo_cli("report", "dashboard", "--city", "Atlantis", user=None)
    assert bad.exit_code == 1 and "no city 'Atlantis' among the victims" in bad.output


def test_report_map_lists_the_places_and_draws_them(demo_cli, tmp_path) -> None:
    svg, png = tmp_path / "places.svg", tmp_path / "places.png"
    out = demo_cli("report", "map", "--svg", str(svg), "--png", str(png), "--lang", "fa",
                   user=None)
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == "4 places on the map"
    assert any(ln.startswith("  Tarandasht / ترندشت (city) 32.8, 52; sources: Demo report 3")
               for ln in lines)
    assert sum("on the public map" in ln for ln in lines) == 3
    assert "4 recorded without coordinates, not on the map" in lines
    drawing = svg.read_text(encoding="utf-8")
    assert drawing.count('class="province"') == 31 and "<title>تهران</title>" in drawing
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    public = demo_cli("report", "map", "--public", user=None)
    assert public.output.splitlines()[0] == "3 places on the map"
    assert "Tarandasht" not in public.output and "not on the map" not in public.output
