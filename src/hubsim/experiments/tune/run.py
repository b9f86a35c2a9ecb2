"""Tuning incentives: `run_tune(path)` runs an Optuna study of a tuning file, resumably.

Trials are asked and told in this process; their replications run on local processes or Dask.
"""

from __future__ import annotations

import contextlib
import json
import math
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import optuna.storages.journal  # a subpackage: named for type checkers
import pandas as pd
import yaml
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial, TrialState

# The hubsim internals this module uses, in one place (re-point them here if the layout moves).
from hubsim.errors import RunInterrupted
from hubsim.experiments import executors
from hubsim.experiments.replications import resolve
from hubsim.experiments.study import (
    Runner,
    ask_tagged,
    counted,
    distribution,
    fail_abandoned,
    fail_in_flight,
    interrupt_deferred,
    open_storage,
    quiet_optuna,
    session_tag,
    study_folder,
)
from hubsim.experiments.tune_plots import plot_study
from hubsim.experiments.tuning_file import TuneError, Tuning, load_tuning
from hubsim.output.run_folder import MODEL_VERSION, git_commit, versions

BASE_POINT = -1  # the point number of the base scenario's runs (extra measures)
SAMPLER_STREAM = 7_1300  # spawn key of the sampler's seed, apart from replication children
Progress = Callable[[int, int, int, int, str], None]  # done, total, failed, before, best


@dataclass
class Check:
    """The best package on fresh seeds: each constraint's share and each objective's value."""

    trial: int
    first_replication: int
    replications: int
    shares: list[dict] = field(default_factory=list)  # name, reached, runs, share, lo, hi, verdict
    objectives: list[dict] = field(default_factory=list)  # column, study, fresh, lo, hi
    failed: int = 0


@dataclass
class TuneResult:
    """What a study holds after this call: trials, the best, the check, files written."""

    tuning: Tuning
    folder: Path
    storage: str
    trials: pd.DataFrame  # one row per trial, as trials.csv
    best: FrozenTrial | None
    check: Check | None
    ran: int = 0
    failed: int = 0
    before: int = 0
    abandoned: list[int] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def run_tune(
    path: str | Path,
    *,
    trials: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    storage: str | None = None,
    out: str | Path = "results",
    plots: bool = True,
    check: bool = True,
    progress: Progress | None = None,
    announce: Callable[[str], None] | None = None,
) -> TuneResult:
    """Run (or resume) the study of a tuning file until it holds `trials` counted trials.

    Args:
        path: the tuning YAML file.
        trials: trials the study should hold (default: the file's `trials`); finished and
            failed trials count, trials abandoned by a killed session do not.
        workers: local worker processes (default: all cores); with `scheduler`, runs in flight.
        scheduler: a Dask scheduler address or `distributed.Client`; None: local processes.
        storage: an Optuna storage URL; default: a journal file in the study folder.
        out: results folder; the study goes to `out/<name>/<study-id>/`.
        plots: draw the figures into `plots/`.
        check: run the best package on fresh seeds (not the study's) and report it.
        progress: called after each trial with (done, total, failed, done before, best so far).
        announce: called with a line before the steps that run without a progress bar.

    Raises:
        TuneError: a bad tuning file, folder or storage (nothing is run).
        RunInterrupted: Ctrl-C; every finished trial is kept, rerun to go on.
    """
    if workers is not None and workers < 1:
        raise TuneError(f"workers must be at least 1, not {workers}.")
    tuning = load_tuning(path)
    wanted = trials or tuning.spec.trials
    folder = _folder(Path(out), tuning)
    url = storage or str(folder / "study.journal")
    with quiet_optuna():
        study = open_study(tuning, url)
        abandoned = fail_abandoned(study)
    session = _Session(tuning, study, wanted, progress)
    say = announce or (lambda _line: None)
    with quiet_optuna(), contextlib.ExitStack() as stack:
        runner = Runner(workers, scheduler, stack)
        try:
            if tuning.needs_base and "base_outcomes" not in study.user_attrs:
                say(f"running the base scenario on the study's {tuning.replications} seeds")
            base = _base_values(tuning, study, runner)
            session.run(runner, base)
        except KeyboardInterrupt:
            session.stop("interrupted by the user")
            raise RunInterrupted(_interrupted(tuning, study, folder)) from None
        except Exception as exc:  # e.g. an unreachable scheduler or a pool that keeps dying
            session.stop(f"stopped: {type(exc).__name__}: {exc}")
            raise
        finally:
            if progress is not None and hasattr(progress, "close"):
                progress.close()
        best = best_trial(study, tuning)
        fresh = None
        if check and best is not None:
            say(f"checking trial {best.number} on {tuning.spec.check_replications} fresh seeds")
            fresh = run_check(tuning, study, best, runner, folder)
    result = TuneResult(
        tuning,
        folder,
        url,
        trials_table(study, tuning),
        best,
        fresh,
        session.ran,
        session.failed,
        session.before,
        abandoned,
    )
    result.files = _write_outputs(result, study, plots)
    _write_manifest(result, session)
    return result


