"""What a tuning session prints: numbers in short form, the best so far, the summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
from optuna.trial import TrialState

from hubsim.experiments.tune.file import Tuning
from hubsim.experiments.tune.stats import best_trial

if TYPE_CHECKING:
    from hubsim.experiments.tune.result import Check, TuneResult


def number_text(value: Any) -> str:
    """2.15e11 -> '215bn', 2,150,000 -> '2.15M', 1234.5 -> '1,234', 0.25 -> '0.25'."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    for size, unit in ((1e9, "bn"), (1e6, "M")):
        if abs(value) >= size:
            return f"{value / size:,.4g}{unit}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def best_text(study: optuna.Study, tuning: Tuning) -> str:
    """'best 1.2e+10 (trial 7)', or 'Pareto front 4 trials', or 'no feasible trial yet'."""
    best = best_trial(study, tuning)
    if best is None:
        return "no feasible trial yet"
    if len(tuning.objectives) == 2:
        return f"Pareto front {len(study.best_trials)} trials"
    return f"best {number_text(best.values[0])} (trial {best.number})"


def interrupted_text(tuning: Tuning, study: optuna.Study, folder: Path) -> str:
    done = sum(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False))
    return (
        f"Tuning {tuning.name} interrupted: {done} finished trials are kept in the study "
        f"{tuning.study_name} (folder {folder}). Run the same command again to go on; the "
        "trials that were running are marked failed and replaced."
    )


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
    lines += [f"  {v.key} = {number_text(best.params[v.key])}" for v in tuning.variables]
    for objective, value in zip(tuning.objectives, best.values, strict=True):
        lines.append(f"  {objective.direction} {objective.column}: {number_text(value)}")
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
        band = (
            f" (95 % interval {number_text(row['lo'])} to {number_text(row['hi'])})"
            if row["lo"]
            else ""
        )
        fresh, study = number_text(row["fresh"]), number_text(row["study"])
        lines.append(f"  {row['column']}: {fresh}{band}; in the study {study}")
    return lines
