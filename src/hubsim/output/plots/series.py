"""Time-series figures: talent against each city's target (`talent.png`) and rent and wages
(`rent_wage.png`), each a replication mean with its 95 % band."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hubsim.output.layout import city_colours, fixed_margins
from hubsim.output.plots.figure import (
    BAND_ALPHA,
    REST,
    THOUSANDS,
    city_order,
    date_axis,
    display_names,
    staggered_marks,
    subplots,
    tier_one_cities,
    with_reps,
)


def _metric_stats(city_month: pd.DataFrame, metric: str) -> tuple[pd.DataFrame, int]:
    """Mean and 2.5-97.5 percentile band per city and month, plus the replication count."""
    rows = city_month.loc[(city_month["metric"] == metric) & (city_month["city"] != REST)]
    rows = rows.assign(date=pd.to_datetime(rows["date"]))
    grouped = rows.groupby(["city", "date"])["value"]
    n_rep = int(rows["replication"].nunique())
    mean = grouped.mean()
    if n_rep == 1:  # one value per month: its own band, without two grouped quantiles
        return pd.DataFrame({"mean": mean, "lo": mean, "hi": mean}).reset_index(), n_rep
    stats = pd.DataFrame(
        {"mean": mean, "lo": grouped.quantile(0.025), "hi": grouped.quantile(0.975)}
    ).reset_index()
    return stats, n_rep


def _draw_series(ax: Axes, stats: pd.DataFrame, n_rep: int, scale: float, **style) -> None:
    """Plot the replication mean, shading the 95 % band only when there is a spread to show."""
    if len(stats) == 1:  # one month: a line of one point would be invisible
        style = {"marker": "o", **style}
    (line,) = ax.plot(stats["date"], stats["mean"] * scale, **style)
    if n_rep > 1 and len(stats) > 1:
        ax.fill_between(
            stats["date"],
            stats["lo"] * scale,
            stats["hi"] * scale,
            color=line.get_color(),
            alpha=BAND_ALPHA,
            linewidth=0,
        )


def _date_limits(dates: Iterable[pd.Timestamp]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The span of the dates, padded by 3 % (and at least a month, for one-month runs)."""
    dates = list(dates)
    start, end = min(dates), max(dates)
    pad = max((end - start) * 0.03, pd.Timedelta(days=31) if start == end else pd.Timedelta(0))
    return start - pad, end + pad


def _short_run_note(stats: pd.DataFrame) -> str:
    """A sentence for figures of runs too short to show a path over time."""
    months = stats["date"].nunique()
    if months >= 2:
        return ""
    return "\none simulated month: a value per city, no path over time"


def _targets(summary: pd.DataFrame) -> dict[str, tuple[float, pd.Timestamp | None]]:
    """Per-city talent target and its date (None when no date); cities without target omitted."""
    if not {"city", "target_talent"} <= set(summary.columns):
        return {}
    dates = summary.get("target_date", pd.Series([""] * len(summary), index=summary.index))
    parsed = pd.to_datetime(dates.astype("string"), format="%Y-%m", errors="coerce")
    out: dict[str, tuple[float, pd.Timestamp | None]] = {}
    for city, target, when in zip(summary["city"], summary["target_talent"], parsed, strict=True):
        if pd.notna(target) and target > 0:
            out[city] = (float(target), None if pd.isna(when) else when)
    return out


STAYING_NOTE = "target: graduates staying,\nnot talent (attainment.png)"


def _talent_panel(
    ax: Axes,
    stats: pd.DataFrame,
    n_rep: int,
    target: tuple[float, pd.Timestamp | None] | None,
    xlim: tuple[pd.Timestamp, pd.Timestamp],
    staying_target: bool = False,
) -> None:
    """One city's talent path in millions, with its target as a dashed line and marker; a city
    whose target counts graduates staying (not talent) says so instead of drawing a line."""
    if stats["mean"].notna().any():
        _draw_series(ax, stats, n_rep, 1e-6, color="#1f77b4", linewidth=1.6)
    else:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    if target is not None:
        value, when = target
        ax.axhline(value * 1e-6, color="#d62728", linestyle="--", linewidth=1.1)
        if when is not None:
            ax.plot([when], [value * 1e-6], marker="D", color="#d62728", markersize=5)
    elif staying_target:
        ax.text(0.03, 0.95, STAYING_NOTE, transform=ax.transAxes, ha="left", va="top",
                fontsize=7.5, color="#d62728")  # fmt: skip
    ax.set_xlim(*xlim)
    date_axis(ax)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)