# --------------------------------------------------------------------------- study and storage


def _folder(out: Path, tuning: Tuning) -> Path:
    return study_folder(out, tuning.name, tuning.study_id, TuneError)


def open_study(tuning: Tuning, url: str) -> optuna.Study:
    """The tuning file's study in `url`, created if new (once, here, before any worker starts)."""
    storage = open_storage(url, TuneError)
    directions = [o.direction for o in tuning.objectives]
    study = optuna.create_study(
        storage=storage, study_name=tuning.study_name, directions=directions, load_if_exists=True
    )
    study.sampler = make_sampler(tuning, len(study.get_trials(deepcopy=False)))
    return study


def make_sampler(tuning: Tuning, trials_so_far: int) -> optuna.samplers.BaseSampler:
    """TPE or NSGA-II seeded from the file's seed and the trials so far, so a resumed session
    does not replay the first session's random draws."""
    key = (SAMPLER_STREAM, trials_so_far)
    seed = int(np.random.SeedSequence(tuning.base.seed, spawn_key=key).generate_state(1)[0])
    spec = tuning.spec.sampler
    if spec.name == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=spec.population, seed=seed)
    return optuna.samplers.TPESampler(n_startup_trials=spec.startup_trials, seed=seed)


def distributions(tuning: Tuning) -> dict[str, BaseDistribution]:
    """Optuna distributions of the decision variables, named by their keys as written."""
    return {v.key: distribution(v) for v in tuning.variables}


# --------------------------------------------------------------------------- running trials


def _tasks(tuning: Tuning, point: int, overrides: tuple, reps: range, base=None):
    scenario = base or tuning.base
    for r in reps:
        yield executors.RunTask(tuning.study_id, point, r, scenario, overrides, tuning.outcomes)


def _collect(records: executors.Records, what: str) -> dict[str, np.ndarray]:
    """Outcomes by replication of one batch of runs; the first failure stops it."""
    rows: dict[int, dict[str, float]] = {}
    with contextlib.closing(records):
        for record in records:
            if record.error is not None:
                raise TuneError(f"{what} failed: {record.error}")
            rows[record.replication] = record.values
    order = sorted(rows)
    return {k: np.array([rows[r][k] for r in order]) for k in rows[order[0]]}


def _base_values(tuning: Tuning, study: optuna.Study, runner: Runner) -> dict | None:
    """The base scenario's outcomes on the study's seeds (for `extra` measures), kept in the
    study so that a resumed session does not rerun them."""
    if not tuning.needs_base:
        return None
    if "base_outcomes" not in study.user_attrs:
        reps = range(tuning.replications)
        values = _collect(runner.results(_tasks(tuning, BASE_POINT, (), reps)), "the base run")
        with interrupt_deferred():
            study.set_user_attr("base_outcomes", {k: v.tolist() for k, v in values.items()})
    return {k: np.array(v) for k, v in study.user_attrs["base_outcomes"].items()}


class _Session:
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
            yield from _tasks(self.tuning, trial.number, overrides, range(self.tuning.replications))

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


# --------------------------------------------------------------------------- objectives


def objective_values(tuning: Tuning, per_rep: dict[str, np.ndarray], base: dict | None):
    """Each objective from one trial's outcomes by replication (and the base's, same seeds)."""
    values = []
    for objective in tuning.objectives:
        key = objective.outcome.text
        if objective.measure == "mean":
            values.append(float(np.mean(per_rep[key])))
            continue
        extra = float(np.mean(per_rep[key] - base[key]))
        if objective.measure == "extra":
            values.append(extra)
            continue
        spend = objective.spending.text
        extra_yuan = float(np.mean(per_rep[spend] - base[spend]))
        # no extra spending buys nothing measurable: 0 rather than a ratio of noise
        values.append(extra / (extra_yuan / 1e6) if extra_yuan > 0 else 0.0)
    return values


def constraint_values(tuning: Tuning, per_rep: dict[str, np.ndarray]):
    """(name, share reaching the target, at_least - bound): Optuna's feasible is <= 0.

    The bound is the share itself, or with `confidence` its one-sided Wilson lower bound.
    """
    rows = []
    for constraint in tuning.constraints:
        reached = np.nan_to_num(per_rep[constraint.outcome.text], nan=0.0)
        share = float(np.mean(reached))
        bound = share
        if constraint.confidence is not None:
            level = 2 * constraint.confidence - 1  # a two-sided interval's lower end
            bound = wilson(int(round(reached.sum())), len(reached), level)[0]
        rows.append((constraint.name, share, constraint.at_least - bound))
    return rows


