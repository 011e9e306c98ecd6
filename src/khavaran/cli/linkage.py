"""Linkage commands: link (standalone, on CSV lists), dedupe and estimate."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import click
import typer

from khavaran.cli import KhavaranGroup, app
from khavaran.cli.context import MAX_INT, registry_of, settings_of
from khavaran.cli.lazy import lazy_module
from khavaran.errors import ValidationError

if TYPE_CHECKING:
    from khavaran.linkage import link as linking
    from khavaran.linkage import lists as link_lists
    from khavaran.services import dedupe, estimation
else:
    linking = lazy_module("khavaran.linkage.link")
    link_lists = lazy_module("khavaran.linkage.lists")
    dedupe = lazy_module("khavaran.services.dedupe")
    estimation = lazy_module("khavaran.services.estimation")


@app.command("link")
def link_(
    lists: Annotated[list[Path], typer.Argument(help="One CSV file per source list.",
                                                 show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Where to write source,record_id,"
                                      "person_id.", show_default=False)],
) -> None:
    """Link the records of several victim lists into persons; needs no data home.

    Reads lists in the registry's list format (source, record_id, name, and
    optionally father_name, birth_year, age, death_date, city, prison,
    affiliation, gender) and writes one row per record; records of the same
    person share a person_id.  docs/linkage.md explains the method.

    Example: khavaran link families.csv amnesty.csv --out clusters.csv
    """
    records = link_lists.read_lists(lists)
    result = linking.link(records)
    linking.write_clusters(out, records, result.person_ids)
    typer.echo(f"{len(records):,} records from {len(link_lists.sources_of(records))} list(s) -> "
               f"{result.persons:,} persons ({result.candidates:,} pairs compared); "
               f"wrote {out}")


dedupe_app = typer.Typer(cls=KhavaranGroup, add_completion=False, rich_markup_mode=None,
                         invoke_without_command=True,
                         help="Review the registry's candidate duplicate records.")
app.add_typer(dedupe_app, name="dedupe")


def _fields(v: dedupe.RecordView) -> str:
    return " | ".join(f"{k}={x}" for k, x in v.fields.items() if x) or "(no fields)"


@dedupe_app.callback()
def dedupe_queue(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=0, max=MAX_INT,
                                       help="How many pairs to show (0: all).")] = 10,
    include_unsure: Annotated[bool, typer.Option(
        "--include-unsure", help="Ask again about pairs judged unsure.")] = False,
    include_protected: Annotated[bool, typer.Option(
        "--include-protected", help="Include protected people's records (needs --as; "
        "recorded in history).")] = False,
) -> None:
    """List candidate pairs of source records, the most uncertain and far-reaching first.

    Each pair shows the probability that the two records are one person, the
    fields that agreed and disagreed with their weight in bits, and the command
    that judges it.  Pairs already judged, or implied by judgements, are not
    asked again.

    Example: khavaran dedupe --limit 5
    """
    if ctx.invoked_subcommand is not None:
        return
    registry = registry_of(ctx)
    actor = settings_of(ctx).actor
    pairs = dedupe.queue(registry, limit=limit, include_unsure=include_unsure,
                         include_protected=include_protected, actor=actor)
    if not pairs:
        typer.echo("nothing to review: no candidate pair is left unjudged")
        return
    for n, c in enumerate(pairs, 1):
        typer.echo(f"{n}. {c.a.ref}  ~  {c.b.ref}   probability {c.probability:.2f} "
                   f"(weight {c.weight:+.1f}), affects {c.affected} records")
        typer.echo(f"   {c.a.ref}: {_fields(c.a)}")
        typer.echo(f"   {c.b.ref}: {_fields(c.b)}")
        for r in c.reasons:
            typer.echo(f"   {r.verdict:<6} {r.field:<11} {r.weight:+5.1f}  {r.detail}")
        typer.echo(f"   judge: khavaran dedupe judge {c.a.ref} {c.b.ref} same|different|unsure")


def _groups(label: str, groups: list[list[str]]) -> None:
    typer.echo(f"{label}:")
    for g in groups:
        typer.echo(f"  one person: {', '.join(g)}")


@dedupe_app.command("judge")
def dedupe_judge(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="A record, as SOURCE:RECORD_ID.", show_default=False)],
    b: Annotated[str, typer.Argument(help="The other record.", show_default=False)],
    decision: Annotated[str, typer.Argument(help="same, different or unsure.",
                                            show_default=False)],
    note: Annotated[str | None, typer.Option(help="Why (kept with the judgement).")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Apply without asking.")] = False,
) -> None:
    """Judge whether two source records are one person; shows what follows first.

    "same" merges the two records' persons (and every record already joined
    to either); "different" splits them if only this pair joined them;
    "unsure" sets the pair aside.  Source records and claims are never changed
    and any judgement can be reversed by a later one.

    Example: khavaran --as reviewer dedupe judge families:12 amnesty:x7 same
    """
    registry = registry_of(ctx)
    actor = settings_of(ctx).actor
    preview = dedupe.judge(registry, a, b, decision, actor=actor, note=note, apply=False)
    _groups("before", preview.before)
    _groups("after", preview.after)
    if preview.implied:
        typer.echo(f"this also decides {preview.implied} other pair(s) of records")
    if preview.conflicts:
        for c in preview.conflicts:
            typer.echo(f"conflict: {c}", err=True)
        raise typer.Exit(1)
    if not yes and not _confirmed():
        typer.echo("nothing written")
        raise typer.Exit(1)
    done = dedupe.judge(registry, a, b, decision, actor=actor, note=note)
    if done.conflicts:  # someone judged in between
        for c in done.conflicts:
            typer.echo(f"conflict: {c}", err=True)
        raise typer.Exit(1)
    typer.echo(f"judged {a} and {b} {decision}")


def _confirmed() -> bool:
    try:
        return typer.confirm("apply?", default=False)
    except click.Abort:
        # No terminal (a script, a pipe): nothing to answer the question.
        typer.echo("\ncould not ask for confirmation (no terminal): pass --yes to apply",
                   err=True)
        return False


@dedupe_app.command("log")
def dedupe_log(
    ctx: typer.Context,
    record: Annotated[str | None, typer.Argument(help="Only this record (SOURCE:RECORD_ID).",
                                                 show_default=False)] = None,
) -> None:
    """List linkage judgements, oldest first, with who made them and when.

    Example: khavaran dedupe log families:12
    """
    rows = dedupe.judgements(registry_of(ctx), record)
    if not rows:
        typer.echo("no judgements")
    for j in rows:
        note = f"  ({j.note})" if j.note else ""
        typer.echo(f"{j.id}  {j.at:%Y-%m-%d %H:%M}  {j.by}: {j.a} {j.decision} {j.b}{note}")


@app.command("estimate")
def estimate_(
    ctx: typer.Context,
    lists: Annotated[list[Path] | None, typer.Argument(
        help="CSV lists to estimate from, instead of the registry.", show_default=False)] = None,
    clusters: Annotated[Path | None, typer.Option(
        help="A clusters file of `khavaran link` for the CSV lists (else they are linked "
        "now).", show_default=False)] = None,
    by: Annotated[str | None, typer.Option(help="Estimate per city or prison.",
                                           show_default=False)] = None,
    method: Annotated[str, typer.Option(
        help="auto, independence, loglinear, lcmcr or combined.")] = "auto",
    seed: Annotated[int, typer.Option(help="Seed of the random draws (same seed, same "
                                           "result).")] = 0,
) -> None:
    """Estimate the total number of victims, listed or not, from the overlap of lists.

    A multiple systems estimate with a 95% interval.  By default: with two
    lists the independence estimate, with a warning; with three, log-linear
    models with a heterogeneity term chosen by AIC, bootstrapped; with four or
    more, those combined with a Bayesian latent-class model.  One list is
    refused.
    From the registry, persons are as merged by dedupe judgements and lists
    are sources.  docs/estimation.md says what it assumes and when not to
    trust it.  It is an estimate, never a documented count.

    Example: khavaran estimate --by city
    """
    if lists:
        captures = estimation.from_lists(lists, clusters)
    else:
        if clusters:
            raise ValidationError("--clusters goes with CSV lists", field="--clusters")
        captures = estimation.from_registry(registry_of(ctx))
    results = estimation.run(captures, by=by, method=method, seed=seed)
    typer.echo(f"{captures.persons:,} persons on {len(captures.lists)} lists "
               f"({', '.join(captures.lists)}).")
    typer.echo("ESTIMATE, not a documented count: see docs/estimation.md before citing it.")
    for e in results:
        label = f"{e.stratum}: " if e.stratum is not None else "total: "
        if e.estimated:
            typer.echo(f"{label}{e.total:,.0f} victims (95% interval {e.low:,.0f}–{e.high:,.0f}),"
                       f" {e.observed:,} listed; {e.method}, {e.model}")
        else:
            typer.echo(f"{label}not estimated ({e.observed:,} listed)")
        for w in e.warnings:
            typer.echo(f"  warning: {w}")
