"""Explore files: the YAML schema of a sensitivity study, and `load_explore`, which checks one.

A mistake in an explore file raises `ExploreError` naming the file, the key and the fix (exit
code 2).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from hubsim.errors import HubsimError, ScenarioError
from hubsim.experiments.ensemble.members import EnsembleError, find_ensemble, load_ensemble
from hubsim.experiments.explore import defaults
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
from hubsim.output.run_folder import MODEL_VERSION
from hubsim.scenario import Scenario, Strict, read_spec_file, validate_spec_file

Method = Literal["morris", "sobol"]
METHODS = ("morris", "sobol")
NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
RESERVED = ("point", "replication", "seed", "run_seconds")
EXAMPLE = "scenarios/explore/baseline-screen.yaml"
# Morris trajectories and Sobol base samples when neither the file nor --samples says.
DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}


class ExploreError(HubsimError):
    """An explore file that cannot be run."""


class InputSpec(Strict):
    """One uncertain input: one key or several set together, and how far it varies.

    `uniform` sets every key to the drawn value; `factor` multiplies each key's base value by
    it; `ensemble: true` spans the key's range over the parameter ensemble's members.
    """

    key: str | None = None
    keys: list[str] | None = Field(None, min_length=1)
    uniform: Bounds | None = None
    factor: Bounds | None = None
    ensemble: bool = False
    label: str | None = Field(None, description="axis label in the figures")

    @model_validator(mode="after")
    def _one_each(self) -> InputSpec:
        if (self.key is None) == (self.keys is None):
            raise ValueError("give key: (one scenario key) or keys: (a list set together)")
        given = [k for k in ("uniform", "factor", "ensemble") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of uniform {low, high}, factor {low, high} or ensemble: true"
                + (f" (it has {' and '.join(given)})" if given else "")
            )
        if self.ensemble and self.keys is not None:
            raise ValueError("ensemble: true spans one key's range; give key:, not keys:")
        return self


class DiscoverSpec(Strict):
    """PRIM's settings: the smallest box (share of runs) and the coverage the chosen box keeps."""

    mass_min: float = Field(0.05, gt=0, lt=1, description="smallest box, share of the runs")
    min_coverage: float = Field(
        0.8, gt=0, le=1, description="the chosen box is the densest that keeps this coverage"
    )


class ExploreFile(Strict):
    """An explore file as written (see scenarios/explore/baseline-screen.yaml)."""

    name: str = Field(pattern=NAME_PATTERN)
    question: str = ""
    base: str = Field(description="base scenario, relative to the explore file")
    set: dict[str, Any] = Field(default_factory=dict, description="fixed overrides, as --set")
    seed: int | None = Field(None, ge=0, description="root seed; default: the base scenario's")
    replications: int = Field(1, ge=1)
    method: Method = "morris"
    samples: int | None = Field(
        None, ge=2, description="Morris trajectories, or Sobol base samples (a power of two)"
    )
    levels: int = Field(4, ge=2, le=20, description="Morris grid levels (an even number)")
    ensemble_file: str | None = Field(
        None,
        description="the ensemble CSV, relative to the file; default: beside the fitted "
        "file the base scenario extends",
    )
    inputs: dict[str, InputSpec] | Literal["default"] = "default"
    outcomes: list[str] | Literal["default"] = "default"
    discover: DiscoverSpec = Field(default_factory=DiscoverSpec)

    @model_validator(mode="after")
    def _levels_even(self) -> ExploreFile:
        if self.levels % 2:
            raise ValueError(f"levels must be even (Morris needs it), not {self.levels}")
        return self


# --------------------------------------------------------------------------- the loaded file


@dataclass(frozen=True)
class Input:
    """An uncertain input: its column, the `--set` keys it drives and its range."""

    name: str
    keys: tuple[str, ...]  # dotted (list positions), as --set takes them
    low: float
    high: float
    factor: tuple[float, ...] | None  # each key's base value, when the input is a factor
    label: str

    def overrides(self, value: float) -> tuple[str, ...]:
        """The `--set` overrides for one drawn value."""
        if self.factor is None:
            return tuple(f"{key}={yaml_text(float(value))}" for key in self.keys)
        return tuple(
            f"{key}={yaml_text(float(value) * base)}"
            for key, base in zip(self.keys, self.factor, strict=True)
        )


