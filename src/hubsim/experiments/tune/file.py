"""Tuning files: the YAML schema of an incentive-tuning study, and `load_tuning`, which checks one.

A mistake in a tuning file raises `TuneError` naming the file, the key and the fix (exit code 2).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

# The hubsim internals this module uses, in one place (re-point them here if the layout moves).
from hubsim.errors import HubsimError, ScenarioError
from hubsim.experiments.outcomes import Outcome, OutcomeError, parse_outcome
from hubsim.experiments.replications import resolve
from hubsim.experiments.specfile import (
    Variable,
    VariableSpec,
    base_scenario,
    dotted_key,
    reword,
    where_names,
    yaml_text,
)
from hubsim.output.run_folder import MODEL_VERSION
from hubsim.scenario import (
    CITY_KEYS,
    Scenario,
    Strict,
    month_index,
    read_spec_file,
    validate_spec_file,
)

EXAMPLE = "scenarios/tuning/chengdu-cheapest-package.yaml"
NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
Measure = Literal["mean", "extra", "extra_per_million_yuan"]
SAMPLERS = {"tpe": "tpe", "nsga2": "nsga2", "nsgaii": "nsga2", "nsga-ii": "nsga2"}


class TuneError(HubsimError):
    """A tuning file that cannot be run, or a study folder or storage that cannot be used."""


class ObjectiveSpec(Strict):
    """`minimize: OUTCOME` or `maximize: OUTCOME`, as the mean, or the extra over the base."""

    minimize: str | None = None
    maximize: str | None = None
    measure: Measure = Field(
        "mean",
        description="mean over replications; extra: minus the base scenario on the same seeds; "
        "extra_per_million_yuan: that extra divided by the extra spending (millions of yuan)",
    )
    spending: str | None = Field(None, description="default spending_yuan@<the outcome's city>")
    name: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    @model_validator(mode="before")
    @classmethod
    def _british_spelling(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for british, american in (("minimise", "minimize"), ("maximise", "maximize")):
                if british in data and american not in data:
                    data[american] = data.pop(british)
        return data

    @model_validator(mode="after")
    def _one_direction(self) -> ObjectiveSpec:
        if (self.minimize is None) == (self.maximize is None):
            raise ValueError(
                "give exactly one of minimize: OUTCOME or maximize: OUTCOME, e.g. "
                "minimize: spending_yuan@chengdu"
            )
        if self.spending is not None and self.measure != "extra_per_million_yuan":
            raise ValueError("spending: is only for measure extra_per_million_yuan; remove it")
        return self


class ConstraintSpec(Strict):
    """A chance constraint: the share of replications in which CITY reaches its target."""

    reached: str = Field(description="a city with a talent target in the base scenario")
    at_least: float = Field(gt=0, le=1, description="the promised probability p")
    confidence: float | None = Field(
        None,
        gt=0.5,
        lt=1,
        description="judge the share by its one-sided Wilson lower bound at this confidence "
        "(guards against packages that were lucky on the study's seeds); default: the share",
    )


class SamplerSpec(Strict):
    name: str = "tpe"
    startup_trials: int = Field(10, ge=1, description="TPE: random trials before modelling")
    population: int = Field(20, ge=2, description="NSGA-II: population size")


class TuningFile(Strict):
    """A tuning file as written (see scenarios/tuning/chengdu-cheapest-package.yaml)."""

    name: str = Field(pattern=NAME_PATTERN)
    question: str = ""
    base: str = Field(description="base scenario, relative to the tuning file")
    set: dict[str, Any] = Field(default_factory=dict, description="fixed overrides, as --set")
    variables: dict[str, VariableSpec] = Field(min_length=1)
    objectives: list[ObjectiveSpec] = Field(min_length=1, max_length=2)
    constraints: list[ConstraintSpec] = Field(default_factory=list)
    replications: int = Field(8, ge=1, description="replications per trial (common seeds)")
    trials: int = Field(30, ge=1, description="trials the study should hold when done")
    sampler: SamplerSpec = SamplerSpec()
    seed: int | None = Field(None, ge=0, description="root seed; default: the base scenario's")
    check_replications: int = Field(40, ge=1, description="fresh seeds for the final check")

    @model_validator(mode="before")
    @classmethod
    def _sampler_as_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("sampler"), str):
            data = {**data, "sampler": {"name": data["sampler"]}}
        return data

    @model_validator(mode="after")
    def _known_sampler(self) -> TuningFile:
        if self.sampler.name.lower() not in SAMPLERS:
            raise ValueError(
                f"key 'sampler': '{self.sampler.name}' is not a sampler; use tpe (the default) "
                "or nsga2 (for two objectives). GPSampler is not offered: it needs PyTorch"
            )
        self.sampler.name = SAMPLERS[self.sampler.name.lower()]
        return self


# --------------------------------------------------------------------------- the loaded study


@dataclass(frozen=True)
class Objective:
    """One objective: an outcome, its direction and measure, and the spending it is divided by."""

    outcome: Outcome
    direction: Literal["minimize", "maximize"]
    measure: str
    spending: Outcome | None
    column: str

    @property
    def label(self) -> str:
        what = {"mean": "", "extra": "extra ", "extra_per_million_yuan": "extra "}[self.measure]
        label = f"{what}{self.outcome.label}"
        if self.measure == "extra_per_million_yuan":
            label = label.replace(f"({self.outcome.unit})", f"({self.outcome.unit} per M yuan)")
        return label


@dataclass(frozen=True)
class Constraint:
    """share of replications in which `city` reaches its target >= `at_least`."""

    city: str
    at_least: float
    outcome: Outcome  # reached@city
    confidence: float | None = None  # None: the share itself must reach at_least

    @property
    def name(self) -> str:
        return f"reached@{self.city}>={self.at_least:g}"


@dataclass
class Tuning:
    """A checked tuning file: base scenario, variables, objectives, constraints, study id."""

    path: Path
    spec: TuningFile
    base: Scenario  # with `set`, seed and replications applied
    variables: list[Variable]
    objectives: list[Objective]
    constraints: list[Constraint]
    study_id: str

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def study_name(self) -> str:
        return f"{self.spec.name}-{self.study_id}"

    @property
    def replications(self) -> int:
        return self.base.replications

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        """Every outcome a trial's runs must report (objectives, spending, constraints)."""
        found = [o.outcome for o in self.objectives]
        found += [o.spending for o in self.objectives if o.spending is not None]
        found += [c.outcome for c in self.constraints]
        return tuple({o.text: o for o in found}.values())

    @property
    def needs_base(self) -> bool:
        return any(o.measure != "mean" for o in self.objectives)

    def overrides(self, params: dict[str, Any]) -> tuple[str, ...]:
        """The `--set` overrides that turn the base scenario into the package `params`."""
        return tuple(f"{v.dotted}={yaml_text(params[v.key])}" for v in self.variables)


