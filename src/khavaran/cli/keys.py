"""`key rotate`: the master key of an installation protected by a passphrase."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from khavaran.cli.context import settings_of
from khavaran.cli.lazy import lazy_module
from khavaran.cli.root import app, new_passphrase

if TYPE_CHECKING:
    from khavaran.vault import keyring, keys
else:
    keys = lazy_module("khavaran.vault.keys")
    keyring = lazy_module("khavaran.vault.keyring")

group = typer.Typer(help="The keys of an installation protected by a passphrase.",
                    no_args_is_help=True)
app.add_typer(group, name="key")


@group.command()
def rotate(
    ctx: typer.Context,
    new: Annotated[bool, typer.Option(
        "--new-passphrase", help="Also change the passphrase: type the new one twice.")]
        = False,
    new_file: Annotated[Path | None, typer.Option(
        "--new-passphrase-file", help="Also change the passphrase to the one in this file "
                                      "(its first line).")] = None,
) -> None:
    """Give the installation a new master key, and optionally a new passphrase.

    Unlocks with the current passphrase (KHAVARAN_PASSPHRASE_FILE, or typed),
    then re-wraps what the master key protects; nothing else is re-encrypted.
    The new key ring replaces the old in one step: an interrupted rotation
    leaves the old one, and the old passphrase, in force.

    Example: khavaran key rotate --new-passphrase
    """
    if new and new_file is not None:
        raise typer.BadParameter("give --new-passphrase or --new-passphrase-file, not both")
    settings = settings_of(ctx)
    changed = None
    if new_file is not None:
        changed = keyring.read_passphrase_file(new_file)
    elif new:
        changed = new_passphrase()
    master = keys.rotate_master_key(settings, changed)
    typer.echo(f"new master key {master} for {settings.home}")
    if changed is not None:
        typer.echo("the passphrase is changed: the old one no longer unlocks this installation"
                   + (f"; put the new one in {settings.passphrase_file}"
                      if settings.passphrase_file is not None else ""))
