"""Figures for one hubsim run: talent paths, prices, migration, flows and policy outcomes.

Call `plot_run` with the run's tidy tables; it writes small PNGs meant for policy readers.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, LogNorm, Normalize
from matplotlib.dates import MONTHLY, AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter
from PIL import Image  # Pillow ships with matplotlib

from hubsim.output.plots import cohorts as pool_plots
from hubsim.output.plots import sectors as sector_plots
from hubsim.output.layout import city_colours, fixed_margins

__all__ = ["plot_run", "stamp_figure", "subplots"]

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
_THOUSANDS = FuncFormatter(lambda v, _pos: f"{v:,.0f}")
# Plain decimals on log axes: policy readers shouldn't have to decode powers of ten.
_PLAIN = FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 10 or v == round(v) else f"{v:g}")


def plot_run(
    city_month: pd.DataFrame,
    flows_year: pd.DataFrame,
    summary: pd.DataFrame,
    out_dir: str | Path,
    stamp: str = "",
    pool_year: pd.DataFrame | None = None,
    city_sector_month: pd.DataFrame | None = None,
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
            ``ghost_share``, ``share_of_target`` (+ ``_lo``/``_hi``),
            ``target_note`` and ``spending_yuan``.
        out_dir: Folder for the PNGs; created if missing.
        stamp: The scenario and its overrides, printed in each figure's footer.
        pool_year: The pool account (``output.tables.pool_year``), for the cohort figure.
        city_sector_month: Jobs by sector and branch offices (``output.tables
            .city_sector_month``), for the sector and branch figures.

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
    if city_sector_month is not None and not city_sector_month.empty:
        specs.append(("sectors.png", {}, lambda: sector_plots.sector_figure(city_sector_month)))
        specs.append(("branches.png", {}, lambda: sector_plots.branch_figure(city_sector_month)))
    for filename, needs, build in specs:
        problem = _missing_inputs(needs, available, flows_year, summary)
        if problem:
            warnings.warn(f"hubsim.output.plots: skipping {filename}: {problem}", stacklevel=2)
            continue
        fig = build()
        stamp_figure(fig, stamp)
        written.append(_save(fig, out / filename))
    return written


def _figure_specs(
    city_month: pd.DataFrame, flows_year: pd.DataFrame, summary: pd.DataFrame
) -> list[tuple[str, dict[str, list[str]], Callable[[], Figure]]]:
    """List each output file with the inputs it needs and a builder for it."""
    attain_cols = ["city", "tier", "share_of_target", "share_of_target_lo", "share_of_target_hi"]
    attain_cols += ["target_talent", "target_date", "target_note", "reached_share", "ghost_share"]
    attain_cols += ["target_goal"] if "target_goal" in summary else []
    spend_cols = ["city", "tier", "spending_yuan"]
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
        (
            "spending.png",
            {"summary": spend_cols, "metrics": ["subsidy_spent"]},
            lambda: _spending_figure(city_month, summary),
        ),
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


def stamp_figure(fig: Figure, stamp: str) -> None:
    """Print what was run (scenario, overrides) in a strip at the foot of the figure."""
    if not stamp:
        return
    strip = 0.24 / fig.get_figheight()
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        engine.set(rect=(0, strip, 1, 1 - strip))
    lines = textwrap.wrap(stamp, width=int(fig.get_figwidth() * 17))  # about 17 characters an inch
    fig.text(0.006, 0.05 * strip, "\n".join(lines), fontsize=7, color="#555555", va="bottom")


def _save(fig: Figure, path: Path) -> Path:
    """Write a figure as PNG and always release it, so long batches don't leak memory.

    Figures near the size budget (many noisy bands) are re-encoded with a
    256-colour palette, visually lossless for line art, to stay under 300 KB.
    """
    buffer = io.BytesIO()
    # zlib level 1 instead of 6: half the encoding time for files about 10 % larger
    fig.savefig(buffer, format="png", dpi=_DPI, pil_kwargs={"compress_level": 1})
    if buffer.tell() <= _PALETTE_ABOVE_BYTES:
        path.write_bytes(buffer.getvalue())
        return path
    buffer.seek(0)
    with Image.open(buffer) as image:
        # Fast octree: a seventh of median cut's time on these figures, and smaller files.
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
        palette.save(path, format="PNG")
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


# --- time series ------------------------------------------------------------


def _metric_stats(city_month: pd.DataFrame, metric: str) -> tuple[pd.DataFrame, int]:
    """Mean and 2.5-97.5 percentile band per city and month, plus the replication count."""
    rows = city_month.loc[(city_month["metric"] == metric) & (city_month["city"] != _REST)]
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
            alpha=_BAND_ALPHA,
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


def date_axis(ax: Axes) -> None:
    """Few, short date ticks: years when the span allows, months otherwise."""
    locator = AutoDateLocator(minticks=3, maxticks=6)
    # Without 12 some spans of two to three years fit no monthly step and warn.
    locator.intervald[MONTHLY] = [1, 2, 3, 4, 6, 12]
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
    title = _with_reps("Graduate talent by city", n_rep) + _short_run_note(stats)
    fig.suptitle(title, fontsize=13)
    fig.supylabel("Talent (million people)\neach panel has its own scale", fontsize=11, x=0.01)
    return fig


def _with_reps(title: str, n_rep: int, band: bool = True) -> str:
    """Append how many replications a figure averages, so readers can judge the band."""
    if n_rep > 1:
        shaded = ", shaded: 95 % range" if band else ""
        return f"{title} (mean of {n_rep} replications{shaded})"
    return f"{title} (single replication)"


def _rent_wage_figure(city_month: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Rent and mean wage over time, one line per city, tier-1 solid, tier-2 dashed."""
    fig, (ax_rent, ax_wage) = subplots(1, 2, figsize=(13, 5.2))
    fixed_margins(fig, left=0.85, right=2.0, top=0.75, bottom=0.7, wspace=0.95)
    names, tier_one = _display_names(summary), _tier_one(summary)
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
    colours = city_colours(_city_order(summary, seen))
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
            marks = _staggered_marks(sub["date"].nunique(), k, len(colours))
            _draw_series(ax, sub, n_rep, scale, color=colours[city], linestyle=style, label=label,
                         marker="o", markersize=3.5, markevery=marks)  # fmt: skip
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(_THOUSANDS)
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
    title = _with_reps("Rent and wages in current yuan (nominal, not deflated)", n_rep)
    fig.suptitle(title + note, fontsize=13)
    if note:
        fixed_margins(fig, left=0.85, right=2.0, top=1.0, bottom=0.7, wspace=0.95)
    return fig


