"""Helpers shared by the command modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from khavaran.settings import Settings

if TYPE_CHECKING:
    from khavaran.services.registry import Registry

__all__ = ["registry_of", "settings_of"]


def settings_of(ctx: typer.Context) -> Settings:
    root = ctx.find_root()
    assert isinstance(root.obj, Settings)
    return root.obj


def registry_of(ctx: typer.Context) -> Registry:
    from khavaran.services.registry import open_registry

    reg = open_registry(settings_of(ctx))
    ctx.call_on_close(reg.close)
    return reg
