"""The calibration table: each simulated figure beside the figure it should match and its source.

Growth over 2010-2015 is compared with the annualised 2000-2010 census growth of each city; a
2000 start (the spin-up) is also set beside the 2010 census after its ten years.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.engine.census import census_year
from hubsim.engine.cities import census_table
from hubsim.engine.pool import education_stock
from hubsim.scenario import CITY_KEYS, DEGREES, SPINUP_YEAR, TALENT_DEGREE, Scenario

FIT_YEARS = (2010, 2015)
# A 2000-01 start's state after 120 months stands where a 2010 start puts the 2010 census.
CENSUS_2010_MONTH = pd.Timestamp("2009-12-01")
AT_2010 = "at 2010-01"  # the quantities set beside the 2010 census end so


def census_growth_per_year() -> pd.Series:
    """Annualised 2000-2010 census growth of each city (share per year)."""
    census = census_table()
    return (census["population_2010"] / census["population_2000"]) ** (1 / 10) - 1


def simulated_growth_per_year(city_month: pd.DataFrame, initial: pd.DataFrame) -> pd.Series:
    """Annualised population growth from the start to the end of FIT_YEARS (or the horizon).

    NaN for every city when the run covers less than a year of the fit window (it starts
    after it, or is shorter than a year): a month or two annualised is no growth rate.
    """
    pop = city_month[(city_month.metric == "population") & city_month.city.isin(CITY_KEYS)]
    last = min(pop.date.max(), pd.Timestamp(f"{FIT_YEARS[1]}-12-01"))
    if last < pop.date.min():
        return pd.Series(np.nan, index=list(CITY_KEYS))
    end = pop[pop.date == last].groupby("city")["value"].mean()
    start = initial.loc[list(CITY_KEYS), "population"].groupby(level=0).mean()
    years = (last.year - pop.date.min().year) + (last.month - pop.date.min().month + 1) / 12
    if years < 1:
        return pd.Series(np.nan, index=list(CITY_KEYS))
    return ((end / start[end.index]) ** (1 / years) - 1).loc[list(CITY_KEYS)]


def growth_fit(city_month: pd.DataFrame, initial: pd.DataFrame) -> pd.DataFrame:
    """Per city: simulated 2010-2015 growth, census 2000-2010 growth, error (points a year)."""
    sim = simulated_growth_per_year(city_month, initial)
    census = census_growth_per_year()
    return pd.DataFrame(
        {"simulated": sim, "census": census, "error": sim - census}, index=list(CITY_KEYS)
    )


def calibration_table(
    scenario: Scenario, city_month: pd.DataFrame, flows: pd.DataFrame, initial: pd.DataFrame
) -> pd.DataFrame:
    """Rows of (quantity, city, simulated, target, source); shares as fractions."""
    cm = city_month[city_month.city.isin(CITY_KEYS)]
    wide = cm.pivot_table(index=["replication", "date", "city"], columns="metric", values="value")
    unemployment = wide["unemployed"].sum() / (wide["employed"] + wide["unemployed"]).sum()
    mig = scenario.behaviour.migration
    rows = [
        (
            "unemployment rate (13 cities, whole run)",
            "",
            unemployment,
            "0.04-0.06",
            "ESTIMATE: national urban unemployment around 4-5 %",
        ),
        (
            "inter-city move rate of talent per year",
            "",
            _talent_move_rate(cm, flows),
            "0.02-0.05",
            "ASSUMPTION: no sourced figure; judge by eye",
        ),
        (
            "Chengdu wage / tier-1 average wage",
            "chengdu",
            _chengdu_wage_ratio(cm),
            "0.50-0.80",
            "Tech in Asia 2018: Chengdu talent costs 50-80 % of tier-1",
        ),
        (
            "migration elasticity, logit-implied",
            "",
            _elasticity(flows, mig),
            "1.5",
            "Tombe & Zhu, AER 2019",
        ),
    ]
    fit = growth_fit(city_month, initial)
    first, last = city_month.date.min(), city_month.date.max()
    last_year = min(last.year if last.month == 12 else last.year - 1, FIT_YEARS[1])
    window = f"{first.year}-{max(last_year, first.year)}"
    if fit.simulated.isna().all():  # the run starts after the fit window: nothing to judge
        window = f"{FIT_YEARS[0]}-{FIT_YEARS[1]}"
    for city, row in fit.iterrows():
        rows.append(
            (
                f"population growth per year {window}",
                city,
                row.simulated,
                f"{row.census:.4f}",
                "census 2000-2010 annualised (src/hubsim/data/census_2000_2010.csv)",
            )
        )
    judged = fit.simulated.notna()
    rho = spearman(fit.simulated[judged], fit.census[judged]) if judged.sum() > 1 else np.nan
    rows.append(("rank correlation of city growth", "", rho, "1.0", "census 2000-2010"))
    if census_year(scenario.start) == SPINUP_YEAR:
        rows += census_2010_rows(scenario, city_month)
    return pd.DataFrame(rows, columns=["quantity", "city", "simulated", "target", "source"])


def census_2010_rows(scenario: Scenario, city_month: pd.DataFrame) -> list[tuple]:
    """A 2000 start beside the 2010 census: each city's residents and national talent at the
    end of 2009-12 (mean over replications; NaN when the run ends before it), in people."""
    at = city_month[city_month.date == CENSUS_2010_MONTH]
    mean = at.groupby(["metric", "city"])["value"].mean()
    population = mean.get("population", pd.Series(dtype=float))
    talent = mean.get("talent", pd.Series(dtype=float)).sum() if len(at) else np.nan
    census = census_table()["population_2010"]
    rows = [
        (
            f"population {AT_2010}",
            city,
            float(population.get(city, np.nan)),
            f"{census[city]:.0f}",
            "census 2010 (src/hubsim/data/census_2000_2010.csv)",
        )
        for city in CITY_KEYS
    ]
    share = scenario.behaviour.demography.educated_working_age_share
    stock = education_stock(2010).national[TALENT_DEGREE:].sum() * share
    rows.append(
        (
            f"national talent {AT_2010}",
            "",
            float(talent),
            f"{stock:.0f}",
            "census 2010 bachelor-and-above x educated_working_age_share (ESTIMATE)",
        )
    )
    return rows


def spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman's rank correlation: Pearson's on average ranks (no scipy import per run)."""
    ranks_a = pd.Series(np.asarray(a, float)).rank().to_numpy()
    ranks_b = pd.Series(np.asarray(b, float)).rank().to_numpy()
    return float(np.corrcoef(ranks_a, ranks_b)[0, 1])


