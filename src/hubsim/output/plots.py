"""Figures for one hubsim run: talent paths, prices, migration, flows and policy outcomes.

Call `plot_run` with the run's tidy tables; it writes small PNGs meant for policy readers.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, LogNorm, Normalize
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter
from PIL import Image  # Pillow ships with matplotlib

from hubsim.output import pool_plots

__all__ = ["plot_run"]

_DPI = 110
# Above this a PNG is re-encoded with a palette; continuous colour bars can band when
# palettised, so only figures close to the 300 KB budget (busy line charts) pay that price.
_PALETTE_ABOVE_BYTES = 240_000
_REST = "rest_of_china"
_BAND_ALPHA = 0.18
# Dark2 hues stay distinguishable for the common forms of colour blindness.
_STATUS_COLOURS = {
    "reached": "#1b9e77",
    "missed": "#d95f02",
    "ghost": "#7570b3",
}
# tab10 plus three extra dark hues: 13 cities need 13 colours that survive dashing.
_CITY_COLOURS = [*matplotlib.colormaps["tab10"].colors, "#000000", "#f0027f", "#393b79"]
_THOUSANDS = FuncFormatter(lambda v, _pos: f"{v:,.0f}")
# Plain decimals on log axes: policy readers shouldn't have to decode powers of ten.
_PLAIN = FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 1 else f"{v:g}")


def plot_run(
    city_month: pd.DataFrame,
    flows_year: pd.DataFrame,
    summary: pd.DataFrame,
    out_dir: str | Path,
    pool_year: pd.DataFrame | None = None,
) -> list[Path]:
    """Draw every figure for one simulation run and save them as PNGs.

    A figure whose inputs are missing (a metric absent from ``city_month``, an
    empty ``flows_year``, a missing summary column) is skipped with a
    ``UserWarning``; the remaining figures are still written.

    Args:
        city_month: Tidy table with columns ``date``, ``city``, ``metric``,
            ``value`` and ``replication``; values are people represented.
        flows_year: Tidy table with columns ``year``, ``origin``,
            ``destination``, ``degree``, ``movers`` and ``replication``.
        summary: One row per city with ``city``, ``name``, ``tier``,
            ``talent_end`` (+ ``_lo``/``_hi``), ``target_talent``,
            ``target_date`` ("YYYY-MM" or empty), ``reached_share``,
            ``ghost_share``, ``spending_yuan`` and
            ``spending_per_net_talent_yuan`` (NaN when there was no net gain).
        out_dir: Folder for the PNGs; created if missing.
        pool_year: The pool account (``output.tables.pool_year``), for the cohort figure.

    Returns:
        Paths of the files written, in drawing order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    available = _available_metrics(city_month)
    written: list[Path] = []
    specs = _figure_specs(city_month, flows_year, summary)
    if pool_year is not None and not pool_year.empty:  # the pool account's figure
        specs.append(("cohorts.png", {}, lambda: pool_plots.cohort_figure(pool_year)))
    for filename, needs, build in specs:
        problem = _missing_inputs(needs, available, flows_year, summary)
        if problem:
            warnings.warn(f"hubsim.plots: skipping {filename}: {problem}", stacklevel=2)
            continue
        written.append(_save(build(), out / filename))
    return written


def _figure_specs(
    city_month: pd.DataFrame, flows_year: pd.DataFrame, summary: pd.DataFrame
) -> list[tuple[str, dict[str, list[str]], Callable[[], Figure]]]:
    """List each output file with the inputs it needs and a builder for it."""
    attain_cols = ["city", "tier", "talent_at_target_date", "talent_at_target_lo"]
    attain_cols += ["talent_at_target_hi"]
    attain_cols += ["target_talent", "target_date", "reached_share", "ghost_share"]
    spend_cols = ["city", "tier", "spending_yuan", "spending_per_net_talent_yuan"]
    return [
        (
            "talent.png",
            {"metrics": ["talent"]},
            lambda: _talent_figure(city_month, summary),
        ),
        (
            "rent_wage.png",
            {"metrics": ["rent", "wage_mean"]},
            lambda: _rent_wage_figure(city_month, summary),
        ),
        (
            "net_migration.png",
            {"metrics": ["net_migration"]},
            lambda: _net_migration_figure(city_month, summary),
        ),
        ("flows_heatmap.png", {"flows": []}, lambda: _flows_figure(flows_year, summary)),
        ("attainment.png", {"summary": attain_cols}, lambda: _attainment_figure(summary)),
        ("spending.png", {"summary": spend_cols}, lambda: _spending_figure(summary)),
    ]


