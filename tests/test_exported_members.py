"""Each module's __all__ names things that exist, and covers its public functions."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import khavaran

MODULES = [m.name for m in pkgutil.walk_packages(khavaran.__path__, "khavaran.")
           if ".cli" not in m.name and ".migrations" not in m.name
           and not m.name.endswith("__main__") and not m.ispkg]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_declared_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    for member in exported:
        assert hasattr(module, member), f"{name}.__all__ names missing {member}"
    public = {n for n, obj in vars(module).items()
              if not n.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
              and obj.__module__ == name}
    assert public <= set(exported), f"{name}: public but not in __all__: {public - set(exported)}"
