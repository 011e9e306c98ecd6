"""Linkage commands: link (standalone, on CSV lists), dedupe and estimate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import click
import typer

from khavaran.cli.context import MAX_INT, registry_of, settings_of
from khavaran.cli.lazy import lazy_module
from khavaran.cli.root import KhavaranGroup, app
from khavaran.errors import ValidationError

if TYPE_CHECKING:
    from khavaran.linkage import link as linking
    from khavaran.linkage import lists as link_lists
    from khavaran.services import dedupe, estimation, list_reading
else:
    linking = lazy_module("khavaran.linkage.link")
    link_lists = lazy_module("khavaran.linkage.lists")
    dedupe = lazy_module("khavaran.services.dedupe")
    estimation = lazy_module("khavaran.services.estimation")
    list_reading = lazy_module("khavaran.services.list_reading")

# Clusterings drawn by `estimate` from lists linked now: enough for the spread
# between them to be read (Rubin's rules), few enough to stay within a minute.
DRAWS = 10
ProfileOption = Annotated[Path | None, typer.Option(
    "--profile", help="A mapping profile (YAML) for the lists' own columns and values "
    "(docs/list-profiles.md).", show_default=False)]
SheetOption = Annotated[str | None, typer.Option(
    "--sheet", help="In spreadsheets, read only this sheet (default: every sheet is a "
    "list).", show_default=False)]
StrictOption = Annotated[bool, typer.Option(
    "--strict", help="Refuse unknown columns and unreadable values instead of taking "
    "them as unknown.")]


def _summary(lists: list_reading.ListsForLinkage) -> None:
    for line in list_reading.summary_lines(lists):
        typer.echo(line, err=True)


@app.command("link")
def link_(
    lists: Annotated[list[Path], typer.Argument(
        help="One file per source list: CSV, .xlsx or .ods (each sheet a list).",
        show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Where to write source,record_id,"
                                      "person_id.", show_default=False)],
    profile: ProfileOption = None,
    sheet: SheetOption = None,
    strict: StrictOption = False,
) -> None:
    """Link the records of several victim lists into persons; needs no data home.

    Reads lists in the registry's list format (source, record_id, name, and
    optionally father_name, birth_year, age, death_date, city, prison,
    affiliation, gender), or in their own columns and conventions through a
    profile or the built-in vocabularies (French, German, Persian and English
    column names, sexes, month names; lunar Hijri dates).  Writes one row per
    record; records of the same person share a person_id.  Values that cannot
    be read are taken as unknown and listed at the end (--strict refuses
    them).  docs/linkage.md explains the method.

    Example: khavaran link families.csv amnesty.xlsx --out clusters.csv
    """
    read = list_reading.read_for_linkage(lists, profile=profile, sheet=sheet, strict=strict)
    result = linking.link(read.records, features=read.features)
    linking.write_clusters(out, read.records, result.person_ids)
    sources = link_lists.sources_of(read.records)
    typer.echo(f"{len(read.records):,} records from {len(sources)} list(s) "
               f"-> {result.persons:,} persons ({result.candidates:,} pairs compared); "
               f"wrote {out}")
    _summary(read)


lists_app = typer.Typer(cls=KhavaranGroup, add_completion=False, rich_markup_mode=None,
                        help="Look at victim lists before linking or importing them.")
app.add_typer(lists_app, name="lists")


@lists_app.command("inspect")
def lists_inspect(
    file: Annotated[Path, typer.Argument(help="A list: CSV, .xlsx or .ods.",
                                         show_default=False)],
    sheet: SheetOption = None,
    profile: ProfileOption = None,
) -> None:
    """Show a list's columns, scripts, calendars and date formats, the values not
    understood (with counts and lines), and a suggested mapping profile.

    Example: khavaran lists inspect liste-fr.xlsx > liste-fr.profile.yaml.txt
    """
    for ins in list_reading.inspect_list(file, sheet=sheet, profile=profile):
        typer.echo(f"{ins.name}: {ins.rows:,} rows, {len(ins.columns)} columns")
        for c in ins.columns:
            ours = f"-> {c.field}" if c.field else "-> (none of ours)"
            scripts = ", ".join(f"{k} {n}" for k, n in c.scripts.most_common()) or "empty"
            typer.echo(f"  {c.name!r} {ours}: {c.filled:,} filled; script {scripts}")
            if c.calendars:
                typer.echo("    calendars: " + ", ".join(
                    f"{k} {n}" for k, n in c.calendars.most_common()))
            if c.formats:
                typer.echo("    formats: " + ", ".join(
                    f"{k!r} {n}" for k, n in c.formats.most_common(8)))
            for value, lines in sorted(c.not_understood.items(), key=lambda kv: -len(kv[1])):
                shown = ", ".join(map(str, lines[:5])) + (" ..." if len(lines) > 5 else "")
                typer.echo(f"    not understood: {value!r} x{len(lines)} (lines {shown})")
        if ins.mapping is not None:
            typer.echo("  read without a profile as: " + "; ".join(ins.mapping.describe()))
        else:
            typer.echo(f"  cannot be read without a profile: {ins.problem}")
        typer.echo("  suggested profile:")
        for line in ins.profile_yaml.splitlines():
            typer.echo(f"    {line}")


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
                   f"(weight {c.weight:+.1f}), affects {c.affected} records"
                   + (f", settles {c.decides} other pair(s)" if c.decides else ""))
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
    shown = {v.ref: v for v in preview.records}
    for ref in (a, b):
        view = shown.get(ref)
        typer.echo(f"{ref}: {_fields(view)}" if view else
                   f"{ref}: a protected person's record (its fields are withheld)")
    _groups("before", preview.before)
    _groups("after", preview.after)
    if preview.implied:
        typer.echo(f"this also decides {preview.implied} other pair(s) of records")
    if preview.conflicts:
        for c in preview.conflicts:
            typer.echo(f"conflict: {c}", err=True)
        raise typer.Exit(1)
    if not yes and not _confirmed():
        raise typer.Exit(1)
    done = dedupe.judge(registry, a, b, decision, actor=actor, note=note)
    if done.conflicts:  # someone judged in between
        for c in done.conflicts:
            typer.echo(f"conflict: {c}", err=True)
        raise typer.Exit(1)
    typer.echo(f"judged {a} and {b} {decision}")


def _confirmed() -> bool:
    if not sys.stdin.isatty():
        # A script or a pipe: nobody to see the consequences above before they apply.
        typer.echo("nothing written: there is no terminal to ask whether to apply; "
                   "pass --yes to apply", err=True)
        return False
    try:
        if typer.confirm("apply?", default=False):
            return True
    except click.Abort:
        pass
    typer.echo("nothing written")
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
        help="Lists to estimate from (CSV, .xlsx, .ods), instead of the registry.",
        show_default=False)] = None,
    clusters: Annotated[Path | None, typer.Option(
        help="A clusters file of `khavaran link` for the CSV lists (else they are linked "
        "now).", show_default=False)] = None,
    by: Annotated[str | None, typer.Option(help="Estimate per city or prison.",
                                           show_default=False)] = None,
    method: Annotated[str, typer.Option(
        help="auto, independence, loglinear, lcmcr or combined.")] = "auto",
    profile: ProfileOption = None,
    sheet: SheetOption = None,
    strict: StrictOption = False,
    seed: Annotated[int, typer.Option(help="Seed of the random draws (same seed, same "
                                           "result).")] = 0,
    draws: Annotated[int | None, typer.Option(
        help=f"Lists linked now: how many other clusterings to draw from the links' "
        f"probabilities, so that the interval carries the linkage's uncertainty "
        f"({DRAWS} unless told; 0 for none; not with --clusters or the registry, whose "
        "links were decided).", min=0, max=200, show_default=False)] = None,
) -> None:
    """Estimate the total number of victims, listed or not, from the overlap of lists.

    A multiple systems estimate with a 95% interval.  By default: with two
    lists the independence estimate, with a warning; with three, log-linear
    models with a heterogeneity term chosen by AIC, bootstrapped; with four or
    more, those combined with a Bayesian latent-class model.  One list is
    refused.
    Lists given here are linked now, and the estimate is pooled over --draws
    other clusterings drawn from the links' probabilities, so that its interval
    says how sure the links are as well as how many the lists missed.
    From the registry, persons are as merged by dedupe judgements and lists
    are sources.  docs/estimation.md says what it assumes and when not to
    trust it.  It is an estimate, never a documented count.

    Example: khavaran estimate --by city
    """
    if draws and (clusters or not lists):
        raise ValidationError("--draws goes with lists linked now: the links of a clusters "
                              "file, or of the registry, were decided", field="--draws")
    if lists:
        read = list_reading.read_for_linkage(lists, profile=profile, sheet=sheet, strict=strict)
        captures = estimation.from_read_lists(
            read, clusters, draws=0 if clusters else DRAWS if draws is None else draws,
            seed=seed)
    else:
        read = None
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
        if e.linkage_share is not None:
            typer.echo(f"  linkage: pooled over {e.draws} clusterings drawn from the links' "
                       f"probabilities; of the interval's variance, {e.linkage_share:.0%} "
                       f"comes from the linkage and {1 - e.linkage_share:.0%} from the "
                       "capture")
        for w in e.warnings:
            typer.echo(f"  warning: {w}")
    if read is not None:
        _summary(read)
