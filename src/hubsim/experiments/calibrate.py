"""Calibration: fit city amenities so that simulated 2010-2015 growth matches the census.

`fit_amenities` runs short replications and takes damped Newton steps on each city's amenity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.experiments.replications import simulate
from hubsim.output.fit import FIT_YEARS, census_growth_per_year, growth_fit
from hubsim.scenario import CITY_KEYS, Scenario


def fit_amenities(
    scenario: Scenario, iterations: int = 12, scale: float = 1000.0, damping: float = 0.7
) -> tuple[dict[str, float], pd.DataFrame]:
    """Fit amenities so 2010-2015 growth without the 2016+ programmes and without population
    caps matches 2000-2010 census growth (the 2000s, which the census measures, had neither).

    Newton steps on each city's amenity: the growth response of a city to its amenity is
    lambda x (its yearly inflow rate) x (1 - its share of movers), read off the last run.
    Returns the amenities of the last run and that run's per-city fit.
    """
    data = scenario.model_dump(mode="python")
    data["programmes"] = [
        p
        for p in data["programmes"]
        if p["start"] < "2016-01" and p["instrument"] != "population_cap"
    ]
    data.update(months=12 * (FIT_YEARS[1] - FIT_YEARS[0] + 1), scale=scale, replications=1)
    amenity = {c: data["cities"][c]["amenity"] for c in CITY_KEYS}
    census = census_growth_per_year()
    lam = scenario.behaviour.migration.logit_scale
    for _ in range(iterations):
        used = dict(amenity)
        for c in CITY_KEYS:
            data["cities"][c]["amenity"] = amenity[c]
        trial = Scenario.model_validate(data)
        part = simulate(trial, np.random.SeedSequence(trial.seed).spawn(1)[0])
        fit = growth_fit(part["city_month"], part["initial"])
        slope = lam * _inflow_rate(part) * (1 - _mover_share(part))
        for c in CITY_KEYS:
            step = (census[c] - fit.loc[c, "simulated"]) / max(slope[c], 1e-3)
            amenity[c] += damping * float(np.clip(step, -0.5, 0.5))
    fit["amenity_used"] = pd.Series(used)
    return used, fit


def _inflow_rate(part: dict[str, pd.DataFrame]) -> pd.Series:
    cm = part["city_month"]
    inflow = cm[cm.metric == "inflow"].groupby("city")["value"].sum()
    people = cm[cm.metric == "population"].groupby("city")["value"].mean()
    years = cm.date.nunique() / 12
    return (inflow / people / years).reindex(list(CITY_KEYS))


def _mover_share(part: dict[str, pd.DataFrame]) -> pd.Series:
    flows = part["flows_year"]
    into = flows.groupby("destination")["movers"].sum()
    return (into / into.sum()).reindex(list(CITY_KEYS)).fillna(0.0)
