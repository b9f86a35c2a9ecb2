"""Policy-outcome figures: target attainment (`attainment.png`) and subsidy spending
(`spending.png`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from hubsim.output.layout import city_colours, fixed_margins
from hubsim.output.plots.figure import (
    PLAIN,
    REST,
    STATUS_COLOURS,
    display_names,
    ordered_summary,
    subplots,
)


def _attainment_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Percent of target reached (with the replications' range) and a status per city."""
    df = ordered_summary(summary)
    df = df[df["city"] != REST].reset_index(drop=True)
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
    has = table["status"].isin(list(STATUS_COLOURS)).to_numpy()
    colours = [STATUS_COLOURS[s] for s in table.loc[has, "status"]]
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


def attainment_figure(summary: pd.DataFrame) -> Figure:
    """Horizontal bars of talent at each city's target date as a percentage of its target."""
    table, names = _attainment_table(summary), display_names(summary)
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
    if not table["status"].isin(list(STATUS_COLOURS)).any():
        if (table["status"] == "not judged").any():  # the labels fill the rows: say it on top
            ax.set_title("Target attainment by city\nNo target falls within this run")
            return fig
        ax.text(0.5, 0.5, "No city has a talent target in this run", transform=ax.transAxes,
                ha="center", va="center", fontsize=12, color="#555555")  # fmt: skip
        return fig
    handles = [Patch(color=c, label=s) for s, c in STATUS_COLOURS.items()]
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
    if row.status in STATUS_COLOURS and row.target_date.strip() and row.target_date != "nan":
        return f"{name} (by {row.target_date})"
    return name


def _spending_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Total programme spending (billion yuan) per city, tier-1 first."""
    df = ordered_summary(summary)
    df = df[df["city"] != REST].reset_index(drop=True)
    return pd.DataFrame({"city": df["city"], "total_bn": df["spending_yuan"].astype(float) / 1e9})


def _spending_by_year(city_month: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """City x year spending (billion yuan), summed within a year, mean over replications."""
    rows = city_month.loc[(city_month["metric"] == "subsidy_spent") & (city_month["city"] != REST)]
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
        ax.xaxis.set_major_formatter(PLAIN)
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


def spending_figure(city_month: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Programme spending per city over the whole run, and per calendar year."""
    table, names = _spending_table(summary), display_names(summary)
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
