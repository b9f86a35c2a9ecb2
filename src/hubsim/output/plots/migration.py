"""Migration figures: net migration by city and year (`net_migration.png`) and the flows
between cities (`flows_heatmap.png`)."""

from __future__ import annotations

from collections.abc import Callable

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, LogNorm, Normalize
from matplotlib.figure import Figure

from hubsim.output.layout import fixed_margins
from hubsim.output.plots.figure import (
    PLAIN,
    REST,
    city_order,
    display_names,
    short_number,
    subplots,
    with_reps,
)


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


def _net_migration_table(city_month: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """City x year net migration (people), summed within year and averaged over replications.

    Returns the table and the number of simulated months in each year, so that
    partial years can be flagged rather than read as a slowdown.
    """
    rows = city_month.loc[(city_month["metric"] == "net_migration") & (city_month["city"] != REST)]
    rows = rows.assign(year=pd.to_datetime(rows["date"]).dt.year)
    per_rep = rows.groupby(["city", "year", "replication"])["value"].sum(min_count=1)
    table = per_rep.groupby(level=["city", "year"]).mean().unstack("year")
    months = rows.groupby("year")["date"].nunique()
    return table, months


def net_migration_figure(city_month: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Heatmap of yearly net migration per city on a diverging scale centred at zero."""
    table, months = _net_migration_table(city_month)
    cities = city_order(summary, table.index)
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
        _annotate_cells(ax, values, norm, cmap, short_number, 7 if n_years <= 18 else 6)
    names = display_names(summary)
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
    order = city_order(summary, seen) + [REST]
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


def flows_figure(flows_year: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Movers over the whole run, thousand people: city to city, and to and from the rest of China.

    The rest of China sends and receives far more people than any city pair, so its flows get a
    panel and a colour scale of their own; on one scale they would wash out every other cell.
    """
    matrix = _flow_matrix(flows_year, summary)
    cities = [c for c in matrix.index if c != REST]
    between = matrix.loc[cities, cities].to_numpy() / 1e3
    rest = (
        np.column_stack([matrix.loc[REST, cities].to_numpy(), matrix.loc[cities, REST].to_numpy()])
        / 1e3
    )
    names = display_names(summary)
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
    fig.suptitle(with_reps(f"Moves {span}, all degrees, thousand people", n_rep, band=False))
    return fig


def _flow_panel(fig: Figure, ax: Axes, values: np.ndarray, cmap: Colormap) -> None:
    """One heatmap of movers (thousand people) with its own colour bar and cell labels."""
    norm = _flow_norm(values)
    shown = np.where(values > 0, values, np.nan) if isinstance(norm, LogNorm) else values
    # aspect="auto": a fixed aspect lets constrained layout clip the colour-bar label.
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=cmap, norm=norm, aspect="auto")
    if values.shape[0] <= 20:
        _annotate_cells(ax, values, norm, cmap, short_number)
    scale = ", log scale" if isinstance(norm, LogNorm) else ""
    # The bar spans its map's full height, in a slot of fixed inches beside it: both panels'
    # bars then start and end level with their maps (a shrunken bar sat off-centre beside the
    # narrow rest-of-China panel).
    inches = ax.get_position().width * fig.get_figwidth()
    cax = ax.inset_axes((1 + 0.12 / inches, 0.0, 0.2 / inches, 1.0))
    bar = fig.colorbar(image, cax=cax, label=f"Movers (thousand{scale})")
    bar.ax.yaxis.set_major_formatter(PLAIN)  # "100" reads easier than "10^2"
