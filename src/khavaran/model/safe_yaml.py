"""YAML read safely, with libyaml when PyYAML was built with it.

The schema, vocabularies and roles are read by nearly every command; PyYAML's
pure-Python parser took a quarter of a second of each start-up for them, its
C parser (same safe constructor, same errors) a few milliseconds.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["load"]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    """The data of the YAML document ``text``, as ``yaml.safe_load`` reads it."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