def _available_metrics(city_month: pd.DataFrame) -> set[str]:
    """Metrics with a finite value for some city; all-NaN metrics count as missing."""
    if not {"city", "metric", "value"} <= set(city_month.columns):
        return set()
    # rest_of_china alone can't fill a per-city figure, so its rows don't count.
    usable = np.isfinite(city_month["value"].astype(float)) & (city_month["city"] != _REST)
    return set(city_month.loc[usable, "metric"].unique())


def _missing_inputs(
    needs: dict[str, list[str]],
    available: set[str],
    flows_year: pd.DataFrame,
    summary: pd.DataFrame,
) -> str:
    """Describe what a figure lacks, or return an empty string if it can be drawn."""
    missing = [m for m in needs.get("metrics", []) if m not in available]
    if missing:
        return f"metric(s) {', '.join(missing)} not in city_month"
    if "flows" in needs and (flows_year.empty or "movers" not in flows_year.columns):
        return "flows_year is empty"
    cols = [c for c in needs.get("summary", []) if c not in summary.columns]
    if cols:
        return f"summary lacks column(s) {', '.join(cols)}"
    if "summary" in needs and summary.empty:
        return "summary is empty"
    return ""


def subplots(
    nrows: int = 1,
    ncols: int = 1,
    *,
    figsize: tuple[float, float],
    layout: str | None = None,
    **grid: object,
) -> tuple[Figure, Any]:
    """A `Figure` and its axes, like `pyplot.subplots` but outside pyplot's global state.

    No backend is switched and no figure is registered, so a notebook user's backend and open
    figures are left alone; the figure is freed when it is no longer referenced.
    """
    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(nrows, ncols, **grid)


def _save(fig: Figure, path: Path) -> Path:
    """Write a figure as PNG and always release it, so long batches don't leak memory.

    Figures near the size budget (many noisy bands) are re-encoded with a
    256-colour palette, visually lossless for line art, to stay under 300 KB.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI)  # a bare Figure: nothing to release in pyplot
    if buffer.tell() <= _PALETTE_ABOVE_BYTES:
        path.write_bytes(buffer.getvalue())
        return path
    buffer.seek(0)
    with Image.open(buffer) as image:
        image.convert("RGB").quantize(colors=256).save(path, format="PNG")
    return path


# --- city bookkeeping -------------------------------------------------------


def _ordered_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Summary rows with tier-1 cities first, keeping the given order within a tier."""
    if "tier" not in summary.columns:
        return summary.reset_index(drop=True)
    return summary.sort_values("tier", kind="stable").reset_index(drop=True)


def _city_order(summary: pd.DataFrame, extra: Iterable[str] = ()) -> list[str]:
    """City keys tier-1 first; keys only seen in the data go last, rest_of_china never."""
    order = [c for c in _ordered_summary(summary).get("city", []) if c != _REST]
    order += sorted({c for c in extra if c not in order and c != _REST})
    return order


def _display_names(summary: pd.DataFrame) -> dict[str, str]:
    """Map city key to display name, falling back to the key when the name is blank."""
    names = {_REST: "Rest of China"}
    if "city" not in summary.columns:
        return names
    raw = summary["name"] if "name" in summary.columns else summary["city"]
    for key, name in zip(summary["city"], raw, strict=True):
        names[key] = name if isinstance(name, str) and name.strip() else key
    return names