def _talent_move_rate(cm: pd.DataFrame, flows: pd.DataFrame) -> float:
    talented = flows.degree.isin(DEGREES[TALENT_DEGREE:])
    talent_moves = flows[talented & flows.origin.isin(CITY_KEYS)]
    per_year = talent_moves.groupby(["replication", "year"])["movers"].sum()
    talent = cm[cm.metric == "talent"].groupby(["replication", cm.date.dt.year])["value"]
    months = cm[cm.metric == "talent"].groupby(["replication", cm.date.dt.year])["date"].nunique()
    stock = talent.sum() / months
    # Whole calendar years only: a year's moves over part of a year are no yearly rate.
    full = months[months == 12].index
    rate = (per_year / stock.reindex(per_year.index)).reindex(full).dropna()
    return float(rate.mean()) if len(rate) else float("nan")


def _chengdu_wage_ratio(cm: pd.DataFrame) -> float:
    wage = cm[cm.metric == "wage_mean"].groupby("city")["value"].mean()
    tier1 = wage[["beijing", "shanghai", "shenzhen", "guangzhou"]].mean()
    return float(wage["chengdu"] / tier1)


def _elasticity(flows: pd.DataFrame, migration) -> float:
    """Logit elasticity of a destination's share to its income: lambda b_w (1 - s), weighted."""
    movers = flows.groupby("destination")["movers"].sum()
    if movers.sum() == 0:
        return float("nan")
    share = movers / movers.sum()
    return float(migration.logit_scale * migration.b_w * (share * (1 - share)).sum() / share.sum())
