"""`report matrix|timeline|impunity|country`: the accountability tracker's reports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from khavaran.cli.context import registry_of
from khavaran.cli.lazy import lazy_module
from khavaran.cli.root import app
from khavaran.errors import ValidationError

if TYPE_CHECKING:
    from khavaran.services import accountability, dashboard, impunity, network
else:
    accountability = lazy_module("khavaran.services.accountability")
    dashboard = lazy_module("khavaran.services.dashboard")
    impunity = lazy_module("khavaran.services.impunity")
    network = lazy_module("khavaran.services.network")

report = typer.Typer(help="The accountability tracker's reports, in English or Persian, as "
                          "text or PDF.", no_args_is_help=True)
app.add_typer(report, name="report")

LANG = typer.Option("--lang", help="en or fa.")
PDF = typer.Option("--pdf", help="Also write the report as a PDF to this file.")


def _out(title: str, lines: list[str], lang: str, pdf: Path | None) -> None:
    typer.echo("\n".join(lines))
    if pdf is not None:
        from khavaran.export.tracker_report import lines_pdf

        try:
            pdf.write_bytes(lines_pdf(title, lines, lang))
        except OSError as exc:
            raise ValidationError(f"cannot write the PDF: {exc.strerror}",
                                  file=str(pdf)) from None
        typer.echo(f"PDF written: {pdf}", err=True)


@report.command("matrix")
def matrix(ctx: typer.Context, lang: Annotated[str, LANG] = "en",
           pdf: Annotated[Path | None, PDF] = None) -> None:
    """Which states and bodies did what, and when: jurisdiction by action type.

    Example: khavaran report matrix --lang fa --pdf matrix.pdf
    """
    with registry_of(ctx).read() as conn:
        lines = accountability.matrix_lines(accountability.matrix(conn), lang)
    _out("matrix", lines, lang, pdf)


@report.command("timeline")
def timeline(ctx: typer.Context, lang: Annotated[str, LANG] = "en",
             pdf: Annotated[Path | None, PDF] = None) -> None:
    """Every action since 1988, oldest first, each with its sources.

    Example: khavaran report timeline
    """
    with registry_of(ctx).read() as conn:
        lines = accountability.timeline_lines(accountability.timeline(conn), lang)
    _out("timeline", lines, lang, pdf)


@report.command("impunity")
def impunity_(ctx: typer.Context, person_id: Annotated[str, typer.Argument(metavar="ID")],
              lang: Annotated[str, LANG] = "en",
              pdf: Annotated[Path | None, PDF] = None) -> None:
    """One alleged perpetrator: allegations, case strength, posts, actions, and what
    has not been done where it could be (rules: docs/accountability.md).

    Example: khavaran report impunity p-demo-perp-11 --lang fa
    """
    with registry_of(ctx).read() as conn:
        lines = accountability.impunity_lines(impunity.impunity_report(conn, person_id), lang)
    _out(f"impunity {person_id}", lines, lang, pdf)


@report.command("country")
def country(ctx: typer.Context, code: Annotated[str, typer.Argument(metavar="COUNTRY")],
            lang: Annotated[str, LANG] = "en",
            pdf: Annotated[Path | None, PDF] = None) -> None:
    """A country briefing: what it has done, what its law allows, which suspects
    have standing or travel there.

    Example: khavaran report country se
    """
    with registry_of(ctx).read() as conn:
        lines = accountability.briefing_lines(accountability.briefing(conn, code, lang), lang)
    _out(f"briefing {code}", lines, lang, pdf)


SVG = typer.Option("--svg", help="Also write the drawing as SVG to this file.")
PNG = typer.Option("--png", help="Also write the drawing as PNG to this file.")


def _drawings(svg_text: str, svg: Path | None, png: Path | None) -> None:
    from khavaran.services.chart_png import svg_to_png

    if svg is not None:
        _write(svg, svg_text.encode("utf-8"))
    if png is not None:
        _write(png, svg_to_png(svg_text))


def _write(path: Path, body: bytes) -> None:
    try:
        path.write_bytes(body)
    except OSError as exc:
        raise ValidationError(f"cannot write the drawing: {exc.strerror}",
                              file=str(path)) from None
    typer.echo(f"written: {path}", err=True)


@report.command("dashboard")
def dashboard_(ctx: typer.Context,
               city: Annotated[str | None, typer.Option("--city")] = None,
               prison: Annotated[str | None, typer.Option("--prison")] = None,
               affiliation: Annotated[str | None, typer.Option("--affiliation")] = None,
               age: Annotated[str | None, typer.Option(
                   "--age", help="under_18, 18_29, 30_39, 40_59 or 60_plus.")] = None,
               wave: Annotated[str | None, typer.Option("--wave", help="1 or 2.")] = None,
               lang: Annotated[str, LANG] = "en",
               svg: Annotated[Path | None, SVG] = None,
               png: Annotated[Path | None, PNG] = None) -> None:
    """Summer 1988: documented victims (merged persons) by city, prison, affiliation,
    age group and wave, narrowed by the filters; the executions per day as a chart
    (--svg, --png, in --lang).  Protected victims are counted in no figure.

    Example: khavaran report dashboard --wave 1 --png summer-1988.png --lang fa
    """
    from khavaran.services import home

    filters = dashboard.DashFilters(city=city, prison=prison, affiliation=affiliation,
                                    age=age, wave=wave)
    board = dashboard.dashboard(registry_of(ctx), filters)
    typer.echo("\n".join(dashboard.dashboard_lines(board)))
    _drawings(home.chart_svg(board.timeline, lang), svg, png)


@report.command("network")
def network_(ctx: typer.Context, lang: Annotated[str, LANG] = "en",
             svg: Annotated[Path | None, SVG] = None,
             png: Annotated[Path | None, PNG] = None) -> None:
    """The death commissions: who sat on each, the acts alleged against them, the
    posts they have held since and the ties among them, each with its sources; the
    drawing with --svg or --png (in --lang).  Protected people are left out.

    Example: khavaran report network --png commissions.png
    """
    from khavaran.services.network_chart import network_svg

    net = network.network(registry_of(ctx))
    typer.echo("\n".join(network.network_lines(net)))
    _drawings(network_svg(net, lang), svg, png)


@report.command("map")
def map_(ctx: typer.Context, lang: Annotated[str, LANG] = "en",
         public: Annotated[bool, typer.Option(
             "--public", help="Only the places on the public memorial's map, cited as "
             "there.")] = False,
         svg: Annotated[Path | None, SVG] = None,
         png: Annotated[Path | None, PNG] = None) -> None:
    """The places of the killings: each prison, city and burial site with its
    coordinates and their sources, drawn over Iran's provinces with --svg or --png
    (in --lang); those recorded without coordinates are listed apart.

    Example: khavaran report map --png places.png --lang fa
    """
    from khavaran.services import map_borders, places_map

    registry = registry_of(ctx)
    found = (places_map.public_places_map if public else places_map.places_map)(registry)
    typer.echo("\n".join(places_map.map_lines(found)))
    if svg is not None or png is not None:
        countries, provinces = map_borders.load()
        _drawings(places_map.map_svg(found, countries, lang, provinces), svg, png)
