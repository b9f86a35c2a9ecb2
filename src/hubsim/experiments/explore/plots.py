"""Figures of an explore: Morris mu*-sigma panels or Sobol bars (one panel per outcome, up to
a dozen a file), and for each PRIM box its trade-off curve and the box on its two main inputs.

`plot_explore(result, out_dir)` writes them and returns their paths.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hubsim.output.plots.figure import save, stamp_figure, subplots

if TYPE_CHECKING:
    from hubsim.experiments.explore.discover import Box
    from hubsim.experiments.explore.result import ExploreResult

PANELS = 12  # outcome panels per file
_BLUE, _RED, _GREY = "#1b6ca8", "#c0392b", "#999999"


def plot_explore(result: ExploreResult, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = f"hubsim explore {result.explore.path} (id {result.explore.explore_id})"
    paths = []
    outcomes = list(dict.fromkeys(result.indices.outcome)) if not result.indices.empty else []
    for part in range(math.ceil(len(outcomes) / PANELS)):
        chosen = outcomes[part * PANELS : (part + 1) * PANELS]
        draw = _morris if result.explore.method == "morris" else _sobol
        fig = draw(result.indices[result.indices.outcome.isin(chosen)], chosen)
        stamp_figure(fig, stamp)
        name = f"{result.explore.method}_{part + 1}.png"
        paths.append(save(fig, out_dir / name))
    for box in result.boxes:
        if box.found:
            fig = _prim(box, result.rows)
            stamp_figure(fig, stamp)
            paths.append(save(fig, out_dir / f"prim_{box.event.replace('@', '_')}.png"))
    return paths


def _grid(count: int, width: float = 3.4, height: float = 2.9):
    cols = min(3, count)
    rows = math.ceil(count / cols)
    fig, axes = subplots(rows, cols, figsize=(width * cols, height * rows + 0.3),
                         layout="constrained", squeeze=False)  # fmt: skip
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, axes.flat


def _morris(table: pd.DataFrame, outcomes: list[str]):
    """mu* (mean absolute elementary effect, with its 95 % band) against sigma: inputs far
    right matter; high above the diagonal, through interactions or non-linearly."""
    fig, axes = _grid(len(outcomes))
    for ax, outcome in zip(axes, outcomes, strict=False):
        rows = table[table.outcome == outcome]
        ax.errorbar(rows.mu_star, rows.sigma, xerr=rows.mu_star_conf, fmt="o", color=_BLUE,
                    ecolor=_GREY, ms=4, lw=0.8)  # fmt: skip
        top = float(max(rows.mu_star.max(), rows.sigma.max(), 1e-12))
        ax.plot([0, top], [0, top], ls=":", color=_GREY, lw=0.8)
        for row in rows.head(4).itertuples():
            ax.annotate(row.input, (row.mu_star, row.sigma), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")  # fmt: skip
        ax.set_title(outcome, fontsize=9)
        ax.set_xlabel("mu* (per full range)", fontsize=8)
        ax.set_ylabel("sigma", fontsize=8)
        ax.tick_params(labelsize=7)
    return fig


def _sobol(table: pd.DataFrame, outcomes: list[str]):
    """First-order (S1) and total (ST) indices per input with 95 % bands."""
    fig, axes = _grid(len(outcomes), width=3.8)
    for ax, outcome in zip(axes, outcomes, strict=False):
        rows = table[table.outcome == outcome]
        where = np.arange(len(rows))
        ax.barh(where - 0.2, rows.S1, 0.4, xerr=rows.S1_conf, color=_BLUE, label="S1",
                error_kw={"ecolor": _GREY, "lw": 0.8})  # fmt: skip
        ax.barh(where + 0.2, rows.ST, 0.4, xerr=rows.ST_conf, color=_RED, label="ST",
                error_kw={"ecolor": _GREY, "lw": 0.8})  # fmt: skip
        ax.set_yticks(where, rows.input, fontsize=7)
        ax.invert_yaxis()
        ax.set_title(outcome, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7)
    return fig


def _prim(box: Box, rows: pd.DataFrame):
    """Left: coverage against density along the peeling (the chosen box circled). Right: the
    runs on the box's two first inputs, the event in red, the box drawn."""
    fig, (left, right) = subplots(1, 2, figsize=(9, 3.8), layout="constrained")
    t = box.trajectory
    points = left.scatter(t.coverage, t.density, c=t.restricted_inputs, cmap="viridis", s=14)
    chosen = t.iloc[box.chosen]
    left.scatter([chosen.coverage], [chosen.density], s=120, facecolors="none", edgecolors=_RED)
    fig.colorbar(points, ax=left, label="inputs restricted")
    left.set_xlabel("coverage")
    left.set_ylabel("density")
    left.set_title(f"{box.what}: PRIM trade-off", fontsize=9)
    names = list(box.limits.input[:2])
    column = box.event.split("@")
    right.set_title(f"box (coverage {chosen.coverage:.2f}, density {chosen.density:.2f})",
                    fontsize=9)  # fmt: skip
    if not names:
        right.text(0.5, 0.5, "the box restricts no input", ha="center", transform=right.transAxes)
        right.set_axis_off()
        return fig
    from hubsim.experiments.explore import defaults

    event = next(e for e in defaults.EVENTS if e.name == column[0])
    values = rows[f"{event.column}@{column[1]}"]
    judged = values.notna()
    happened = event.happened(values[judged]).to_numpy()
    lim = box.limits.set_index("input")
    lo, hi = lim.loc[names, "low"], lim.loc[names, "high"]
    x = rows.loc[judged, names[0]]
    if len(names) == 1:  # one input: the runs along it, the event's runs above the others
        y = np.where(happened, 1.0, 0.0) + np.linspace(-0.15, 0.15, len(x))
        right.axvspan(lo.iloc[0], hi.iloc[0], color=_RED, alpha=0.12, label="box")
        right.set_yticks([0, 1], ["no", "yes"])
        right.set_ylim(-0.5, 1.5)
        right.set_ylabel(box.what)
    else:
        y = rows.loc[judged, names[1]]
        right.add_patch(_rectangle(lo.iloc[0], lo.iloc[1], hi.iloc[0], hi.iloc[1]))
        right.set_ylabel(names[1])
    right.scatter(x[~happened], y[~happened], s=10, color=_GREY, label="no")
    right.scatter(x[happened], y[happened], s=10, color=_RED, label="yes")
    right.set_xlabel(names[0])
    where = "center" if len(names) == 1 else "best"  # one input: the middle row is empty
    right.legend(fontsize=7, title=box.what, title_fontsize=7, loc=where)
    return fig


def _rectangle(x0: float, y0: float, x1: float, y1: float):
    from matplotlib.patches import Rectangle

    return Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec=_RED, lw=1.5)
