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
    from khavaran.services import accountability, impunity
else:
    accountability = lazy_module("khavaran.services.accountability")
    impunity = lazy_module("khavaran.services.impunity")

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
