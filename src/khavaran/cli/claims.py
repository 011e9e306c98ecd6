"""`claim add`, `claim prefer`, `claim assess`, `claim status`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from khavaran.cli.context import registry_of, settings_of
from khavaran.cli.lazy import lazy_module
from khavaran.cli.root import app

if TYPE_CHECKING:
    from khavaran.model import records
    from khavaran.services import editing
else:
    records = lazy_module("khavaran.model.records")
    editing = lazy_module("khavaran.services.editing")

ASSESSMENTS = "alleged, corroborated, contested, rejected."
INCLUDE = typer.Option("--include-protected",
                       help="Allow a protected person's identifying facts (recorded).")
REASON = typer.Option(help="Why (kept in history).")
group = typer.Typer(help="Claims: cited statements of fact.", no_args_is_help=True)
app.add_typer(group, name="claim")


@group.command("add")
def add(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The record it is about.")],
    prop: Annotated[str, typer.Argument(metavar="PROPERTY")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="Verbatim, as the source says.")],
    source: Annotated[list[str], typer.Option(help="Source id (repeatable); required.")] = [],  # noqa: B006
    locator: Annotated[str, typer.Option(help="Page, paragraph, timestamp or region.")] = "",
    qualifier: Annotated[str | None, typer.Option(help="E.g. a name kind: given, father.")] = None,
    calendar: Annotated[str | None, typer.Option(help="For dates: jalali or gregorian.")] = None,
    credibility: Annotated[int, typer.Option(help="Admiralty 1-6.")] = 6,
    assessment: Annotated[str, typer.Option(help=ASSESSMENTS)] = "alleged",
    status: Annotated[str | None, typer.Option(help="For allegations: procedural status.")] = None,
    status_date: Annotated[str | None, typer.Option(help="Date of that status.")] = None,
    asserted_by: Annotated[str | None, typer.Option(help="Who asserts the allegation.")] = None,
    reason: Annotated[str | None, REASON] = None,
    include_protected: Annotated[bool, INCLUDE] = False,
) -> None:
    """Add one cited claim; a claim without --source is refused.

    Example: khavaran --as ana claim add p-12 death_date "10 Mordad 1367" --source ngo-1
    """
    actor = settings_of(ctx).require_actor()
    statuses = [records.StatusIn(status, asserted_by or "", status_date)] if status else []
    claim = records.ClaimIn(record_id, prop, value, qualifier=qualifier, calendar=calendar,
                            citations=[records.CitationIn(s, locator) for s in source],
                            statuses=statuses, credibility=credibility,
                            assessment=assessment)
    cid, report = editing.add_claim(registry_of(ctx), claim, actor=actor, reason=reason,
                                    include_protected=include_protected)
    typer.echo(f"{cid}: " + ("added" if report.added["claims"] else
                             "already present" + (", citation added"
                                                  if report.added["citations"] else "")))


@group.command("prefer")
def prefer(ctx: typer.Context, claim_id: Annotated[str, typer.Argument(metavar="CLAIM")],
           reason: Annotated[str, REASON],
           include_protected: Annotated[bool, INCLUDE] = False) -> None:
    """Mark one of several conflicting values as preferred; the others are kept.

    Example: khavaran --as ana claim prefer c-1a2b --reason "death certificate seen"
    """
    actor = settings_of(ctx).require_actor()
    editing.prefer(registry_of(ctx), claim_id, actor=actor, reason=reason,
                   include_protected=include_protected)
    typer.echo(f"{claim_id} is preferred")


@group.command("assess")
def assess(
    ctx: typer.Context, claim_id: Annotated[str, typer.Argument(metavar="CLAIM")],
    reason: Annotated[str, REASON],
    assessment: Annotated[str | None, typer.Option(help=ASSESSMENTS)] = None,
    credibility: Annotated[int | None, typer.Option(help="Admiralty 1-6.")] = None,
    include_protected: Annotated[bool, INCLUDE] = False,
) -> None:
    """Change a claim's assessment or credibility grade.

    Example: khavaran --as ana claim assess c-1a2b --assessment corroborated --reason "2 lists"
    """
    actor = settings_of(ctx).require_actor()
    n = editing.assess(registry_of(ctx), claim_id, actor=actor, reason=reason,
                       assessment=assessment, credibility=credibility,
                       include_protected=include_protected)
    typer.echo(f"{n} change(s) recorded")


@group.command("status")
def status(
    ctx: typer.Context, claim_id: Annotated[str, typer.Argument(metavar="CLAIM")],
    status: Annotated[str, typer.Argument(
        help="reported_by_ngo, un_finding, charged, convicted, ...")],
    asserted_by: Annotated[str, typer.Option(help="Who asserts it (a court, the UN, an NGO).")],
    date: Annotated[str | None, typer.Option(help="When.")] = None,
    source: Annotated[str | None, typer.Option(help="Source id.")] = None,
    locator: Annotated[str | None, typer.Option(help="Where in the source.")] = None,
    include_protected: Annotated[bool, INCLUDE] = False,
) -> None:
    """Add a dated procedural step to an allegation (each step is kept).

    Example: khavaran --as ana claim status c-1a2b convicted --date 2022-07-14 --asserted-by court
    """
    actor = settings_of(ctx).require_actor()
    added = editing.add_status(registry_of(ctx), claim_id, status=status,
                               asserted_by=asserted_by, actor=actor, date=date, source=source,
                               locator=locator, include_protected=include_protected)
    typer.echo("status added" if added else "status already recorded")