def load_tuning(path: str | Path) -> Tuning:
    """Read and check a tuning file: schema, base scenario, keys, bounds, objectives, targets."""
    path = Path(path)
    spec = _validate(_read(path), path)
    base = base_scenario(spec, path, TuneError, "tuning")
    data = base.model_dump(mode="json")
    variables = [
        Variable(key, dotted_key(key, data, f"{path}: variable '{key}'", TuneError), item)
        for key, item in spec.variables.items()
    ]
    for variable in variables:
        _try_bounds(variable, base, path)
        _programme_in_run(variable, base, path)
    objectives = [_objective(i, item, base, path) for i, item in enumerate(spec.objectives)]
    constraints = [_constraint(i, item, base, path) for i, item in enumerate(spec.constraints)]
    _check_columns(variables, objectives, path)
    return Tuning(path, spec, base, variables, objectives, constraints, study_id(spec, base))


def study_id(spec: TuningFile, base: Scenario) -> str:
    """12 hex digits of SHA-256 over the study as written (without `trials` and the check's
    size, which may grow on resume) and the resolved base scenario."""
    written = spec.model_dump(mode="json", exclude={"trials", "check_replications", "question"})
    content = {"tuning": written, "base_sha256": base.digest(), "model_version": MODEL_VERSION}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]


def _read(path: Path) -> dict[str, Any]:
    return read_spec_file(
        path, TuneError, kind="tuning", keys="base:, variables:, objectives:", example=EXAMPLE
    )


def _validate(data: dict[str, Any], path: Path) -> TuningFile:
    return validate_spec_file(
        data,
        path,
        TuningFile,
        TuneError,
        noun="tuning",
        where=where_names("variables", "variable", ("objectives", "constraints")),
    )


def _try_bounds(variable: Variable, base: Scenario, path: Path) -> None:
    """Apply each bound (or choice) alone, so an unknown key or a bad value stops the study now."""
    spec = variable.spec
    values = spec.choices if spec.kind == "categorical" else [spec.low, spec.high]
    if spec.kind == "int":
        values = [int(v) for v in values]
    for value in values:
        try:
            resolve(base, overrides=[f"{variable.dotted}={yaml_text(value)}"])
        except ScenarioError as exc:
            bound = "" if spec.kind == "categorical" else " (a bound)"
            raise TuneError(
                f"{path}: variable '{variable.key}' with value {value!r}{bound}: {reword(str(exc))}"
            ) from None