def _staggered_marks(points: int, k: int, lines: int, per_line: int = 8) -> tuple[int, int]:
    """Where line k of `lines` puts its markers: about `per_line` of them, each line starting
    at its own offset, so that a line drawn over another (Wuhan's rent over Chengdu's) leaves
    the hidden line's markers in view."""
    every = max(points // per_line, 1)
    return (k * every // max(lines, 1), every)


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
    # One colour look-up for the whole table, not one per cell.
    shades = np.ma.filled(norm(np.ma.masked_invalid(values)), 0.0)
    rgb = cmap(np.asarray(shades, dtype=float))[..., :3]
    dark = rgb @ np.array([0.299, 0.587, 0.114]) < 0.5
    style = {"ha": "center", "va": "center", "fontsize": fontsize, "in_layout": False}
    for (row, col), value in np.ndenumerate(values):
        if np.isnan(value):
            continue
        colour = "white" if dark[row, col] else "black"
        ax.text(col, row, fmt(value), color=colour, **style)


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
    fig, ax = subplots(figsize=(width, height))
    fixed_margins(fig, left=1.0, right=0.1, top=0.45, bottom=1.0)
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto")
    if n_years <= 30:
        _annotate_cells(ax, values, norm, cmap, _short_number, 7 if n_years <= 18 else 6)
    names = _display_names(summary)
    ax.set_yticks(range(len(cities)), [names.get(c, c) for c in cities])
    partial = {y for y, n in months.items() if n < 12}
    labels = [f"{y}*" if y in partial else str(y) for y in table.columns]
    ax.set_xticks(range(n_years), labels, rotation=45 if n_years > 10 else 0)
    ax.set_xlabel("Calendar year" + ("   (* partial year)" if partial else ""))
    fig.colorbar(
        image, ax=ax, label="Net migration (thousand people per year)", shrink=0.85, pad=0.02
    )
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
    """Movers over the whole run, thousand people: city to city, and to and from the rest of China.

    The rest of China sends and receives far more people than any city pair, so its flows get a
    panel and a colour scale of their own; on one scale they would wash out every other cell.
    """
    matrix = _flow_matrix(flows_year, summary)
    cities = [c for c in matrix.index if c != _REST]
    between = matrix.loc[cities, cities].to_numpy() / 1e3
    rest = (
        np.column_stack(
            [matrix.loc[_REST, cities].to_numpy(), matrix.loc[cities, _REST].to_numpy()]
        )
        / 1e3
    )
    names = _display_names(summary)
    labels = [names.get(c, c) for c in cities]
    size = 3.2 + 0.48 * len(cities)
    fig, (ax, ax_rest) = subplots(
        1,
        2,
        figsize=(size + 5.0, size),
        width_ratios=[max(len(cities), 1), 2.6],
    )
    # Each map's colour bar sits in the gap right of it (bar, ticks, label: 1.2 inches).
    fixed_margins(fig, left=1.3, right=1.25, top=0.85, bottom=1.3, wspace=2.3)
    cmap = matplotlib.colormaps["YlGnBu"].with_extremes(bad="white")
    _flow_panel(fig, ax, between, cmap)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("Destination")
    ax.set_ylabel("Origin")
    ax.set_title("Between the cities")
    _flow_panel(fig, ax_rest, rest, matplotlib.colormaps["OrRd"])
    ax_rest.set_xticks([0, 1], ["arrived\nfrom it", "left\nfor it"])
    ax_rest.set_yticks(range(len(labels)), labels)
    ax_rest.set_title("With the rest of China\n(own colour scale)", fontsize=10)
    years = flows_year["year"]
    n_rep = int(flows_year["replication"].nunique())
    span = f"{years.min()}–{years.max()}" if years.max() > years.min() else f"{years.min()}"
    fig.suptitle(_with_reps(f"Moves {span}, all degrees, thousand people", n_rep, band=False))
    return fig


def _flow_panel(fig: Figure, ax: Axes, values: np.ndarray, cmap: Colormap) -> None:
    """One heatmap of movers (thousand people) with its own colour bar and cell labels."""
    norm = _flow_norm(values)
    shown = np.where(values > 0, values, np.nan) if isinstance(norm, LogNorm) else values
    # aspect="auto": a fixed aspect lets constrained layout clip the colour-bar label.
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=cmap, norm=norm, aspect="auto")
    if values.shape[0] <= 20:
        _annotate_cells(ax, values, norm, cmap, _short_number)
    scale = ", log scale" if isinstance(norm, LogNorm) else ""
    # The bar spans its map's full height, in a slot of fixed inches beside it: both panels'
    # bars then start and end level with their maps (a shrunken bar sat off-centre beside the
    # narrow rest-of-China panel).
    inches = ax.get_position().width * fig.get_figwidth()
    cax = ax.inset_axes((1 + 0.12 / inches, 0.0, 0.2 / inches, 1.0))
    bar = fig.colorbar(image, cax=cax, label=f"Movers (thousand{scale})")
    bar.ax.yaxis.set_major_formatter(_PLAIN)  # "100" reads easier than "10^2"


# --- policy outcome bars ----------------------------------------------------


def _attainment_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Percent of target reached (with the replications' range) and a status per city."""
    df = _ordered_summary(summary)
    df = df[df["city"] != _REST].reset_index(drop=True)
    # Any kind of target (talent at a date, a gain, graduates staying) has a goal.
    goal = df["target_goal"] if "target_goal" in df else df["target_talent"]
    target = goal.where(goal > 0)
    note = df["target_note"].fillna("").astype(str)
    unjudged = note.str.startswith("not judged")
    status = np.select(
        [unjudged, target.isna(), df["ghost_share"] >= 0.5, df["reached_share"] >= 0.5],
        ["not judged", "no target", "ghost", "reached"],
        default="missed",
    )
    return pd.DataFrame(
        {
            "city": df["city"],
            "pct": 100 * df["share_of_target"],
            "lo": 100 * df["share_of_target_lo"],
            "hi": 100 * df["share_of_target_hi"],
            "reached_share": df["reached_share"],
            "target_date": df["target_date"].fillna("").astype(str),
            "note": note.where(unjudged, ""),
            "status": status,
        }
    )


def _attainment_bars(ax: Axes, table: pd.DataFrame) -> float:
    """Draw status-coloured bars, range bars and value labels; return the x limit."""
    ypos = np.arange(len(table))
    has = table["status"].isin(list(_STATUS_COLOURS)).to_numpy()
    colours = [_STATUS_COLOURS[s] for s in table.loc[has, "status"]]
    ax.barh(ypos[has], table.loc[has, "pct"], color=colours, height=0.65)
    spread = has & (table["hi"] > table["lo"]).to_numpy()
    pct, lo, hi = (table.loc[spread, k].to_numpy() for k in ("pct", "lo", "hi"))
    # The range holds the mean, so the bar never leaves it; the clip only guards rounding.
    err = np.clip([pct - lo, hi - pct], 0, None)
    ax.errorbar(pct, ypos[spread], xerr=err, fmt="none", ecolor="#333333", capsize=3)
    ends = table[["pct", "hi"]].max(axis=1).where(has)
    right = max(130.0, float(np.nanmax(ends.to_numpy(), initial=0)) * 1.18)
    for y, row, end in zip(ypos, table.itertuples(), ends, strict=True):
        if row.status in ("no target", "not judged"):
            label, x = row.note or "no target", 0.0
        else:
            label = f"{row.pct:.0f} %" if np.isfinite(row.pct) else "no data"
            x = end if np.isfinite(end) else 0.0
        italic = "normal" if has[y] else "italic"
        ax.text(x + right * 0.01, y, label, va="center", fontsize=9, style=italic)
    return right


def _attainment_figure(summary: pd.DataFrame) -> Figure:
    """Horizontal bars of talent at each city's target date as a percentage of its target."""
    table, names = _attainment_table(summary), _display_names(summary)
    height = 0.42 * len(table) + 2.6
    fig, ax = subplots(figsize=(9, height))
    fixed_margins(fig, left=2.0, right=0.3, top=0.7, bottom=1.75)
    right = _attainment_bars(ax, table)
    ax.axvline(100, color="black", linewidth=1)
    ax.set_xlim(0, right)
    ax.set_yticks(np.arange(len(table)), [_attainment_label(names, r) for r in table.itertuples()])
    ax.set_ylim(len(table) - 0.5, -0.5)  # fixed rows, tier-1 cities on top in reading order
    spread = bool((table["hi"] > table["lo"]).any())
    note = "\n(bar: mean over replications; line: lowest to highest replication)" if spread else ""
    ax.set_xlabel(
        "What the run shows at the target date (talent, or graduates staying) as % of the"
        f" target{note}"
    )
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Target attainment by city")
    if not table["status"].isin(list(_STATUS_COLOURS)).any():
        if (table["status"] == "not judged").any():  # the labels fill the rows: say it on top
            ax.set_title("Target attainment by city\nNo target falls within this run")
            return fig
        ax.text(0.5, 0.5, "No city has a talent target in this run", transform=ax.transAxes,
                ha="center", va="center", fontsize=12, color="#555555")  # fmt: skip
        return fig
    handles = [Patch(color=c, label=s) for s, c in _STATUS_COLOURS.items()]
    fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.3 / height),
        ncol=3,
        fontsize=9,
        title="Status in at least half of the replications (ghost takes precedence)",
        title_fontsize=9,
    )
    return fig