@dataclass
class Explore:
    """A checked explore file: base scenario, inputs, outcomes, method and size."""

    path: Path
    spec: ExploreFile
    base: Scenario  # with the file's `set`, seed and replications applied
    inputs: list[Input]
    outcomes: tuple[Outcome, ...]
    method: Method
    samples: int
    explore_id: str

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def replications(self) -> int:
        return self.base.replications


def load_explore(
    path: str | Path, *, method: str | None = None, samples: int | None = None
) -> Explore:
    """Read and check an explore file; `method` and `samples` (the command line's) win over
    the file's."""
    path = Path(path)
    spec = _validate(_read(path), path)
    base = base_scenario(spec, path, ExploreError, "explore")
    chosen = _method(method or spec.method, path)
    size = samples or spec.samples or DEFAULT_SAMPLES[chosen]
    _check_size(chosen, size, path, samples is not None)
    written = spec.inputs
    if written == "default":
        written = _default_inputs(spec, base, path)
    ensemble = _ensemble(spec, path, base) if _wants_ensemble(written) else None
    inputs = [_input(name, item, base, ensemble, path) for name, item in written.items()]
    if len(inputs) < 2:
        raise ExploreError(f"{path}: key 'inputs': give at least two inputs to compare.")
    texts = defaults.default_outcomes(base) if spec.outcomes == "default" else spec.outcomes
    outcomes = tuple(_outcome(text, base, path) for text in texts)
    _check_columns(inputs, outcomes, path)
    for item in inputs:
        _try_values(item, base, path)
    explore_id = _explore_id(spec, base, chosen, size, inputs, outcomes)
    return Explore(path, spec, base, inputs, outcomes, chosen, size, explore_id)


def _read(path: Path) -> dict[str, Any]:
    return read_spec_file(
        path, ExploreError, kind="explore", keys="base:, inputs:, outcomes:", example=EXAMPLE
    )


def _validate(data: dict[str, Any], path: Path) -> ExploreFile:
    return validate_spec_file(
        data, path, ExploreFile, ExploreError, noun="explore", where=where_names("inputs", "input")
    )


def _method(method: str, path: Path) -> Method:
    if method not in METHODS:
        raise ExploreError(f"{path}: --method {method}: use morris (screening) or sobol.")
    return method  # type: ignore[return-value]


def _check_size(method: str, samples: int, path: Path, from_option: bool) -> None:
    where = "--samples" if from_option else "key 'samples'"
    if samples < 2:
        raise ExploreError(f"{path}: {where} {samples}: give at least 2.")
    if method == "sobol" and samples & (samples - 1):
        below = 2 ** int(math.log2(samples))
        raise ExploreError(
            f"{path}: {where} {samples}: Sobol needs a power of two (e.g. {below} or "
            f"{2 * below}) base samples."
        )


def _default_inputs(spec: ExploreFile, base: Scenario, path: Path) -> dict[str, InputSpec]:
    ensemble = _ensemble(spec, path, base, required=False)
    written = defaults.default_inputs(base, ensemble)
    return {name: InputSpec.model_validate(item) for name, item in written.items()}


def _wants_ensemble(inputs: dict[str, InputSpec]) -> bool:
    return any(item.ensemble for item in inputs.values())


def _ensemble(
    spec: ExploreFile, path: Path, base: Scenario, required: bool = True
) -> pd.DataFrame | None:
    """The ensemble table: the file's ensemble_file, or the one beside the fitted file."""
    try:
        if spec.ensemble_file is not None:
            found = path.parent / spec.ensemble_file
        else:
            found = find_ensemble(path.parent / spec.base)
        return load_ensemble(found, base)
    except EnsembleError as exc:
        if not required and spec.ensemble_file is None:
            return None
        raise ExploreError(
            f"{path}: key 'ensemble_file' (an input has ensemble: true): {exc}"
        ) from None


