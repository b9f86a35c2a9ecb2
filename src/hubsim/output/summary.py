"""Per-city summaries: targets, whether they were reached, ghost hubs, spending; one run or many.

`summarize(scenario, city_month, initial)` gives one replication's outcomes per city and
`aggregate` their means and ranges over replications.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.engine.cities import NODES, city_table
from hubsim.engine.pool import education_stock_2010
from hubsim.output import ghost
from hubsim.scenario import DEGREES, TALENT_DEGREE, Scenario
from hubsim.scenario.schema import Target

# The lowest degree each target measure counts (docs/scenarios.md#targets).
MEASURE_DEGREE = {"talent": TALENT_DEGREE, "college_and_above": DEGREES.index("college")}


def census_talent(scenario: Scenario, base_year: int = 2010, measure: str = "talent") -> pd.Series:
    """Working-age people per city at a census with a bachelor's degree or more (`talent`) or
    junior college or more (`college_and_above`): data, not the model's path.

    The census stock of data/education_2010_by_city.csv, scaled to ages 15-59 as the agents are.
    """
    stock = education_stock_2010().per_city[:, MEASURE_DEGREE[measure] :].sum(axis=1)
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
    base = float(census_talent(scenario, target.base_year, target.measure)[city])
    gain = target.amount if target.kind == "gain_people" else base * target.amount
    return base, base + gain


def target_measured(
    target: Target,
    city: str,
    talent: pd.DataFrame,
    newcomers: dict[int, pd.DataFrame],
    college: pd.DataFrame | None = None,
) -> float:
    """What the run shows against a target: talent (plus junior-college people for a
    college_and_above target) at its date, or graduates staying from its start to its date
    (NaN when the run does not cover them)."""
    if target.kind != "graduates_staying_people":
        if target.by not in talent.index:
            return np.nan
        extra = 0.0
        if target.measure == "college_and_above":
            extra = float(college.loc[target.by, city]) if college is not None else np.nan
        return float(talent.loc[target.by, city]) + extra
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


def summarize_replication(
    scenario: Scenario,
    talent: pd.DataFrame,
    occupancy: pd.Series,
    spending: pd.Series,
    seats_built: pd.Series | None = None,
    newcomers: dict[int, pd.DataFrame] | None = None,
    *,
    vacancy: pd.DataFrame | None = None,
    college: pd.DataFrame | None = None,
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
        vacancy: monthly office vacancy (month x city); none: no city has empty years.
        college: junior-college people by month x city, for college_and_above targets.
    """
    seats_built = pd.Series(dtype=float) if seats_built is None else seats_built
    newcomers = newcomers or {}
    ahead = ghost.built_ahead(scenario)
    rows = []
    for city in talent.columns:
        target = scenario.targets.get(city)
        base, goal, measured = np.nan, np.nan, np.nan
        if target is not None:
            base, goal = target_goal(scenario, city)
            measured = target_measured(target, city, talent, newcomers, college)
        built = float(seats_built.get(city, 0.0))
        basis = ahead.get(city, "programme seats" if built > 0 else "")
        city_vacancy = vacancy[city] if vacancy is not None else pd.Series(dtype=float)
        rows.append(
            {
                **_target_columns(target, base, goal, measured, talent, city),
                "office_occupancy_end": float(occupancy[city]),
                "office_vacancy_end": ghost.vacancy_at_horizon(city_vacancy),
                "office_seats_built": built,
                "built_ahead": bool(basis),
                "built_ahead_basis": basis,
                "empty_years": ghost.empty_years(city_vacancy, scenario.ghost.vacancy_above),
                "spending_yuan": float(spending.get(city, 0.0)),
            }
        )
    table = pd.DataFrame(rows)
    table["ghost"] = [
        ghost.is_ghost(
            pd.notna(r.reached), r.built_ahead, r.empty_years, r.reached == 1.0, scenario.ghost
        )
        for r in table.itertuples()
    ]
    return table


