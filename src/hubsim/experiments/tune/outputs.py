"""The study folder's files: trials.csv, best.yaml, the manifest and the figures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
import pandas as pd
import yaml
from optuna.trial import FrozenTrial, TrialState

from hubsim.experiments.replications import resolve
from hubsim.experiments.store import ResumableFolder, now
from hubsim.experiments.tune.file import Tuning
from hubsim.experiments.tune.plots import plot_study
from hubsim.experiments.tune.stats import feasible
from hubsim.experiments.tune.text import number_text
from hubsim.output.run_folder import MODEL_VERSION, git_commit, versions

if TYPE_CHECKING:
    from hubsim.experiments.tune.result import TuneResult
    from hubsim.experiments.tune.trials import Session


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
        + ", ".join(f"{k} = {number_text(v)}" for k, v in best.params.items())
    )
    return data


def write_outputs(result: TuneResult, study: optuna.Study, plots: bool) -> list[Path]:
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


def write_manifest(result: TuneResult, session: Session, store: ResumableFolder) -> None:
    """The study's manifest: the file, versions, every session so far and the best trial."""
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
            *store.sessions(),
            {
                "session": session.tag,
                "finished": now(),
                "told": session.told,
                "abandoned_marked_failed": result.abandoned,
            },
        ],
        "best_trial": result.best.number if result.best else None,
        "check": check,
        "status": "complete",
    }
    store.write_manifest(manifest)
