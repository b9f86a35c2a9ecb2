"""Selectors in scenario keys: a list entry named by its fields, in `--set` and sweep files.

`programmes[city=chengdu,instrument=rent].amount` becomes `programmes.19.amount` for the scenario.
"""

from __future__ import annotations

from typing import Any

import yaml


class KeyProblem(ValueError):
    """A selector that matches no entry, or several; the message says how to fix it."""


def resolve_key(key: str, data: dict[str, Any], scenario: str = "the base scenario") -> str:
    """`key` in `--set` form: each `name[field=value,...]` becomes `name.<position>`.

    Args:
        key: a dotted scenario key, e.g. `programmes[city=chengdu,instrument=rent].amount`.
        data: the scenario as a plain dict (`Scenario.model_dump(mode="json")`).
        scenario: how messages name the scenario the entries are looked up in.

    Raises:
        KeyProblem: a selector must match exactly one entry of the list it names. Keys that
            do not exist at all are left for the scenario's own `--set` check to report.
    """
    parts, node = [], data
    for part in split_key(key):
        name, _, selector = part.partition("[")
        if selector:
            index = _select(node.get(name) if isinstance(node, dict) else None, part, scenario)
            parts += [name, str(index)]
            node = node[name][index]
            continue
        parts.append(name)
        if isinstance(node, dict):
            node = node.get(name)
        elif isinstance(node, list) and name.isascii() and name.isdigit() and int(name) < len(node):
            node = node[int(name)]
    return ".".join(parts)


def split_key(key: str) -> list[str]:
    """Split at dots outside brackets: a[x=1.5].b -> ['a[x=1.5]', 'b']."""
    parts, depth, current = [], 0, ""
    for char in key:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def split_assignment(item: str) -> tuple[str, str, str]:
    """`key=value` split at the first '=' outside brackets (selectors hold '=' of their own)."""
    depth = 0
    for position, char in enumerate(item):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "=" and depth == 0:
            return item[:position], "=", item[position + 1 :]
    return item, "", ""


def _select(entries: Any, part: str, scenario: str) -> int:
    name, _, body = part.partition("[")
    if not isinstance(entries, list) or not body.endswith("]"):
        raise KeyProblem(
            f"'{part}' selects from a list, but '{name}' is not a list of {scenario}; "
            "write it like programmes[city=chengdu,instrument=rent]"
        )
    wanted = dict(pair.split("=", 1) for pair in body[:-1].split(",") if "=" in pair)
    found = [
        i
        for i, entry in enumerate(entries)
        if isinstance(entry, dict) and all(_same(entry.get(k), v) for k, v in wanted.items())
    ]
    if len(found) == 1 and wanted:
        return found[0]
    what = " and ".join(f"{k}={v}" for k, v in wanted.items()) or "(no field=value)"
    if not found:
        problem = f"no entry of '{name}' in {scenario} has {what}"
        fix = f"fix the selector, or add the entry to {scenario} (add_programmes:)"
    else:
        problem = f"{len(found)} entries of '{name}' have {what} (positions {found})"
        fix = "add a field that tells them apart, e.g. start=2020-01"
    raise KeyProblem(f"{problem}; {fix}")


def _same(value: Any, text: str) -> bool:
    """A field's value matches the selector's text, compared as text or as a YAML value."""
    if value is None:
        return False
    try:
        return str(value) == text or yaml.safe_load(text) == value
    except yaml.YAMLError:
        return False
