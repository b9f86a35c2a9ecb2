"""City metrics recorded each month, and the per-city summary: targets, ghost hubs, costs.

Every metric is in people represented (agents x scale), yuan, or a share; never in agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hubsim.scenario import Scenario

if TYPE_CHECKING:
    from hubsim.model import HubModel

METRICS = (
    "population",  # working-age agents x scale / working-age share: comparable with the census
    "talent",  # working-age people with a bachelor's degree or more
    "employed",
    "unemployed",
    "vacancies",
    "wage_mean",  # nominal yuan/year of the employed
    "rent",  # nominal yuan per m2 per month
    "firms",  # simulated firms headquartered in the city (model units)
    "offices",  # open offices in the city (model units)
    "inflow",  # people moving in this month
    "outflow",
    "net_migration",
    "subsidy_spent",  # yuan paid this month by the city's programmes
    "office_occupancy",  # employed talent / office seats
    "office_seats",
    "entrants",  # graduates and young people entering working age this month
    "retirements",
)


def city_metrics(model: HubModel, counts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The METRICS for every node (13 cities, then the outside node), in people or yuan."""
    firms, c, scale = model.firms, model.cities, model.scale
    n = c.n
    wage_mean = model.wage_bill / np.maximum(counts["employed"], 1.0) * model.wage_trend
    wage_mean[-1] = c.base_wage_yuan[-1] * model.wage_trend
    inflow = model.flows_step.sum(axis=(0, 2)) * scale
    outflow = model.flows_step.sum(axis=(1, 2)) * scale
    talent_seats = counts["employed_talent"] * scale
    finite = np.isfinite(model.office_seats)
    occupancy = np.full(n, np.nan)
    occupancy[finite] = talent_seats[finite] / np.maximum(model.office_seats[finite], 1.0)
    return {
        "population": counts["population"] * scale / model.beh.demography.working_age_share,
        "talent": counts["talent"] * scale,
        "employed": counts["employed"] * scale,
        "unemployed": (counts["population"] - counts["employed"]) * scale,
        "vacancies": model.vacancies * scale,
        "wage_mean": wage_mean,
        "rent": model.rent * model.wage_trend,
        "firms": np.bincount(firms.hq_city[firms.alive], minlength=n).astype(float),
        "offices": np.bincount(firms.office_city[firms.office_open], minlength=n).astype(float),
        "inflow": inflow,
        "outflow": outflow,
        "net_migration": inflow - outflow,
        "subsidy_spent": model.spent_step.copy(),
        "office_occupancy": occupancy,
        "office_seats": np.where(np.isfinite(model.office_seats), model.office_seats, np.nan),
        "entrants": model.born_step * scale,
        "retirements": model.retired_step * scale,
    }


def as_table(city_metrics: dict[str, np.ndarray]) -> np.ndarray:
    """The metrics as one (len(METRICS), nodes) array, rows in METRICS order."""
    return np.array([city_metrics[name] for name in METRICS], dtype=float)


def target_talent(scenario: Scenario, city: str, talent: pd.Series) -> tuple[float, float, str]:
    """(talent at the target's start, talent aimed for, date) in people.

    `talent` is indexed by month ('YYYY-MM'). A target is judged only when the run covers both
    its start and its date; otherwise (and without a target) this gives NaNs and no date.
    """
    target = scenario.targets.get(city)
    if target is None or target.start not in talent.index or target.by not in talent.index:
        return float("nan"), float("nan"), ""
    base = float(talent.loc[target.start])
    gain = target.gain_people if target.gain_people is not None else base * target.gain_share
    return base, base + gain, target.by


def summarize_replication(
    scenario: Scenario, talent: pd.DataFrame, occupancy: pd.Series, spending: pd.Series
) -> pd.DataFrame:
    """Per-city outcome of one replication.

    Args:
        scenario: the scenario run (targets and ghost rule).
        talent: talent (people) by month ('YYYY-MM', first row the initial state) x city.
        occupancy: office occupancy per city at the horizon.
        spending: total programme spending per city (yuan).
    """
    rows = []
    horizon = talent.index[-1]
    for city in talent.columns:
        series = talent[city]
        base, goal, by = target_talent(scenario, city, series)
        due = by or horizon
        achieved = (series.loc[due] - base) / max(goal - base, 1.0) if by else np.nan
        net = float(series.iloc[-1] - series.iloc[0])
        rows.append(
            {
                "city": city,
                "talent_start": float(series.iloc[0]),
                "talent_end": float(series.iloc[-1]),
                "target_talent": goal,
                "target_date": by,
                "talent_at_target_date": float(series.loc[due]) if by else np.nan,
                "target_share_achieved": achieved,
                "reached": float(series.loc[due] >= goal) if by else np.nan,
                "office_occupancy_end": float(occupancy[city]),
                "ghost": bool(by)
                and occupancy[city] < scenario.ghost.occupancy_below
                and achieved < scenario.ghost.target_share_below,
                "spending_yuan": float(spending.get(city, 0.0)),
                "net_talent_gained": net,
            }
        )
    return pd.DataFrame(rows)
