"""`--set KEY=VALUE` overrides: a dotted key into a scenario's data, a value read as YAML.

A list entry is picked by number (`programmes.3.amount`) or by its fields
(`programmes[city=chengdu,instrument=rent].amount`); the schema types the value afterwards.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from hubsim.errors import ScenarioError
from hubsim.scenario.checking import printable
from hubsim.scenario.selectors import KeyProblem, resolve_key, split_assignment, split_key


def apply_override(data: dict[str, Any], item: str, path: Path) -> str:
    """Set one `dotted.key=value`; the value is read as YAML and typed by the schema later.

    Returns the key as a plain dotted path (selectors replaced by list positions).
    """
    parts, text = _split_override(item, data, path)
    node: Any = data
    for depth in range(len(parts) - 1):
        node = node[_child(node, parts, depth, path)]
    index = _child(node, parts, len(parts) - 1, path)
    node[index] = _override_value(text, node[index])
    return ".".join(parts)


def apply_overrides(data: dict[str, Any], items: list[str], path: Path) -> None:
    """Apply `--set` items in order; one key set twice is an error (the last would win silently)."""
    given: dict[str, str] = {}
    for item in items:
        key = apply_override(data, item, path)
        if key in given:
            raise ScenarioError(
                printable(
                    f"{path}: --set {given[key]!r} and --set {item!r} set the same key "
                    f"'{key}'; only one value can hold, so give the key once."
                )
            )
        given[key] = item


def _split_override(item: str, data: dict[str, Any], path: Path) -> tuple[list[str], str]:
    key, sep, text = split_assignment(item)
    key = key.strip()
    if not sep or not all(split_key(key)):
        raise ScenarioError(
            f"{path}: --set {item!r} is not KEY=VALUE with a dotted key; write it like "
            "--set behaviour.migration.b_w=1.2 (list entries by number, programmes.0.amount=500, "
            "or by their fields, programmes[city=chengdu,instrument=rent].amount=500)."
        )
    if "[" in key:
        try:
            key = resolve_key(key, data, scenario="the scenario")
        except KeyProblem as exc:
            raise ScenarioError(printable(f"{path}: --set {key}: {exc}.")) from None
    return key.split("."), text


def _child(node: Any, parts: list[str], depth: int, path: Path) -> Any:
    """The index of parts[depth] inside `node`, or a ScenarioError naming the dotted key."""
    part, key = parts[depth], ".".join(parts)
    where, parent = ".".join(parts[: depth + 1]), ".".join(parts[:depth]) or "the scenario"
    if isinstance(node, list) and _is_index(part) and int(part) < len(node):
        return int(part)
    if isinstance(node, dict) and part in node:
        return part
    if isinstance(node, dict) and _is_index(part) and int(part) in node:
        return int(part)
    if isinstance(node, list):
        numbers = f"numbered 0 to {len(node) - 1}" if node else "empty"
        problem = f"'{parent}' is a list of {len(node)} entries ({numbers}), so '{where}' does "
        fix = "not exist. Use an existing entry number, or add the entry in the file"
    elif isinstance(node, dict):
        known = sorted(map(str, node))
        close = difflib.get_close_matches(part, known, n=1)
        problem = f"the scenario has no key '{where}'"
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        fix = f"{hint}. Keys at that level: {', '.join(known)}"
    else:
        problem = f"'{parent}' is a single value ({node!r}), so it has no key '{part}'"
        fix = f". Set it directly: --set {parent}=VALUE"
    raise ScenarioError(printable(f"{path}: --set {key}: {problem}{fix}."))


def _override_value(text: str, current: Any) -> Any:
    """`text` read as YAML (1.2 -> float, true -> bool), but kept as text where text is expected."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(current, str) and value is not None and not isinstance(value, str):
        return text.strip()
    return value


def _is_index(part: str) -> bool:
    """A list position written in digits (ASCII only: '²' is a digit to Python, not to int)."""
    return part.isascii() and part.isdigit()
