"""Scenario files: YAML read strictly (`safe_load`, no duplicate keys), `extends:`, validation.

`load_scenario(path, overrides)` is the one way in; its errors name the file, the key and the fix.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from hubsim.errors import HubsimError, ScenarioError
from hubsim.scenario.checking import describe_validation
from hubsim.scenario.overrides import apply_overrides
from hubsim.scenario.schema import TARGET_AMOUNTS, Scenario

FILE_KEYS = ("extends", "add_programmes")  # read by loading, before the schema sees the file
# Top-level keys that only one kind of file has (`parameters:` is in sweep and calibration
# files, `base:` in sweep and tuning files, `start:` in scenario and calibration files), and the
# command that takes that kind.
KIND_KEYS = {
    "tuning": ("variables", "objectives", "constraints", "check_replications"),
    "calibration": ("spinup", "policy", "amenity_damping", "full", "quick"),
    "explore": ("inputs", "method", "discover"),
    "sweep": ("outcomes", "design", "samples", "reference"),
    "scenario": (
        *FILE_KEYS,
        "behaviour",
        "cities",
        "programmes",
        "targets",
        "ghost",
        "shocks",
        "months",
        "scale",
    ),
}
COMMANDS = {
    "tuning": "tune",
    "calibration": "calibrate",
    "explore": "explore",
    "sweep": "sweep",
    "scenario": "run",
}


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Load a scenario YAML file, resolve `extends:`, apply `--set key=value` overrides.

    A file that gives no `name` is named after itself, not after the file it extends.
    """
    path = Path(path)
    raw = _load_raw(path, chain=())
    scenario = _validate(raw, path)
    if overrides:
        data = scenario.model_dump(mode="python")
        apply_overrides(data, overrides, path)
        scenario = _validate(data, path, context="after --set overrides")
    return scenario


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """A validated scenario from a mapping (as a file would hold it, `extends` resolved)."""
    return _validate(copy.deepcopy(data), Path(source))


def _default_name(path: Path) -> str:
    return path.stem if path.suffix else "scenario"


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key given twice in one mapping (plain YAML would silently keep the last one)."""


def parse_yaml(text: str) -> Any:
    """`yaml.safe_load`, refusing a key given twice in one block (YAML would keep the last)."""
    _refuse_duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader))
    return yaml.safe_load(text)


def _refuse_duplicate_keys(node: yaml.Node | None) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                if key.value in seen:
                    raise _DuplicateKey(
                        None,
                        None,
                        f"key '{key.value}' appears twice in the same block",
                        key.start_mark,
                    )
                seen.add(key.value)
            _refuse_duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicate_keys(item)


def yaml_error_message(path: Path, exc: yaml.YAMLError) -> str:
    """One paragraph naming the file, the line and column, and the fix."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and cmark:
        problem += f" ({context} that starts at line {cmark.line + 1}, column {cmark.column + 1})"
    if isinstance(exc, _DuplicateKey):
        return f"{path}: duplicate key{where}: {problem}. Keep only one of them (merge the two)."
    return (
        f"{path}: YAML syntax error{where}: {problem}. Fix the indentation or quoting there "
        "(YAML needs spaces, not tabs, a space after each colon, and matching brackets and quotes)."
    )


def read_yaml(path: Path, error: type[HubsimError]) -> Any:
    """A YAML file's content (`parse_yaml`); unreadable or malformed files raise `error`."""
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise error(yaml_error_message(path, exc)) from None
    except UnicodeDecodeError:
        raise error(
            f"{path}: the file is not UTF-8 text. Save it as UTF-8 (plain text) and try again."
        ) from None
    except OSError as exc:
        raise error(
            f"{path}: cannot read the file ({exc.strerror}). Give the path of a readable YAML file."
        ) from None


def file_kind(data: dict[str, Any]) -> str | None:
    """The kind of file its top-level keys mark ("scenario", "sweep", ...), None if unclear."""
    for kind, keys in KIND_KEYS.items():
        if any(key in data for key in keys):
            return kind
    return None


def refuse_other_kind(data: dict[str, Any], path: Path, expected: str, error: type) -> None:
    """One sentence for a file of another kind (a sweep file given to `run`, ...), instead of
    an error for each of its keys; a file with any key of `expected` is left to the schema."""
    kind = file_kind(data)
    if kind is None or kind == expected or any(key in data for key in KIND_KEYS[expected]):
        return
    marks = " and ".join([f"{key}:" for key in KIND_KEYS[kind] if key in data][:2])
    also = " (or validate or compare it)" if kind == "scenario" else ""
    raise error(
        f"{path} is a {kind} file (it has {marks}), not a {expected} file: run it with "
        f"`python -m hubsim {COMMANDS[kind]} {path}`{also}."
    )


