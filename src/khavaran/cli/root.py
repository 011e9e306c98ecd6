"""The root of the `khavaran` command: the group every command family registers on.

Errors of ours become a one-line message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Annotated, Any

import click
import typer

from khavaran.errors import KhavaranError
from khavaran.settings import SETTINGS, Settings

__all__ = ["KhavaranGroup", "app", "ask_passphrase", "new_passphrase"]


class KhavaranGroup(typer.core.TyperGroup):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KhavaranError as exc:
            raise click.ClickException(str(exc)) from None
        except UnicodeEncodeError:
            # Arguments and names reach us as text with undecodable bytes kept
            # aside; they cannot be stored as UTF-8.  Every write is one
            # transaction, so nothing was written.
            raise click.ClickException(
                "an argument or name holds bytes that are not UTF-8 text: nothing was "
                "written") from None
        except KeyboardInterrupt:
            raise click.ClickException("interrupted: nothing was written") from None
        except Exception as exc:
            # SQLAlchemy is imported only by commands that open the database.
            sa_exc = sys.modules.get("sqlalchemy.exc")
            if sa_exc is not None and isinstance(exc, sa_exc.DBAPIError):
                raise click.ClickException(
                    f"the database refused the change, nothing was written: {exc.orig}"
                ) from None
            raise


app = typer.Typer(
    cls=KhavaranGroup, no_args_is_help=True, add_completion=False,
    help="Khavaran: a cited registry of the 1988 prison massacres in Iran.",
    pretty_exceptions_enable=False, rich_markup_mode=None,
)


def _help(name: str) -> str:
    s = next(s for s in SETTINGS if s.name == name)
    return f"{s.help} [env: {s.env}]"


@app.callback()
def _global(
    ctx: typer.Context,
    home: Annotated[str | None, typer.Option("--home", help=_help("home"))] = None,
    db: Annotated[str | None, typer.Option("--db", help=_help("db"))] = None,
    actor: Annotated[str | None, typer.Option("--as", help=_help("user"))] = None,
    passphrase_file: Annotated[str | None, typer.Option(
        "--passphrase-file", help=_help("passphrase_file"))] = None,
    vault: Annotated[str | None, typer.Option("--vault", help=_help("vault"))] = None,
    s3_endpoint: Annotated[str | None, typer.Option(
        "--s3-endpoint", help=_help("s3_endpoint"))] = None,
) -> None:
    settings = Settings.resolve(home=home, db=db, actor=actor, passphrase_file=passphrase_file,
                                vault=vault, s3_endpoint=s3_endpoint)
    # A protected installation asks for its passphrase only when a command needs
    # it, and only at a terminal: a pipe or a script names a file instead.
    if sys.stdin.isatty():
        settings = dataclasses.replace(settings, ask_passphrase=ask_passphrase)
    ctx.obj = settings


def ask_passphrase(prompt: str) -> str:
    """Read a passphrase typed at the terminal, not echoed (on stderr, so that a
    command's output stays its own)."""
    return str(typer.prompt(prompt, hide_input=True, err=True))


def new_passphrase(prompt: str = "new passphrase") -> str:
    """Read a new passphrase, typed twice."""
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True))
