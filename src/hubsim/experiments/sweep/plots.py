"""Figures of a sweep: each outcome against each swept parameter, and heatmaps of two-way grids.

`plot_sweep(rows, sweep, out_dir)` writes `<outcome>.png` and `heatmap_<outcome>.png`.
"""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from hubsim.experiments import paired
from hubsim.output.plots.figure import stamp_figure, subplots

if TYPE_CHECKING:
    from hubsim.experiments.outcomes import Outcome
    from hubsim.experiments.sweep.file import Parameter, Sweep

_DPI = 110
_LINE = "#1b6ca8"
_MAX_LEVELS = 20  # a parameter with more distinct values is drawn point by point


def _short(value: float, _pos: object = None) -> str:
    """5,570,000 -> '5.57M', 12,000 -> '12,000', 0.25 -> '0.25' (one number on its own)."""
    return _in_units(value, abs(value))


def _in_units(value: float, size: float) -> str:
    """`value` written in the unit that suits numbers of magnitude `size` (M, bn or plain)."""
    if size >= 1e9:
        return f"{value / 1e9:.4g}bn"
    if size >= 1e6:
        return f"{value / 1e6:.4g}M"
    if size >= 1e3:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _axis_units(axis) -> None:
    """One unit along an axis (0.95M and 1.15M, not 950,000 and 1.15M), with as many decimals
    as it takes to tell its ticks apart."""
    low, high = axis.get_view_interval()
    size = max(abs(low), abs(high))
    divisor, suffix = (1e9, "bn") if size >= 1e9 else (1e6, "M") if size >= 1e6 else (1.0, "")
    ticks = [t / divisor for t in axis.get_majorticklocs()]
    # The fewest decimals that write every tick exactly (0.25M, not a rounded 0.2M).
    decimals = next(
        (d for d in range(7) if all(abs(round(t, d) - t) < 1e-9 * max(1.0, abs(t)) for t in ticks)),
        6,
    )
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v / divisor:,.{decimals}f}{suffix}"))


SHORT = FuncFormatter(_short)


def plot_sweep(rows: pd.DataFrame, sweep: Sweep, out_dir: str | Path) -> list[Path]:
    """Draw every figure of a sweep from its rows (one per finished run); returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [
        _outcome_figure(rows, sweep, outcome, out_dir / f"{_slug(outcome.text)}.png")
        for outcome in sweep.outcomes
    ]
    if sweep.spec.design == "grid" and len(sweep.parameters) == 2:
        paths += [
            _heatmap(rows, sweep, outcome, out_dir / f"heatmap_{_slug(outcome.text)}.png")
            for outcome in sweep.outcomes
        ]
    return paths


def sweep_stamp(sweep: Sweep) -> str:
    """The sweep, its base scenario and the overrides every run shares, for a figure's footer."""
    fixed = ", ".join(f"{k}={v}" for k, v in sweep.spec.set.items())
    return (
        f"sweep {sweep.name} ({sweep.path.name}), base scenario {sweep.base.name}"
        + (f", set: {fixed}" if fixed else "")
        + f", seed {sweep.base.seed}, {sweep.replications} replication(s)"
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text)


def _outcome_figure(rows: pd.DataFrame, sweep: Sweep, outcome: Outcome, path: Path) -> Path:
    count = len(sweep.parameters)
    ncols = min(count, 3)
    nrows = math.ceil(count / ncols)
    fig, axes = subplots(
        nrows, ncols, figsize=(5.2 * ncols, 3.9 * nrows), squeeze=False, layout="constrained"
    )
    for ax, parameter in zip(axes.flat, sweep.parameters, strict=False):
        _panel(ax, rows, parameter, outcome, sweep.replications)
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    pooled = " and the other parameters" if count > 1 else ""
    how = "mean and 95 % band over replications"
    if outcome.paired:
        how = f"paired with point {sweep.reference_point} on the same seeds; " + (
            "mean extra spending / mean extra talent" if outcome.name == paired.COST else how
        )
    text = f"{outcome.label}\n{how}{pooled}, {len(rows)} runs; dots: single runs"
    width = int(5.2 * ncols * 13)  # characters that fit the figure's width at this size
    fig.suptitle("\n".join(_wrap(line, width) for line in text.split("\n")), fontsize=10)
    stamp_figure(fig, sweep_stamp(sweep))
    fig.savefig(path, dpi=_DPI)
    return path


