"""Helpers shared by the command modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from khavaran.settings import Settings

if TYPE_CHECKING:
    from khavaran.services.registry import Registry

__all__ = ["MAX_INT", "registry_of", "settings_of"]

# The largest whole number SQLite and PostgreSQL store (a signed 64-bit
# integer): every whole-number option and argument stops there, so a larger one
# is refused with the option's name instead of failing in the database.
MAX_INT = 2**63 - 1


def settings_of(ctx: typer.Context) -> Settings:
    root = ctx.find_root()
    assert isinstance(root.obj, Settings)
    return root.obj


def registry_of(ctx: typer.Context) -> Registry:
    from khavaran.services.registry import open_registry

    reg = open_registry(settings_of(ctx))
    ctx.call_on_close(reg.close)
    return reg
