"""The fresh-seed check: the best package re-run on seeds the study never used."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from optuna.trial import FrozenTrial

from hubsim.experiments import executors
from hubsim.experiments.replications import resolve
from hubsim.experiments.study import (
    Runner,
)
from hubsim.experiments.tune.file import Tuning
from hubsim.experiments.tune.result import Check
from hubsim.experiments.tune.stats import objective_values, verdict, wilson
from hubsim.experiments.tune.trials import BASE_POINT, collect_values, trial_tasks


def run_check(tuning: Tuning, study, best: FrozenTrial, runner: Runner, folder: Path) -> Check:
    """The best package on `check_replications` fresh seeds: SeedSequence children after the
    study's (the study uses children 0 to R-1), kept in check.json for the same trial."""
    first, n = tuning.replications, tuning.spec.check_replications
    saved = folder / "check.json"
    if saved.exists():
        old = json.loads(saved.read_text())
        if (old.get("trial"), old.get("replications"), old.get("study")) == (
            best.number,
            n,
            tuning.study_name,
        ):
            old.pop("study")
            return Check(**old)
    tasks = check_tasks(tuning, best.number, tuning.overrides(best.params))
    values = collect_values(runner.results(tasks), f"the check of trial {best.number}")
    base = None
    if tuning.needs_base:
        base_tasks = check_tasks(tuning, BASE_POINT, ())
        base = collect_values(runner.results(base_tasks), "the base run on fresh seeds")
    result = Check(best.number, first, n)
    for constraint in tuning.constraints:
        reached = int(np.nansum(values[constraint.outcome.text]))
        low, high = wilson(reached, n)
        share = reached / n
        result.shares.append(
            {
                "name": constraint.name,
                "reached": reached,
                "runs": n,
                "share": share,
                "lo": low,
                "hi": high,
                "promised": constraint.at_least,
                "verdict": verdict(share, high, constraint.at_least),
            }
        )
    fresh = objective_values(tuning, values, base)
    for objective, study_value, value in zip(tuning.objectives, best.values, fresh, strict=True):
        result.objectives.append(
            {"column": objective.column, "study": study_value, "fresh": value}
            | _interval(objective, values, base)
        )
    saved.write_text(json.dumps({"study": tuning.study_name, **result.__dict__}, indent=2))
    return result


def check_tasks(tuning: Tuning, point: int, overrides: tuple) -> Iterator[executors.RunTask]:
    """Runs on fresh seeds: replications R to R+M-1 of the base with R+M replications, i.e.
    children R, R+1, ... of the seed's SeedSequence (the study's are children 0 to R-1)."""
    first, n = tuning.replications, tuning.spec.check_replications
    scenario = resolve(tuning.base, replications=first + n)
    return trial_tasks(tuning, point, overrides, range(first, first + n), scenario)


def _interval(objective, values: dict, base: dict | None) -> dict:
    """A 95 % normal interval of a mean (or a paired difference); none for ratios."""
    if objective.measure == "extra_per_million_yuan":
        return {"lo": None, "hi": None}
    column = values[objective.outcome.text]
    if objective.measure == "extra":
        column = column - base[objective.outcome.text]
    half = 1.96 * float(np.std(column, ddof=1)) / math.sqrt(len(column)) if len(column) > 1 else 0
    return {"lo": float(np.mean(column)) - half, "hi": float(np.mean(column)) + half}
