"""`frameworks list|show`, `case new|charge|link|show|gaps|matrix`."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Annotated

import typer

from khavaran.cli.context import MAX_INT, registry_of, settings_of
from khavaran.cli.lazy import lazy_module
from khavaran.cli.render import FICTIONAL
from khavaran.cli.root import app
from khavaran.legal.assessment import STATUSES

if TYPE_CHECKING:
    from khavaran.legal import frameworks
    from khavaran.services import case_reading, cases, custody
else:
    frameworks = lazy_module("khavaran.legal.frameworks")
    case_reading = lazy_module("khavaran.services.case_reading")
    cases = lazy_module("khavaran.services.cases")
    custody = lazy_module("khavaran.services.custody")

frameworks_group = typer.Typer(help="Legal frameworks: crimes, elements, modes of liability.",
                               no_args_is_help=True)
group = typer.Typer(help="Cases: a suspect, charges, evidence linked to legal elements.",
                    no_args_is_help=True)
app.add_typer(frameworks_group, name="frameworks")
app.add_typer(group, name="case")

CASE = typer.Argument(metavar="CASE", help="The case id.")


@frameworks_group.command("list")
def frameworks_list() -> None:
    """List the shipped legal frameworks.

    Example: khavaran frameworks list
    """
    for fw in frameworks.load_frameworks().values():
        typer.echo(f"{fw.id}: {fw.title.en} ({fw.jurisdiction.en}; applies from "
                   f"{fw.applies_from}; reviewed by {fw.reviewed.by} on {fw.reviewed.on})")
    typer.echo(frameworks.DISCLAIMER)


@frameworks_group.command("show")
def frameworks_show(framework_id: Annotated[str, typer.Argument(metavar="FRAMEWORK")]) -> None:
    """Print one framework: its crimes, elements, modes of liability and notes.

    Example: khavaran frameworks show rome-statute
    """
    fw = frameworks.framework(framework_id)
    proofs = frameworks.means_of_proof()
    typer.echo(f"{fw.title.en}" + (f" / {fw.title.fa}" if fw.title.fa else ""))
    typer.echo(f"{fw.jurisdiction.en}; applies from {fw.applies_from}")
    typer.echo(f"reviewed by {fw.reviewed.by} on {fw.reviewed.on}: {fw.reviewed.scope}")
    typer.echo(frameworks.DISCLAIMER)
    for part, items in (("crime", fw.crimes), ("mode of liability", fw.modes)):
        for key, item in items.items():
            typer.echo(f"\n{part} {key}: {item.label.en} ({item.article})")
            elements = fw.crime_elements(key) if part == "crime" else item.elements
            for e in elements:
                typer.echo(f"  {e.id} [{e.kind}] {e.text.en} ({e.ref})")
                typer.echo("      proved by: " + ", ".join(proofs[p].en for p in e.proof))
            for note in item.notes:
                typer.echo(f"  note {note}: {fw.jurisdiction_notes[note].en}")


@group.command("new")
def new(
    ctx: typer.Context, case_id: Annotated[str, CASE],
    suspect: Annotated[str, typer.Option(help="The suspect: a person id in the registry.")],
    framework_id: Annotated[str, typer.Option("--framework", help="A framework id.")],
    title: Annotated[str, typer.Option(help="A short title.")],
) -> None:
    """Open a case against one suspect under one legal framework.

    Example: khavaran --as ana case new gd-88 --suspect p-7 --framework rome-statute
    --title "Gohardasht 1988"
    """
    actor = settings_of(ctx).require_actor()
    cases.new_case(registry_of(ctx), case_id, suspect=suspect, framework_id=framework_id,
                   title=title, actor=actor)
    typer.echo(f"case {case_id} opened")
    typer.echo(frameworks.DISCLAIMER)


@group.command("charge")
def charge(
    ctx: typer.Context, case_id: Annotated[str, CASE],
    crime: Annotated[str, typer.Option(help="A crime of the case's framework.")],
    mode: Annotated[str, typer.Option(help="A mode of liability of the framework.")],
    act: Annotated[list[str], typer.Option(help="An act (record of kind Act) the charge "
                                                "covers; repeatable, one count per victim.")] = [],  # noqa: B006
) -> None:
    """Add a charge: a crime, a mode of liability and the acts it covers.

    Example: khavaran --as ana case charge gd-88 --crime cah-murder --mode co-perpetration
    --act act-1
    """
    actor = settings_of(ctx).require_actor()
    number = cases.add_charge(registry_of(ctx), case_id, crime=crime, mode=mode, acts=act,
                              actor=actor)
    typer.echo(f"charge {number} added to case {case_id}")
    typer.echo(frameworks.DISCLAIMER)


@group.command("link")
def link(
    ctx: typer.Context, case_id: Annotated[str, CASE],
    number: Annotated[int, typer.Argument(metavar="CHARGE", min=1, max=MAX_INT,
                                              help="The charge's number.")],
    element: Annotated[str, typer.Argument(metavar="ELEMENT", help="An element id.")],
    reason: Annotated[str, typer.Option(help="Briefly, why it bears on the element.")],
    claim: Annotated[str | None, typer.Option(help="A claim id.")] = None,
    evidence: Annotated[str | None, typer.Option(
        help="An evidence item id, or its start if only one item's id starts so.")] = None,
    testimony: Annotated[str | None, typer.Option(help="A testimony (source id).")] = None,
    locator: Annotated[str, typer.Option(help="Where in it: page, paragraph, time.")] = "",
    contradicts: Annotated[bool, typer.Option(
        "--contradicts", help="The evidence contradicts the element (it is kept).")] = False,
    include_protected: Annotated[bool, typer.Option(
        "--include-protected",
        help="A protected witness's testimony as --evidence (needs --as; recorded).")]
    = False,
) -> None:
    """Link a claim, an evidence item or a testimony passage to one element of a charge.

    Example: khavaran --as ana case link gd-88 1 murder-killed --evidence ev-1f2e
    --locator "p. 3" --reason "names the victim as executed"
    """
    actor = settings_of(ctx).require_actor()
    registry = registry_of(ctx)
    if evidence is not None:
        evidence = custody.resolve_item(registry, evidence,
                                         include_protected=include_protected)
    link_id = cases.link_evidence(
        registry, case_id, number, element, claim_id=claim, item_id=evidence,
        testimony=testimony, locator=locator, reasoning=reason, actor=actor,
        stance="contradicts" if contradicts else "supports",
        include_protected=include_protected)
    typer.echo(f"link {link_id}: {'contradicts' if contradicts else 'supports'} {element} "
               f"of charge {number}")


@group.command("withdraw")
def withdraw(
    ctx: typer.Context, case_id: Annotated[str, CASE],
    link_id: Annotated[int, typer.Argument(metavar="LINK", min=1, max=MAX_INT,
                                               help="The link's number.")],
    reason: Annotated[str, typer.Option(help="Why it was made in error.")],
) -> None:
    """Withdraw a link made in error: it stops counting, and stays on record with why.

    Example: khavaran --as ana case withdraw gd-88 7 --reason "wrong victim"
    """
    actor = settings_of(ctx).require_actor()
    link = cases.withdraw_link(registry_of(ctx), case_id, link_id, reason=reason, actor=actor)
    typer.echo(f"link {link_id} ({link.stance} {link.element} of charge {link.number}) "
               "withdrawn")


@group.command("list")
def list_cases(ctx: typer.Context) -> None:
    """List the cases: id, suspect, framework, number of charges.

    Example: khavaran case list
    """
    found = case_reading.case_list(registry_of(ctx))
    for c in found:
        typer.echo(f"{c.id}: {c.title} (suspect {c.suspect}; {c.framework}; "
                   f"{c.charges} charge(s))")
    if not found:
        typer.echo("No cases yet (khavaran case new).")


@group.command("show")
def show(ctx: typer.Context, case_id: Annotated[str, CASE]) -> None:
    """The case: suspect and where a case can be brought, charges, acts, element summary.

    Example: khavaran case show gd-88
    """
    sheet = case_reading.case_sheet(registry_of(ctx), case_id)
    case, suspect, fw = sheet.case, sheet.suspect, sheet.case.framework
    typer.echo(f"Case {case.id}: {case.title}")
    if case.fictional:
        typer.echo(f"  {FICTIONAL}")
    typer.echo(f"  framework: {fw.title.en} [{fw.id}]")
    if case.framework_changed:
        typer.echo("  NOTE: the framework file changed since the case was opened")
    typer.echo(f"  {frameworks.DISCLAIMER}")
    _warn(sheet.warnings, indent="  ")
    typer.echo(f"Suspect {suspect.id}: {suspect.name}")
    for f in suspect.names + suspect.standing:
        typer.echo(f"  {f.label}: {f.value}  [sources: {'; '.join(f.sources)}]")
    if not sheet.alive_recorded:
        typer.echo("  alive or deceased: not recorded")
    for office in suspect.offices:
        typer.echo(f"  {'current office' if office.current else 'office'}: {office.posting}")
        for f in office.facts:
            tag = "ALLEGATION, " if f.allegation else ""
            typer.echo(f"    {f.label}: {f.value}  [{tag}sources: {'; '.join(f.sources)}]")
    for ch in sheet.charges:
        if ch.crime is None or ch.mode is None:  # see the framework warning above
            typer.echo(f"Charge {ch.charge.number}: {ch.charge.crime} by {ch.charge.mode}")
        else:
            typer.echo(f"Charge {ch.charge.number}: {ch.crime.label.en} ({ch.crime.article}) "
                       f"by {ch.mode.label.en} ({ch.mode.article})")
        for warning in ch.warnings:
            typer.echo(f"  WARNING: {warning}")
        for key, note in ch.notes:
            typer.echo(f"  jurisdiction ({key}): {note.en}")
        for a in ch.acts:
            typer.echo(f"  count {a.label}" + (f"; victim {a.victim}" if a.victim else ""))
        if ch.charge.missing:
            typer.echo(f"  elements: none, {ch.charge.missing} (see the warning above)")
            continue
        typer.echo("  elements: " + ", ".join(f"{n} {STATUSES[s]}" for s, n in
                                               sorted(ch.counts.items())))
    if not case.charges:
        typer.echo("No charges yet (khavaran case charge).")
    if case.withdrawn:
        typer.echo(f"{len(case.withdrawn)} link(s) withdrawn (khavaran case matrix shows them)")


@group.command("matrix")
def matrix(ctx: typer.Context, case_id: Annotated[str, CASE]) -> None:
    """The element-by-element matrix: status and linked evidence for each charge.

    Example: khavaran case matrix gd-88
    """
    sheet = case_reading.case_sheet(registry_of(ctx), case_id)
    typer.echo(f"Case {sheet.case.id}: element matrix. {frameworks.DISCLAIMER}")
    _warn(sheet.warnings)
    for ch in sheet.charges:
        typer.echo(f"\nCharge {ch.charge.number}: {ch.charge.crime} by {ch.charge.mode}")
        if ch.charge.missing:
            typer.echo(f"  elements: none, {ch.charge.missing} (see the warning above)")
            continue
        # The status follows from how many independent sources support an element
        # (links to one source, or to sources based on one another, count once).
        typer.echo(f"  {'element':<34} {'kind':<10} {'status':<14} "
                   f"{'independent sources for':>23} {'links against':>13}")
        for row in ch.rows:
            typer.echo(f"  {row.element.id:<34} {row.element.kind:<10} "
                       f"{STATUSES[row.status]:<14} {row.independent:>23} {row.against:>13}")
            for lk in row.links:
                if lk.stance == "withdrawn":
                    typer.echo(f"      x [{lk.id}] WITHDRAWN: {lk.reasoning}")
                    continue
                sign = "+" if lk.stance == "supports" else "-"
                typer.echo(f"      {sign} [{lk.id}] {lk.target}")
                typer.echo(f"          {lk.reasoning} ({lk.created_by}; sources: "
                           f"{', '.join(lk.sources)})")


@group.command("gaps")
def gaps(ctx: typer.Context, case_id: Annotated[str, CASE]) -> None:
    """Every element not corroborated, with the kinds of evidence that would prove it.

    Example: khavaran case gaps gd-88
    """
    sheet = case_reading.case_sheet(registry_of(ctx), case_id)
    unread = _warn(sheet.warnings)
    found = sheet.gaps
    for ch, row in found:
        e = row.element
        typer.echo(f"charge {ch.charge.number} {e.id} [{e.kind}]: {STATUSES[row.status]}")
        typer.echo(textwrap.indent(textwrap.fill(e.text.en, 90), "    "))
        typer.echo("    would be proved by: " + ", ".join(p.en for p in row.proof))
    if unread:
        typer.echo(f"{len(found)} element(s) not corroborated, and {unread} charge(s) or "
                   "link(s) the framework can no longer read (see the warnings above). "
                   f"{frameworks.DISCLAIMER}")
    else:
        typer.echo(f"{len(found)} element(s) not corroborated. {frameworks.DISCLAIMER}"
                   if found else f"Every element is corroborated. {frameworks.DISCLAIMER}")


def _warn(warnings: list[str], indent: str = "") -> int:
    """Print each warning about a charge or link the framework no longer has;
    returns how many."""
    for warning in warnings:
        typer.echo(f"{indent}WARNING: {warning}")
    return len(warnings)
