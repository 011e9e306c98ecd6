"""Helpers shared by the command modules."""

from __future__ import annotations

import typer

from khavaran.services.registry import Registry, open_registry
from khavaran.settings import Settings

__all__ = ["registry_of", "settings_of"]


def settings_of(ctx: typer.Context) -> Settings:
    root = ctx.find_root()
    assert isinstance(root.obj, Settings)
    return root.obj


def registry_of(ctx: typer.Context) -> Registry:
    reg = open_registry(settings_of(ctx))
    ctx.call_on_close(reg.close)
    return reg
