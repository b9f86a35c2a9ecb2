"""The eight breaks of issue 28 are each claimed by a named test and a negative control.

The breaks and the names live in `conftest.py`; the controls run beside the tests they test
(the check is shared, so the control fails the very assertion the test makes). This file checks
the bookkeeping: every break has its named test and a control applying that break, and a break
really changes the engine while the fixture holds it and not after.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hubsim.engine.phases import migration

HERE = Path(__file__).resolve().parent


def functions_of(file: str) -> dict[str, ast.FunctionDef]:
    tree = ast.parse((HERE / file).read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def breaks_applied(function: ast.FunctionDef) -> set[str]:
    """Break names given to the `broken` fixture by a function's parametrize decorators."""
    names = set()
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("parametrize"):
            argnames, values = decorator.args[0], decorator.args[1]
            indirect = any(k.arg == "indirect" for k in decorator.keywords)
            if isinstance(argnames, ast.Constant) and argnames.value == "broken" and indirect:
                names |= {v.value for v in ast.walk(values) if isinstance(v, ast.Constant)}
    return names


def test_every_break_has_its_named_test_and_a_control(break_catalogue):
    breaks, catches = break_catalogue
    assert len(breaks) == 8 and set(catches) == set(breaks)
    for name, where in catches.items():
        file, test = where.split("::")
        functions = functions_of(file)
        assert test in functions, f"{name}: no test {where}"
        control = functions.get(f"test_negative_control_{name}")
        assert control is not None, f"{name}: no negative control in {file}"
        assert name in breaks_applied(control), f"{name}: its control does not apply it"
        # The control and the named test share their check: the control calls what the test
        # calls.
        called = {ast.unparse(n.func) for n in ast.walk(functions[test]) if isinstance(n, ast.Call)}
        in_control = {ast.unparse(n.func) for n in ast.walk(control) if isinstance(n, ast.Call)}
        assert called and called <= in_control, f"{name}: the control runs another check"


@pytest.mark.parametrize("broken", ["graduates_exempt_from_caps"], indirect=True)
def test_a_break_is_applied_to_the_engine_while_the_fixture_holds(broken):
    moving, newcomer = object(), object()
    assert migration.pays_cap_cost(moving, newcomer) is moving


def test_no_break_is_left_applied_outside_its_fixture():
    moving, newcomer = object(), object()
    assert migration.pays_cap_cost(moving, newcomer) is newcomer
