"""Sector and branch-office figures: jobs by sector per city, and where branches are.

`sector_figure` and `branch_figure` draw from the run's `city_sector_month` table
(`output.tables.city_sector_month`); `plots.plot_run` saves them as `sectors.png` and
`branches.png`. Values are means over replications.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from hubsim.engine.cities import city_table, sector_mix_2010
from hubsim.output.layout import fixed_margins
from hubsim.scenario import CITY_KEYS, SECTORS

ALL = "all"
SECTOR_LABELS = {
    "internet": "internet",
    "games_media": "games & media",
    "hardware": "hardware & chips",
    "mobility": "autos & mobility",
    "data": "big data",
    "finance": "finance",
    "manufacturing": "manufacturing",
    "local_services": "local services",
}
# Paired hues per group of sectors, local services grey: readable in print and for the
# common forms of colour blindness (ColorBrewer Paired).
SECTOR_COLOURS = {
    "internet": "#1f78b4",
    "games_media": "#a6cee3",
    "hardware": "#33a02c",
    "mobility": "#b2df8a",
    "data": "#6a3d9a",
    "finance": "#ff7f00",
    "manufacturing": "#b15928",
    "local_services": "#cccccc",
}
SPECIALISED = 1.4  # a city's sector counts as its specialisation at 1.4 x the 13-city share


def jobs_by_sector(city_sector_month: pd.DataFrame, when: str) -> pd.DataFrame:
    """(city x sector) jobs (people) at the first ('start') or last ('end') month, mean over
    replications, in CITY_KEYS and SECTORS order."""
    rows = city_sector_month[
        (city_sector_month.metric == "jobs") & (city_sector_month.headquarters == ALL)
    ]
    date = rows["date"].min() if when == "start" else rows["date"].max()
    at = rows[rows["date"] == date]
    table = at.groupby(["city", "sector"])["value"].mean().unstack("sector")
    return table.reindex(index=list(CITY_KEYS), columns=list(SECTORS)).fillna(0.0)


def specialisations() -> dict[str, list[str]]:
    """Each city's specialised sectors: tradable sectors whose 2010 share of the city's jobs
    (the packaged mix) is at least SPECIALISED times the 13 cities' average share."""
    mix = pd.DataFrame(sector_mix_2010(), index=list(CITY_KEYS), columns=list(SECTORS))
    quotient = mix / mix.mean(axis=0)
    return {
        city: [s for s in SECTORS if s != "local_services" and quotient.loc[city, s] >= SPECIALISED]
        for city in CITY_KEYS
    }


def location_quotients(jobs: pd.DataFrame) -> pd.DataFrame:
    """Each city's share of a sector's jobs over the 13 cities' share (1: no lean)."""
    shares = jobs.div(jobs.sum(axis=1), axis=0)
    national = jobs.sum(axis=0) / jobs.to_numpy().sum()
    return shares / national