def _input(
    name: str, spec: InputSpec, base: Scenario, ensemble: pd.DataFrame | None, path: Path
) -> Input:
    data = base.model_dump(mode="json")
    where = f"{path}: input '{name}'"
    written = spec.keys or [spec.key or ""]
    keys = tuple(dotted_key(key, data, where, ExploreError) for key in written)
    label = spec.label or name
    if spec.uniform is not None:
        return Input(name, keys, spec.uniform.low, spec.uniform.high, None, label)
    if spec.factor is not None:
        values = tuple(_base_value(data, key, where) for key in keys)
        return Input(name, keys, spec.factor.low, spec.factor.high, values, label)
    assert ensemble is not None  # _wants_ensemble loaded it
    column = (spec.key or "").strip()
    if column not in ensemble.columns:
        raise ExploreError(
            f"{where}: ensemble: true, but the ensemble has no column '{column}'; use one of "
            f"{', '.join(defaults.ensemble_keys(ensemble))}, or give uniform {{low, high}}."
        )
    low, high = float(ensemble[column].min()), float(ensemble[column].max())
    if not high > low:
        raise ExploreError(
            f"{where}: every ensemble member has {column} = {low:g}, which leaves nothing to "
            "vary; give uniform {low, high} instead."
        )
    return Input(name, keys, low, high, None, label)


def _base_value(data: Any, dotted: str, where: str) -> float:
    node = data
    for part in dotted.split("."):
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise ExploreError(
                f"{where}: the base scenario has no value at {dotted} to multiply; check the "
                "key, or give uniform {low, high} instead of factor."
            ) from None
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise ExploreError(
            f"{where}: {dotted} is {node!r} in the base scenario, not a number a factor can "
            "multiply; give uniform {low, high}, or a numeric key."
        )
    return float(node)


def _outcome(text: str, base: Scenario, path: Path) -> Outcome:
    try:
        outcome = parse_outcome(text, base)
    except OutcomeError as exc:
        raise ExploreError(f"{path}: outcome '{text}': {exc}.") from None
    if outcome.paired:
        raise ExploreError(
            f"{path}: outcome '{text}' is paired against a sweep's reference point, which an "
            "explore has not; use talent_end@CITY or spending_yuan@CITY instead."
        )
    return outcome


def _check_columns(inputs: list[Input], outcomes: tuple[Outcome, ...], path: Path) -> None:
    seen: set[str] = set(RESERVED)
    for column in [i.name for i in inputs] + [o.text for o in outcomes]:
        if column in seen:
            raise ExploreError(
                f"{path}: the column '{column}' would appear twice in the results (or is one of "
                f"{', '.join(RESERVED)}); rename the input, or drop the repeated outcome."
            )
        seen.add(column)


def _try_values(item: Input, base: Scenario, path: Path) -> None:
    """Apply both ends of the range, so a bad range stops the study before anything runs."""
    for value in (item.low, item.high):
        try:
            resolve(base, overrides=list(item.overrides(value)))
        except ScenarioError as exc:
            raise ExploreError(
                f"{path}: input '{item.name}' at {value:g}: {reword(str(exc))}"
            ) from None


def _explore_id(
    spec: ExploreFile,
    base: Scenario,
    method: str,
    samples: int,
    inputs: list[Input],
    outcomes: tuple[Outcome, ...],
) -> str:
    """12 hex digits of SHA-256 over the file as written, the resolved base, method and size,
    and the inputs and outcomes as resolved (so new defaults never reuse old runs)."""
    content = {
        "explore": spec.model_dump(mode="json"),
        "inputs": [[i.name, list(i.keys), i.low, i.high, i.factor] for i in inputs],
        "outcomes": [o.text for o in outcomes],
        "method": method,
        "samples": samples,
        "base_sha256": base.digest(),
        "model_version": MODEL_VERSION,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]


def input_table(explore: Explore, unit: np.ndarray) -> pd.DataFrame:
    """Unit-cube samples (one row per point) as the inputs' values."""
    columns = {
        item.name: item.low + unit[:, i] * (item.high - item.low)
        for i, item in enumerate(explore.inputs)
    }
    frame = pd.DataFrame(columns)
    frame.index.name = "point"
    return frame
