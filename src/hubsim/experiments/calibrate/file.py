"""Calibration files: the YAML of a `hubsim calibrate` study, and `load_calibration`, which
checks one (the shipped one is scenarios/calibration/fit-pre2020.yaml).

A mistake in the file raises `CalibrationError` naming the file, the key and the fix (exit 2).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import Field

from hubsim.errors import HubsimError, ScenarioError
from hubsim.experiments.calibrate.moments import ERROR_KINDS, POLICY_MONTHS, load_moments
from hubsim.experiments.keys import KeyProblem, resolve_key
from hubsim.experiments.replications import resolve
from hubsim.experiments.specfile import Variable, VariableSpec, where_names, yaml_text
from hubsim.output.run_folder import MODEL_VERSION
from hubsim.scenario import (
    CITY_KEYS,
    SPINUP_YEAR,
    Scenario,
    Strict,
    load_scenario,
    read_spec_file,
    validate_spec_file,
)

EXAMPLE = "scenarios/calibration/fit-pre2020.yaml"
MOMENT_COLUMNS = ("moment", "city", "target", "error", "tolerance", "weight")


class CalibrationError(HubsimError):
    """A calibration file, moments table, folder or storage that cannot be used."""


class Scales(Strict):
    spinup: float = Field(5000.0, gt=0, description="people per agent in the 2000s spin-up")
    policy: float = Field(2000.0, gt=0, description="people per agent in the 2010-2018 run")


class Size(Strict):
    """How much work: replications per trial, trials, amenity rounds, people per agent."""

    replications: int = Field(3, ge=1, le=64)
    trials: int = Field(60, ge=1)
    amenity_rounds: int = Field(4, ge=0, le=50, description="fixed-point rounds, before and after")
    trial_steps: int = Field(
        1, ge=1, le=10, description="fixed-point steps each trial takes at its own parameters"
    )
    startup_trials: int = Field(12, ge=1, description="TPE: random trials before modelling")
    scale: Scales = Scales()


class Start(Strict):
    """Where the study starts: every fitted parameter's value and every city's amenity.

    Stated in the calibration file so that the fit does not depend on the scenarios' own values:
    the baseline extends the fitted file, so without it each refit would start from the last.
    """

    parameters: dict[str, float] = Field(description="each parameter's starting value")
    amenities: dict[str, float] = Field(description="each of the 13 cities' starting amenity")


class CalibrationFile(Strict):
    """A calibration file as written."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    question: str = ""
    spinup: str = Field(description="the 2000-01 start scenario, relative to this file")
    policy: str = Field(description="the 2010-01 start scenario with the programmes")
    moments: str | None = Field(None, description="a moments CSV; default the packaged table")
    seed: int = Field(2000, ge=0, description="the sampler's seed; runs use the scenarios' seeds")
    amenity_damping: float = Field(0.8, gt=0, le=1)
    amenity_weight_2010s: float = Field(
        0.75,
        ge=0,
        le=1,
        description="ASSUMPTION: the weight of the 2010s communique growth (after the "
        "undercount model) in the gap the amenity fixed point closes; the rest on the 2010 "
        "census reached from 2000. 0 pins the amenities on the census decade alone",
    )
    full: Size = Size()
    quick: Size = Size(replications=1, trials=16, amenity_rounds=2, startup_trials=8)
    parameters: dict[str, VariableSpec] = Field(min_length=1)
    start: Start | None = Field(None, description="the starting point; default the scenarios'")


@dataclass(frozen=True)
class Calibration:
    """A checked calibration file at one size (full or --quick)."""

    path: Path
    spec: CalibrationFile
    size: Size
    spinup: Scenario  # scale and replications of the size applied
    policy: Scenario
    variables: list[Variable]
    moments: pd.DataFrame
    study_id: str
    quick: bool
    seed_offset: int = 0

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def replications(self) -> int:
        return self.size.replications

    def overrides(self, params: dict, amenities: dict[str, float]) -> tuple[str, ...]:
        """The `--set` overrides of a trial: its parameters and the amenities in force."""
        return set_overrides(self.variables, params, amenities)