def sector_figure(city_sector_month: pd.DataFrame) -> Figure:
    """Stacked bars: each city's jobs by sector at the start and the horizon, shares of its
    jobs; the right margin names the city's specialisations and how much its jobs lean to
    them at the horizon (location quotient)."""
    start = jobs_by_sector(city_sector_month, "start")
    end = jobs_by_sector(city_sector_month, "end")
    years = (
        pd.Timestamp(city_sector_month["date"].min()).year,
        pd.Timestamp(city_sector_month["date"].max()).year,
    )
    names = city_table()["name"].to_dict()
    special = specialisations()
    lean = location_quotients(end)
    fig = Figure(figsize=(12, 9), dpi=110)
    ax = fig.add_subplot()
    # Fixed margins (constrained layout measured every label on each of its passes): city
    # names left, the specialisations right, the legend and title above, the stamp below.
    fixed_margins(fig, left=1.2, right=2.6, top=1.0, bottom=0.75)
    labels, rows, y = [], [], 0.0
    positions = {}
    for city in CITY_KEYS:
        for which, table in (("start", start), ("end", end)):
            rows.append(table.loc[city, list(SECTORS)].to_numpy() / max(table.loc[city].sum(), 1.0))
            year = years[0] if which == "start" else years[1]
            labels.append(f"{names.get(city, city)} {year}")
            positions[(city, which)] = y
            y += 1.0
        y += 0.6
    shares = np.array(rows)  # (city-year, sector)
    lefts = np.cumsum(shares, axis=1) - shares
    ys = np.array(list(positions.values()))
    for k, sector in enumerate(SECTORS):  # one call per sector: a bar per city and year
        ax.barh(ys, shares[:, k], left=lefts[:, k], height=0.8, color=SECTOR_COLOURS[sector],
                edgecolor="white", linewidth=0.3)  # fmt: skip
    ax.set_yticks([positions[k] for k in positions], labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax.set_xlabel("share of the city's jobs")
    for city in CITY_KEYS:
        text = (
            ", ".join(f"{SECTOR_LABELS[s]} {lean.loc[city, s]:.1f}x" for s in special[city])
            or "no tradable specialisation"
        )
        mid = (positions[(city, "start")] + positions[(city, "end")]) / 2
        ax.text(1.01, mid, text, fontsize=7.5, va="center", transform=ax.get_yaxis_transform())
    handles = [Patch(color=SECTOR_COLOURS[s], label=SECTOR_LABELS[s]) for s in SECTORS]
    ax.legend(handles=handles, ncol=4, fontsize=8, loc="lower center",
              bbox_to_anchor=(0.5, 1.005), frameon=False)  # fmt: skip
    # The title at the top of the figure, the legend under it just above the axes: a title
    # padded above the axes sat on the legend's top row.
    fig.suptitle(
        f"Jobs by sector, {years[0]} and {years[1]}. Right: each city's specialisations, their "
        f"share of its jobs in {years[1]} as a multiple of their share of the 13 cities' jobs",
        fontsize=10,
        y=1 - 0.12 / fig.get_figheight(),
        va="top",
    )
    return fig


def branch_matrix(city_sector_month: pd.DataFrame, when: str) -> pd.DataFrame:
    """(headquarters city x branch city) open secondary offices at the first or last month,
    mean over replications."""
    rows = city_sector_month[
        (city_sector_month.metric == "branch_offices") & (city_sector_month.headquarters != ALL)
    ]
    every = city_sector_month["date"]
    date = every.min() if when == "start" else every.max()
    at = rows[rows["date"] == date]
    n_rep = max(city_sector_month["replication"].nunique(), 1)
    table = at.groupby(["headquarters", "city"])["value"].sum().unstack("city") / n_rep
    return table.reindex(index=list(CITY_KEYS), columns=list(CITY_KEYS)).fillna(0.0)


def branch_figure(city_sector_month: pd.DataFrame) -> Figure:
    """Two heat maps, headquarters city (rows) x branch city (columns): the secondary offices
    open at the horizon, and the change since the start."""
    start = branch_matrix(city_sector_month, "start")
    end = branch_matrix(city_sector_month, "end")
    years = (
        pd.Timestamp(city_sector_month["date"].min()).year,
        pd.Timestamp(city_sector_month["date"].max()).year,
    )
    names = [city_table()["name"].to_dict().get(c, c) for c in CITY_KEYS]
    fig = Figure(figsize=(15, 7), dpi=110)
    left, right = fig.subplots(1, 2)
    # Fixed margins (see sector_figure): the names below and left, the colour bars' labels
    # between and right of the maps, the titles above, the stamp below.
    fixed_margins(fig, left=1.15, right=0.3, top=0.6, bottom=1.2, wspace=1.3)
    change = end - start
    limit = max(float(np.abs(change.to_numpy()).max()), 1.0)
    panels = (
        (left, end, "Greys", Normalize(0, max(float(end.to_numpy().max()), 1.0)),
         f"Secondary offices open in {years[1]}"),
        (right, change, "RdBu", Normalize(-limit, limit),
         f"Change since {years[0]} (red: more)"),
    )  # fmt: skip
    for ax, table, cmap, norm, title in panels:
        cmap = cmap + "_r" if cmap == "RdBu" else cmap
        image = ax.imshow(table.to_numpy(), cmap=cmap, norm=norm, aspect="auto")
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.set_xlabel("branch city")
        ax.set_ylabel("headquarters city")
        ax.set_title(title, fontsize=10)
        for i in range(len(names)):
            for j in range(len(names)):
                value = table.iloc[i, j]
                if i == j or abs(value) < 0.5:
                    continue
                dark = abs(norm(value) - (0.5 if cmap.startswith("RdBu") else 0)) > 0.35
                ax.text(j, i, f"{value:+.0f}" if cmap.startswith("RdBu") else f"{value:.0f}",
                        ha="center", va="center", fontsize=6.5,
                        color="white" if dark else "black")  # fmt: skip
        fig.colorbar(image, ax=ax, shrink=0.8, label="offices (model units)")
    fig.suptitle(
        "Where firms open secondary offices: headquarters city (row) x branch city (column)",
        fontsize=11,
    )
    return fig