def feasible(trial: FrozenTrial) -> bool:
    return trial.state == TrialState.COMPLETE and all(v <= 0 for v in trial.constraints.values())


def best_trial(study: optuna.Study, tuning: Tuning) -> FrozenTrial | None:
    """The best feasible trial; with two objectives the Pareto trial nearest the ideal point
    (both objectives scaled to 0-1 over the front), a compromise rather than an extreme."""
    if len(tuning.objectives) == 1:
        try:
            return study.best_trial  # feasible trials only (Optuna 5)
        except ValueError:
            return None
    front = study.best_trials  # feasible trials only
    if not front:
        return None
    return front[knee([t.values for t in front], [o.direction for o in tuning.objectives])]


def knee(points: list[list[float]], directions: list[str]) -> int:
    """Index of the point nearest the ideal after scaling each objective to 0 (best) - 1."""
    values = np.array(points, dtype=float)
    values[:, [d == "maximize" for d in directions]] *= -1
    low, high = values.min(axis=0), values.max(axis=0)
    scaled = (values - low) / np.where(high > low, high - low, 1.0)
    return int(np.argmin(np.hypot(*scaled.T) if scaled.shape[1] == 2 else scaled.sum(axis=1)))


def best_text(study: optuna.Study, tuning: Tuning) -> str:
    """'best 1.2e+10 (trial 7)', or 'Pareto front 4 trials', or 'no feasible trial yet'."""
    best = best_trial(study, tuning)
    if best is None:
        return "no feasible trial yet"
    if len(tuning.objectives) == 2:
        return f"Pareto front {len(study.best_trials)} trials"
    return f"best {_num(best.values[0])} (trial {best.number})"


