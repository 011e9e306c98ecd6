"""The accountability tracker: `action add|show|list`, `person career`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from khavaran.cli.context import registry_of, settings_of
from khavaran.cli.lazy import lazy_module
from khavaran.cli.records import INCLUDE, JSON, person
from khavaran.cli.render import FICTIONAL, echo_json
from khavaran.cli.root import app

if TYPE_CHECKING:
    from khavaran.services import actions as actions_service
    from khavaran.services import careers
    from khavaran.services.actions import ActionView
    from khavaran.services.profiles import Fact
else:
    actions_service = lazy_module("khavaran.services.actions")
    careers = lazy_module("khavaran.services.careers")

action = typer.Typer(help="Actions taken about the killings and the alleged perpetrators: "
                          "resolutions, sanctions, complaints, trials...", no_args_is_help=True)
app.add_typer(action, name="action")


def action_lines(a: ActionView) -> list[str]:
    tag = f"  [{FICTIONAL}]" if a.fictional else ""
    lines = [f"Action {a.id}: {a.label('en')} / {a.label('fa')}{tag}",
             f"  by: {a.actor_label('en')} / {a.actor_label('fa')} [{a.actor}]"
             + (f", {a.jurisdiction}" if a.jurisdiction else ""),
             f"  date: {a.date_shown or 'undated'}"]
    for tid, name in a.targets + a.target_units:
        lines.append(f"  target: {name} [{tid}]")
    for s in a.subjects:
        lines.append(f"  about: {actions_service.label_of('action_subject', s)}")
    for prop in ("addressee", "follows", "outcome", "document", "regime", "note"):
        value = getattr(a, prop)
        if value:
            lines.append(f"  {prop}: {value}")
    if a.derived_from:
        lines.append(f"  recorded as a procedural status of the allegation {a.derived_from}")
    if a.retracted:
        lines.append("  retracted: every fact of it is rejected (see each claim's history)")
    for c in a.sources:
        lines.append(f"  source: {c.title} [{c.source_id}{', ' + c.locator if c.locator else ''}]")
    return lines


@action.command("add")
def add(
    ctx: typer.Context,
    action_type: Annotated[str, typer.Option("--type", help="An action type "
                                             "(model/vocab/accountability.yaml).")],
    actor: Annotated[str, typer.Option("--actor", help="Who acted: an actor code.")],
    date: Annotated[str, typer.Option(help="When, in either calendar, fuzzy if need be.")],
    source: Annotated[str, typer.Option(help="The source every fact of the action cites.")],
    locator: Annotated[str, typer.Option(help="Page, paragraph or URL fragment.")] = "",
    target: Annotated[list[str] | None, typer.Option(help="A person the action is about "
                                                     "(repeat for several).")] = None,
    unit: Annotated[list[str] | None, typer.Option(help="A unit it is about.")] = None,
    subject: Annotated[list[str] | None, typer.Option(
        help="killings_1988 or state_of_iran.")] = None,
    addressee: Annotated[str | None, typer.Option(help="Whom a call asks to act.")] = None,
    follows: Annotated[str | None, typer.Option(help="An earlier action it answers.")] = None,
    outcome: Annotated[str | None, typer.Option(help="What came of it.")] = None,
    document: Annotated[str | None, typer.Option(help="Symbol or case number.")] = None,
    regime: Annotated[str | None, typer.Option(help="For sanctions: the regime.")] = None,
    note: Annotated[str | None, typer.Option()] = None,
    action_id: Annotated[str | None, typer.Option("--id", help="Its id (default: derived "
                                                  "from what it says).")] = None,
) -> None:
    """Record an action, every fact cited.

    Example: khavaran --as ana action add --type resolution --actor ca-parliament
    --date 2013-06-05 --subject killings_1988 --source my-source
    """
    who = settings_of(ctx).require_actor()
    rid, report = actions_service.add_action(registry_of(ctx), actions_service.ActionIn(
        action_type=action_type, actor=actor, date=date, source=source, locator=locator,
        id=action_id, targets=target or [], target_units=unit or [], subjects=subject or [],
        addressee=addressee, follows=follows, outcome=outcome, document=document,
        regime=regime, note=note), actor=who)
    state = "recorded" if report.added else "already recorded"
    typer.echo(f"action {rid} {state}")


@action.command("show")
def show(ctx: typer.Context, action_id: Annotated[str, typer.Argument(metavar="ID")],
         as_json: Annotated[bool, JSON] = False) -> None:
    """Show one action with its sources.

    Example: khavaran action show act-…
    """
    a = actions_service.show_action(registry_of(ctx), action_id)
    if as_json:
        echo_json(a)
    else:
        typer.echo("\n".join(action_lines(a)))


@action.command("list")
def list_(
    ctx: typer.Context,
    country: Annotated[str | None, typer.Option(help="Only this jurisdiction (se, un, ...).")
                       ] = None,
    target: Annotated[str | None, typer.Option(help="Only actions about this record.")] = None,
) -> None:
    """List actions, oldest first, court steps of allegations included.

    Example: khavaran action list --target p-demo-perp-12
    """
    found = actions_service.list_actions(registry_of(ctx), country=country, target=target)
    if not found:
        typer.echo("no action recorded")
    for a in found:
        who = ", ".join(n for _, n in a.targets + a.target_units) or ", ".join(
            actions_service.label_of("action_subject", s) for s in a.subjects)
        tag = " [fictional]" if a.fictional else ""
        typer.echo(f"{a.date_shown or 'undated':<40} {a.label('en'):<24} "
                   f"{a.actor_label('en')} -> {who}  ({a.id}){tag}")


def _fact(f: Fact | None) -> str:
    return f.shown if f else "?"


def _sources(facts: list[Fact]) -> str:
    seen: list[str] = []
    for f in facts:
        for c in f.citations:
            s = f"{c.source_id}{' ' + c.locator if c.locator else ''}"
            if s not in seen:
                seen.append(s)
    return "; ".join(seen)


@person.command("career")
def career(ctx: typer.Context, person_id: Annotated[str, typer.Argument(metavar="ID")],
           include_protected: Annotated[bool, INCLUDE] = False,
           as_json: Annotated[bool, JSON] = False) -> None:
    """Every post a person held, oldest first, and their standing now, each cited.

    Example: khavaran person career p-demo-perp-12
    """
    settings = settings_of(ctx)
    who = settings.require_actor() if include_protected else None
    c = careers.career(registry_of(ctx), person_id, include_protected=include_protected,
                       actor=who)
    if as_json:
        echo_json(c)
        return
    typer.echo(f"Career of {c.title} [{c.person_id}]")
    if c.fictional:
        typer.echo(f"  {FICTIONAL}")
    if not c.posts:
        typer.echo("  no post recorded")
    for p in c.posts:
        titles = " / ".join(t.value for t in p.titles) or "post"
        tag = "  [ALLEGATION]" if p.allegation else ""
        typer.echo(f"  {_fact(p.start)} – {_fact(p.end)}: {titles}, {p.unit}{tag}")
        typer.echo(f"      sources: {_sources(p.facts)}  ({p.posting_id})")
    if c.standing:
        typer.echo("Standing")
    for prop, facts in c.standing.items():
        for f in facts:
            typer.echo(f"  {prop.replace('_', ' ')}: {f.shown}  (sources: {_sources([f])})")
    if c.withheld:
        typer.echo(f"  {c.withheld} identifying fact(s) withheld: the person is protected")
