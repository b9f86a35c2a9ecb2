"""The pool account's figure: where each July cohort of bachelor-and-above graduates went.

`cohort_figure(pool_year)` draws it from the run's `pool_year` table; `plots.plot_run` saves it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hubsim.engine.cities import NODES, city_table
from hubsim.output.layout import REST_OF_CHINA_COLOUR, city_colours, fixed_margins

_REST = "rest_of_china"


def cohort_shares(pool_year: pd.DataFrame) -> pd.DataFrame:
    """(year x node) people of each year's bachelor-and-above cohort after its first choice,
    mean over replications; years without a cohort are left out."""
    went = pool_year[pool_year.quantity == "cohort_talent_went"]
    mean = went.groupby(["year", "node"])["value"].mean().unstack("node")
    mean = mean.reindex(columns=[n for n in NODES if n in mean.columns]).fillna(0.0)
    return mean[mean.sum(axis=1) > 0]


def cohort_figure(pool_year: pd.DataFrame) -> Figure:
    """Stacked bars: each cohort's bachelor-and-above graduates by where they went (millions),
    the 13 cities coloured, the rest of China grey; the share kept by the 13 labelled."""
    people = cohort_shares(pool_year)
    fig = Figure(figsize=(10, 5.5), dpi=110)
    ax = fig.add_subplot()
    # Fixed margins (constrained layout measured every label on each of its passes).
    fixed_margins(fig, left=0.8, right=0.2, top=0.45, bottom=0.95)
    if people.empty:  # a run without a July: say so rather than draw empty axes
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No July cohort in this run: nothing to show", ha="center",
                va="center", fontsize=12, transform=ax.transAxes)  # fmt: skip
        return fig
    names = city_table()["name"].to_dict()
    colours = city_colours(c for c in people.columns if c != _REST)
    bottom = np.zeros(len(people))
    years = people.index.to_numpy()
    for node in people.columns:
        values = people[node].to_numpy() / 1e6
        colour = REST_OF_CHINA_COLOUR if node == _REST else colours[node]
        label = "rest of China" if node == _REST else names.get(node, node)
        ax.bar(years, values, bottom=bottom, color=colour, label=label, width=0.8)
        bottom += values
    if _REST in people.columns:
        kept = 1 - people[_REST] / people.sum(axis=1)
        for year, total, share in zip(years, bottom, kept, strict=True):
            ax.text(year, total, f"{share:.0%}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(
        years, [str(int(y)) for y in years], fontsize=8, rotation=90 if len(years) > 12 else 0
    )
    ax.set_xlabel("July cohort (graduation year)")
    ax.set_ylabel("bachelor-and-above graduates (million people)")
    ax.set_title(
        "Where each cohort went after its first choice (label: share choosing one of the 13)"
    )
    ax.legend(ncol=2, fontsize=7, loc="upper left", frameon=False)
    return fig
