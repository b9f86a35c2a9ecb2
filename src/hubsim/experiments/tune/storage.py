"""The tuning study's folder, Optuna storage and sampler, and its decision variables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
from optuna.distributions import BaseDistribution

from hubsim.experiments.store import ResumableFolder
from hubsim.experiments.study import (
    distribution,
    open_storage,
    open_study_folder,
)
from hubsim.experiments.tune.file import TuneError, Tuning

SAMPLER_STREAM = 7_1300  # spawn key of the sampler's seed, apart from replication children


def tune_folder(out: Path, tuning: Tuning) -> ResumableFolder:
    """The study's resumable folder; its manifest is checked before anything runs."""
    folder = open_study_folder(out, tuning.name, tuning.study_id, TuneError)
    folder.read_manifest()
    return folder


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