def _target_columns(
    target: Target | None, base: float, goal: float, measured: float, talent: pd.DataFrame,
    city: str,
) -> dict:  # fmt: skip
    """One city's talent and target columns of the per-replication table."""
    series = talent[city]
    judged = not np.isnan(measured)
    achieved = (measured - base) / max(goal - base, 1.0) if judged else np.nan
    talent_kind = judged and target.kind != "graduates_staying_people"
    return {
        "city": city,
        "talent_start": float(series.iloc[0]),
        "talent_end": float(series.iloc[-1]),
        "target_kind": target.kind if target is not None else "",
        "target_measure": target.measure if target is not None else "",
        "target_source": target.source if target is not None else "",
        "target_published": target.goal if target is not None else "",
        "target_definition": target.definition if target is not None else "",
        "target_mapping": target.mapping if target is not None else "",
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
        "net_talent_gained": float(series.iloc[-1] - series.iloc[0]),
    }


def summarize(scenario: Scenario, city_month: pd.DataFrame, initial: pd.DataFrame) -> pd.DataFrame:
    """One replication's outcomes per city from its tidy city_month and initial tables."""
    cities = list(NODES[:-1])
    cm = city_month[city_month.city.isin(cities)]
    present = set(cm.metric)

    def monthly(metric: str) -> pd.DataFrame:
        table = cm[cm.metric == metric].pivot(index="date", columns="city", values="value")
        table.index = table.index.strftime("%Y-%m")
        return table

    def with_start(metric: str) -> pd.DataFrame:
        """The metric by month with the initial state as the month before the start."""
        table = monthly(metric)
        first = pd.Timestamp(scenario.start + "-01") - pd.DateOffset(months=1)
        table.loc[first.strftime("%Y-%m")] = initial.loc[cities, metric]
        return table.sort_index()[cities]

    talent = with_start("talent")
    college = with_start("college") if "college" in present and "college" in initial else None
    occupancy = monthly("office_occupancy")
    spending = cm[cm.metric == "subsidy_spent"].groupby("city")["value"].sum()
    built = monthly("office_seats_built") if "office_seats_built" in present else None
    vacancy = monthly("office_vacancy") if "office_vacancy" in present else 1.0 - occupancy
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
        vacancy=vacancy,
        college=college,
    )


def _mean_and_band(column: str, low: float, high: float, stem: str | None = None) -> dict:
    """Aggregations: the mean of `column` as `stem`, its `low` and `high` quantiles as
    `stem`_lo and `stem`_hi."""
    stem = stem or column
    return {
        stem: (column, "mean"),
        f"{stem}_lo": (column, lambda s: s.quantile(low)),
        f"{stem}_hi": (column, lambda s: s.quantile(high)),
    }


def _first(*columns: str) -> dict:
    """Aggregations: the first value of each of `columns` (the same in every replication)."""
    return {column: (column, "first") for column in columns}


def aggregate(per_rep: pd.DataFrame) -> pd.DataFrame:
    """Means and 95 % ranges over replications of the per-city outcomes."""
    table = city_table()
    grouped = per_rep.groupby("city", sort=False)
    summary = grouped.agg(
        talent_start=("talent_start", "mean"),
        **_mean_and_band("talent_end", 0.025, 0.975),
        **_first("target_kind", "target_measure", "target_source", "target_published"),
        **_first("target_definition", "target_mapping"),
        target_goal=("target_goal", "mean"),
        target_measured=("target_measured", "mean"),
        target_talent=("target_talent", "mean"),
        **_first("target_date", "target_note"),
        # each replication against its own target: every one that reached it is at 100 % or more
        share_of_target=("share_of_target", "mean"),
        share_of_target_lo=("share_of_target", "min"),
        share_of_target_hi=("share_of_target", "max"),
        **_mean_and_band("talent_at_target_date", 0.025, 0.975, "talent_at_target"),
        reached_share=("reached", "mean"),
        ghost_share=("ghost", "mean"),
        office_occupancy_end=("office_occupancy_end", "mean"),
        **_mean_and_band("office_vacancy_end", 0.05, 0.95),
        **_first("built_ahead", "built_ahead_basis"),
        empty_years=("empty_years", "mean"),
        office_seats_built=("office_seats_built", "mean"),
        spending_yuan=("spending_yuan", "mean"),
        net_talent_gained=("net_talent_gained", "mean"),
    ).reset_index()
    summary = summary.rename(columns={"talent_at_target": "talent_at_target_date"})
    summary.insert(1, "name", table.loc[summary.city, "name"].to_numpy())
    summary.insert(2, "tier", table.loc[summary.city, "tier"].to_numpy())
    # No spending per net talent here: all growth is not what the spending bought. Cost per
    # extra talent needs a counterfactual (`hubsim compare`, or a sweep's reference point).
    return summary
