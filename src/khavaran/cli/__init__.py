"""The `khavaran` command: a thin layer over khavaran.services.

Each command parses its arguments, opens the registry, calls one service
function and prints the result.  Errors of ours become a one-line message and
a non-zero exit, never a traceback.

Typer reads the signature of every registered command each time it runs one,
and each family's module costs its imports: ``main`` registers only the family
of the command asked for (``FAMILY_OF``), so `khavaran date` does not pay for
the hundred other commands.  ``app``, taken from this package, has them all.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

__all__ = ["FAMILIES", "FAMILY_OF", "app", "main"]

# Every command family, in the order their commands are listed in --help.
FAMILIES = ("accounts", "backup", "cases", "claims", "dossiers", "entry", "evidence", "keys",
            "linkage", "records", "registry", "reports", "tracker", "xref")

# The families that register each top-level command or group (tests/cli/
# test_startup.py checks this against the commands all families register).
FAMILY_OF: dict[str, tuple[str, ...]] = {
    "access-log": ("accounts",), "serve": ("accounts",), "user": ("accounts",),
    "worker": ("accounts",),
    "restore": ("backup",), "backup": ("backup",),
    "frameworks": ("cases",), "case": ("cases",),
    "claim": ("claims",),
    "dossier": ("dossiers",),
    "person": ("entry", "records", "tracker"), "source": ("entry",),
    "unit": ("records",), "place": ("records",), "event": ("records",),
    "evidence": ("evidence",), "ledger": ("evidence",), "vault": ("evidence",),
    "key": ("keys",),
    "link": ("linkage",), "estimate": ("linkage",), "lists": ("linkage",),
    "dedupe": ("linkage",),
    **{name: ("registry",) for name in ("init", "verify", "demo", "import", "export",
                                        "search", "history", "overview", "date")},
    "report": ("reports",),
    "action": ("tracker",),
    "xref": ("xref",),
}

# The root's own options that take a value (cli/root.py).
_VALUED = ("--home", "--db", "--as", "--passphrase-file", "--vault", "--s3-endpoint")


def _families_for(args: Sequence[str]) -> tuple[str, ...]:
    """The families the command in ``args`` needs: all of them for --help, no
    command, or a name we do not know (click then lists them or says so)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _VALUED:
            skip = True
        elif arg.startswith(tuple(f"{o}=" for o in _VALUED)):
            continue
        elif arg.startswith("-"):
            return FAMILIES
        else:
            return FAMILY_OF.get(arg, FAMILIES)
    return FAMILIES


def _register(families: Sequence[str]) -> None:
    for name in FAMILIES:  # in the listed order, whatever the order asked
        if name in families:
            importlib.import_module(f"khavaran.cli.{name}")


def main() -> None:
    # What Khavaran writes (the database, exports, dossiers and their sealed
    # annexes, backups) is readable by its owner only, as are the servers' and
    # workers' files: they inherit this.
    os.umask(0o077)
    _register(_families_for(sys.argv[1:]))
    from khavaran.cli.root import app as root

    root()


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        _register(FAMILIES)
        from khavaran.cli.root import app as root

        return root
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
