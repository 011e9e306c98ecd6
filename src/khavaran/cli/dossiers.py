"""`dossier build`, `dossier verify`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from khavaran.cli.context import registry_of, settings_of
from khavaran.cli.lazy import lazy_module
from khavaran.cli.progress import progress_bar
from khavaran.cli.root import app

if TYPE_CHECKING:
    from khavaran.export import dossier
    from khavaran.export import verify as verifying
    from khavaran.legal import frameworks
else:
    dossier = lazy_module("khavaran.export.dossier")
    verifying = lazy_module("khavaran.export.verify")
    frameworks = lazy_module("khavaran.legal.frameworks")

group = typer.Typer(help="Dossiers: verifiable BagIt exports of a case.", no_args_is_help=True)
# The steps a build reports (export/dossier.py), as the progress bar names them.
STEPS = {"verify": "checking the installation", "case": "reading the case",
         "exhibits": "copying the exhibits", "report": "writing the report",
         "publish": "recording the export in the ledger"}
app.add_typer(group, name="dossier")


@group.command("build")
def build(
    ctx: typer.Context,
    case_id: Annotated[str, typer.Argument(metavar="CASE", help="The case id.")],
    out: Annotated[Path, typer.Option(help="The bag's folder; must not exist.")],
    disclosure: Annotated[str, typer.Option(
        help="One of internal, prosecutor, public.")] = "internal",
    as_of: Annotated[str | None, typer.Option(
        help="Build as of this ledger entry (hash or seq); default the newest.")] = None,
) -> None:
    """Write the case as a BagIt bag: exhibits, custody extracts, case.json, report.pdf.

    Example: khavaran --as ana dossier build gd-88 --out gd-88-bag --disclosure prosecutor
    """
    actor = settings_of(ctx).require_actor()
    with progress_bar(STEPS) as progress:
        built = dossier.build_dossier(registry_of(ctx), case_id, out, level=disclosure,
                                      as_of=as_of, actor=actor, progress=progress)
    typer.echo(f"dossier {built.out}: {built.files} payload files under data/ "
               f"({built.octets:,} bytes; {built.exhibits} of them exhibit files), "
               f"disclosure {built.level}")
    typer.echo(f"as of ledger entry {built.seq} ({built.head})")
    typer.echo(f"tag manifest sha256: {built.tagmanifest_sha256}")
    if built.annex:
        typer.echo(f"SEALED ANNEX (identities; keep apart): {built.annex}")
    for w in built.withheld:
        typer.echo(f"withheld: {w['what']}: {w['why']}")
    typer.echo(frameworks.DISCLAIMER)


@group.command("verify")
def verify(
    path: Annotated[Path, typer.Argument(
        metavar="DIR", help="The dossier's folder, or its sealed annex.")],
    public_key: Annotated[list[str], typer.Option(
        help="The installation's public key (64 hex), obtained independently.")] = [],  # noqa: B006
) -> None:
    """Check a dossier or its sealed annex offline: the bag, every hash and signature.

    Exit 0: all good with a pinned key; 1: a problem; 2: good, but no key pinned.

    Example: khavaran dossier verify gd-88-bag --public-key 3f9a...
    """
    check = verifying.verify_dossier(path, public_key)
    for note in check.notes:
        typer.echo(note)
    for problem in check.problems:
        typer.echo(f"PROBLEM: {problem}", err=True)
    if not check.ok:
        typer.echo(f"FAILED: {len(check.problems)} problem(s)", err=True)
        raise typer.Exit(1)
    typer.echo("OK" if check.pinned else "OK, but UNVERIFIED KEY")
    if not check.pinned:
        raise typer.Exit(2)
