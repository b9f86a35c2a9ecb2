"""Running trials: one session asks trials, runs their replications and tells the results."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator

import numpy as np
import optuna
from optuna.trial import TrialState

from hubsim.experiments import executors
from hubsim.experiments.study import (
    Runner,
    ask_tagged,
    counted,
    fail_in_flight,
    interrupt_deferred,
    session_tag,
)
from hubsim.experiments.tune.file import TuneError, Tuning
from hubsim.experiments.tune.stats import constraint_values, objective_values
from hubsim.experiments.tune.storage import distributions
from hubsim.experiments.tune.text import best_text

BASE_POINT = -1  # the point number of the base scenario's runs (extra measures)


def trial_tasks(tuning: Tuning, point: int, overrides: tuple, reps: range, base=None):
    scenario = base or tuning.base
    for r in reps:
        yield executors.RunTask(tuning.study_id, point, r, scenario, overrides, tuning.outcomes)


def collect_values(records: executors.Records, what: str) -> dict[str, np.ndarray]:
    """Outcomes by replication of one batch of runs; the first failure stops it."""
    rows: dict[int, dict[str, float]] = {}
    with contextlib.closing(records):
        for record in records:
            if record.error is not None:
                raise TuneError(f"{what} failed: {record.error}")
            rows[record.replication] = record.values
    order = sorted(rows)
    return {k: np.array([rows[r][k] for r in order]) for k in rows[order[0]]}


def base_values(tuning: Tuning, study: optuna.Study, runner: Runner) -> dict | None:
    """The base scenario's outcomes on the study's seeds (for `extra` measures), kept in the
    study so that a resumed session does not rerun them."""
    if not tuning.needs_base:
        return None
    if "base_outcomes" not in study.user_attrs:
        reps = range(tuning.replications)
        values = collect_values(
            runner.results(trial_tasks(tuning, BASE_POINT, (), reps)), "the base run"
        )
        with interrupt_deferred():
            study.set_user_attr("base_outcomes", {k: v.tolist() for k, v in values.items()})
    return {k: np.array(v) for k, v in study.user_attrs["base_outcomes"].items()}


class Session:
    """One call of run_tune: asks trials while the study holds fewer than wanted, tells each
    when its replications are in."""

    def __init__(self, tuning: Tuning, study: optuna.Study, wanted: int, progress):
        self.tuning, self.study, self.wanted, self.progress = tuning, study, wanted, progress
        self.pending: dict[int, dict] = {}
        self.ran = self.failed = 0
        self.told: list[int] = []
        self.before = sum(counted(t) for t in study.get_trials(deepcopy=False))
        self.tag = session_tag()

    def _room(self) -> bool:
        return sum(counted(t) for t in self.study.get_trials(deepcopy=False)) < self.wanted

    def _asked(self) -> Iterator[executors.RunTask]:
        spaces = distributions(self.tuning)
        while self._room():
            # In flight from the moment it exists: a Ctrl-C from here on fails it (`stop`);
            # one that comes while the trial is being asked waits until it is registered.
            with interrupt_deferred():
                trial = ask_tagged(self.study, spaces, self.tag)
                self.pending[trial.number] = {"trial": trial, "runs": {}, "started": time.time()}
                repeated = self._repeat(trial)
            if repeated:
                del self.pending[trial.number]
                continue
            overrides = self.tuning.overrides(trial.params)
            yield from trial_tasks(
                self.tuning, trial.number, overrides, range(self.tuning.replications)
            )

    def run(self, runner: Runner, base: dict | None) -> None:
        self.base = base
        self._report()
        records = runner.results(self._asked())
        with contextlib.closing(records):
            for record in records:
                entry = self.pending[record.point]
                entry["runs"][record.replication] = record
                if len(entry["runs"]) == self.tuning.replications:
                    # a Ctrl-C halfway through telling would break the journal's file lock
                    with interrupt_deferred():
                        self._finish(self.pending.pop(record.point))
                    self._report()

    def _finish(self, entry: dict) -> None:
        trial, runs = entry["trial"], entry["runs"]
        trial.set_user_attr("seconds", round(time.time() - entry["started"], 3))
        errors = [runs[r].error for r in sorted(runs) if runs[r].error]
        values: list[float] = []
        if not errors:
            order = sorted(runs)
            per_rep = {k: np.array([runs[r].values[k] for r in order]) for k in runs[0].values}
            values = objective_values(self.tuning, per_rep, self.base)
            for name, share, excess in constraint_values(self.tuning, per_rep):
                trial.set_user_attr(f"share:{name}", share)
                trial.set_constraint(name, excess)
            for key, column in per_rep.items():
                trial.set_user_attr(f"mean:{key}", float(np.nanmean(column)))
            if not all(math.isfinite(v) for v in values):
                errors = [f"an objective is not a number ({values}); see the outcomes"]
        if errors:
            trial.set_user_attr("error", errors[0][:2000])
            self.study.tell(trial, state=TrialState.FAIL)
            self.failed += 1
        else:
            self.study.tell(trial, values)
            self.ran += 1
        self.told.append(trial.number)

    def _repeat(self, trial: optuna.Trial) -> bool:
        """A package already run gives the same result on the same seeds: copy it, run nothing.
        (NSGA-II's crossover often proposes a parent's package again.)"""
        done = self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        same = next((t for t in done if t.params == trial.params), None)
        if same is None:
            return False
        for key, value in same.user_attrs.items():
            if key.startswith(("share:", "mean:")):
                trial.set_user_attr(key, value)
        for name, value in same.constraints.items():
            trial.set_constraint(name, value)
        trial.set_user_attr("seconds", 0.0)
        trial.set_user_attr("same_as", same.number)
        self.study.tell(trial, same.values)
        self.ran += 1
        self.told.append(trial.number)
        self._report()
        return True

    def stop(self, why: str) -> None:
        """Fail the trials in flight (they are not counted, so a rerun replaces them)."""
        fail_in_flight(self.study, self.pending, why)

    def _report(self) -> None:
        if self.progress is None:
            return
        done = self.before + self.ran + self.failed
        best = best_text(self.study, self.tuning)
        self.progress(done, self.wanted, self.failed, self.before, best)