def set_overrides(
    variables: list[Variable], params: dict, amenities: dict[str, float]
) -> tuple[str, ...]:
    """`--set` overrides putting each variable at `params[key]` and each city's amenity."""
    found = [f"{v.dotted}={yaml_text(params[v.key])}" for v in variables]
    found += [f"cities.{c}.amenity={amenities[c]!r}" for c in CITY_KEYS]
    return tuple(found)


def load_calibration(
    path: str | Path,
    *,
    quick: bool = False,
    trials: int | None = None,
    replications: int | None = None,
    seed_offset: int = 0,
) -> Calibration:
    """Read and check a calibration file: schema, both scenarios, parameter keys and bounds,
    the moments table. `seed_offset` > 0 moves both scenarios' seeds by that much (a refit on
    other seeds, for the parameters' spread)."""
    path = Path(path)
    data = read_spec_file(
        path,
        CalibrationError,
        kind="calibration",
        keys="spinup:, policy:, parameters:",
        example=EXAMPLE,
    )
    spec = validate_spec_file(
        data,
        path,
        CalibrationFile,
        CalibrationError,
        noun="calibration",
        where=where_names("parameters", "parameter"),
    )
    size = (spec.quick if quick else spec.full).model_copy()
    if trials is not None:
        size.trials = trials
    if replications is not None:
        size.replications = replications
    spinup = _scenario(path, "spinup", spec.spinup)
    if int(str(spinup.start)[:4]) != SPINUP_YEAR or spinup.months < 120:
        raise CalibrationError(
            f"{path}: key 'spinup' names {spec.spinup}, which starts {spinup.start} and runs "
            f"{spinup.months} months. The spin-up must start {SPINUP_YEAR}-01 and run at least "
            "120 months (see scenarios/spinup-2000.yaml)."
        )
    policy = _scenario(path, "policy", spec.policy)
    if int(str(policy.start)[:4]) != 2010:
        raise CalibrationError(
            f"{path}: key 'policy' names {spec.policy}, which starts {policy.start}. The policy "
            "run starts 2010-01 with the recorded programmes (scenarios/baseline.yaml)."
        )
    variables = _variables(path, spec, spinup)
    if spec.start is not None:
        starting = _start_overrides(path, spec.start, variables)
        spinup = resolve(spinup, overrides=starting)
        policy = resolve(policy, overrides=starting)
    spinup = resolve(
        spinup,
        scale=size.scale.spinup,
        months=120,
        replications=size.replications,
        seed=spinup.seed + seed_offset,
    )
    policy = resolve(
        policy,
        scale=size.scale.policy,
        months=POLICY_MONTHS,
        replications=size.replications,
        seed=policy.seed + seed_offset,
    )
    moments = _moments(path, spec.moments)
    study = _study_id(spec, size, spinup, policy, moments)
    return Calibration(
        path, spec, size, spinup, policy, variables, moments, study, quick, seed_offset
    )


def _variables(path: Path, spec: CalibrationFile, spinup: Scenario) -> list[Variable]:
    """The sampled parameters, each key resolved in the spin-up and its bounds accepted."""
    variables = []
    for key, item in spec.parameters.items():
        where = f"{path}: parameter '{key}'"
        if key.startswith("cities.") and key.endswith(".amenity"):
            raise CalibrationError(
                f"{where}: amenities are solved by the fixed point, not sampled. Remove it."
            )
        try:
            dotted = resolve_key(key, spinup.model_dump(mode="json"))
        except KeyProblem as problem:
            raise CalibrationError(f"{where}: {problem} Fix the key.") from None
        variable = Variable(key, dotted, item)
        for bound in (item.low, item.high):
            try:
                resolve(spinup, overrides=[f"{dotted}={yaml_text(bound)}"])
            except ScenarioError as exc:
                raise CalibrationError(f"{where}: its bound {bound:g} is refused: {exc}") from None
        variables.append(variable)
    return variables