def read_spec_file(
    path: Path, error: type[HubsimError], *, kind: str, keys: str, example: str
) -> dict[str, Any]:
    """A sweep or tuning file's mapping; a missing, malformed or non-mapping file raises `error`.

    `kind` names the file ("sweep"), `keys` its first keys ("base:, parameters:"), `example`
    the shipped example to point at.
    """
    if not path.is_file():
        raise error(
            f"{path}: {kind} file not found. Check the path (relative paths are taken from "
            f"{Path.cwd()}); the example is {example}."
        )
    data = read_yaml(path, error)
    if not isinstance(data, dict):
        raise error(
            f"{path}: a {kind} file must be a mapping of keys ({keys}, ...), but the file holds "
            f"a {type(data).__name__}."
        )
    refuse_other_kind(data, path, kind, error)
    return data


def validate_spec_file[ModelT: BaseModel](
    data: dict[str, Any],
    path: Path,
    model: type[ModelT],
    error: type[HubsimError],
    *,
    noun: str,
    where: Callable[[tuple], str],
) -> ModelT:
    """`data` checked against a sweep or tuning schema; named after the file unless it says."""
    data.setdefault("name", path.stem)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        message = describe_validation(exc, path, data, model, noun=noun, where=where, most=4)
        raise error(message) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ScenarioError(
            f"{path}: scenario file not found. Check the path (relative paths are taken from the "
            f"current folder, {Path.cwd()}); the shipped scenarios are in scenarios/."
        )
    data = read_yaml(path, ScenarioError)
    if data is None:
        raise ScenarioError(
            f"{path}: the file is empty. A scenario usually starts from the baseline: write "
            "'extends: baseline.yaml' (a path relative to this file) and the keys you change."
        )
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{path}: a scenario must be a mapping of keys (name:, start:, ...), "
            f"but the file holds a {type(data).__name__}."
        )
    refuse_other_kind(data, path, "scenario", ScenarioError)
    return data


def _load_raw(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p.name) for p in (*chain, resolved))
        raise ScenarioError(
            f"{chain[-1]}: key 'extends' makes a cycle ({cycle}). Remove 'extends' from one of "
            "these files so that the chain ends in a file without it."
        )
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return _add_programmes({}, data, path)
    if not isinstance(parent, str):
        raise ScenarioError(
            f"{path}: key 'extends' must be a file name such as baseline.yaml, not {parent!r}."
        )
    parent_path = (path.parent / parent).resolve()
    if not parent_path.exists():
        raise ScenarioError(
            f"{path}: key 'extends' names {parent}, which does not exist at {parent_path}. "
            "Give the path relative to this file."
        )
    base = _load_raw(parent_path, (*chain, resolved))
    base.pop("name", None)  # a child is named after itself unless it says otherwise
    return _add_programmes(base, data, path)


def _add_programmes(base: dict[str, Any], data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Merge `data` over `base`; its `add_programmes` list extends the inherited programmes."""
    added = data.pop("add_programmes", [])
    if not isinstance(added, list):
        raise ScenarioError(
            f"{path}: key 'add_programmes' must be a list of programmes (each starting with "
            "'- {city: ..., start: ..., instrument: ...}')."
        )
    merged = _deep_merge(_targets_changing_kind(base, data), data)
    if added:
        merged["programmes"] = list(merged.get("programmes") or []) + copy.deepcopy(added)
    return merged


def _targets_changing_kind(base: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The inherited targets, less what a target of a new kind in `data` makes obsolete.

    A city's target given with an amount (say gain_people where the parent had gain_share)
    keeps the parent's `by` and the keys the new kind reads; the parent's other amount, its
    source and the keys only the old kind read are dropped.
    """
    targets, new = base.get("targets"), data.get("targets")
    if not isinstance(targets, dict) or not isinstance(new, dict):
        return base
    base = copy.deepcopy(base)
    for city, target in new.items():
        old = base["targets"].get(city)
        if not isinstance(target, dict) or not isinstance(old, dict):
            continue
        kinds = [k for k in TARGET_AMOUNTS if k in target]
        if len(kinds) != 1 or kinds[0] in old:
            continue
        keep = {"by", *TARGET_AMOUNTS[kinds[0]]}
        base["targets"][city] = {k: v for k, v in old.items() if k in keep}
    return base


def _expand_city_lists(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """A programme whose `city` is a list stands for one programme per city."""
    programmes = data.get("programmes")
    if not isinstance(programmes, list):
        return data
    expanded = []
    for number, programme in enumerate(programmes):
        if isinstance(programme, dict) and programme.get("city") == []:
            raise ScenarioError(
                f"{path}: key 'programmes.{number}.city' is an empty list, so the programme "
                "would apply to no city and be dropped without a word; give a city (city: "
                "chengdu) or a list of cities (city: [chengdu, xian]), or delete the programme."
            )
        if isinstance(programme, dict) and isinstance(programme.get("city"), list):
            expanded += [{**programme, "city": city} for city in programme["city"]]
        else:
            expanded.append(programme)
    return {**data, "programmes": expanded}


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; lists and scalars from `over` replace those of `base`."""
    merged = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _validate(data: dict[str, Any], path: Path, context: str = "") -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{path}: a scenario must be a mapping of keys (name:, start:, ...), "
            f"but it is a {type(data).__name__}."
        )
    data.setdefault("name", _default_name(path))
    data = _expand_city_lists(data, path)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        message = describe_validation(
            exc, path, data, Scenario, context=context, top_level_keys=FILE_KEYS
        )
        raise ScenarioError(message) from None
