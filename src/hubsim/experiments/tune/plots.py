"""Figures of a tuning study: history, parameter importances, the constraint's response, Pareto.

Drawn on `matplotlib.figure.Figure` objects (no pyplot, no backend switch, no global style).
"""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from optuna.trial import FrozenTrial

# The hubsim internals this module uses, in one place (re-point them here if the layout moves).
from hubsim.experiments.tune.file import Tuning
from hubsim.output.layout import integer_ticks
from hubsim.output.plots.figure import stamp_figure

_DPI = 110
_FEASIBLE, _INFEASIBLE, _BEST = "#1b6ca8", "#c0392b", "#e69f00"
# Parameter importances rank what sets the best 10 % of trials apart: with fewer than 10 trials
# that is a single trial, and under 30 a handful.
IMPORTANCE_MIN_TRIALS, IMPORTANCE_FEW_TRIALS = 10, 30
_CHOICES = ("#9ecae1", "#a1d99b", "#fdae6b", "#bcbddc", "#d9d9d9", "#fa9fb5")


def plot_study(
    study: optuna.Study, tuning: Tuning, trials: pd.DataFrame, best: FrozenTrial | None, out: Path
) -> list[Path]:
    """Write history.png, importances.png, constraint.png (with constraints) and pareto.png
    (two objectives) into `out`; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    done = trials[trials.state == "COMPLETE"]
    if done.empty:
        return []
    figures = {"history": _history(tuning, done)}
    importances = _importances(study, tuning, len(done))
    if importances is not None:
        figures["importances"] = importances
    if tuning.constraints:
        figures["constraint"] = _constraint(tuning, done, best)
    if len(tuning.objectives) == 2:
        figures["pareto"] = _pareto(tuning, done, best)
    paths = []
    for name, figure in figures.items():
        stamp_figure(figure, study_stamp(tuning, len(done)))
        paths.append(out / f"{name}.png")
        figure.savefig(paths[-1], dpi=_DPI)
    return paths


def study_stamp(tuning: Tuning, complete: int) -> str:
    """What the figures show, for their footers: the study, its base scenario and seeds."""
    base = tuning.base
    return (
        f"study {tuning.study_name} ({tuning.path.name}), {complete} complete trials of "
        f"{tuning.replications} replications each; base {base.name}, {base.start} + "
        f"{base.months} months, seed {base.seed}, scale {base.scale:g}"
    )


def _short(value: float, _pos: object = None) -> str:
    size = abs(value)
    if size >= 1e9:
        return f"{value / 1e9:,.3g}bn"
    if size >= 1e6:
        return f"{value / 1e6:,.3g}M"
    return f"{value:,.0f}" if size >= 100 else f"{value:.3g}"


def _wrap(text: str, width: int = 60) -> str:
    return "\n".join(textwrap.wrap(text, width))


def _history(tuning: Tuning, done: pd.DataFrame) -> Figure:
    """Each objective by trial (feasible and not), and the best feasible value so far."""
    n = len(tuning.objectives)
    figure = Figure(figsize=(7.5, 3.6 * n), layout="constrained")
    for i, objective in enumerate(tuning.objectives):
        ax = figure.add_subplot(n, 1, i + 1)
        values, ok = done[objective.column], done.feasible.astype(bool)
        ax.scatter(done.trial[ok], values[ok], s=22, color=_FEASIBLE, label="feasible")
        if (~ok).any():
            ax.scatter(
                done.trial[~ok],
                values[~ok],
                s=22,
                marker="x",
                color=_INFEASIBLE,
                label="infeasible (misses a constraint)",
            )
        feasible_values = values.where(ok)
        minimise = objective.direction == "minimize"
        running = feasible_values.cummin() if minimise else feasible_values.cummax()
        ax.step(done.trial, running.ffill(), where="post", color=_BEST, label="best so far")
        ax.set_xlabel("trial")
        integer_ticks(ax.xaxis)  # trials are counted: no trial 0.5
        ax.set_ylabel(_wrap(objective.column, 40))
        ax.yaxis.set_major_formatter(FuncFormatter(_short))
        ax.set_title(_wrap(f"{objective.direction}: {objective.label}", 80), fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    figure.suptitle(f"Optimisation history: {tuning.name}", fontsize=11)
    return figure


def _importances(study: optuna.Study, tuning: Tuning, complete: int) -> Figure | None:
    """Optuna's parameter importances (PED-ANOVA by default) for each objective and for each
    constraint's share, one panel each; none (with a warning) under IMPORTANCE_MIN_TRIALS
    complete trials, and a caveat in the figure under IMPORTANCE_FEW_TRIALS."""
    if complete < IMPORTANCE_MIN_TRIALS:
        warnings.warn(
            f"importances.png not drawn: {complete} complete trials, and parameter importances "
            f"need at least {IMPORTANCE_MIN_TRIALS} (their best 10 % is then one trial); "
            "add trials with --trials.",
            stacklevel=3,
        )
        return None
    targets = [
        # PED-ANOVA explains what makes the target low: flip what is to be high
        (
            f"for {o.column}",
            lambda t, i=i, s=1.0 if o.direction == "minimize" else -1.0: s * t.values[i],
        )
        for i, o in enumerate(tuning.objectives)
    ]
    targets += [
        (
            f"for the share reaching {c.city}'s target",
            lambda t, n=c.name: -t.user_attrs[f"share:{n}"],
        )
        for c in tuning.constraints
    ]
    panels = []
    for title, target in targets:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # its reminder of the above
                found = optuna.importance.get_param_importances(study, target=target)
        except (ValueError, RuntimeError, ZeroDivisionError):  # too few trials, or constant
            continue
        panels.append((title, found))
    if not panels:
        return None
    labels = {v.key: v.label for v in tuning.variables}
    n = len(panels)
    figure = Figure(figsize=(7.5, 0.8 + (0.5 * len(tuning.variables) + 0.7) * n))
    figure.set_layout_engine("constrained")
    for i, (title, found) in enumerate(panels):
        ax = figure.add_subplot(n, 1, i + 1)
        names = list(found)[::-1]
        ax.barh([_wrap(labels.get(k, k), 45) for k in names], [found[k] for k in names])
        ax.set_xlim(0, 1)
        ax.set_title(_wrap(title, 80), fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("importance: what sets the best 10 % of trials apart\n(PED-ANOVA, sums to 1)")
    title = f"Parameter importances: {tuning.name}"
    if complete < IMPORTANCE_FEW_TRIALS:
        top = max(complete // 10, 1)
        title += (
            f"\nCaution: from {complete} trials only (their best 10 % is {top} "
            f"trial{'s' if top > 1 else ''}): a rough ranking, not a measurement"
        )
    figure.suptitle(title, fontsize=11)
    return figure


def _constraint(tuning: Tuning, done: pd.DataFrame, best: FrozenTrial | None) -> Figure:
    """Each constraint's share of replications reaching the target against the main variable."""
    variable = tuning.variables[0]
    n = len(tuning.constraints)
    figure = Figure(figsize=(7.5, 3.8 * n), layout="constrained")
    reps = tuning.replications
    for i, constraint in enumerate(tuning.constraints):
        ax = figure.add_subplot(n, 1, i + 1)
        share = done[f"share:{constraint.name}"].astype(float)
        x = done[variable.column]
        ok = done[f"constraint:{constraint.name}"].astype(float) <= 0  # Optuna's feasibility
        jitter = (np.arange(len(done)) % 5 - 2) * 0.004  # trials with equal shares stay visible
        ax.scatter(x[ok], share[ok] + jitter[ok], s=22, color=_FEASIBLE, label="feasible")
        ax.scatter(
            x[~ok],
            share[~ok] + jitter[~ok],
            s=22,
            marker="x",
            color=_INFEASIBLE,
            label="infeasible" + (" (lower bound below p)" if constraint.confidence else ""),
        )
        p = constraint.at_least
        ax.axhline(p, color="grey", ls="--", lw=1, label=f"p = {p:g}")
        if best is not None:
            ax.scatter(
                [best.params[variable.key]],
                [best.user_attrs.get(f"share:{constraint.name}")],
                s=160,
                marker="*",
                color=_BEST,
                zorder=5,
                label=f"best (trial {best.number})",
            )
        ax.set_ylim(-0.05, 1.05)
        ax.set_xlabel(_wrap(variable.label, 80))
        ax.xaxis.set_major_formatter(FuncFormatter(_short))
        ax.set_ylabel(f"share of {reps} replications\nreaching {constraint.city}'s target")
        ax.legend(fontsize=8, loc="best")
        ax.grid(alpha=0.3)
    figure.suptitle(f"Chance constraint, every trial: {tuning.name}", fontsize=11)
    return figure


