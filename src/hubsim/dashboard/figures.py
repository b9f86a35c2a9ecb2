"""The dashboard's figures: talent against target, rents, net migration and spending.

Pure: arrays in, `matplotlib.figure.Figure` out (no pyplot). Both runs are drawn in each figure,
the settings' run solid and the unmodified run grey or dashed.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from hubsim.output.layout import CITY_COLOURS, integer_ticks

POLICY_COLOUR = "#1f77b4"
REFERENCE_COLOUR = "#7f7f7f"
TARGET_COLOUR = "#d62728"
# The three panels under the talent figure share a third of the page each: a small figure with
# large type, so the text stays readable once the SVG is scaled to the column.
PANEL_SIZE = (4.8, 4.6)
PANEL_FONT, PANEL_TITLE = 11, 12


def talent_figure(
    years: np.ndarray,
    policy: np.ndarray,
    reference: np.ndarray,
    cities: Sequence[str],
    targets: dict[str, tuple[float, float, float]],
    horizon: tuple[float, float],
    names: dict[str, str] | None = None,
) -> Figure:
    """Talent per city (million people), one panel per city, with each target.

    Args:
        years: (rows,) decimal years of the rows.
        policy, reference: (rows, cities) talent in people of the two runs.
        cities: the city keys, in the columns' order.
        targets: city -> (decimal year of the target's start, of its date, talent aimed for).
        horizon: the x range (first and last decimal year of the scenario).
        names: display name of each city key (default: the key).
    Each line has an SVG id `talent-<city>-policy` or `talent-<city>-reference`.
    """
    names = names or {}
    fig = Figure(figsize=(10, 5.6), dpi=80)
    axes = fig.subplots(4, 4, sharex=True).ravel()
    fig.subplots_adjust(left=0.05, right=0.99, top=0.91, bottom=0.05, hspace=0.42, wspace=0.25)
    for ax, (i, city) in zip(axes, enumerate(cities), strict=False):
        (ref,) = ax.plot(years, reference[:, i] / 1e6, color=REFERENCE_COLOUR, lw=1.2, ls="--")
        (pol,) = ax.plot(years, policy[:, i] / 1e6, color=POLICY_COLOUR, lw=1.6)
        ref.set_gid(f"talent-{city}-reference")
        pol.set_gid(f"talent-{city}-policy")
        if city in targets:
            start, by, goal = targets[city]
            ax.hlines(goal / 1e6, start, by, color=TARGET_COLOUR, lw=1, ls=":")
            ax.plot([by], [goal / 1e6], marker="o", ms=4, color=TARGET_COLOUR)
        ax.set_title(names.get(city, city), fontsize=9, pad=2)
        ax.tick_params(labelsize=7)
        ax.set_xlim(*horizon)
        ax.margins(y=0.15)
    integer_ticks(axes[0].xaxis)  # shared x: calendar years on every panel, not 2012.5
    legend_ax = axes[len(cities)]
    legend_ax.plot([], [], color=POLICY_COLOUR, lw=1.6, label="with your settings")
    legend_ax.plot([], [], color=REFERENCE_COLOUR, lw=1.2, ls="--", label="unmodified scenario")
    legend_ax.plot([], [], color=TARGET_COLOUR, marker="o", ls=":", label="target (level, date)")
    legend_ax.legend(loc="center", fontsize=8, frameon=False)
    for ax in axes[len(cities) :]:
        ax.axis("off")
    fig.suptitle(
        "Talent per city, million people with a bachelor's degree or more", fontsize=10, y=0.99
    )
    return fig


def rent_figure(
    years: np.ndarray,
    policy: np.ndarray,
    reference: np.ndarray,
    labels: Sequence[str],
    horizon: tuple[float, float],
) -> Figure:
    """Nominal rent (yuan per m2 a month) per city: settings solid, unmodified dashed.

    `labels` are the cities' names in CITY_KEYS order, which gives each its colour.
    """
    fig = Figure(figsize=PANEL_SIZE, dpi=80)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.13, right=0.7, top=0.9, bottom=0.09)
    for colour, (i, label) in zip(CITY_COLOURS, enumerate(labels), strict=False):
        ax.plot(years, reference[:, i], color=colour, lw=0.9, ls="--")
        ax.plot(years, policy[:, i], color=colour, lw=1.6, label=label)
    ax.set_xlim(*horizon)
    integer_ticks(ax.xaxis)  # calendar years, not 2012.5
    ax.set_title("Rent, yuan per m² a month\n(dashed: unmodified)", fontsize=PANEL_TITLE)
    ax.tick_params(labelsize=PANEL_FONT)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=PANEL_FONT - 1,
              frameon=False, handlelength=1.5)  # fmt: skip
    return fig


def city_bars_figure(
    policy: np.ndarray, reference: np.ndarray, labels: Sequence[str], title: str
) -> Figure:
    """Horizontal bars per city of one total, the settings' run beside the unmodified one."""
    fig = Figure(figsize=PANEL_SIZE, dpi=80)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.22, right=0.96, top=0.9, bottom=0.09)
    rows = np.arange(len(labels))
    ax.barh(rows - 0.2, reference, height=0.4, color=REFERENCE_COLOUR, label="unmodified")
    ax.barh(rows + 0.2, policy, height=0.4, color=POLICY_COLOUR, label="with your settings")
    ax.set_yticks(rows, labels=list(labels), fontsize=PANEL_FONT)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.6)
    ax.set_title(textwrap.fill(title, 40), fontsize=PANEL_TITLE)
    ax.tick_params(axis="x", labelsize=PANEL_FONT)
    ax.legend(loc="lower right", fontsize=PANEL_FONT - 1)
    return fig


def svg_text(fig: Figure) -> str:
    """The figure as an inline <svg> element (no XML prologue), so its lines are in the page."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]