def _programme_in_run(variable: Variable, base: Scenario, path: Path) -> None:
    """A variable of a programme that is not in force in any simulated month changes nothing:
    every trial would be the same run, and the 'best' value an accident of the sampler."""
    parts = variable.dotted.split(".")
    if parts[0] != "programmes" or parts[-1] in ("start", "end"):  # tuning the dates themselves
        return
    programme = base.programmes[int(parts[1])]
    first, last = base.start_month_index, base.start_month_index + base.months - 1
    starts = month_index(programme.start)
    ends = month_index(programme.end) if programme.end else None
    if starts <= last and (ends is None or ends >= first):
        return
    runs = f"from {programme.start}" + (f" to {programme.end}" if programme.end else "")
    horizon = f"{base.start} plus {base.months} months"
    raise TuneError(
        f"{path}: variable '{variable.key}' sets a {programme.city} {programme.instrument} "
        f"programme that runs {runs}, outside the simulated months ({horizon}), so no value of "
        "it changes anything; lengthen the run (set: {months: ...}) or tune a programme in "
        "force within it."
    )


def _outcome(text: str, base: Scenario, where: str) -> Outcome:
    try:
        return parse_outcome(text, base)
    except OutcomeError as exc:
        raise TuneError(f"{where} '{text}': {exc}.") from None


def _objective(index: int, spec: ObjectiveSpec, base: Scenario, path: Path) -> Objective:
    direction = "minimize" if spec.minimize is not None else "maximize"
    where = f"{path}: objective {index + 1}, {direction}:"
    outcome = _outcome(spec.minimize or spec.maximize or "", base, where)
    spending = None
    if spec.measure == "extra_per_million_yuan":
        text = spec.spending or f"spending_yuan@{outcome.city}"
        spending = _outcome(text, base, f"{path}: objective {index + 1}, spending:")
    default = outcome.text if spec.measure == "mean" else f"{spec.measure}:{outcome.text}"
    column = spec.name or default
    return Objective(outcome, direction, spec.measure, spending, column)


def _constraint(index: int, spec: ConstraintSpec, base: Scenario, path: Path) -> Constraint:
    where = f"{path}: constraint {index + 1}, key 'reached'"
    city = spec.reached
    with_target = [c for c in CITY_KEYS if _target_in_run(base, c)]
    if city not in CITY_KEYS:
        close = difflib.get_close_matches(city, CITY_KEYS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        cities = ", ".join(CITY_KEYS)
        raise TuneError(f"{where}: '{city}' is not a city{hint}; use one of {cities}.")
    if city not in base.targets:
        raise TuneError(
            f"{where}: the base scenario has no talent target for {city}, so its share of "
            f"replications reaching it is undefined. Add targets.{city}: {{start, by, gain_people "
            f"or gain_share}} to the base scenario, or constrain a city with a target: "
            f"{', '.join(with_target) or '(none)'}."
        )
    if city not in with_target:
        target = base.targets[city]
        raise TuneError(
            f"{where}: {city}'s target (due {target.by}"
            + (f", counted from {target.start}" if target.start else "")
            + ") is outside the "
            f"simulated months (from {base.start}, {base.months} months). Lengthen the run (set: "
            "{months: ...}) or move the target's dates inside it."
        )
    outcome = parse_outcome(f"reached@{city}", base)
    return Constraint(city, spec.at_least, outcome, spec.confidence)


def _target_in_run(base: Scenario, city: str) -> bool:
    target = base.targets.get(city)
    if target is None:
        return False
    first, last = base.start_month_index, base.start_month_index + base.months - 1
    # a graduates-staying target counts from its start; the other kinds are judged at `by`
    # (the month before the start is the initial state, which a target may start from)
    start_ok = target.start is None or first - 1 <= month_index(target.start)
    return start_ok and first - 1 <= month_index(target.by) <= last


def _check_columns(variables: list[Variable], objectives: list[Objective], path: Path) -> None:
    seen: set[str] = {"trial", "state", "seconds", "error"}
    for column in [v.column for v in variables] + [o.column for o in objectives]:
        if column in seen:
            raise TuneError(
                f"{path}: the column '{column}' would appear twice in trials.csv (or is one of "
                "trial, state, seconds, error); give the variable a column: or the objective a "
                "name:."
            )
        seen.add(column)
