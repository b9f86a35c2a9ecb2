"""Figures for one hubsim run: talent paths, prices, migration, flows and policy outcomes.

Call `plot_run` with the run's tidy tables; it writes small PNGs meant for policy readers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hubsim.output.plots import cohorts, sectors
from hubsim.output.plots.figure import REST, save, stamp_figure
from hubsim.output.plots.migration import flows_figure, net_migration_figure
from hubsim.output.plots.offices import vacancy_figure
from hubsim.output.plots.policy import attainment_figure, spending_figure
from hubsim.output.plots.series import rent_wage_figure, talent_figure

__all__ = ["plot_run"]


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
        specs.append(("cohorts.png", {}, lambda: cohorts.cohort_figure(pool_year)))
    if city_sector_month is not None and not city_sector_month.empty:
        specs.append(("sectors.png", {}, lambda: sectors.sector_figure(city_sector_month)))
        specs.append(("branches.png", {}, lambda: sectors.branch_figure(city_sector_month)))
    for filename, needs, build in specs:
        problem = _missing_inputs(needs, available, flows_year, summary)
        if problem:
            warnings.warn(f"hubsim.output.plots: skipping {filename}: {problem}", stacklevel=2)
            continue
        fig = build()
        stamp_figure(fig, stamp)
        written.append(save(fig, out / filename))
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
            lambda: talent_figure(city_month, summary),
        ),
        (
            "rent_wage.png",
            {"metrics": ["rent", "wage_mean"]},
            lambda: rent_wage_figure(city_month, summary),
        ),
        (
            "net_migration.png",
            {"metrics": ["net_migration"]},
            lambda: net_migration_figure(city_month, summary),
        ),
        ("flows_heatmap.png", {"flows": []}, lambda: flows_figure(flows_year, summary)),
        ("attainment.png", {"summary": attain_cols}, lambda: attainment_figure(summary)),
        (
            "office_vacancy.png",
            {"metrics": ["office_vacancy"], "summary": ["city"]},
            lambda: vacancy_figure(city_month, summary),
        ),
        (
            "spending.png",
            {"summary": spend_cols, "metrics": ["subsidy_spent"]},
            lambda: spending_figure(city_month, summary),
        ),
    ]


def _available_metrics(city_month: pd.DataFrame) -> set[str]:
    """Metrics with a finite value for some city; all-NaN metrics count as missing."""
    if not {"city", "metric", "value"} <= set(city_month.columns):
        return set()
    # rest_of_china alone can't fill a per-city figure, so its rows don't count.
    usable = np.isfinite(city_month["value"].astype(float)) & (city_month["city"] != REST)
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
