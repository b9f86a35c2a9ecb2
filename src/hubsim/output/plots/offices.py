"""Office figures: each hub's simulated office vacancy against the brokers' record and its ghost
verdict (`office_vacancy.png`).

The record is every row of the packaged `office_market.csv` that gives a vacancy or availability
share for one of the cities, 2013-2019. Brokers differ in what they count (grade A or prime,
city-wide or one submarket, vacancy or availability), so each point is marked by its definition
and labelled with its broker.
"""

from __future__ import annotations

import re
from importlib import resources

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hubsim.output.layout import fixed_margins
from hubsim.output.plots.figure import (
    BAND_ALPHA,
    REST,
    city_order,
    date_axis,
    display_names,
    subplots,
    with_reps,
)
from hubsim.scenario.records import vacancy_definition as definition

RECORD_YEARS = (2013, 2019)
COLUMNS = 4  # panels a row
# Month of the year a record's period ends in, by the quantity's suffix.
PERIOD_MONTH = {"q1": 3, "q2": 6, "h1": 6, "q3": 9, "q4": 12, "end": 12}
DEFINITIONS = {  # definition: (marker, filled, legend text)
    "city-wide": ("o", True, "city-wide grade A / prime vacancy"),
    "submarket": ("^", False, "one submarket (CBD, decentralised, Qianhai, Pazhou, R&D)"),
    "availability": ("s", False, "availability ratio (DTZ)"),
    "unstated": ("D", False, "office vacancy, coverage not stated"),
}
UNIT_MONTHS = (  # (pattern in a record's unit, month its period ends)
    (r"\b1Q\d\d|\bQ1\b", 3),
    (r"\b2Q\d\d|\bQ2\b|\bH1\b|end-June|mid-", 6),
    (r"\b3Q\d\d|\bQ3\b", 9),
    (r"end-May", 5),
    (r"\b4Q\d\d|\bQ4\b|end-\d{4}", 12),
)
BROKERS = ("CBRE", "JLL", "DTZ", "Colliers", "Savills", "C&W", "Cushman")
GHOST_COLOUR = "#c0392b"
LINE_COLOUR = "#1f5f8b"
RECORD_COLOUR = "#222222"


