"""The web layer: an ASGI app over the same services as the command line."""

from __future__ import annotations

from khavaran.web.app import create_app

__all__ = ["create_app"]
