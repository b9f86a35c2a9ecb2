"""The lazy exports of hubsim.experiments and its tool packages: each name resolves to the
object its module defines, the TYPE_CHECKING imports name the same, and nothing loads early."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import subprocess
import sys
from types import ModuleType

import pytest

from hubsim.experiments.exports import lazy_exports

PACKAGES = [
    "hubsim.experiments",
    "hubsim.experiments.compare",
    "hubsim.experiments.sweep",
    "hubsim.experiments.calibrate",
    "hubsim.experiments.tune",
    "hubsim.experiments.explore",
]


def declared(package: ModuleType) -> dict[str, str]:
    """name -> module of the package's `if TYPE_CHECKING:` imports."""
    tree = ast.parse(inspect.getsource(package))
    (block,) = [n for n in tree.body if isinstance(n, ast.If)]
    return {
        alias.name: str(node.module)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


@pytest.mark.parametrize("name", PACKAGES)
def test_each_export_resolves_and_matches_the_type_checkers_import(name: str) -> None:
    package = importlib.import_module(name)
    homes = {
        export: importlib.util.resolve_name(module, name)
        for module, exports in package.HOMES.items()
        for export in exports
    }
    assert homes == declared(package)
    assert sorted(homes) == package.__all__
    for export, module in homes.items():
        assert getattr(package, export) is getattr(importlib.import_module(module), export)


def test_an_unknown_name_is_an_attribute_error() -> None:
    getattr_ = lazy_exports("hubsim.experiments.tune", {".file": ("load_tuning",)})
    assert getattr_("load_tuning").__name__ == "load_tuning"
    with pytest.raises(AttributeError, match="'hubsim.experiments.tune' has no attribute 'nope'"):
        getattr_("nope")


def test_importing_a_tool_package_loads_none_of_its_modules() -> None:
    code = (
        "import sys, hubsim.experiments.tune, hubsim.experiments.calibrate\n"
        "print(sorted(m for m in sys.modules if m.startswith(('optuna', 'matplotlib'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
