"""A summary of the whole registry, for `khavaran overview` and `make run`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from khavaran.services.registry import Registry
from khavaran.storage import queries

__all__ = ["Overview", "overview"]


@dataclass
class Overview:
    counts: dict[str, Any]
    sample_victim: str | None
    sample_perpetrator: str | None


def overview(registry: Registry) -> Overview:
    """Counts by kind and source, and one victim and one alleged perpetrator to show."""
    with registry.read() as conn:
        return Overview(
            counts=queries.counts(conn),
            sample_victim=queries.first_with_role(conn, "victim", prefer_conflicts=True),
            sample_perpetrator=queries.first_with_role(conn, "alleged_perpetrator"),
        )
