"""`backup`, `backup verify` and `restore`: checked backups of a whole installation."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from khavaran.cli.context import registry_of, settings_of
from khavaran.cli.root import app, new_passphrase

if TYPE_CHECKING:
    from khavaran.services import backup as backups
    from khavaran.vault import keyring
else:
    from khavaran.cli.lazy import lazy_module

    backups = lazy_module("khavaran.services.backup")
    keyring = lazy_module("khavaran.vault.keyring")

group = typer.Typer(help="Back up the whole installation, or check a backup.",
                    invoke_without_command=True)
app.add_typer(group, name="backup")

PUBLIC_KEY = typer.Option("--public-key", help="The ledger's public key (64 hex digits, as "
                          "'khavaran ledger key' prints it) that must have signed the "
                          "backup; may be repeated.")


@group.callback()
def backup(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option(
        "--out", help="The backup folder: new, empty, or an earlier backup (then only new "
                      "files of the vault are copied).")] = None,
) -> None:
    """Back up the database, the vault's files and the ledger's public keys, with a
    signed manifest, while the installation is in use.  See docs/backup.md.

    Example: khavaran --as ana backup --out /mnt/backup/khavaran
    Example: khavaran backup verify /mnt/backup/khavaran
    """
    if ctx.invoked_subcommand is not None:
        return
    if out is None:
        raise typer.BadParameter("say where to write the backup", param_hint="--out")
    actor = settings_of(ctx).require_actor()
    report = backups.backup(registry_of(ctx), out, actor=actor)
    typer.echo(f"backup written to {report.out}: {report.files} files, "
               f"{report.blobs_copied} new vault files copied ({report.bytes_copied} bytes), "
               f"{report.blobs_kept} kept from the previous backup, in "
               f"{report.seconds:.1f} s")
    typer.echo(f"manifest sha256 {report.manifest_sha256}")


@group.command("verify")
def verify(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="The backup folder.")],
    public_key: Annotated[list[str] | None, PUBLIC_KEY] = None,
) -> None:
    """Check a backup offline: the manifest's signature and every file's SHA-256.
    Names each changed, missing or extra file; exits non-zero if any.

    Example: khavaran backup verify /mnt/backup/khavaran --public-key 3f1c...
    """
    check = backups.verify_backup(folder, public_key or ())
    for problem in check.problems:
        typer.echo(f"problem: {problem}", err=True)
    if not check.ok:
        raise typer.Exit(1)
    typer.echo(f"backup verified: {check.files} files, signed by key "
               f"{check.manifest.get('key')}, taken {check.manifest.get('created_at')}")


@app.command()
def restore(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="The backup folder.")],
    home: Annotated[Path, typer.Option("--home", help="The new data home (new or empty).")],
    db: Annotated[str | None, typer.Option(
        "--db", help="The database to restore into: for a PostgreSQL backup a new, empty "
                     "database; default for SQLite: khavaran.db in the new home.")] = None,
    public_key: Annotated[list[str] | None, PUBLIC_KEY] = None,
    passphrase: Annotated[bool, typer.Option(
        "--passphrase", help="Protect the new installation's keys with a passphrase, typed "
                             "twice (or give KHAVARAN_PASSPHRASE_FILE); required for the "
                             "backup of a protected installation.")] = False,
) -> None:
    """Rebuild a working installation from a backup; refuses one that fails
    'backup verify', writing nothing.  The new installation gets its own ledger
    key, which endorses the backup's key in the ledger; the backup of an
    installation protected by a passphrase is restored protected by one.

    Example: khavaran --as ana restore /mnt/backup/khavaran --home ./khavaran-restored
    """
    settings = settings_of(ctx)
    actor = settings.require_actor()
    phrase = (new_passphrase() if passphrase
              else keyring.read_passphrase_file(settings.passphrase_file)
              if settings.passphrase_file is not None else None)
    report = backups.restore(folder, home, db_url=db, actor=actor,
                             public_keys=public_key or (), passphrase=phrase)
    typer.echo(f"restored into {report.home} ({report.blobs} vault files); "
               f"database {report.db_url}")
    for kid in report.trusted:
        typer.echo(f"the new ledger key endorses the backup's key {kid}")
    typer.echo("check it with: khavaran --home ... verify")