def _tier_one(summary: pd.DataFrame) -> set[str]:
    """Keys of tier-1 cities; unknown tiers are drawn as tier 2."""
    if not {"city", "tier"} <= set(summary.columns):
        return set()
    return set(summary.loc[summary["tier"] == 1, "city"])


def _city_colours(cities: list[str]) -> dict[str, str]:
    """A stable colour per city so a city looks the same in every figure."""
    return {c: _CITY_COLOURS[i % len(_CITY_COLOURS)] for i, c in enumerate(cities)}


# --- time series ------------------------------------------------------------


def _metric_stats(city_month: pd.DataFrame, metric: str) -> tuple[pd.DataFrame, int]:
    """Mean and 2.5-97.5 percentile band per city and month, plus the replication count."""
    rows = city_month.loc[(city_month["metric"] == metric) & (city_month["city"] != _REST)]
    rows = rows.assign(date=pd.to_datetime(rows["date"]))
    grouped = rows.groupby(["city", "date"])["value"]
    stats = pd.DataFrame(
        {
            "mean": grouped.mean(),
            "lo": grouped.quantile(0.025),
            "hi": grouped.quantile(0.975),
        }
    ).reset_index()
    return stats, int(rows["replication"].nunique())


def _draw_series(ax: Axes, stats: pd.DataFrame, n_rep: int, scale: float, **style) -> None:
    """Plot the replication mean, shading the 95 % band only when there is a spread to show."""
    (line,) = ax.plot(stats["date"], stats["mean"] * scale, **style)
    if n_rep > 1:
        ax.fill_between(
            stats["date"],
            stats["lo"] * scale,
            stats["hi"] * scale,
            color=line.get_color(),
            alpha=_BAND_ALPHA,
            linewidth=0,
        )


def _date_axis(ax: Axes) -> None:
    """Few, short date ticks: years when the span allows, months otherwise."""
    locator = AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))


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


def _talent_panel(
    ax: Axes,
    stats: pd.DataFrame,
    n_rep: int,
    target: tuple[float, pd.Timestamp | None] | None,
    xlim: tuple[pd.Timestamp, pd.Timestamp],
) -> None:
    """One city's talent path in millions, with its target as a dashed line and marker."""
    if stats["mean"].notna().any():
        _draw_series(ax, stats, n_rep, 1e-6, color="#1f77b4", linewidth=1.6)
    else:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    if target is not None:
        value, when = target
        ax.axhline(value * 1e-6, color="#d62728", linestyle="--", linewidth=1.1)
        if when is not None:
            ax.plot([when], [value * 1e-6], marker="D", color="#d62728", markersize=5)
    ax.set_xlim(*xlim)
    _date_axis(ax)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)


def _talent_legend(ax: Axes, n_rep: int, any_target: bool) -> None:
    """Explain the panel symbols once, in an otherwise empty grid slot."""
    ax.set_axis_off()
    label = "Talent (mean)" if n_rep > 1 else "Talent"
    handles = [Line2D([], [], color="#1f77b4", linewidth=1.6, label=label)]
    if n_rep > 1:
        handles.append(Patch(color="#1f77b4", alpha=_BAND_ALPHA, label="95 % range"))
    if any_target:  # don't explain symbols that appear nowhere in the figure
        handles.append(Line2D([], [], color="#d62728", linestyle="--", label="Target"))
        marker = Line2D([], [], color="#d62728", marker="D", linestyle="", label="Target date")
        handles.append(marker)
    ax.legend(handles=handles, loc="center", frameon=False, fontsize=10)