def _panel(ax: Axes, rows: pd.DataFrame, parameter: Parameter, outcome: Outcome, reps: int):
    x, y = rows[parameter.column], rows[outcome.text]
    numeric = pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x)
    levels = x.nunique()
    cost = outcome.name == paired.COST
    if levels <= _MAX_LEVELS:
        stats = _band(y.groupby(x))
        if cost:  # a ratio of paired means, not a mean of ratios; no band
            stats["mean"] = paired.cost_per_point(rows, outcome, by=parameter.column)
            stats["lo"] = stats["hi"] = np.nan
        where = stats.index.to_numpy() if numeric else np.arange(len(stats))
        ax.fill_between(where, stats["lo"], stats["hi"], color=_LINE, alpha=0.18, lw=0)
        ax.plot(where, stats["mean"], color=_LINE, marker="o", lw=2, label="mean")
        position = x if numeric else x.map(dict(zip(stats.index, where, strict=True)))
        ax.scatter(position, y, s=9, color="#555555", alpha=0.45, zorder=3, lw=0)
        if not numeric:
            ax.set_xticks(where, [str(v) for v in stats.index])
    else:  # sampled designs: each point's mean, its band over replications as a bar
        stats = _band(rows.groupby("point")[outcome.text])
        at = rows.groupby("point")[parameter.column].first()
        if cost:
            stats["mean"] = paired.cost_per_point(rows, outcome)
        if reps > 1 and not cost:
            ax.vlines(at, stats["lo"], stats["hi"], color=_LINE, alpha=0.35, lw=1.2)
        ax.scatter(at, stats["mean"], s=14, color=_LINE, zorder=3)
    ax.set_xlabel(_wrap(parameter.label))
    ax.set_ylabel(_wrap(f"{outcome.what} ({outcome.unit})", 40))
    if outcome.unit.startswith("share"):
        ax.set_ylim(-0.05, 1.05)
    _axis_units(ax.yaxis)
    if numeric:
        _axis_units(ax.xaxis)
    ax.grid(alpha=0.3)


def _band(grouped) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mean": grouped.mean(),
            "lo": grouped.quantile(0.025),
            "hi": grouped.quantile(0.975),
        }
    )


def _heatmap(rows: pd.DataFrame, sweep: Sweep, outcome: Outcome, path: Path) -> Path:
    first, second = sweep.parameters
    table = rows.pivot_table(
        index=first.column,
        columns=second.column,
        values=outcome.text,
        aggfunc="mean",
        dropna=False,  # an outcome with no value (NaN) keeps its cells, drawn blank
    )
    fig, ax = subplots(
        figsize=(max(5.5, 0.75 * table.shape[1] + 3), max(4.0, 0.5 * table.shape[0] + 2)),
        layout="constrained",
    )
    values = table.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    if low == high:  # one value (or none): a colour scale around it, not a collapsed one
        low, high = low - 0.5, high + 0.5
    image = ax.imshow(values, cmap="viridis", aspect="auto", origin="lower", vmin=low, vmax=high)
    ax.set_xticks(range(table.shape[1]), [_tick(v) for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [_tick(v) for v in table.index])
    ax.set_xlabel(_wrap(second.label))
    ax.set_ylabel(_wrap(first.label))
    if table.size <= 150:
        _annotate(ax, table.to_numpy(), image)
    bar = fig.colorbar(image, ax=ax, format=SHORT)
    bar.set_label(outcome.unit)
    ax.set_title(f"{outcome.label}\nmean over {sweep.replications} replications", fontsize=10)
    stamp_figure(fig, sweep_stamp(sweep))
    fig.savefig(path, dpi=_DPI)
    return path


def _wrap(text: str, width: int = 55) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _tick(value: object) -> str:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return str(value)
    return _short(float(value))


def _annotate(ax: Axes, values: np.ndarray, image) -> None:
    """Each cell's value in black or white, whichever reads on its colour."""
    for (i, j), value in np.ndenumerate(values):
        if np.isnan(value):
            continue
        red, green, blue, _ = image.cmap(image.norm(value))
        ink = "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"
        ax.text(j, i, _short(value), ha="center", va="center", color=ink, fontsize=8)
