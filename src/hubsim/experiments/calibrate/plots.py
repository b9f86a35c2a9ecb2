"""The calibration's figures: convergence (trials and amenity rounds) and fit (each moment)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from hubsim.output.layout import integer_ticks
from hubsim.output.plots.figure import stamp_figure

_DPI = 110
_PLAIN = FuncFormatter(lambda v, _pos: f"{v:g}")


def _stamp(result) -> str:
    cal = result.calibration
    return (
        f"calibration {cal.name} ({cal.path.name}{', --quick' if cal.quick else ''}), study "
        f"{cal.study_id}: {cal.replications} replication(s) of the spin-up (scale "
        f"{cal.spinup.scale:g}) and of the 2010-2018 run (scale {cal.policy.scale:g}), seeds "
        f"{cal.spinup.seed} and {cal.policy.seed}"
    )


def convergence_figure(result, path: Path) -> Path:
    """Distance by trial with the best so far; distance and population error by round."""
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    done = result.trials[result.trials.state == "COMPLETE"]
    if len(done):
        left.scatter(done.trial, done.distance, s=14, color="#7f7f7f", label="trial")
        left.step(
            done.trial, done.distance.cummin(), where="post", color="#d62728", label="best so far"
        )
        left.set_yscale("log")
        left.legend(frameon=False)
    left.set_xlabel("trial")
    integer_ticks(left.xaxis)  # counted: no trial 0.5
    left.yaxis.set_major_formatter(_PLAIN)  # 2, not 2 x 10^0
    left.yaxis.set_minor_formatter(_PLAIN)
    left.set_ylabel("distance (weighted mean squared error, log)")
    left.set_title(f"Optuna study ({result.calibration.size.trial_steps} amenity steps a trial)")
    rounds = result.rounds
    if len(rounds):
        population = rounds.filter(like="population@").to_numpy()
        census = result.table.set_index("moment").loc["population_2010"]
        target = census.set_index("city").target.reindex(
            [c.split("@")[1] for c in rounds.filter(like="population@").columns]
        )
        gap = np.abs(population / target.to_numpy()[None, :] - 1) * 100
        right.plot(rounds["round"], gap.max(axis=1), marker="o", label="largest city gap")
        right.plot(rounds["round"], np.median(gap, axis=1), marker="o", label="median city gap")
        right.axhline(5, color="#555555", linestyle=":", label="5 % criterion")
        for stage, first in rounds.groupby("stage")["round"].min().items():
            right.axvline(first - 0.5, color="#bbbbbb")
            right.text(
                first - 0.4, right.get_ylim()[1] * 0.95, stage + " the study", fontsize=8, va="top"
            )
        # below the axes: inside, it hid the stage labels or the points
        right.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=3)
    right.set_xlabel("amenity round")
    integer_ticks(right.xaxis)  # counted: no round 0.5
    right.set_ylabel("2010 population vs census (%)")
    right.set_title("Amenity fixed point")
    stamp_figure(fig, _stamp(result))
    fig.savefig(path, dpi=_DPI)
    return path


def fit_figure(result, path: Path) -> Path:
    """Each moment's simulated error against its target, with the replications' spread."""
    table = result.table.copy()
    table["label"] = [
        m + (f" {c}" if c else "") for m, c in zip(table.moment, table.city, strict=True)
    ]
    fig = Figure(figsize=(9, 0.22 * len(table) + 1.6), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(table))[::-1]
    spread = 100 * table.simulated_sd.fillna(0) / table.target
    colours = np.where(
        table.weight > 0,
        np.where(table.within_tolerance.fillna(False).astype(bool), "#2ca02c", "#d62728"),
        "#aaaaaa",
    )
    error = table.error_pct.clip(-100, 300)
    ax.errorbar(error, y, xerr=spread, fmt="none", ecolor="#555555", elinewidth=1)
    ax.scatter(error, y, c=colours, s=22, zorder=3)
    logged = table.error.isin(["log", "log_upper"])
    above = np.where(
        logged, 100 * (np.exp(table.tolerance) - 1), 100 * table.tolerance / table.target
    )
    below = np.where(logged, 100 * (1 - np.exp(-table.tolerance)), above)
    below = np.where(table.error == "log_upper", 100.0, below)  # only an excess is charged
    ax.barh(y, above + below, left=-below, height=0.6, color="#2ca02c", alpha=0.12)
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_yticks(y, table.label, fontsize=7)
    ax.set_xlabel("simulated vs target (%); band: tolerance; grey: shown, not fitted")
    ax.set_title("Calibration fit: green within tolerance, red outside")
    stamp_figure(fig, _stamp(result))
    fig.savefig(path, dpi=_DPI)
    return path
