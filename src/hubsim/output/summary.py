"""Per-city summaries: targets, whether they were reached, ghost hubs, spending; one run or many.

`summarize(scenario, city_month, initial)` gives one replication's outcomes per city and
`aggregate` their means and ranges over replications.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.engine.cities import NODES, city_table
from hubsim.scenario import Scenario
from hubsim.scenario.schema import GhostRule


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


def target_note(scenario: Scenario, city: str, talent: pd.Series) -> str:
    """Why a city's target is or is not judged: '' (no target), 'judged' or 'not judged: ...'."""
    target = scenario.targets.get(city)
    if target is None:
        return ""
    if target.by > talent.index[-1]:
        return f"not judged: due {target.by}, after the horizon ({talent.index[-1]})"
    if target.start not in talent.index or target.by not in talent.index:
        return f"not judged: starts {target.start}, before the run"
    return "judged"


def is_ghost(judged: bool, occupancy: float, target_share: float, rule: GhostRule) -> bool:
    """The ghost-hub rule: a judged target, low office occupancy and little of the target won.

    Args:
        judged: whether the city's target falls inside the run (unjudged cities are no ghosts).
        occupancy: employed talent / office seats at the horizon.
        target_share: talent gained by the target date / talent gain targeted.
        rule: the scenario's thresholds.
    """
    return bool(
        judged and occupancy < rule.occupancy_below and target_share < rule.target_share_below
    )


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
                "target_note": target_note(scenario, city, series),
                "talent_at_target_date": float(series.loc[due]) if by else np.nan,
                "share_of_target": float(series.loc[due]) / goal if by else np.nan,
                "target_share_achieved": achieved,
                "reached": float(series.loc[due] >= goal) if by else np.nan,
                "office_occupancy_end": float(occupancy[city]),
                "ghost": is_ghost(bool(by), occupancy[city], achieved, scenario.ghost),
                "spending_yuan": float(spending.get(city, 0.0)),
                "net_talent_gained": net,
            }
        )
    return pd.DataFrame(rows)


def summarize(scenario: Scenario, city_month: pd.DataFrame, initial: pd.DataFrame) -> pd.DataFrame:
    """One replication's outcomes per city from its tidy city_month and initial tables."""
    cities = list(NODES[:-1])
    cm = city_month[city_month.city.isin(cities)]
    talent = cm[cm.metric == "talent"].pivot(index="date", columns="city", values="value")
    talent.index = talent.index.strftime("%Y-%m")
    first = pd.Timestamp(scenario.start + "-01") - pd.DateOffset(months=1)
    talent.loc[first.strftime("%Y-%m")] = initial.loc[cities, "talent"]
    talent = talent.sort_index()[cities]
    occupancy = cm[cm.metric == "office_occupancy"].pivot(
        index="date", columns="city", values="value"
    )
    spending = cm[cm.metric == "subsidy_spent"].groupby("city")["value"].sum()
    return summarize_replication(scenario, talent, occupancy.iloc[-1], spending)


def aggregate(per_rep: pd.DataFrame) -> pd.DataFrame:
    """Means and 95 % ranges over replications of the per-city outcomes."""
    table = city_table()
    grouped = per_rep.groupby("city", sort=False)
    summary = grouped.agg(
        talent_start=("talent_start", "mean"),
        talent_end=("talent_end", "mean"),
        talent_end_lo=("talent_end", lambda s: s.quantile(0.025)),
        talent_end_hi=("talent_end", lambda s: s.quantile(0.975)),
        target_talent=("target_talent", "mean"),
        target_date=("target_date", "first"),
        talent_at_target_date=("talent_at_target_date", "mean"),
        talent_at_target_lo=("talent_at_target_date", lambda s: s.quantile(0.025)),
        talent_at_target_hi=("talent_at_target_date", lambda s: s.quantile(0.975)),
        target_note=("target_note", "first"),
        # each replication against its own target: every one that reached it is at 100 % or more
        share_of_target=("share_of_target", "mean"),
        share_of_target_lo=("share_of_target", "min"),
        share_of_target_hi=("share_of_target", "max"),
        reached_share=("reached", "mean"),
        ghost_share=("ghost", "mean"),
        office_occupancy_end=("office_occupancy_end", "mean"),
        spending_yuan=("spending_yuan", "mean"),
        net_talent_gained=("net_talent_gained", "mean"),
    ).reset_index()
    summary.insert(1, "name", table.loc[summary.city, "name"].to_numpy())
    summary.insert(2, "tier", table.loc[summary.city, "tier"].to_numpy())
    # No spending per net talent here: all growth is not what the spending bought. Cost per
    # extra talent needs a counterfactual (`hubsim compare`, or a sweep's reference point).
    return summary
