"""The package layout: data flows scenario -> engine -> output, experiments drive them; no cycles.

Every `import` counts, at module level, inside functions and under TYPE_CHECKING alike.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "hubsim"
# Which layers each layer may import (besides itself and hubsim.errors).
ALLOWED = {
    "scenario": set(),
    "engine": {"scenario"},
    "output": {"scenario", "engine"},
    "experiments": {"scenario", "engine", "output"},
    "dashboard": {"scenario", "engine", "output", "experiments"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """hubsim modules a file imports anywhere in it (a package counts as its __init__)."""
    found = set()
    package = (
        module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    )
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            # `from package import module` imports the module; `from module import name` the
            # module itself (as import-linter's graph counts them).
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in SRC.rglob("*.py")}
    return {name: imports_of(path, set(files)) - {name} for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as a list of modules, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node], _ = 1, stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node], _ = 2, stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, imported in graph.items():
        mine = layer(module)
        if mine is None:
            continue
        for other in imported:
            theirs = layer(other)
            if theirs not in (None, mine) and theirs not in ALLOWED[mine]:
                bad.append(f"{module} imports {other}")
            if theirs is None and other not in ("hubsim", "hubsim.errors"):
                bad.append(f"{module} imports {other} (outside the layers)")
    return bad


def test_no_import_cycle_anywhere() -> None:
    graph = import_graph()
    assert len(graph) > 40  # the walk found the package
    assert find_cycle(graph) is None, find_cycle(graph)


def test_the_cycle_finder_sees_a_cycle_through_a_deferred_import() -> None:
    """Negative control: the same checker rejects a graph with a cycle, however it is made."""
    graph = import_graph()
    graph["hubsim.engine.state"] = graph["hubsim.engine.state"] | {"hubsim.engine.model"}
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1]


def test_data_flows_one_way_between_layers() -> None:
    assert layer_violations(import_graph()) == []


@pytest.mark.parametrize(
    ("module", "imported"),
    [
        ("hubsim.engine.model", "hubsim.output.summary"),
        ("hubsim.scenario.schema", "hubsim.engine.cities"),
        ("hubsim.output.report", "hubsim.experiments.replications"),
    ],
)
def test_a_backward_import_is_a_violation(module: str, imported: str) -> None:
    graph = import_graph()
    graph[module] = graph[module] | {imported}
    assert layer_violations(graph) == [f"{module} imports {imported}"]


def test_engine_rules_are_pure() -> None:
    """Rules take arrays: they import no state, no model, no other engine module."""
    graph = import_graph()
    for module, imported in graph.items():
        if module.startswith("hubsim.engine.rules."):
            assert {m for m in imported if m.startswith("hubsim.engine")} == set(), module


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("hubsim.scenario", ("hubsim.engine", "hubsim.output", "hubsim.experiments")),
        ("hubsim.engine", ("hubsim.output", "hubsim.experiments")),
        ("hubsim.output.summary", ("hubsim.experiments",)),
    ],
)
def test_importing_a_layer_loads_nothing_downstream(module: str, forbidden: tuple) -> None:
    """At run time too (package __init__ files run on import): a fresh interpreter checks it."""
    code = (
        f"import sys, {module}\n"
        f"print('\\n'.join(m for m in sys.modules if m.startswith({forbidden!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"importing {module} loaded:\n{done.stdout}"


def private_imports(text: str, module: str) -> list[str]:
    """`module`'s imports of private names (`from hubsim.x import _name`) from other hubsim
    modules, and its uses of a private name on a hubsim module it imported (`x._name`)."""
    found, aliases = [], set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            if not base.startswith("hubsim") or base == module:
                continue
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"{module} imports {base}.{alias.name}")
                aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            aliases |= {a.asname for a in node.names if a.name.startswith("hubsim") and a.asname}
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{module} uses {node.value.id}.{node.attr}")
    return found


EXPERIMENTS = SRC / "experiments"


# Sub-packages of the shared core: the parameter ensemble is written by calibrate and read by
# run, compare and tune, so it is core, not a tool.
CORE_PACKAGES = {"ensemble"}


def tools() -> set[str]:
    """The tool sub-packages of experiments (compare, sweep, ...): every folder with modules,
    except the core's own sub-packages."""
    return {p.parent.name for p in EXPERIMENTS.glob("*/__init__.py")} - CORE_PACKAGES


def tool_of(module: str) -> str | None:
    """The tool sub-package `module` belongs to, or None for the shared core (and outside)."""
    parts = module.split(".")
    if parts[:2] != ["hubsim", "experiments"] or len(parts) < 3:
        return None
    return parts[2] if parts[2] in tools() else None


def tool_violations(graph: dict[str, set[str]]) -> list[str]:
    """A tool importing another tool, or a core module importing a tool: the core is shared,
    the tools stand apart (a helper two tools need belongs in the core). The package's
    `__init__` (`hubsim.experiments`) is its public face and may name the tools' entry points."""
    bad = []
    for module, imported in graph.items():
        if not module.startswith("hubsim.experiments."):
            continue
        mine = tool_of(module)
        for other in imported:
            theirs = tool_of(other)
            if theirs is not None and theirs != mine:
                bad.append(f"{module} imports {other}")
    return sorted(bad)


def test_the_experiments_are_a_core_and_one_sub_package_per_tool() -> None:
    assert {"compare", "sweep", "calibrate", "tune", "explore"} <= tools()
    assert len(list(EXPERIMENTS.glob("*.py"))) > 8  # the core stays flat


def test_no_tool_imports_another_tool_and_the_core_imports_none() -> None:
    assert tool_violations(import_graph()) == []


@pytest.mark.parametrize(
    ("module", "imported"),
    [
        ("hubsim.experiments.calibrate.run", "hubsim.experiments.tune.storage"),
        ("hubsim.experiments.compare.report", "hubsim.experiments.sweep"),
        ("hubsim.experiments.study", "hubsim.experiments.tune.file"),
    ],
)
def test_a_cross_tool_import_is_a_violation(module: str, imported: str) -> None:
    """Negative control: the same check rejects a tool reaching into another, and the core
    reaching into a tool."""
    graph = import_graph()
    graph[module] = graph[module] | {imported}
    assert tool_violations(graph) == [f"{module} imports {imported}"]


def test_no_experiments_module_imports_another_modules_private_names() -> None:
    """The tools share code through public names in the core (study, specfile), not by reaching
    into each other's private helpers; within a tool too, modules share public names only."""
    files = sorted(EXPERIMENTS.rglob("*.py"))
    assert len(files) > 25  # the walk found the package and its tools
    assert [bad for p in files for bad in private_imports(p.read_text(), module_name(p))] == []


@pytest.mark.parametrize(
    "text",
    [
        "from hubsim.experiments.tune.trials import (\n    _Runner,\n    counted,\n)",
        "from .storage import _quiet_optuna",
        "from ..study import _fail",
        "from hubsim.experiments.tune import run\n\ndef f():\n    return run._distribution",
    ],
)
def test_a_private_import_is_found(text: str) -> None:
    """Negative control: the same check rejects each way of reaching a private name."""
    assert len(private_imports(text, "hubsim.experiments.calibrate.run")) == 1
