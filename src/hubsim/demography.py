"""Demography: retirement every month, and each July the graduate cohort and young entrants.

The national working-age population is held level: each year's retirees are replaced by the
graduate cohort (at university cities) and, for the remainder, young people without a degree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hubsim.dynamics import GRADUATION_AGE, lose_jobs, outside_counts, shift_residents
from hubsim.markets import stochastic_round
from hubsim.scenario import Demography

if TYPE_CHECKING:
    from hubsim.model import HubModel


def cohort_people(demography: Demography, year: int) -> float:
    """National graduates in a year: data points interpolated, then trend and decline."""
    points = sorted(demography.graduates_per_year.items())
    years = np.array([p[0] for p in points], dtype=float)
    values = np.array([p[1] for p in points], dtype=float)
    people = float(np.interp(year, years, values))
    if year > years[-1]:
        people *= (1.0 + demography.graduate_growth_after_last_year) ** (year - years[-1])
    start = demography.graduate_decline_from_year
    if start is not None and year >= start:
        people *= (1.0 - demography.graduate_decline_per_year) ** (year - start + 1)
    return people


def retirement(model: HubModel) -> None:
    """Workers reaching the retirement age leave; the outside node retires at the same pace."""
    w = model.workers
    limit = model.now - 12 * model.beh.demography.retirement_age
    retiring = w.born_by(limit)  # few rows: then drop those already removed
    retiring = retiring[w.city[retiring] >= 0]
    model.retired_step[:-1] += np.bincount(w.city[retiring], minlength=model.cities.n)[:-1]
    lose_jobs(model, retiring)
    shift_residents(model, retiring, -1)
    w.city[retiring] = -1
    working_years = model.beh.demography.retirement_age - 16
    outside = model.outside_agents / (12.0 * working_years)
    model.outside_agents -= outside
    model.retired_step[-1] += outside.sum()
    model.retired_since_july += model.retired_step.sum()


def graduate_cohort(model: HubModel, month: int) -> None:
    """July: the year's graduates appear at university cities, unsettled; young entrants too."""
    demo, rng, c = model.beh.demography, model.streams["demography"], model.cities
    now = model.start_abs + month
    year = (model.start_abs + month) // 12 + 1900
    graduates = cohort_people(demo, year) / model.scale
    share = c.universities / demo.national_universities
    at_cities = stochastic_round(graduates * share[:-1], rng)
    mix = np.array([demo.graduate_degree_mix.get(d, 0.0) for d in ("bachelor", "master", "phd")])
    mix = mix / mix.sum()
    city = np.repeat(np.arange(c.n - 1), at_cities)
    degree = 1 + rng.choice(3, size=len(city), p=mix)
    home = rng.random(len(city)) < demo.graduate_home_share
    origin = np.where(home, city, c.outside)
    model.unsettled_rows = model.workers.append(
        reuse_removed=True,
        city=city,
        degree=degree,
        hukou=origin,
        origin=origin,
        settled=np.zeros(len(city), dtype=bool),
        birth=now - 12 * GRADUATION_AGE[degree] - rng.integers(0, 24, size=len(city)),
        graduated=np.full(len(city), now),
        arrived=now - 12 * np.where(degree == 1, 4, 6),
    )
    shift_residents(model, model.unsettled_rows, +1)
    outside_graduates = max(graduates - at_cities.sum(), 0.0)
    model.outside_agents[1:] += outside_graduates * mix
    born = np.bincount(city, minlength=c.n).astype(float)
    born[-1] = outside_graduates
    born += _young_entrants(model, max(model.retired_since_july - graduates, 0.0), now, rng)
    model.retired_since_july = 0.0
    model._pending_births += born
    outside_counts(model, model.counts)  # the new rows were counted as they came


def _young_entrants(model: HubModel, total: float, now: int, rng) -> np.ndarray:
    """Young people without a degree, spread over nodes by population; returns counts."""
    c, w = model.cities, model.workers
    population = model.counts["population"].copy()  # current: graduates included
    population[-1] = model.outside_agents.sum()
    expected = total * population / population.sum()
    at_cities = stochastic_round(expected[:-1], rng)
    city = np.repeat(np.arange(c.n - 1), at_cities)
    rows = w.append(
        reuse_removed=True,
        city=city,
        degree=np.zeros(len(city)),
        hukou=city,
        origin=city,
        birth=now - 12 * 16 - rng.integers(0, 24, size=len(city)),
        arrived=now - 12 * 16,
    )
    shift_residents(model, rows, +1)
    model.outside_agents[0] += expected[-1]
    born = np.zeros(c.n)
    born[:-1] = at_cities
    born[-1] = expected[-1]
    return born
