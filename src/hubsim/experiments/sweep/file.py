"""Sweep files: the YAML schema of a parameter sweep, and `load_sweep`, which checks one fully.

A mistake in a sweep file raises `SweepError` naming the file, the key and the fix (exit code 2).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from hubsim.errors import HubsimError, ScenarioError
from hubsim.experiments.outcomes import Outcome, OutcomeError, parse_outcome
from hubsim.experiments.replications import resolve
from hubsim.experiments.specfile import (
    Bounds,
    base_scenario,
    dotted_key,
    reword,
    where_names,
    yaml_text,
)
from hubsim.experiments.sweep import designs
from hubsim.output.run_folder import MODEL_VERSION
from hubsim.scenario import (
    Scenario,
    Strict,
    read_spec_file,
    validate_spec_file,
)

RESERVED = ("point", "replication", "seed", "run_seconds")
NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
SCALARS = (bool, int, float, str)


class SweepError(HubsimError):
    """A sweep file that cannot be run."""


class RangeSpec(Strict):
    """start, start + step, ... up to and including stop."""

    start: float
    stop: float
    step: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        if self.stop < self.start:
            raise ValueError(f"stop ({self.stop:g}) is below start ({self.start:g}); swap them")
        return self


class ParameterSpec(Strict):
    """One swept scenario key: `values`, a `range`, or a distribution (`uniform`, `loguniform`)."""

    values: list[Any] | None = Field(None, min_length=1)
    range: RangeSpec | None = None
    uniform: Bounds | None = None
    loguniform: Bounds | None = None
    column: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    label: str | None = Field(None, description="axis label in the plots")

    @model_validator(mode="before")
    @classmethod
    def _list_means_values(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"values": data}
        if not isinstance(data, dict):
            raise ValueError(
                "must be a list of values, or a block with one of values, range "
                "{start, stop, step}, uniform {low, high} or loguniform {low, high}"
            )
        return data

    @model_validator(mode="after")
    def _one_kind(self) -> ParameterSpec:
        given = [k for k in ("values", "range", "uniform", "loguniform") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of values, range, uniform or loguniform"
                + (f" (it has {' and '.join(given)})" if given else "")
            )
        bad = [v for v in self.values or [] if not isinstance(v, SCALARS)]
        if bad:
            raise ValueError(f"values must be numbers, text or true/false, not {bad[0]!r}")
        if self.loguniform and self.loguniform.low <= 0:
            raise ValueError("loguniform needs low above 0 (it samples the logarithm)")
        return self


class SweepFile(Strict):
    """A sweep file as written (see scenarios/sweeps/chengdu-rent.yaml)."""

    name: str = Field(pattern=NAME_PATTERN)
    question: str = ""
    base: str = Field(description="base scenario, relative to the sweep file")
    set: dict[str, Any] = Field(default_factory=dict, description="fixed overrides, as --set")
    parameters: dict[str, ParameterSpec] = Field(min_length=1)
    design: designs.Design = "grid"
    samples: int | None = Field(None, ge=1, description="points of latin_hypercube and sobol")
    replications: int = Field(1, ge=1)
    seed: int | None = Field(None, ge=0, description="root seed; default: the base scenario's")
    outcomes: list[str] = Field(min_length=1)
    reference: dict[str, Any] | None = Field(
        None,
        description="the point paired outcomes are measured against, as parameter: value "
        "(keys as under parameters, or their columns); default: the base scenario's values",
    )

    @model_validator(mode="after")
    def _design_fits(self) -> SweepFile:
        sampled = self.design in designs.SAMPLED
        if sampled and self.samples is None:
            raise ValueError(f"design {self.design} needs samples: (the number of points)")
        if not sampled and self.samples is not None:
            raise ValueError(
                f"samples is for latin_hypercube and sobol; a {self.design} sweep "
                "takes its points from the values, so remove samples"
            )
        if self.design == "sobol" and self.samples & (self.samples - 1):
            below = 2 ** int(math.log2(self.samples))
            raise ValueError(
                f"sobol needs samples a power of two (e.g. {below} or {2 * below}),"
                f" not {self.samples}; or use design latin_hypercube"
            )
        if not sampled:
            _check_discrete(self.parameters, self.design)
        return self


def _check_discrete(parameters: dict[str, ParameterSpec], design: str) -> None:
    for key, spec in parameters.items():
        if spec.uniform or spec.loguniform:
            raise ValueError(
                f"parameter '{key}' has a distribution, which a {design} design "
                "cannot enumerate; give values or a range, or use design "
                "latin_hypercube or sobol"
            )
    if design == "paired":
        lengths = {key: len(_discrete_values(spec)) for key, spec in parameters.items()}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"'{k}' {n}" for k, n in lengths.items())
            raise ValueError(
                f"a paired design needs the same number of values for every "
                f"parameter, but they have {shown}"
            )


def _discrete_values(spec: ParameterSpec) -> list:
    if spec.range is not None:
        return designs.range_values(spec.range.start, spec.range.stop, spec.range.step)
    return list(spec.values or [])


# --------------------------------------------------------------------------- the loaded sweep


@dataclass(frozen=True)
class Parameter:
    """A swept parameter: the key as written, its `--set` form, its column and its axis."""

    key: str
    dotted: str  # selectors replaced by list positions, e.g. programmes.16.amount
    column: str
    label: str
    axis: designs.Axis


@dataclass
class Sweep:
    """A checked sweep: base scenario, parameters, outcomes and the table of points."""

    path: Path
    spec: SweepFile
    base: Scenario  # with the sweep's `set`, seed and replications applied
    parameters: list[Parameter]
    outcomes: tuple[Outcome, ...]
    points: pd.DataFrame  # index point, one column per parameter
    sweep_id: str
    reference_point: int | None = None  # the point paired outcomes are measured against

    @property
    def measured(self) -> tuple[Outcome, ...]:
        """What each run records: the outcomes, paired ones replaced by their input columns."""
        found = {i.text: i for o in self.outcomes for i in o.inputs}
        return tuple(found.values())

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def replications(self) -> int:
        return self.base.replications

    @property
    def total_runs(self) -> int:
        return len(self.points) * self.replications

    def run_keys(self) -> list[tuple[int, int]]:
        """(point, replication) of every run: all points of replication 0 first."""
        return [(p, r) for r in range(self.replications) for p in range(len(self.points))]

    def overrides(self, point: int) -> tuple[str, ...]:
        """The `--set` overrides that turn the base scenario into `point`."""
        points = self.points
        return tuple(
            f"{p.dotted}={yaml_text(points[p.column].iat[point])}" for p in self.parameters
        )


def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep file: schema, base scenario, keys, values, outcomes, points."""
    path = Path(path)
    spec = _validate(_read(path), path)
    base = base_scenario(spec, path, SweepError, "sweep")
    parameters = [_parameter(key, item, base, path) for key, item in spec.parameters.items()]
    outcomes = tuple(_outcome(text, base, path) for text in spec.outcomes)
    _check_columns(parameters, outcomes, path)
    for parameter in parameters:
        _try_values(parameter, base, path)
    points = designs.design_points(
        [p.axis for p in parameters], spec.design, spec.samples, base.seed
    )
    reference = None
    if any(o.paired for o in outcomes):
        points, reference = _with_reference(spec, base, parameters, points, path)
    elif spec.reference is not None:
        raise SweepError(
            f"{path}: key 'reference' is only used by paired outcomes (extra_talent@CITY, "
            "extra_spending_yuan@CITY, cost_per_extra_talent_yuan@CITY); add one or remove it."
        )
    return Sweep(path, spec, base, parameters, outcomes, points, sweep_id(spec, base), reference)


