"""Modules that the command line imports only when a command uses them.

Every command pays for what `import khavaran.cli` imports, and most commands
need only a few of the services (SQLAlchemy, Alembic, the PDF stack, NumPy...).
Command modules bind their services with `lazy_module` instead of a plain
import: the module is loaded on first attribute access.  Under type checking
they import normally (see the `if TYPE_CHECKING` blocks), so mypy still checks
every call.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

__all__ = ["lazy_module"]


def lazy_module(name: str) -> ModuleType:
    """``name`` as a module object that is executed on first attribute access."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name!r}")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module
