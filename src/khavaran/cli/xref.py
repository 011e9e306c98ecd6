"""Cross-reference commands: xref (match imported FtM persons), xref judge."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from khavaran.cli.context import MAX_INT, registry_of, settings_of
from khavaran.cli.lazy import lazy_module
from khavaran.cli.root import KhavaranGroup, app

if TYPE_CHECKING:
    from khavaran.services import xref
else:
    xref = lazy_module("khavaran.services.xref")

xref_app = typer.Typer(cls=KhavaranGroup, add_completion=False, rich_markup_mode=None,
                       invoke_without_command=True,
                       help="Match alleged perpetrators against imported FtM persons.")
app.add_typer(xref_app, name="xref")

SHOWN = ("birthDate", "nationality", "position")


@xref_app.callback()
def xref_queue(
    ctx: typer.Context,
    review: Annotated[bool, typer.Option(
        "--review", help="Only list the stored candidates; do not match again.")] = False,
    limit: Annotated[int, typer.Option(min=0, max=MAX_INT,
                                       help="How many candidates to show (0: all).")] = 10,
    include_judged: Annotated[bool, typer.Option(
        "--include-judged", help="Also list candidates already judged.")] = False,
) -> None:
    """Match the registry's alleged perpetrators against the Person entities
    imported with `import --format ftm`, and list the candidates to judge.

    Names are compared in either script with the linkage engine, with birth
    years, gender, nationality and positions; each candidate shows its
    probability, the reasons with their weights in bits, the entity's
    sanctions and the command that judges it.  Protected people are never
    matched.  Nothing becomes a claim until a candidate is judged "same".

    Example: khavaran xref --limit 5
    """
    if ctx.invoked_subcommand is not None:
        return
    registry = registry_of(ctx)
    if not review:
        run = xref.run_xref(registry)
        typer.echo(f"compared {run.suspects} alleged perpetrator(s) with {run.persons} "
                   f"imported person(s): {run.stored} candidate(s)")
    found = xref.xref_queue(registry, limit=limit, include_judged=include_judged)
    if not found:
        typer.echo("nothing to review: no candidate is left unjudged")
        return
    for n, c in enumerate(found, 1):
        typer.echo(f"{n}. {c.person_id} ({c.person})  ~  {c.ref} ({c.caption})   "
                   f"probability {c.probability:.2f} (weight {c.weight:+.1f})")
        for prop in SHOWN:
            if c.properties.get(prop):
                typer.echo(f"   {prop}: {'; '.join(c.properties[prop])}")
        for s in c.sanctions:
            said = ", ".join(f"{k} {'; '.join(s[k])}" for k in
                             ("authority", "program", "listingDate") if s.get(k))
            typer.echo(f"   sanction: {said}")
        for r in c.reasons:
            typer.echo(f"   {r.verdict:<6} {r.field:<11} {r.weight:+5.1f}  {r.detail}")
        typer.echo(f"   judge: khavaran xref judge {c.person_id} {c.ref} same|different|unsure")


@xref_app.command("judge")
def xref_judge(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(help="The registry person's id.",
                                          show_default=False)],
    entity: Annotated[str, typer.Argument(help="The imported entity, as DATASET:ENTITY_ID.",
                                          show_default=False)],
    decision: Annotated[str, typer.Argument(help="same, different or unsure.",
                                            show_default=False)],
    note: Annotated[str | None, typer.Option(help="Why (kept with the judgement).")] = None,
) -> None:
    """Judge whether a registry person is an imported FtM person.

    "same" turns what the dataset says about the entity into cited records of
    the person: a source for the dataset (its name and date), each position as
    a posting, and each sanction as a sanction_designation action by its
    authority on its listing date.  Judgements are kept; a later one counts:
    "different" or "unsure" after "same" retracts those postings and actions
    (their facts are rejected, in history), and "same" again restores them.

    Example: khavaran --as ana xref judge p-demo-perp-11 demo_sanctions:demo-sanc-001 same
    """
    actor = settings_of(ctx).require_actor()
    done = xref.judge_xref(registry_of(ctx), person_id, entity, decision, actor=actor,
                           note=note)
    typer.echo(f"judged {person_id} and {entity} {decision}")
    if done.report is not None:
        added = ", ".join(f"{n} {k}" for k, n in sorted(done.report.added.items()))
        typer.echo(f"added: {added or 'nothing new'}")
    for a in done.actions:
        typer.echo(f"action: {a} (khavaran action show {a})")
    for p in done.postings:
        typer.echo(f"posting: {p}")
    for eid in done.restored:
        typer.echo(f"restored: {eid}")
    for eid in done.retracted:
        typer.echo(f"retracted: {eid} (its facts rejected, kept in history)")
    for note_ in done.notes:
        typer.echo(f"note: {note_}")