def vacancy_record(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The brokers' vacancy points: city, date, value (share), definition, label.

    `table` defaults to the packaged office_market.csv; rows outside the cities' vacancy and
    availability shares of 2013-2019 are left out."""
    if table is None:
        with (
            resources.files("hubsim.data").joinpath("office_market.csv").open(encoding="utf-8") as f
        ):
            table = pd.read_csv(f)
    quantity = table["quantity"].str.lower()
    share = table["unit"].str.lower().str.startswith("share")
    wanted = quantity.str.contains("vacancy|availability") & share
    wanted &= table["year"].between(*RECORD_YEARS) & ~table["city"].isin(["national", "tier1"])
    rows = table[wanted]
    return pd.DataFrame(
        {
            "city": rows["city"].to_numpy(),
            "date": [
                record_date(y, q, u)
                for y, q, u in zip(rows["year"], rows["quantity"], rows["unit"], strict=True)
            ],
            "value": rows["value"].astype(float).to_numpy(),
            "definition": [definition(q) for q in rows["quantity"]],
            "label": [
                broker(u.split(";")[0]) or broker(s)
                for u, s in zip(rows["unit"], rows["source"], strict=True)
            ],
        }
    )


def record_date(year: int, quantity: str, unit: str = "") -> pd.Timestamp:
    """The end of the period a record gives, from its quantity's suffix (`_q3` -> September)
    or its unit ('Q3 2013', '2Q15', 'H1 2019', 'end-May 2014', 'end-2017'); mid-year when
    neither says."""
    last = quantity.lower().rsplit("_", 1)[-1]
    month = PERIOD_MONTH.get(last)
    if month is None:
        month = next((m for pattern, m in UNIT_MONTHS if re.search(pattern, unit)), 7)
    return pd.Timestamp(year=int(year), month=month, day=1)


def broker(text: str) -> str:
    """The first broker a record's unit or source names ('' when none)."""
    found = [(text.find(b), b) for b in BROKERS if b in text]
    return min(found)[1] if found else ""


def verdict(summary: pd.DataFrame) -> dict[str, str]:
    """Each city's ghost verdict as the summary gives it (column `ghost`, else `ghost_share`):
    a share reads 'ghost in N % of runs', anything else is shown as written."""
    column = next((c for c in ("ghost", "ghost_share") if c in summary.columns), None)
    if column is None or "city" not in summary.columns:
        return {}
    values = zip(summary.city, summary[column], strict=True)
    return {city: _verdict_text(value) for city, value in values}


def _verdict_text(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "ghost" if value else "no ghost"
    if isinstance(value, (int, float, np.number)) and not pd.isna(value):
        return f"ghost in {float(value):.0%} of runs"
    return "" if pd.isna(value) else str(value)


def is_ghost(text: str) -> bool:
    """Whether a verdict text flags a ghost in at least half of the runs (or says 'ghost')."""
    if text.startswith("ghost in "):
        return float(text.split()[2].rstrip("%")) >= 50
    return text.strip().lower() in ("ghost", "true", "yes")


def vacancy_figure(
    city_month: pd.DataFrame, summary: pd.DataFrame, record: pd.DataFrame | None = None
) -> Figure:
    """One panel per city: simulated vacancy (mean and 95 % band over replications), the
    record's points by definition, and the ghost verdict in the title (red: a ghost)."""
    rows = city_month[(city_month.metric == "office_vacancy") & (city_month.city != REST)]
    rows = rows.assign(date=pd.to_datetime(rows.date))
    record = vacancy_record() if record is None else record
    order = city_order(summary, rows.city.unique())
    names, verdicts = display_names(summary), verdict(summary)
    n_rep = int(rows.replication.nunique())
    fig, axes = _grid(len(order))
    for k, (ax, city) in enumerate(zip(axes, order, strict=False)):
        _panel(ax, rows[rows.city == city], record[record.city == city], n_rep)
        if k % COLUMNS == 0:
            ax.set_ylabel("vacancy (%)", fontsize=7)
        _title(ax, names.get(city, city), verdicts.get(city, ""))
    fig.suptitle(with_reps("Office vacancy: simulated against the brokers' record", n_rep))
    fig.legend(handles=_legend(), loc="lower center", ncol=3, fontsize=7, frameon=False,
               bbox_to_anchor=(0.5, 0.22 / fig.get_figheight()))  # fmt: skip
    return fig


def _grid(n: int) -> tuple[Figure, list[Axes]]:
    cols = COLUMNS
    rows = int(np.ceil(n / cols))
    fig, axes = subplots(rows, cols, figsize=(13, 2.5 * rows + 1.6), sharex=True, sharey=True)
    panels = list(np.atleast_1d(axes).flat)
    date_axis(panels[0])
    for ax in panels[max(n - cols, 0) : n]:
        ax.tick_params(labelbottom=True)
    for ax in panels[n:]:
        ax.set_visible(False)
    fixed_margins(fig, left=0.6, right=0.15, top=0.7, bottom=1.3, wspace=0.25, hspace=0.5)
    return fig, panels


def _panel(ax: Axes, simulated: pd.DataFrame, record: pd.DataFrame, n_rep: int) -> None:
    grouped = simulated.groupby("date")["value"]
    mean = grouped.mean()
    ax.plot(mean.index, mean.to_numpy() * 100, color=LINE_COLOUR, lw=1.3)
    if n_rep > 1:
        lo, hi = grouped.quantile(0.025), grouped.quantile(0.975)
        ax.fill_between(mean.index, lo * 100, hi * 100, color=LINE_COLOUR, alpha=BAND_ALPHA, lw=0)
    for kind, points in record.groupby("definition"):
        marker, filled, _text = DEFINITIONS[kind]
        face = RECORD_COLOUR if filled else "white"
        ax.scatter(points.date, points.value * 100, marker=marker, s=22, zorder=3,
                   facecolor=face, edgecolor=RECORD_COLOUR, linewidth=0.9)  # fmt: skip
        for date, value, label in zip(points.date, points.value, points.label, strict=True):
            ax.annotate(label, (date, value * 100), xytext=(3, 3), textcoords="offset points",
                        fontsize=5.5, color="#555555")  # fmt: skip
    ax.axvspan(pd.Timestamp(RECORD_YEARS[0], 1, 1), pd.Timestamp(RECORD_YEARS[1], 12, 31),
               color="#eeeeee", zorder=0, lw=0)  # fmt: skip
    ax.set_ylim(0, 100)
    ax.tick_params(labelsize=7)


def _title(ax: Axes, name: str, verdict_text: str) -> None:
    ghost = is_ghost(verdict_text)
    text = f"{name}: {verdict_text}" if verdict_text else name
    ax.set_title(text, fontsize=8.5, color=GHOST_COLOUR if ghost else "black",
                 fontweight="bold" if ghost else "normal")  # fmt: skip
    if ghost:
        for spine in ax.spines.values():
            spine.set_edgecolor(GHOST_COLOUR)
            spine.set_linewidth(1.6)


def _legend() -> list:
    handles: list = [Line2D([], [], color=LINE_COLOUR, lw=1.3, label="simulated (mean)")]
    for marker, filled, text in DEFINITIONS.values():
        face = RECORD_COLOUR if filled else "white"
        handles.append(Line2D([], [], ls="", marker=marker, markerfacecolor=face,
                              markeredgecolor=RECORD_COLOUR, label=f"record: {text}"))  # fmt: skip
    handles.append(Patch(color="#eeeeee", label="2013-2019: the record's years"))
    handles.append(Patch(facecolor="white", edgecolor=GHOST_COLOUR, lw=1.6,
                         label="red frame: ghost hub in at least half of the runs"))  # fmt: skip
    return handles
