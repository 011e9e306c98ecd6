"""A progress bar on the terminal for long commands (rich), fed by the same
``progress(step, done, total)`` callback the background jobs use.

Only when standard error is a terminal: a script's output and logs stay as
they were.  rich is imported only then, so that start-up stays quick."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["VERIFY_STEPS", "progress_bar"]

Callback = Callable[[str, int, int], None]
# The steps of a verification (services/verification.py, integrity.py), in words.
VERIFY_STEPS = {"files": "re-hashing the files", "ledger": "checking the custody ledger",
                "registry": "checking every sealed registry row"}


@contextmanager
def progress_bar(words: Mapping[str, str]) -> Iterator[Callback]:
    """A callback that shows each step (named by ``words``) and, when the step
    has a total, how much of it is done."""
    if not sys.stderr.isatty():
        yield lambda step, done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  transient=True, console=_console()) as bar:
        task = bar.add_task("", total=None)

        def show(step: str, done: int, total: int) -> None:
            bar.update(task, description=words.get(step, step), completed=done,
                       total=total or None)
            # Drawn now, not at the next tick (ten a second): a short step would
            # otherwise never be seen.
            bar.refresh()

        yield show


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True)
