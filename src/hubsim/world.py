"""The world in 2010: workers from the census, firms and offices sized to employ them.

City productivity A0 is calibrated here so that firms' desired headcount equals the 2010 jobs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hubsim.cities import census_table
from hubsim.dynamics import office_staff, wage_bill
from hubsim.firms import pareto_productivity
from hubsim.scenario import DEGREES

if TYPE_CHECKING:
    from hubsim.model import HubModel


def build_world(model: HubModel) -> None:
    """Create workers, the outside reservoir, firms, offices and the city state arrays."""
    rng = model.streams["init"]
    cities = model.cities
    n_agents = np.round(cities.working_age_people_2010 / model.scale).astype(np.int64)
    # The July cohort refills removed rows; arrivals in between add a few per cent.
    model.workers.reserve(int(n_agents[:-1].sum() * (1.0 + ROW_HEADROOM)) + 1024)
    for j in range(cities.n - 1):
        _add_residents(model, j, int(n_agents[j]), rng)
    mix = _degree_mix(model)
    talent_share = cities.talent_share_2010[-1]
    model.outside_agents = n_agents[-1] * np.array(
        [1 - talent_share, *(talent_share * mix[1:])], dtype=float
    )
    _build_firms(model, rng)
    _init_city_state(model)


ROW_HEADROOM = 0.10  # spare rows reserved at build: a year of arrivals and a cohort fit


def _degree_mix(model: HubModel) -> np.ndarray:
    mix = model.beh.demography.graduate_degree_mix
    shares = np.array([0.0, *(mix.get(d, 0.0) for d in DEGREES[1:])])
    return shares / shares.sum()


def _add_residents(model: HubModel, j: int, n: int, rng: np.random.Generator) -> None:
    cities = model.cities
    demo = model.beh.demography
    talent = rng.random(n) < cities.talent_share_2010[j]
    degree = np.where(talent, rng.choice(4, size=n, p=_degree_mix(model)), 0)
    youngest = np.where(talent, 22, 16)
    age_months = rng.integers(youngest * 12, demo.retirement_age * 12, size=n)
    census = census_table()
    # ASSUMPTION: the share of residents born in the city is the 2000/2010 population ratio.
    native_share = census["population_2000"].iloc[j] / census["population_2010"].iloc[j]
    origin = np.where(rng.random(n) < native_share, j, cities.outside)
    hukou = np.where(origin == j, j, cities.outside)
    model.workers.append(
        city=np.full(n, j),
        degree=degree,
        hukou=hukou,
        origin=origin,
        birth=model.start_abs - age_months,
        arrived=model.start_abs - rng.integers(0, 120, size=n),
        employer=np.where(rng.random(n) < model.beh.labour.initial_unemployment, -1, -2),
        wage=cities.base_wage_yuan[j] * model.beh.labour.degree_wage_premium[DEGREES[0]],
    )


def _build_firms(model: HubModel, rng: np.random.Generator) -> None:
    """One headquarters office per firm; employed workers spread over offices by desired size."""
    w, cities, beh = model.workers, model.cities, model.beh
    theta = beh.firms.labour_elasticity
    premium = np.array([beh.labour.degree_wage_premium[d] for d in DEGREES])
    w.wage[:] = cities.base_wage_yuan[w.city] * premium[w.degree]
    to_employ = w.employer == -2
    model.base_productivity = np.ones(cities.n)
    for j in range(cities.n - 1):
        staff = np.flatnonzero(to_employ & (w.city == j))
        n_offices = max(3, round(len(staff) * model.scale / beh.firms.mean_office_size_people))
        z = pareto_productivity(n_offices, beh.firms.productivity_pareto_shape, rng)
        offices = model.firms.add_firms(z, np.full(n_offices, j), model.start_abs)
        weight = np.power(z, 1.0 / (1.0 - theta))
        w.employer[staff] = rng.choice(offices, size=len(staff), p=weight / weight.sum())
        # Calibrate A0 so that desired headcount is today's staff plus the open vacancies.
        wanted = len(staff) * (1.0 + beh.labour.initial_vacancy_rate)
        model.base_productivity[j] = (
            cities.base_wage_yuan[j] / theta * np.power(wanted / weight.sum(), 1.0 - theta)
        )
    w.wage[w.employer == -1] = 0.0  # the unemployed earn nothing
    w.employer[w.employer == -2] = -1
    model.base_productivity *= cities.productivity_factor
    # Kept current by lose_jobs and hiring from here on:
    model.staff = office_staff(model)
    model.wage_bill = wage_bill(model)
    counts = np.bincount(model.firms.hq_city, minlength=cities.n).astype(float)
    model.firms_2010 = counts


def _init_city_state(model: HubModel) -> None:
    cities, w = model.cities, model.workers
    n = cities.n
    model.wage_index = np.ones(n)
    model.rent = cities.base_rent_yuan_m2_month.copy()
    model.population_2010 = np.bincount(w.city, minlength=n).astype(float)
    model.population_2010[-1] = model.outside_agents.sum()
    talent = np.bincount(w.city, weights=w.degree > 0, minlength=n)
    talent[-1] = model.outside_agents[1:].sum()
    model.talent_2010 = np.maximum(talent, 1.0)
    employed_talent = np.bincount(w.city, weights=(w.degree > 0) & (w.employer >= 0), minlength=n)
    model.office_seats = cities.seats_per_talent_2010 * employed_talent * model.scale
    model.office_seats[-1] = np.inf
    years = (model.start_abs % 12 + model.params.months) // 12 + 1
    model.flows_by_year = np.zeros((years, n, n, len(DEGREES)))
    model.flows_step = np.zeros((n, n, len(DEGREES)))
    model.spent_step = np.zeros(n)
    model.retired_step = np.zeros(n)
    model.born_step = np.zeros(n)
    model._pending_births = np.zeros(n)
    model.retired_since_july = 0.0
    model.unsettled_rows = np.zeros(0, dtype=np.int64)  # this year's graduates, until they choose
    model.vacancies = np.zeros(n)
    model.target_tightness = np.full(n, model.beh.labour.stable_tightness)