def _talent_legend(ax: Axes, n_rep: int, any_target: bool, one_month: bool) -> None:
    """Explain the panel symbols once, in an otherwise empty grid slot."""
    ax.set_axis_off()
    label = "Talent (mean)" if n_rep > 1 else "Talent"
    marker = "o" if one_month else None
    handles = [Line2D([], [], color="#1f77b4", linewidth=1.6, marker=marker, label=label)]
    if n_rep > 1:
        handles.append(Patch(color="#1f77b4", alpha=BAND_ALPHA, label="95 % range"))
    if any_target:  # don't explain symbols that appear nowhere in the figure
        handles.append(Line2D([], [], color="#d62728", linestyle="--", label="Target"))
        marker = Line2D([], [], color="#d62728", marker="D", linestyle="", label="Target date")
        handles.append(marker)
    ax.legend(handles=handles, loc="center", frameon=False, fontsize=10)


def talent_figure(city_month: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Small multiples of talent over time, one panel per city, tier-1 first."""
    stats, n_rep = _metric_stats(city_month, "talent")
    cities = city_order(summary, stats["city"].unique())
    names, targets = display_names(summary), _targets(summary)
    kinds = summary.set_index("city").get("target_kind", pd.Series(dtype=str))
    staying_targets = {c for c, k in kinds.items() if k == "graduates_staying_people"}
    target_dates = [w for c, (_v, w) in targets.items() if w is not None and c in cities]
    # the pad keeps a target marker on the last month visible
    xlim = _date_limits([stats["date"].min(), stats["date"].max(), *target_dates])
    ncols = 4
    nrows = math.ceil((len(cities) + 1) / ncols)  # +1 keeps a slot free for the legend
    fig, axes = subplots(nrows, ncols, figsize=(12, 2.3 * nrows + 0.9), squeeze=False)
    top = 0.9 if _short_run_note(stats) else 0.65
    fixed_margins(fig, left=1.05, right=0.2, top=top, bottom=0.55, wspace=0.55, hspace=0.4)
    flat = axes.ravel()
    for i, (ax, city) in enumerate(zip(flat, cities, strict=False)):
        staying = city in staying_targets
        _talent_panel(ax, stats[stats["city"] == city], n_rep, targets.get(city), xlim, staying)
        ax.set_title(names.get(city, city), fontsize=11)
        # Every panel spans the same dates: years under the lowest panel of each column only
        # (fewer labels to draw, and less to read).
        ax.tick_params(axis="x", labelbottom=i + ncols >= len(cities))
    one_month = stats["date"].nunique() == 1
    _talent_legend(flat[len(cities)], n_rep, any(c in targets for c in cities), one_month)
    for ax in flat[len(cities) + 1 :]:
        ax.set_axis_off()
    title = with_reps("Graduate talent by city", n_rep) + _short_run_note(stats)
    fig.suptitle(title, fontsize=13)
    fig.supylabel("Talent (million people)\neach panel has its own scale", fontsize=11, x=0.01)
    return fig


def rent_wage_figure(city_month: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Rent and mean wage over time, one line per city, tier-1 solid, tier-2 dashed."""
    fig, (ax_rent, ax_wage) = subplots(1, 2, figsize=(13, 5.2))
    fixed_margins(fig, left=0.85, right=2.0, top=0.75, bottom=0.7, wspace=0.95)
    names, tier_one = display_names(summary), tier_one_cities(summary)
    specs = [
        (ax_rent, "rent", 1.0, "Nominal rent", "Nominal rent (yuan per m² per month)"),
        (
            ax_wage,
            "wage_mean",
            1e-3,
            "Nominal mean wage",
            "Nominal mean wage (thousand yuan per year)",
        ),
    ]
    seen = city_month.loc[city_month["metric"].isin(["rent", "wage_mean"]), "city"].unique()
    colours = city_colours(city_order(summary, seen))
    n_rep, note = 1, ""
    for ax, metric, scale, title, ylabel in specs:
        stats, n_rep = _metric_stats(city_month, metric)
        note = _short_run_note(stats)
        if note:
            ax.set_xlim(*_date_limits(stats["date"]))
        for k, city in enumerate(colours):
            style = "-" if city in tier_one else "--"
            label = f"{names.get(city, city)}" + (" (tier 1)" if city in tier_one else "")
            sub = stats[stats["city"] == city]
            marks = staggered_marks(sub["date"].nunique(), k, len(colours))
            _draw_series(ax, sub, n_rep, scale, color=colours[city], linestyle=style, label=label,
                         marker="o", markersize=3.5, markevery=marks)  # fmt: skip
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(THOUSANDS)
        date_axis(ax)
        ax.grid(alpha=0.3)
    handles, labels = ax_rent.get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(1 - 1.95 / 13, 1 - 0.75 / 5.2),
        title="City",
        fontsize=9,
    )
    title = with_reps("Rent and wages in current yuan (nominal, not deflated)", n_rep)
    fig.suptitle(title + note, fontsize=13)
    if note:
        fixed_margins(fig, left=0.85, right=2.0, top=1.0, bottom=0.7, wspace=0.95)
    return fig
