"""The calibration's figures: convergence (trials and amenity rounds) and fit (each moment)."""

from __future__ import annotations

import re
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
        f"{cal.spinup.scale:g}) and of the 2010-2019 run (scale {cal.policy.scale:g}), seeds "
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


FAMILY_SUFFIX = re.compile(r"(_(19|20)\d\d)+(_(q\d|h\d|end|year))?$")
Z_LIMIT = 8.0  # errors beyond this many tolerances are drawn at the edge


def family(moment: str) -> str:
    """A moment's family: its name without a trailing year (and quarter, half or period), so
    that one row of the figure holds e.g. every city's office vacancy of every year."""
    return FAMILY_SUFFIX.sub("", moment)


def fit_figure(result, path: Path) -> Path:
    """Each moment's standardised error (in tolerances, the calibration's own scale), one row a
    family of moments, one point a moment: green within its tolerance, red outside, grey shown
    but not fitted; errors beyond Z_LIMIT sit at the edge as triangles."""
    table = result.table.copy()
    table["family"] = [family(m) for m in table.moment]
    order = list(dict.fromkeys(table.family))
    fig = Figure(figsize=(9, 0.34 * len(order) + 1.6), layout="constrained")
    ax = fig.subplots()
    ax.axvspan(-1, 1, color="#2ca02c", alpha=0.12, lw=0)
    ax.axvline(0, color="#555555", linewidth=0.8)
    rng = np.random.default_rng(0)  # jitter only: the same figure every time
    labels = []
    for row, name in enumerate(order):
        part = table[table.family == name]
        y = len(order) - 1 - row + rng.uniform(-0.2, 0.2, len(part))
        z = part.z.to_numpy(float)
        clipped = np.clip(z, -Z_LIMIT, Z_LIMIT)
        fitted = part.weight.to_numpy(float) > 0
        within = part.within_tolerance.fillna(False).to_numpy(bool)
        colours = np.where(fitted, np.where(within, "#2ca02c", "#d62728"), "#aaaaaa")
        edge = np.abs(z) > Z_LIMIT
        ax.scatter(clipped[~edge], y[~edge], c=colours[~edge], s=18, zorder=3)
        ax.scatter(clipped[edge], y[edge], c=colours[edge], s=30, marker=">", zorder=3)
        inside = int((within & fitted).sum())
        labels.append(f"{name} ({inside}/{int(fitted.sum())} within)")
    ax.set_yticks(np.arange(len(order))[::-1], labels, fontsize=7)
    ax.set_xlim(-Z_LIMIT - 0.5, Z_LIMIT + 0.5)
    ax.set_xlabel(
        "error in tolerances (ln(simulated / target) or the difference, over the tolerance); "
        "band: within"
    )
    ax.set_title("Calibration fit: green within tolerance, red outside, grey not fitted")
    stamp_figure(fig, _stamp(result))
    fig.savefig(path, dpi=_DPI)
    return path