def _attainment_label(names: dict[str, str], row) -> str:
    """City name plus the target's deadline when one is set."""
    name = names.get(row.city, row.city)
    if row.status in _STATUS_COLOURS and row.target_date.strip() and row.target_date != "nan":
        return f"{name} (by {row.target_date})"
    return name


def _spending_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Total programme spending (billion yuan) per city, tier-1 first."""
    df = _ordered_summary(summary)
    df = df[df["city"] != _REST].reset_index(drop=True)
    return pd.DataFrame({"city": df["city"], "total_bn": df["spending_yuan"].astype(float) / 1e9})


def _spending_by_year(city_month: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """City x year spending (billion yuan), summed within a year, mean over replications."""
    rows = city_month.loc[(city_month["metric"] == "subsidy_spent") & (city_month["city"] != _REST)]
    rows = rows.assign(year=pd.to_datetime(rows["date"]).dt.year)
    per_rep = rows.groupby(["city", "year", "replication"])["value"].sum()
    table = per_rep.groupby(level=["city", "year"]).mean().unstack("year") / 1e9
    return table, rows.groupby("year")["date"].nunique()


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
    if ax.get_xscale() == "linear" and (values[ok] >= 0).all():
        left = 0.0  # no negative axis for spending that is zero or more
        right = right if values[ok].max() > 0 else 1.0  # all zero: a plain 0-1 axis
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


COST_NOTE = (
    "Spending is not a cost per talent: cities grow with or without programmes. For the cost of "
    "one extra talent,\ncompare with a counterfactual on the same seeds: "
    "python -m hubsim compare SCENARIO.yaml COUNTERFACTUAL.yaml"
)


def _spending_figure(city_month: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Programme spending per city over the whole run, and per calendar year."""
    table, names = _spending_table(summary), _display_names(summary)
    fig, (ax_total, ax_year) = subplots(1, 2, figsize=(12, 0.42 * len(table) + 2.5))
    fixed_margins(fig, left=1.0, right=0.2, top=0.75, bottom=1.2, wspace=0.9)
    _spending_panel(ax_total, table["total_bn"], "#4c72b0", "no data")
    ax_total.set_yticks(np.arange(len(table)), [names.get(c, c) for c in table["city"]])
    ax_total.invert_yaxis()  # tier-1 on top
    ax_total.set_xlabel("Total programme spending (billion yuan)")
    ax_total.set_title("Whole run")
    yearly, months = _spending_by_year(city_month)
    spenders = [c for c in table["city"] if c in yearly.index and yearly.loc[c].sum() > 0]
    colours = city_colours(list(table["city"]))
    partial = {y for y, n in months.items() if n < 12}
    for city in spenders:
        series = yearly.loc[city]
        ax_year.plot(series.index, series.to_numpy(), marker="o", markersize=3,
                     color=colours[city], label=names.get(city, city))  # fmt: skip
    if spenders:
        ax_year.legend(fontsize=8, loc="upper left", frameon=False)
        ax_year.xaxis.get_major_locator().set_params(integer=True)
    else:
        ax_year.text(0.5, 0.5, "No programme spending in this run", transform=ax_year.transAxes,
                     ha="center", va="center", color="#555555")  # fmt: skip
        ax_year.set_xticks([])
        ax_year.set_yticks([])
    ax_year.set_xlabel("Calendar year" + ("   (partial years: fewer months)" if partial else ""))
    ax_year.set_ylabel("Billion yuan per year")
    ax_year.set_title("Per calendar year")
    ax_year.grid(alpha=0.3)
    fig.suptitle("Talent programme spending by city (mean over replications)")
    fig.text(0.5, 0.3 / fig.get_figheight(), COST_NOTE, fontsize=8.5, color="#333333",
             ha="center", va="bottom")  # fmt: skip
    return fig
