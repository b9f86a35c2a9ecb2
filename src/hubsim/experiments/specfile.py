"""What the sweep, tuning and calibration files share: the decision variable, the base scenario,
error locations and the `--set` text of a value.

Each tool's file module (`sweep/file.py`, `tune/file.py`, `calibrate/file.py`) reads its own
keys and raises its own error; the pieces here take that error class, so messages name the right
tool.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml
from pydantic import Field, model_validator

from hubsim.errors import ScenarioError
from hubsim.experiments.keys import KeyProblem, resolve_key
from hubsim.experiments.replications import resolve
from hubsim.scenario import Scenario, Strict, load_scenario

Kind = Literal["float", "int", "log", "categorical"]


class Bounds(Strict):
    """A range low..high of a sampled value (sweep distributions, explore inputs)."""

    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high:g}) must be above low ({self.low:g})")
        return self


class VariableSpec(Strict):
    """One decision variable: a `--set` key's bounds and kind, or its choices."""

    kind: Kind = "float"
    low: float | None = None
    high: float | None = None
    step: float | None = Field(None, gt=0, description="grid step for float and int")
    choices: list[bool | int | float | str] | None = Field(None, min_length=1)
    column: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    label: str | None = Field(None, description="axis label in the plots")

    @model_validator(mode="after")
    def _bounds(self) -> VariableSpec:
        if self.kind == "categorical":
            if self.choices is None or self.low is not None or self.high is not None:
                raise ValueError("a categorical variable takes choices: [...] and no low or high")
            return self
        if self.choices is not None:
            raise ValueError(f"choices are for kind categorical; a {self.kind} takes low and high")
        if self.low is None or self.high is None:
            raise ValueError(f"a {self.kind} variable needs both low and high")
        if self.high == self.low:
            raise ValueError(
                f"low and high are both {self.low:g}, which leaves nothing to tune: make high "
                "larger than low, or fix the value under set: and remove the variable"
            )
        if self.high < self.low:
            raise ValueError(
                f"the bounds are reversed: high ({self.high:g}) must be above low "
                f"({self.low:g}); swap them"
            )
        if self.kind == "log" and self.low <= 0:
            raise ValueError("kind log needs low above 0 (it samples the logarithm)")
        if self.kind == "int" and not (self.low.is_integer() and self.high.is_integer()):
            raise ValueError("kind int needs whole-number bounds")
        if self.kind == "log" and self.step is not None:
            raise ValueError("kind log takes no step; use kind float with a step instead")
        return self


@dataclass(frozen=True)
class Variable:
    """A decision variable: the key as written (Optuna's parameter name) and its `--set` form."""

    key: str
    dotted: str  # selectors replaced by list positions, e.g. programmes.19.amount
    spec: VariableSpec

    @property
    def column(self) -> str:
        return self.spec.column or self.key

    @property
    def label(self) -> str:
        return self.spec.label or self.key


class BaseSpec(Protocol):
    """The keys every tool file shares: its base scenario, fixed `set:` values, seed, size."""

    @property
    def base(self) -> str: ...
    @property
    def set(self) -> dict[str, Any]: ...
    @property
    def seed(self) -> int | None: ...
    @property
    def replications(self) -> int: ...


def yaml_text(value: Any) -> str:
    """A scalar written so that `--set` reads it back exactly (floats keep every digit)."""
    value = value.item() if hasattr(value, "item") else value
    return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()


def where_names(section: str, noun: str, numbered: tuple[str, ...] = ()) -> Callable[[tuple], str]:
    """The `where` of `validate_spec_file`: items of `section` are named as written ("parameter
    'b_w', key 'range.stop',"), items of the `numbered` lists by their place ("objective 2")."""

    def where(loc: tuple) -> str:
        if not loc:
            return "the file"
        if loc[0] == section and len(loc) > 1:
            rest = ".".join(str(part) for part in loc[2:])
            return f"{noun} '{loc[1]}'" + (f", key '{rest}'," if rest else "")
        if loc[0] in numbered and len(loc) > 1 and isinstance(loc[1], int):
            rest = ".".join(str(part) for part in loc[2:])
            return f"{loc[0][:-1]} {loc[1] + 1}" + (f", key '{rest}'," if rest else "")
        return "key '" + ".".join(str(part) for part in loc) + "'"

    return where


def base_scenario(spec: BaseSpec, path: Path, error: type[Exception], kind: str) -> Scenario:
    """The file's base scenario (`base:` relative to the file) with its `set:` values, seed and
    replications applied; `error` naming the `kind` of file if it cannot be."""
    base_path = path.parent / spec.base
    if not base_path.is_file():
        raise error(
            f"{path}: key 'base' names {spec.base}, which does not exist at {base_path}. "
            f"Give the base scenario's path relative to the {kind} file."
        )
    scenario = load_scenario(base_path)  # its own errors name its own file
    data = scenario.model_dump(mode="json")
    fixed = [
        f"{dotted_key(k, data, f'{path}: key set.{k}', error)}={yaml_text(v)}"
        for k, v in spec.set.items()
    ]
    try:
        return resolve(scenario, overrides=fixed, seed=spec.seed, replications=spec.replications)
    except ScenarioError as exc:
        raise error(f"{path}: key 'set': {reword(str(exc))}") from None


def reword(message: str) -> str:
    """A scenario error about an in-memory scenario, without its '<dict>: --set ' prefix."""
    if message.startswith("<"):
        message = message.split(": ", 1)[-1]
    return message.removeprefix("--set ")


def dotted_key(key: str, data: dict[str, Any], where: str, error: type[Exception]) -> str:
    """`key` as written (selectors allowed) resolved to list positions in `data`; `error` at
    `where` if it names nothing."""
    try:
        return resolve_key(key, data)
    except KeyProblem as exc:
        raise error(f"{where}: {exc}.") from None
