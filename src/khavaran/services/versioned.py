"""A small cache of what every reader sees alike, keyed on the registry's version.

Reading a person or running a search costs tens of statements; the answer
only changes when the registry does.  Every write transaction that changes what
a reader may see sets the registry's version anew (a random stamp, in
``registry_version``: storage/sealing.py ``count_change``); one that only
writes the access log, sessions or accounts does not, so that logging a view
does not empty the cache.  The version is read with one cheap statement per
request (reading_queries.registry_version): a write makes the next read fresh,
in every process.

What may be cached: only views that do not depend on the caller, that is
those that show protected people under their pseudonym.  A reveal is never
cached, and what must be recorded on every request (a view of a protected
record, a reveal) is recorded by the caller, outside the cache.  Cached values
are shared between requests: callers must not change them.

The cache is per process, bounded (least recently used entries go first), and
emptied when the registry's version changes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError

from khavaran.services.registry import Registry
from khavaran.storage import reading_queries

__all__ = ["SIZE", "cached", "clear"]

SIZE = 1024  # entries per process: a person page's view is some tens of kB
T = TypeVar("T")

_lock = threading.Lock()
_entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_versions: dict[tuple[str, str], str] = {}


def _where(registry: Registry) -> tuple[str, str]:
    return (registry.engine.url.render_as_string(hide_password=True),
            str(registry.settings.home))


def cached(registry: Registry, key: tuple[Hashable, ...], build: Callable[[], T]) -> T:
    """The value of ``build()`` for ``key`` at the registry's current version:
    from the cache when it holds one, else built and kept.  ``key`` must hold
    everything the value depends on besides the registry's content (the day is
    added: some views warn of dates in the future)."""
    try:
        with registry.read() as conn:
            version = reading_queries.registry_version(conn)
    except DBAPIError:  # a registry older than the version table: nothing is cached
        version = None
    if version is None:
        return build()
    where = _where(registry)
    full = (where, version, dt.datetime.now(dt.UTC).date(), *key)
    with _lock:
        if _versions.get(where) != version:
            # A write happened (or this registry is new here): drop its old views.
            for k in [k for k in _entries if k[0] == where]:
                del _entries[k]
            _versions[where] = version
        if full in _entries:
            _entries.move_to_end(full)
            value: T = _entries[full]
            return value
    value = build()
    with _lock:
        if _versions.get(where) == version:
            _entries[full] = value
            while len(_entries) > SIZE:
                _entries.popitem(last=False)
    return value


def clear() -> None:
    """Forget every cached view (a registry replaced under a running process)."""
    with _lock:
        _entries.clear()
        _versions.clear()