def _talent_figure(city_month: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Small multiples of talent over time, one panel per city, tier-1 first."""
    stats, n_rep = _metric_stats(city_month, "talent")
    cities = _city_order(summary, stats["city"].unique())
    names, targets = _display_names(summary), _targets(summary)
    target_dates = [w for c, (_v, w) in targets.items() if w is not None and c in cities]
    start = min([stats["date"].min(), *target_dates])
    end = max([stats["date"].max(), *target_dates])
    pad = (end - start) * 0.03  # keeps a target marker on the last month visible
    xlim = (start - pad, end + pad)
    ncols = 4
    nrows = math.ceil((len(cities) + 1) / ncols)  # +1 keeps a slot free for the legend
    fig, axes = subplots(
        nrows, ncols, figsize=(12, 2.3 * nrows + 0.9), layout="constrained", squeeze=False
    )
    flat = axes.ravel()
    for ax, city in zip(flat, cities, strict=False):
        _talent_panel(ax, stats[stats["city"] == city], n_rep, targets.get(city), xlim)
        ax.set_title(names.get(city, city), fontsize=11)
    _talent_legend(flat[len(cities)], n_rep, any(c in targets for c in cities))
    for ax in flat[len(cities) + 1 :]:
        ax.set_axis_off()
    fig.suptitle(_with_reps("Graduate talent by city", n_rep), fontsize=13)
    fig.supylabel("Talent (million people)\neach panel has its own scale", fontsize=11)
    return fig


def _with_reps(title: str, n_rep: int, band: bool = True) -> str:
    """Append how many replications a figure averages, so readers can judge the band."""
    if n_rep > 1:
        shaded = ", shaded: 95 % range" if band else ""
        return f"{title} (mean of {n_rep} replications{shaded})"
    return f"{title} (single replication)"


def _rent_wage_figure(city_month: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Rent and mean wage over time, one line per city, tier-1 solid, tier-2 dashed."""
    fig, (ax_rent, ax_wage) = subplots(1, 2, figsize=(13, 5.2), layout="constrained")
    names, tier_one = _display_names(summary), _tier_one(summary)
    specs = [
        (ax_rent, "rent", 1.0, "Rent", "Rent (yuan per m² per month)"),
        (ax_wage, "wage_mean", 1e-3, "Mean wage", "Mean wage (thousand yuan per year)"),
    ]
    seen = city_month.loc[city_month["metric"].isin(["rent", "wage_mean"]), "city"].unique()
    colours = _city_colours(_city_order(summary, seen))
    n_rep = 1
    for ax, metric, scale, title, ylabel in specs:
        stats, n_rep = _metric_stats(city_month, metric)
        for city in colours:
            style = "-" if city in tier_one else "--"
            label = f"{names.get(city, city)}" + (" (tier 1)" if city in tier_one else "")
            sub = stats[stats["city"] == city]
            _draw_series(ax, sub, n_rep, scale, color=colours[city], linestyle=style, label=label)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(_THOUSANDS)
        _date_axis(ax)
        ax.grid(alpha=0.3)
    handles, labels = ax_rent.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", title="City", fontsize=9)
    fig.suptitle(_with_reps("Rent and wages", n_rep), fontsize=13)
    return fig


# --- heatmaps ---------------------------------------------------------------


def _annotate_cells(
    ax: Axes,
    values: np.ndarray,
    norm: Normalize,
    cmap: Colormap,
    fmt: Callable[[float], str],
    fontsize: float = 7,
) -> None:
    """Write each cell's value, switching to white text on dark cells for contrast."""
    for (row, col), value in np.ndenumerate(values):
        if np.isnan(value):
            continue
        shade = norm(value)
        red, green, blue, _alpha = cmap(0.0 if np.ma.is_masked(shade) else shade)
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        ax.text(
            col,
            row,
            fmt(value),
            ha="center",
            va="center",
            fontsize=fontsize,
            color="white" if dark else "black",
            # Inside the axes: left out of constrained layout, which would measure each of
            # the hundreds of labels on every pass (most of a heatmap's drawing time).
            in_layout=False,
        )


def _short_number(value: float) -> str:
    """Compact cell label in thousands: one decimal below 10, none above."""
    if value == 0:
        return "0"
    if abs(value) < 0.05:
        return "≈0"  # fewer than 50 people: a nonzero flow, but too small to state
    return f"{value:.1f}" if abs(value) < 10 else f"{value:,.0f}"


def _net_migration_table(city_month: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """City x year net migration (people), summed within year and averaged over replications.

    Returns the table and the number of simulated months in each year, so that
    partial years can be flagged rather than read as a slowdown.
    """
    rows = city_month.loc[(city_month["metric"] == "net_migration") & (city_month["city"] != _REST)]
    rows = rows.assign(year=pd.to_datetime(rows["date"]).dt.year)
    per_rep = rows.groupby(["city", "year", "replication"])["value"].sum(min_count=1)
    table = per_rep.groupby(level=["city", "year"]).mean().unstack("year")
    months = rows.groupby("year")["date"].nunique()
    return table, months


def _net_migration_figure(city_month: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Heatmap of yearly net migration per city on a diverging scale centred at zero."""
    table, months = _net_migration_table(city_month)
    cities = _city_order(summary, table.index)
    table = table.reindex(cities)
    values = table.to_numpy(dtype=float) / 1e3
    finite = values[np.isfinite(values)]
    limit = float(np.abs(finite).max()) if finite.size and np.abs(finite).max() > 0 else 1.0
    norm = Normalize(-limit, limit)  # symmetric, so white means zero
    cmap = matplotlib.colormaps["RdBu"].with_extremes(bad="#dddddd")
    n_years = len(table.columns)
    # Width grows with the run length but is capped so long runs stay a readable page width.
    width = min(14.0, max(6.5, 2.8 + 0.62 * n_years))
    height = max(3.2, 1.4 + 0.36 * len(cities))
    fig, ax = subplots(figsize=(width, height), layout="constrained")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto")
    if n_years <= 30:
        _annotate_cells(ax, values, norm, cmap, _short_number, 7 if n_years <= 18 else 6)
    names = _display_names(summary)
    ax.set_yticks(range(len(cities)), [names.get(c, c) for c in cities])
    partial = {y for y, n in months.items() if n < 12}
    labels = [f"{y}*" if y in partial else str(y) for y in table.columns]
    ax.set_xticks(range(n_years), labels, rotation=45 if n_years > 10 else 0)
    ax.set_xlabel("Calendar year" + ("   (* partial year)" if partial else ""))
    fig.colorbar(image, ax=ax, label="Net migration (thousand people per year)", shrink=0.85)
    ax.set_title("Net migration per year (inflow − outflow; red = net loss)")
    return fig


def _flow_matrix(flows_year: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Origin x destination movers (people) over all years and degrees, mean over replications.

    A pair absent from a replication counts as zero movers in it; the diagonal is NaN.
    """
    n_rep = max(int(flows_year["replication"].nunique()), 1)
    totals = flows_year.groupby(["origin", "destination"])["movers"].sum() / n_rep
    matrix = totals.unstack("destination")
    seen = set(matrix.index) | set(matrix.columns)
    order = _city_order(summary, seen) + [_REST]
    matrix = matrix.reindex(index=order, columns=order).fillna(0.0)
    values = matrix.to_numpy(dtype=float, copy=True)  # pandas may hand back a read-only view
    np.fill_diagonal(values, np.nan)
    return pd.DataFrame(values, index=order, columns=order)


def _flow_norm(values: np.ndarray) -> Normalize:
    """Log colour when flows span over two orders of magnitude, else linear."""
    positive = values[np.isfinite(values) & (values > 0)]
    if positive.size == 0:
        return Normalize(0.0, 1.0)
    top = float(positive.max())
    if top / float(positive.min()) > 100:
        # Floor at 1/10,000 of the peak so a few tiny flows don't wash out the scale.
        return LogNorm(max(float(positive.min()), top / 1e4), top, clip=True)
    return Normalize(0.0, top)


def _flows_figure(flows_year: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Origin x destination heatmap of movers over the whole run, in thousand people."""
    matrix = _flow_matrix(flows_year, summary)
    values = matrix.to_numpy() / 1e3
    norm = _flow_norm(values)
    cmap = matplotlib.colormaps["YlGnBu"].with_extremes(bad="white")
    size = 3.5 + 0.48 * len(matrix)
    fig, ax = subplots(figsize=(size + 1.4, size), layout="constrained")
    shown = np.where(values > 0, values, np.nan) if isinstance(norm, LogNorm) else values
    # aspect="auto": a fixed aspect lets constrained layout clip the colour-bar label.
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=cmap, norm=norm, aspect="auto")
    if len(matrix) <= 20:
        _annotate_cells(ax, values, norm, cmap, _short_number)
    names = _display_names(summary)
    labels = [names.get(c, c) for c in matrix.index]
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("Destination")
    ax.set_ylabel("Origin")
    scale = " (log scale)" if isinstance(norm, LogNorm) else ""
    bar = fig.colorbar(image, ax=ax, shrink=0.8, label=f"Movers, thousand people{scale}")
    bar.ax.yaxis.set_major_formatter(_PLAIN)  # "100" reads easier than "10^2"
    years = flows_year["year"]
    n_rep = int(flows_year["replication"].nunique())
    span = f"{years.min()}–{years.max()}"
    ax.set_title(_with_reps(f"Moves between cities {span}, all degrees", n_rep, band=False))
    return fig


# --- policy outcome bars ----------------------------------------------------


def _attainment_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Percent of target reached (with band) and a status per city, tier-1 first."""
    df = _ordered_summary(summary)
    df = df[df["city"] != _REST].reset_index(drop=True)
    target = df["target_talent"].where(df["target_talent"] > 0)
    status = np.select(
        [target.isna(), df["ghost_share"] >= 0.5, df["reached_share"] >= 0.5],
        ["no target", "ghost", "reached"],
        default="missed",
    )
    return pd.DataFrame(
        {
            "city": df["city"],
            "pct": 100 * df["talent_at_target_date"] / target,
            "lo": 100 * df["talent_at_target_lo"] / target,
            "hi": 100 * df["talent_at_target_hi"] / target,
            "target_date": df["target_date"].fillna("").astype(str),
            "status": status,
        }
    )


def _attainment_bars(ax: Axes, table: pd.DataFrame) -> float:
    """Draw status-coloured bars, 95 % error bars and value labels; return the x limit."""
    ypos = np.arange(len(table))
    has = (table["status"] != "no target").to_numpy()
    colours = [_STATUS_COLOURS[s] for s in table.loc[has, "status"]]
    ax.barh(ypos[has], table.loc[has, "pct"], color=colours, height=0.65)
    spread = has & (table["hi"] > table["lo"]).to_numpy()
    pct, lo, hi = (table.loc[spread, k].to_numpy() for k in ("pct", "lo", "hi"))
    # Clip: the mean can sit just outside a percentile band when replications are few.
    err = np.clip([pct - lo, hi - pct], 0, None)
    ax.errorbar(pct, ypos[spread], xerr=err, fmt="none", ecolor="#333333", capsize=3)
    ends = table[["pct", "hi"]].max(axis=1).where(has)
    right = max(130.0, float(np.nanmax(ends.to_numpy(), initial=0)) * 1.18)
    for y, row, end in zip(ypos, table.itertuples(), ends, strict=True):
        if row.status == "no target":
            label, x = "no target", 0.0
        else:
            label = f"{row.pct:.0f} %" if np.isfinite(row.pct) else "no data"
            x = end if np.isfinite(end) else 0.0
        italic = "italic" if row.status == "no target" else "normal"
        ax.text(x + right * 0.01, y, label, va="center", fontsize=9, style=italic)
    return right


def _attainment_figure(summary: pd.DataFrame) -> Figure:
    """Horizontal bars of talent at each city's target date as a percentage of its target."""
    table, names = _attainment_table(summary), _display_names(summary)
    fig, ax = subplots(figsize=(9, 0.42 * len(table) + 2.2), layout="constrained")
    right = _attainment_bars(ax, table)
    ax.axvline(100, color="black", linewidth=1)
    ax.set_xlim(0, right)
    ax.set_yticks(np.arange(len(table)), [_attainment_label(names, r) for r in table.itertuples()])
    ax.set_ylim(len(table) - 0.5, -0.5)  # fixed rows, tier-1 cities on top in reading order
    spread = bool((table["hi"] > table["lo"]).any())
    note = " (error bar: 95 % range over replications)" if spread else ""
    ax.set_xlabel(f"Talent at the target date as % of target{note}")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Talent target attainment by city")
    if (table["status"] == "no target").all():
        ax.text(
            0.5,
            0.5,
            "No city has a talent target in this run",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=12,
            color="#555555",
        )
        return fig
    handles = [Patch(color=c, label=s) for s, c in _STATUS_COLOURS.items()]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=3,
        fontsize=9,
        title="Status in at least half of the replications (ghost takes precedence)",
        title_fontsize=9,
    )
    return fig


def _attainment_label(names: dict[str, str], row) -> str:
    """City name plus the target's deadline when one is set."""
    name = names.get(row.city, row.city)
    if row.status != "no target" and row.target_date.strip() and row.target_date != "nan":
        return f"{name} (by {row.target_date})"
    return name


def _spending_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Total spending (billion yuan) and cost per net talent (thousand yuan), tier-1 first."""
    df = _ordered_summary(summary)
    df = df[df["city"] != _REST].reset_index(drop=True)
    return pd.DataFrame(
        {
            "city": df["city"],
            "total_bn": df["spending_yuan"].astype(float) / 1e9,
            # A city that spent nothing has no cost per talent: labelled, not drawn as 0.
            "per_talent_k": df["spending_per_net_talent_yuan"]
            .astype(float)
            .where(df["spending_yuan"] > 0)
            / 1e3,
        }
    )


def _spending_panel(
    ax: Axes, values: pd.Series, colour: str, missing_label: str | Sequence[str]
) -> None:
    """Horizontal bars with value labels; NaN rows get a text label instead of a bar."""
    if isinstance(missing_label, str):
        missing_label = [missing_label] * len(values)
    ypos = np.arange(len(values))
    ok = values.notna().to_numpy()
    ax.barh(ypos[ok], values[ok], color=colour, height=0.65)
    positive = values[ok & (values > 0).to_numpy()]
    # A log axis keeps small-but-real costs visible next to a runaway city.
    if len(positive) > 1 and positive.max() / positive.min() > 50:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(_PLAIN)
    left, right = ax.get_xlim()
    ax.set_xlim(left, right * (1.8 if ax.get_xscale() == "log" else 1.18))
    for y, value, missing in zip(ypos, values, missing_label, strict=True):
        text = missing if pd.isna(value) else _money_label(value)
        x = value if pd.notna(value) and value > 0 else left
        ax.text(
            x,
            y,
            f" {text}",
            va="center",
            fontsize=9,
            style="italic" if pd.isna(value) else "normal",
        )
    ax.grid(axis="x", alpha=0.3)


def _money_label(value: float) -> str:
    """Value label with precision that suits its size; exact zero stays "0"."""
    if value == 0:
        return "0"
    if abs(value) >= 10:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 0.1 else f"{value:.2g}"


def _spending_figure(summary: pd.DataFrame) -> Figure:
    """Programme spending per city and spending per net talent gained, side by side."""
    table, names = _spending_table(summary), _display_names(summary)
    fig, (ax_total, ax_unit) = subplots(
        1, 2, figsize=(12, 0.42 * len(table) + 1.9), sharey=True, layout="constrained"
    )
    _spending_panel(ax_total, table["total_bn"], "#4c72b0", "no data")
    missing = np.where(table["total_bn"] > 0, "no net gain", "no spending")
    _spending_panel(ax_unit, table["per_talent_k"], "#dd8452", list(missing))
    ax_total.set_yticks(np.arange(len(table)), [names.get(c, c) for c in table["city"]])
    ax_total.invert_yaxis()  # tier-1 on top; sharey carries it to the other panel
    ax_total.set_xlabel("Total programme spending (billion yuan)")
    ax_unit.set_xlabel("Spending per net talent gained (thousand yuan per person)")
    ax_total.set_title("Total spending")
    ax_unit.set_title("Cost per net talent gained")
    fig.suptitle("Talent programme spending by city, whole run (mean over replications)")
    return fig