def _start_overrides(path: Path, start: Start, variables: list[Variable]) -> tuple[str, ...]:
    """The `--set` overrides that put both scenarios at the study's starting point."""
    keys = [v.key for v in variables]
    missing = [k for k in keys if k not in start.parameters]
    missing += [f"amenities.{c}" for c in CITY_KEYS if c not in start.amenities]
    unknown = [k for k in start.parameters if k not in keys]
    unknown += [f"amenities.{c}" for c in start.amenities if c not in CITY_KEYS]
    if missing or unknown:
        said = [f"lacks {', '.join(missing)}"] if missing else []
        said += [f"names {', '.join(unknown)}, which the study does not fit"] if unknown else []
        raise CalibrationError(
            f"{path}: key 'start' {' and '.join(said)}. It gives the starting value of every "
            "parameter under 'parameters:' and the amenity of each of the 13 cities, and "
            "nothing else (or leave 'start' out to start from the scenarios' values)."
        )
    for variable in variables:
        value, spec = start.parameters[variable.key], variable.spec
        if not spec.low <= value <= spec.high:
            raise CalibrationError(
                f"{path}: key 'start.parameters.{variable.key}' is {value:g}, outside the "
                f"parameter's bounds {spec.low:g} to {spec.high:g}. Start inside them."
            )
    return set_overrides(variables, start.parameters, start.amenities)


def _scenario(path: Path, key: str, name: str) -> Scenario:
    target = path.parent / name
    if not target.is_file():
        raise CalibrationError(
            f"{path}: key '{key}' names {name}, which does not exist at {target}. Give the "
            "scenario's path relative to the calibration file."
        )
    return load_scenario(target)  # its own errors name its own file


def _moments(path: Path, name: str | None) -> pd.DataFrame:
    if name is None:
        return load_moments()
    target = path.parent / name
    try:
        table = load_moments(target)
    except (OSError, ValueError, KeyError) as exc:
        raise CalibrationError(
            f"{path}: key 'moments' names {name}, which cannot be read as a moments table "
            f"({type(exc).__name__}: {exc}). Give a CSV with the columns of "
            "src/hubsim/data/moments.csv."
        ) from None
    missing = [c for c in MOMENT_COLUMNS if c not in table.columns]
    if missing:
        raise CalibrationError(
            f"{target}: the moments table lacks the columns {', '.join(missing)}. Copy the "
            "header of src/hubsim/data/moments.csv."
        )
    kinds = sorted(set(table.error) - set(ERROR_KINDS))
    if kinds:
        raise CalibrationError(
            f"{target}: column 'error' holds {', '.join(map(repr, kinds))}. Each moment's error "
            f"is one of {', '.join(ERROR_KINDS)} (see src/hubsim/experiments/moments.py)."
        )
    known = set(load_moments().key)
    unknown = sorted(set(table.key) - known)
    if unknown:
        raise CalibrationError(
            f"{target}: unknown moments {', '.join(unknown)}. The model measures only those of "
            "src/hubsim/data/moments.csv."
        )
    return table


# Keys a run reads only to judge its outcome: a change to them leaves every moment as it was.
JUDGING_KEYS = ("question", "targets", "ghost")


def _fitted_digest(scenario: Scenario) -> str:
    """SHA-256 of what a scenario simulates: the resolved scenario less `JUDGING_KEYS`."""
    data = scenario.model_dump(mode="json", exclude=set(JUDGING_KEYS))
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _study_id(spec, size, spinup: Scenario, policy: Scenario, moments: pd.DataFrame) -> str:
    """12 hex digits over what the study fits (not the trial count, which may grow)."""
    written = spec.model_dump(mode="json", exclude={"question", "full", "quick"})
    content = {
        "calibration": written,
        "size": size.model_dump(mode="json", exclude={"trials"}),
        "spinup": _fitted_digest(spinup),
        "policy": _fitted_digest(policy),
        "moments": moments[list(MOMENT_COLUMNS)].to_json(),
        "model_version": MODEL_VERSION,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]
