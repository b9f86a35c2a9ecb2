"""Scoring trials: objectives, constraint shares with Wilson bounds, the best trial."""

from __future__ import annotations

import math
import statistics

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

from hubsim.experiments.tune.file import Tuning


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