def _with_reference(
    spec: SweepFile, base: Scenario, parameters: list[Parameter], points: pd.DataFrame, path: Path
) -> tuple[pd.DataFrame, int]:
    """The points with the reference among them (appended when no point has its values)."""
    data = base.model_dump(mode="json")
    wanted = {p.column: _value_at(data, p.dotted) for p in parameters}
    by_name = {p.key: p.column for p in parameters} | {p.column: p.column for p in parameters}
    for key, value in (spec.reference or {}).items():
        if key not in by_name:
            raise SweepError(
                f"{path}: key 'reference' names '{key}', which is not a swept parameter; use "
                f"one of {', '.join(p.key for p in parameters)} (or its column)."
            )
        wanted[by_name[key]] = value
    match = points.index[np.all([_same(points[c], v) for c, v in wanted.items()], axis=0)]
    if len(match):
        return points, int(match[0])
    row = pd.DataFrame([wanted], index=pd.Index([len(points)], name=points.index.name))
    return pd.concat([points, row.astype(points.dtypes.to_dict(), errors="ignore")]), len(points)


def _value_at(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _same(column: pd.Series, value: Any) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(column) and isinstance(value, (int, float)):
        return np.isclose(column.to_numpy(dtype=float), float(value), rtol=1e-12, atol=0)
    return (column == value).to_numpy()


def sweep_id(spec: SweepFile, base: Scenario) -> str:
    """12 hex digits of SHA-256 over the sweep as written and the resolved base scenario."""
    written = spec.model_dump(mode="json")
    if written.get("reference") is None:  # sweeps written before `reference` keep their ids
        written.pop("reference", None)
    content = {
        "sweep": written,
        "base_sha256": base.digest(),
        "model_version": MODEL_VERSION,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]


def _read(path: Path) -> dict[str, Any]:
    return read_spec_file(
        path,
        SweepError,
        kind="sweep",
        keys="base:, parameters:, outcomes:",
        example="scenarios/sweeps/chengdu-rent.yaml",
    )


def _validate(data: dict[str, Any], path: Path) -> SweepFile:
    return validate_spec_file(
        data,
        path,
        SweepFile,
        SweepError,
        noun="sweep",
        where=where_names("parameters", "parameter"),
    )


def _parameter(key: str, spec: ParameterSpec, base: Scenario, path: Path) -> Parameter:
    dotted = dotted_key(key, base.model_dump(mode="json"), f"{path}: parameter '{key}'", SweepError)
    if spec.uniform or spec.loguniform:
        kind = "uniform" if spec.uniform else "loguniform"
        bounds = spec.uniform or spec.loguniform
        axis = designs.Axis(spec.column or key, None, kind, bounds.low, bounds.high)
    else:
        axis = designs.Axis(spec.column or key, tuple(_discrete_values(spec)))
    return Parameter(key, dotted, spec.column or key, spec.label or key, axis)


def _outcome(text: str, base: Scenario, path: Path) -> Outcome:
    try:
        return parse_outcome(text, base)
    except OutcomeError as exc:
        raise SweepError(f"{path}: outcome '{text}': {exc}.") from None


def _check_columns(parameters: list[Parameter], outcomes: tuple[Outcome, ...], path: Path):
    seen: set[str] = set(RESERVED)
    for column in [p.column for p in parameters] + [o.text for o in outcomes]:
        if column in seen:
            raise SweepError(
                f"{path}: the column '{column}' would appear twice in the results (or is one of "
                f"{', '.join(RESERVED)}); give the parameter another column:, or drop the "
                "repeated outcome."
            )
        seen.add(column)


def _try_values(parameter: Parameter, base: Scenario, path: Path) -> None:
    """Apply the extreme values (or each listed value) alone, so bad values stop the sweep now."""
    axis = parameter.axis
    values = list(dict.fromkeys(axis.values)) if axis.discrete else [axis.low, axis.high]
    if len(values) > 8 and all(isinstance(v, (int, float)) for v in values):
        values = [min(values), max(values)]
    for value in values:
        try:
            resolve(base, overrides=[f"{parameter.dotted}={yaml_text(value)}"])
        except ScenarioError as exc:
            raise SweepError(
                f"{path}: parameter '{parameter.key}' with value {value!r}: {reword(str(exc))}"
            ) from None
