"""The world at the start: workers from the census, firms and offices sized to employ them.

City productivity A0 is calibrated here so that firms' desired headcount equals the 2010 jobs.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine import accounts
from hubsim.engine.calendar import Calendar
from hubsim.engine.cities import build_city_arrays
from hubsim.engine.phases import record
from hubsim.engine.pool import graduate_schedule
from hubsim.engine.programmes import ProgrammeBook
from hubsim.engine.rules.demography import GRADUATION_AGE
from hubsim.engine.rules.firms import pareto_productivity
from hubsim.engine.rules.labour import wage_trend_by_month
from hubsim.engine.state import MonthTallies, PoolAccount, State
from hubsim.scenario import DEGREES, TALENT_DEGREE, Scenario, month_index

ROW_HEADROOM = 0.10  # spare rows reserved at build: a year of arrivals and a cohort fit


def build_state(scenario: Scenario, streams: dict[str, np.random.Generator]) -> State:
    """The state of the start month: cities, programmes, workers, firms, offices and counts."""
    cities = build_city_arrays(scenario)
    graduate_schedule()  # read the cohort table now, not in the first July's step
    state = State(
        scenario=scenario,
        cities=cities,
        book=ProgrammeBook.from_programmes(scenario.programmes, cities.keys, scenario.start),
        calendar=Calendar(scenario.start, scenario.months),
        streams=streams,
        wage_level=wage_trend_by_month(
            scenario.behaviour.labour.nominal_wage_growth_by_year,
            month_index(scenario.start),
            scenario.months,
        ),
    )
    rng = streams["init"]
    n_agents = np.round(cities.working_age_people_start / state.scale).astype(np.int64)
    # The July cohort refills removed rows; arrivals in between add a few per cent.
    state.workers.reserve(int(n_agents[:-1].sum() * (1.0 + ROW_HEADROOM)) + 1024)
    for j in range(cities.n - 1):
        _add_residents(state, j, int(n_agents[j]), rng)
    state.outside_agents = n_agents[-1] * cities.degree_share_start[-1]
    _build_firms(state, rng)
    _init_city_state(state)
    state.counts = accounts.city_counts(state)
    state.metrics = record.city_metrics(state, state.counts)
    return state


def _add_residents(state: State, j: int, n: int, rng: np.random.Generator) -> None:
    cities = state.cities
    demo = state.behaviour.demography
    first = state.calendar.first
    degree = rng.choice(len(DEGREES), size=n, p=cities.degree_share_start[j])
    youngest = GRADUATION_AGE[degree]
    age_months = rng.integers(youngest * 12, demo.retirement_age * 12, size=n)
    # ASSUMPTION (engine.census): the share born in the city is the 2000/2010 population ratio.
    origin = np.where(rng.random(n) < cities.native_share[j], j, cities.outside)
    hukou = np.where(origin == j, j, cities.outside)
    state.workers.append(
        city=np.full(n, j),
        degree=degree,
        hukou=hukou,
        origin=origin,
        birth=first - age_months,
        arrived=first - rng.integers(0, 120, size=n),
        employer=np.where(rng.random(n) < state.behaviour.labour.initial_unemployment, -1, -2),
        wage=cities.base_wage_yuan[j] * state.behaviour.labour.degree_wage_premium[DEGREES[0]],
    )


def _build_firms(state: State, rng: np.random.Generator) -> None:
    """One headquarters office per firm; employed workers spread over offices by desired size."""
    w, cities, beh = state.workers, state.cities, state.behaviour
    theta = beh.firms.labour_elasticity
    premium = np.array([beh.labour.degree_wage_premium[d] for d in DEGREES])
    w.wage[:] = cities.base_wage_yuan[w.city] * premium[w.degree]
    to_employ = w.employer == -2
    state.base_productivity = np.ones(cities.n)
    for j in range(cities.n - 1):
        staff = np.flatnonzero(to_employ & (w.city == j))
        n_offices = max(3, round(len(staff) * state.scale / beh.firms.mean_office_size_people))
        z = pareto_productivity(n_offices, beh.firms.productivity_pareto_shape, rng)
        offices = state.firms.add_firms(z, np.full(n_offices, j), state.calendar.first)
        weight = np.power(z, 1.0 / (1.0 - theta))
        w.employer[staff] = rng.choice(offices, size=len(staff), p=weight / weight.sum())
        # Calibrate A0 so that desired headcount is today's staff plus the open vacancies.
        wanted = len(staff) * (1.0 + beh.labour.initial_vacancy_rate)
        state.base_productivity[j] = (
            cities.base_wage_yuan[j] / theta * np.power(wanted / weight.sum(), 1.0 - theta)
        )
    w.wage[w.employer == -1] = 0.0  # the unemployed earn nothing
    w.employer[w.employer == -2] = -1
    state.base_productivity *= cities.productivity_factor
    # Kept current by accounts.lose_jobs and hiring from here on:
    state.staff = accounts.office_staff(state)
    state.wage_bill = accounts.wage_bill(state)
    state.desired = np.zeros(state.firms.n_offices)
    counts = np.bincount(state.firms.hq_city, minlength=cities.n).astype(float)
    state.firms_start = counts


def _init_city_state(state: State) -> None:
    cities, w = state.cities, state.workers
    n = cities.n
    state.wage_index = np.ones(n)
    state.rent = cities.base_rent_yuan_m2_month.copy()
    state.population_start = np.bincount(w.city, minlength=n).astype(float)
    state.population_start[-1] = state.outside_agents.sum()
    is_talent = w.degree >= TALENT_DEGREE
    talent = np.bincount(w.city, weights=is_talent, minlength=n)
    talent[-1] = state.outside_agents[TALENT_DEGREE:].sum()
    state.talent_start = np.maximum(talent, 1.0)
    employed_talent = np.bincount(w.city, weights=is_talent & (w.employer >= 0), minlength=n)
    state.office_seats = cities.seats_per_talent_start * employed_talent * state.scale
    state.office_seats[-1] = np.inf
    state.seats_built = np.zeros(n)
    state.flows_by_year = np.zeros((state.calendar.years_spanned, n, n, len(DEGREES)))
    state.pool = PoolAccount.empty(state.calendar.years_spanned, n)
    state.pool.talent_start = float(talent.sum())
    state.tallies = MonthTallies.empty(n)
    state.pending_entrants = np.zeros(n)
    state.vacancies = np.zeros(n)
    state.target_tightness = np.full(n, state.behaviour.labour.stable_tightness)
    state.grant_share = np.zeros(n)
    state.city_productivity = state.base_productivity.copy()
