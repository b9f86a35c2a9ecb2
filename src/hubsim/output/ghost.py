"""The ghost-hub rule's two readings of a run: which cities built office space ahead of demand,
and how many years at the horizon each left more than a share of it empty.

docs/model.md#targets-and-ghost-hubs states the rule. "Built ahead" is kept in this one module
(`built_ahead`) so that another reading of the office record can replace it in one place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.engine.cities import office_stock_table
from hubsim.scenario import CITY_KEYS, Scenario
from hubsim.scenario.schema import GhostRule

MONTHS_A_YEAR = 12


def built_ahead(scenario: Scenario) -> dict[str, str]:
    """City -> why its office space counts as built ahead of demand; cities absent built
    nothing ahead.

    Three readings, all fixed before the run: a recorded grade-A stock that grew over the
    record (`office_stock.csv`: in 2010-2019 the model's seats follow what was built, whether
    or not firms came, where elsewhere developers build to demand), a plan (the scenario sets
    `office_capacity_growth_per_year` above 0: seats grow on top of demand), and office seats
    an `office_capacity` programme of the scenario builds.
    """
    reasons: dict[str, list[str]] = {}
    stock = office_stock_table().sort_values("as_of")
    for city, rows in stock.groupby("city", sort=False):
        first, last = rows.iloc[0], rows.iloc[-1]
        if last.stock_m2 > first.stock_m2:
            reasons.setdefault(city, []).append(
                f"recorded stock {first.stock_m2 / 1e6:.2f} M m2 ({first.as_of}) to "
                f"{last.stock_m2 / 1e6:.2f} M m2 ({last.as_of})"
            )
    for city in CITY_KEYS:
        override = scenario.cities.get(city)
        growth = 0.0 if override is None else override.office_capacity_growth_per_year
        if growth > 0:
            reasons.setdefault(city, []).append(
                f"plan: seats grow {growth:.0%} a year on top of demand"
            )
    for p in scenario.programmes:
        if p.instrument == "office_capacity" and p.amount > 0:
            reasons.setdefault(p.city, []).append(
                f"programme: {p.amount:,.0f} seats from {p.start}"
            )
    return {c: "; ".join(reasons[c]) for c in CITY_KEYS if c in reasons}


def empty_years(vacancy: pd.Series, share: float) -> int:
    """Whole years, counted back from the last month, whose mean vacancy is above `share`
    (the streak stops at the first year that is not; a partial year at the start is not
    counted). `vacancy` is one city's monthly office vacancy, oldest first."""
    values = vacancy.dropna().to_numpy(float)
    years = len(values) // MONTHS_A_YEAR
    streak = 0
    for k in range(1, years + 1):
        block = values[len(values) - k * MONTHS_A_YEAR : len(values) - (k - 1) * MONTHS_A_YEAR]
        if not np.mean(block) > share:
            break
        streak += 1
    return streak


def vacancy_at_horizon(vacancy: pd.Series) -> float:
    """Mean office vacancy of the last 12 months (fewer if the run is shorter); NaN if none."""
    values = vacancy.dropna().to_numpy(float)[-MONTHS_A_YEAR:]
    return float(values.mean()) if len(values) else np.nan


def is_ghost(judged: bool, built: bool, years_empty: int, reached: bool, rule: GhostRule) -> bool:
    """The ghost-hub rule: space built ahead of demand, more than `rule.vacancy_above` of it
    empty in each of the last `rule.empty_years` years, and the target missed.

    Args:
        judged: whether the city's target falls inside the run (unjudged cities are no ghosts).
        built: whether the city built office space ahead of demand (`built_ahead`).
        years_empty: `empty_years` of its vacancy at `rule.vacancy_above`.
        reached: whether it reached its target.
        rule: the scenario's thresholds.
    """
    return bool(judged and built and years_empty >= rule.empty_years and not reached)
