"""The public API: `hubsim.__all__` holds the documented verbs, each resolves, and the
TYPE_CHECKING imports type checkers read name the same objects the lazy imports give."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys

import hubsim

VERBS = {"run", "compare", "sweep", "tune", "calibrate"}  # one per command of the CLI


def test_all_is_the_documented_verbs_and_types() -> None:
    assert set(hubsim.__all__) == VERBS | {"RunResult", "Scenario", "load_scenario"}
    for verb in VERBS:
        assert f"`hubsim.{verb}(" in hubsim.__doc__, verb  # each verb is documented


def test_every_name_resolves_to_a_callable() -> None:
    for name in hubsim.__all__:
        assert callable(getattr(hubsim, name)), name
    assert hubsim.sweep.__name__ == "run_sweep" and hubsim.calibrate.__name__ == "run_calibration"
    assert set(hubsim.__all__) <= set(dir(hubsim))


def test_the_type_checkers_imports_match_the_lazy_ones() -> None:
    tree = ast.parse(inspect.getsource(hubsim))
    (block,) = [n for n in tree.body if isinstance(n, ast.If)]  # if TYPE_CHECKING:
    declared = {
        alias.asname or alias.name: (node.module, alias.name)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert declared == hubsim._HOMES
    assert set(declared) == set(hubsim.__all__)


def test_importing_hubsim_loads_no_engine() -> None:
    code = "import sys, hubsim; print(sorted(m for m in sys.modules if m.startswith('hubsim')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['hubsim']"