def _pareto(tuning: Tuning, done: pd.DataFrame, best: FrozenTrial | None) -> Figure:
    """Both objectives of every complete trial, the feasible Pareto front joined by a line."""
    first, second = tuning.objectives
    figure = Figure(figsize=(7.5, 5.2), layout="constrained")
    ax = figure.add_subplot()
    x, y, ok = done[first.column], done[second.column], done.feasible.astype(bool)
    groups = next((v for v in tuning.variables if v.spec.kind == "categorical"), None)
    if groups is None:
        ax.scatter(x[ok], y[ok], s=20, color="#9ecae1", label="feasible trials")
    else:  # a choice (e.g. who gets hukou) often splits the trials into bands: colour them
        for choice, colour in zip(groups.spec.choices or [], _CHOICES, strict=False):
            mine = ok & (done[groups.column].astype(str) == str(choice))
            label = f"{groups.column} = {choice}"
            ax.scatter(x[mine], y[mine], s=22, color=colour, alpha=0.6, label=label)
    if (~ok).any():
        ax.scatter(x[~ok], y[~ok], s=20, marker="x", color=_INFEASIBLE, label="infeasible")
    front = pareto_mask(np.c_[x[ok], y[ok]], [first.direction, second.direction])
    order = np.argsort(x[ok].to_numpy()[front])
    fx, fy = x[ok].to_numpy()[front][order], y[ok].to_numpy()[front][order]
    label = f"Pareto front ({front.sum()} trials)"
    if groups is None:
        ax.plot(fx, fy, "o-", color=_FEASIBLE, ms=5, label=label)
    else:  # the front's points keep their choice's colour, ringed in black
        ax.plot(fx, fy, "-", color="#333333", lw=1.2, zorder=3)
        choice = done[groups.column].astype(str)[ok].to_numpy()[front][order]
        for value, colour in zip(groups.spec.choices or [], _CHOICES, strict=False):
            mine = choice == str(value)
            ax.scatter(fx[mine], fy[mine], s=40, color=colour, edgecolors="black",
                       linewidths=0.9, zorder=4)  # fmt: skip
        ax.plot([], [], "o-", color="#333333", mfc="white", mec="black", ms=6,
                label=label + ": ringed, coloured by " + groups.column)  # fmt: skip
    if best is not None:
        ax.scatter(
            [best.values[0]],
            [best.values[1]],
            s=200,
            marker="*",
            color=_BEST,
            zorder=5,
            label=f"best.yaml (trial {best.number}, nearest the ideal)",
        )
    ax.set_xlabel(_wrap(f"{first.direction}: {first.label}", 70))
    ax.set_ylabel(_wrap(f"{second.direction}: {second.label}", 50))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(FuncFormatter(_short))
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    figure.suptitle(f"Pareto front: {tuning.name}", fontsize=11)
    return figure


def pareto_mask(points: np.ndarray, directions: list[str]) -> np.ndarray:
    """True for the points no other point dominates (pure: points in, mask out)."""
    values = np.array(points, dtype=float).reshape(len(points), -1)
    values[:, [d == "maximize" for d in directions]] *= -1  # everything minimised
    mask = np.ones(len(values), dtype=bool)
    for i, point in enumerate(values):
        better = np.all(values <= point, axis=1) & np.any(values < point, axis=1)
        mask[i] = not better.any()
    return mask
