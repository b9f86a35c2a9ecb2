"""Per-city summaries: targets, whether they were reached, ghost hubs, spending; one run or many.

`summarize(scenario, city_month, initial)` gives one replication's outcomes per city and
`aggregate` their means and ranges over replications.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.engine.cities import NODES, city_table
from hubsim.engine.pool import education_stock_2010
from hubsim.scenario import TALENT_DEGREE, Scenario
from hubsim.scenario.schema import GhostRule, Target


def census_talent(scenario: Scenario, base_year: int = 2010) -> pd.Series:
    """Bachelor-and-above working-age people per city at a census (data, not the model's path).

    The census stock of data/education_2010_by_city.csv, scaled to ages 15-59 as the agents are.
    """
    stock = education_stock_2010().per_city[:, TALENT_DEGREE:].sum(axis=1)
    share = scenario.behaviour.demography.educated_working_age_share
    return pd.Series(stock * share, index=list(NODES[:-1]))


def target_goal(scenario: Scenario, city: str) -> tuple[float, float]:
    """(base, goal) in people of the city's target: base is the census talent of a gain's
    base year (0 for the other kinds), goal what must be reached by the target date."""
    target = scenario.targets[city]
    if target.kind == "talent_people":
        return 0.0, target.amount
    if target.kind == "graduates_staying_people":
        return 0.0, target.amount
    base = float(census_talent(scenario, target.base_year)[city])
    gain = target.amount if target.kind == "gain_people" else base * target.amount
    return base, base + gain


def target_measured(
    target: Target, city: str, talent: pd.DataFrame, newcomers: dict[int, pd.DataFrame]
) -> float:
    """What the run shows against a target: talent at its date, or graduates staying from its
    start to its date (NaN when the run does not cover them)."""
    if target.kind != "graduates_staying_people":
        return float(talent.loc[target.by, city]) if target.by in talent.index else np.nan
    counted = newcomers.get(target.within_years)
    if counted is None or target.start < counted.index[0] or target.by > counted.index[-1]:
        return np.nan
    return float(counted.loc[target.start : target.by, city].sum())


def target_note(target: Target | None, judged: bool, horizon: str) -> str:
    """Why a city's target is or is not judged: '' (no target), 'judged' or 'not judged: ...'."""
    if target is None:
        return ""
    if judged:
        return "judged"
    if target.by > horizon:
        return f"not judged: due {target.by}, after the horizon ({horizon})"
    return "not judged: the run does not cover it"


def is_ghost(
    judged: bool, built_ahead: bool, occupancy: float, target_share: float, rule: GhostRule
) -> bool:
    """The ghost-hub rule: capacity built ahead of demand and left empty.

    Explained in docs/model.md#targets-and-ghost-hubs.

    Args:
        judged: whether the city's target falls inside the run (unjudged cities are no ghosts).
        built_ahead: whether the city built office seats by a programme (a city that built
            nothing cannot be a ghost).
        occupancy: filled office seats / office seats at the horizon (at most 1).
        target_share: share of the target achieved by its date.
        rule: the scenario's thresholds.
    """
    return bool(
        judged
        and built_ahead
        and occupancy < rule.occupancy_below
        and target_share < rule.target_share_below
    )


def summarize_replication(
    scenario: Scenario,
    talent: pd.DataFrame,
    occupancy: pd.Series,
    spending: pd.Series,
    seats_built: pd.Series | None = None,
    newcomers: dict[int, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Per-city outcome of one replication.

    Args:
        scenario: the scenario run (targets and ghost rule).
        talent: talent (people) by month ('YYYY-MM', first row the initial state) x city.
        occupancy: office occupancy per city at the horizon.
        spending: total programme spending per city (yuan).
        seats_built: office seats built by programmes per city by the horizon (default none).
        newcomers: graduates choosing each city by month, keyed by the years since
            graduation counted (the `graduate_newcomers_{k}y` metrics).
    """
    seats_built = pd.Series(dtype=float) if seats_built is None else seats_built
    newcomers = newcomers or {}
    rows = []
    for city in talent.columns:
        series = talent[city]
        target = scenario.targets.get(city)
        base, goal, measured = np.nan, np.nan, np.nan
        if target is not None:
            base, goal = target_goal(scenario, city)
            measured = target_measured(target, city, talent, newcomers)
        judged = not np.isnan(measured)
        achieved = (measured - base) / max(goal - base, 1.0) if judged else np.nan
        talent_kind = judged and target.kind != "graduates_staying_people"
        built = float(seats_built.get(city, 0.0))
        rows.append(
            {
                "city": city,
                "talent_start": float(series.iloc[0]),
                "talent_end": float(series.iloc[-1]),
                "target_kind": target.kind if target is not None else "",
                "target_source": target.source if target is not None else "",
                "target_goal": goal if judged else np.nan,
                "target_measured": measured,
                "target_talent": goal if talent_kind else np.nan,
                "target_date": target.by if judged else "",
                "target_note": target_note(target, judged, talent.index[-1]),
                "talent_at_target_date": float(series.loc[target.by]) if judged else np.nan,
                "target_share_achieved": achieved,
                # what the run shows over what the target asks (talent, or graduates staying)
                "share_of_target": measured / goal if judged and goal > 0 else np.nan,
                "reached": float(measured >= goal) if judged else np.nan,
                "office_occupancy_end": float(occupancy[city]),
                "office_seats_built": built,
                "ghost": is_ghost(judged, built > 0, occupancy[city], achieved, scenario.ghost),
                "spending_yuan": float(spending.get(city, 0.0)),
                "net_talent_gained": float(series.iloc[-1] - series.iloc[0]),
            }
        )
    return pd.DataFrame(rows)


def summarize(scenario: Scenario, city_month: pd.DataFrame, initial: pd.DataFrame) -> pd.DataFrame:
    """One replication's outcomes per city from its tidy city_month and initial tables."""
    cities = list(NODES[:-1])
    cm = city_month[city_month.city.isin(cities)]

    def monthly(metric: str) -> pd.DataFrame:
        table = cm[cm.metric == metric].pivot(index="date", columns="city", values="value")
        table.index = table.index.strftime("%Y-%m")
        return table

    talent = monthly("talent")
    first = pd.Timestamp(scenario.start + "-01") - pd.DateOffset(months=1)
    talent.loc[first.strftime("%Y-%m")] = initial.loc[cities, "talent"]
    talent = talent.sort_index()[cities]
    occupancy = monthly("office_occupancy")
    spending = cm[cm.metric == "subsidy_spent"].groupby("city")["value"].sum()
    built = monthly("office_seats_built") if "office_seats_built" in set(cm.metric) else None
    newcomers = {
        t.within_years: monthly(f"graduate_newcomers_{t.within_years}y")
        for t in scenario.targets.values()
        if t.kind == "graduates_staying_people"
    }
    return summarize_replication(
        scenario,
        talent,
        occupancy.iloc[-1],
        spending,
        built.iloc[-1] if built is not None else None,
        newcomers,
    )


def aggregate(per_rep: pd.DataFrame) -> pd.DataFrame:
    """Means and 95 % ranges over replications of the per-city outcomes."""
    table = city_table()
    grouped = per_rep.groupby("city", sort=False)
    summary = grouped.agg(
        talent_start=("talent_start", "mean"),
        talent_end=("talent_end", "mean"),
        talent_end_lo=("talent_end", lambda s: s.quantile(0.025)),
        talent_end_hi=("talent_end", lambda s: s.quantile(0.975)),
        target_kind=("target_kind", "first"),
        target_source=("target_source", "first"),
        target_goal=("target_goal", "mean"),
        target_measured=("target_measured", "mean"),
        target_talent=("target_talent", "mean"),
        target_date=("target_date", "first"),
        target_note=("target_note", "first"),
        # each replication against its own target: every one that reached it is at 100 % or more
        share_of_target=("share_of_target", "mean"),
        share_of_target_lo=("share_of_target", "min"),
        share_of_target_hi=("share_of_target", "max"),
        talent_at_target_date=("talent_at_target_date", "mean"),
        talent_at_target_lo=("talent_at_target_date", lambda s: s.quantile(0.025)),
        talent_at_target_hi=("talent_at_target_date", lambda s: s.quantile(0.975)),
        reached_share=("reached", "mean"),
        ghost_share=("ghost", "mean"),
        office_occupancy_end=("office_occupancy_end", "mean"),
        office_seats_built=("office_seats_built", "mean"),
        spending_yuan=("spending_yuan", "mean"),
        net_talent_gained=("net_talent_gained", "mean"),
    ).reset_index()
    summary.insert(1, "name", table.loc[summary.city, "name"].to_numpy())
    summary.insert(2, "tier", table.loc[summary.city, "tier"].to_numpy())
    # No spending per net talent here: all growth is not what the spending bought. Cost per
    # extra talent needs a counterfactual (`hubsim compare`, or a sweep's reference point).
    return summary
