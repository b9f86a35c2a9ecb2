"""Lazy exports: a package names its public entry points without importing their modules.

The tool packages (and `hubsim.experiments` itself) export a few names whose modules load
Optuna, matplotlib or Dask; `lazy_exports` makes the package's `__getattr__` import a module
the first time one of its names is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: each name in `homes[module]` is read from `module`
    (relative names such as `.run` are taken inside `package`) on first use."""
    where = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(where[name], package), name)

    return __getattr__