def wilson(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial share (good at shares near 0 or 1)."""
    if n == 0:
        return 0.0, 1.0
    z = statistics.NormalDist().inv_cdf(0.5 + level / 2)
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    return low, 1.0 if successes == n else min(1.0, centre + half)


def verdict(share: float, high: float, promised: float) -> str:
    if share >= promised:
        return "holds"
    if high >= promised:
        return "not shown (below the promise, which is inside the interval)"
    return "does not hold"


# --------------------------------------------------------------------------- fresh-seed check


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
    values = _collect(runner.results(tasks), f"the check of trial {best.number}")
    base = None
    if tuning.needs_base:
        base_tasks = check_tasks(tuning, BASE_POINT, ())
        base = _collect(runner.results(base_tasks), "the base run on fresh seeds")
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
    return _tasks(tuning, point, overrides, range(first, first + n), scenario)


def _interval(objective, values: dict, base: dict | None) -> dict:
    """A 95 % normal interval of a mean (or a paired difference); none for ratios."""
    if objective.measure == "extra_per_million_yuan":
        return {"lo": None, "hi": None}
    column = values[objective.outcome.text]
    if objective.measure == "extra":
        column = column - base[objective.outcome.text]
    half = 1.96 * float(np.std(column, ddof=1)) / math.sqrt(len(column)) if len(column) > 1 else 0
    return {"lo": float(np.mean(column)) - half, "hi": float(np.mean(column)) + half}


# --------------------------------------------------------------------------- outputs


def trials_table(study: optuna.Study, tuning: Tuning) -> pd.DataFrame:
    """One row per trial: parameters, objectives, constraint shares and values, state, seconds."""
    rows = []
    for trial in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {"trial": trial.number, "state": trial.state.name}
        for variable in tuning.variables:
            row[variable.column] = trial.params.get(variable.key)
        for i, objective in enumerate(tuning.objectives):
            row[objective.column] = trial.values[i] if trial.values else None
        for constraint in tuning.constraints:
            row[f"share:{constraint.name}"] = trial.user_attrs.get(f"share:{constraint.name}")
            row[f"constraint:{constraint.name}"] = trial.constraints.get(constraint.name)
        row["feasible"] = feasible(trial)
        row["seconds"] = trial.user_attrs.get("seconds")
        row["same_as"] = trial.user_attrs.get("same_as")  # a repeated package, not rerun
        row["error"] = _error(trial)
        rows.append(row)
    return pd.DataFrame(rows)


def _error(trial: FrozenTrial) -> str:
    if trial.state != TrialState.FAIL:
        return ""
    if "error" in trial.user_attrs:
        return trial.user_attrs["error"]
    if "stopped" in trial.user_attrs:
        return f"stopped: {trial.user_attrs['stopped']} (not counted; a rerun replaces it)"
    return "abandoned: its session was killed (not counted; a rerun replaces it)"


def best_scenario(tuning: Tuning, best: FrozenTrial) -> dict:
    """The base scenario with the best package applied: a complete scenario `hubsim run` takes."""
    scenario = resolve(tuning.base, overrides=list(tuning.overrides(best.params)))
    data = scenario.model_dump(mode="json")
    data["name"] = f"{tuning.name}-best"
    data["question"] = (
        f"The best package of tuning study {tuning.study_name} (trial {best.number}): "
        + ", ".join(f"{k} = {_num(v)}" for k, v in best.params.items())
    )
    return data


def _write_outputs(result: TuneResult, study: optuna.Study, plots: bool) -> list[Path]:
    tuning, folder = result.tuning, result.folder
    files = [folder / "trials.csv"]
    result.trials.to_csv(files[0], index=False)
    if result.best is not None:
        header = f"# Written by `hubsim tune {tuning.path}`; run with `hubsim run` on this file.\n"
        text = header + yaml.safe_dump(best_scenario(tuning, result.best), sort_keys=False)
        files.append(folder / "best.yaml")
        files[-1].write_text(text, encoding="utf-8")
    if plots and not result.trials.empty:
        files += plot_study(study, tuning, result.trials, result.best, folder / "plots")
    return files


def _write_manifest(result: TuneResult, session: _Session) -> None:
    path = result.folder / "manifest.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    check = result.check.__dict__ if result.check else None
    manifest = {
        "study_name": result.tuning.study_name,
        "tuning_file": str(result.tuning.path),
        "tuning": result.tuning.spec.model_dump(mode="json"),
        "base_sha256": result.tuning.base.digest(),
        "storage": result.storage,
        "model_version": MODEL_VERSION,
        "versions": {**versions(), "optuna": optuna.__version__},
        "git_commit": git_commit(),
        "sessions": [
            *old.get("sessions", []),
            {
                "session": session.tag,
                "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "told": session.told,
                "abandoned_marked_failed": result.abandoned,
            },
        ],
        "best_trial": result.best.number if result.best else None,
        "check": check,
    }
    path.write_text(json.dumps(manifest, indent=2, default=str))


def _interrupted(tuning: Tuning, study: optuna.Study, folder: Path) -> str:
    done = sum(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False))
    return (
        f"Tuning {tuning.name} interrupted: {done} finished trials are kept in the study "
        f"{tuning.study_name} (folder {folder}). Run the same command again to go on; the "
        "trials that were running are marked failed and replaced."
    )


def _num(value: Any) -> str:
    """2.15e11 -> '215bn', 2,150,000 -> '2.15M', 1234.5 -> '1,234', 0.25 -> '0.25'."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    for size, unit in ((1e9, "bn"), (1e6, "M")):
        if abs(value) >= size:
            return f"{value / size:,.4g}{unit}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def summary_text(result: TuneResult) -> str:
    """The printed end of a study: counts, the best package, the check on fresh seeds."""
    tuning, table = result.tuning, result.trials
    complete = int((table.state == "COMPLETE").sum()) if not table.empty else 0
    lines = [
        f"Study {tuning.study_name}: {len(table)} trials ({complete} complete, "
        f"{int(table.feasible.sum()) if complete else 0} feasible); {result.ran} run now, "
        f"{result.failed} failed now, {result.before} before",
    ]
    if result.abandoned:
        lines.append(f"Trials left running by a killed session, marked failed: {result.abandoned}")
    if result.best is None:
        lines.append("No feasible trial: widen the bounds, lower at_least or add trials.")
        return "\n".join(lines)
    best = result.best
    lines.append(f"Best package (trial {best.number}):")
    lines += [f"  {v.key} = {_num(best.params[v.key])}" for v in tuning.variables]
    for objective, value in zip(tuning.objectives, best.values, strict=True):
        lines.append(f"  {objective.direction} {objective.column}: {_num(value)}")
    for constraint in tuning.constraints:
        share = best.user_attrs.get(f"share:{constraint.name}")
        lines.append(f"  {constraint.name}: share {share:.2f} over {tuning.replications} seeds")
    if result.check is not None:
        lines += _check_lines(result.check)
    return "\n".join(lines)


def _check_lines(check: Check) -> list[str]:
    seeds = f"{check.replications} fresh seeds (children {check.first_replication}+)"
    lines = [f"Check on {seeds}:"]
    for row in check.shares:
        lines.append(
            f"  {row['name']}: reached in {row['reached']} of {row['runs']} = {row['share']:.2f} "
            f"(95 % interval {row['lo']:.3f}-{row['hi']:.3f}); promised {row['promised']:g}: "
            f"{row['verdict']}"
        )
    for row in check.objectives:
        band = f" (95 % interval {_num(row['lo'])} to {_num(row['hi'])})" if row["lo"] else ""
        lines.append(
            f"  {row['column']}: {_num(row['fresh'])}{band}; in the study {_num(row['study'])}"
        )
    return lines
