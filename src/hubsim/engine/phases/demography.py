"""Phase 5, demography: retirement every month; each July the graduate cohort and young entrants.

The national working-age population is held level: each year's retirees are replaced by the
graduate cohort (at university cities) and, for the remainder, young people without a degree.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine.accounts import lose_jobs, outside_counts, shift_residents
from hubsim.engine.pool import graduate_schedule
from hubsim.engine.programmes import cap_cost_by_node
from hubsim.engine.rules.demography import GRADUATION_AGE, STUDY_YEARS, cohort_by_degree
from hubsim.engine.rules.programmes import admitted_share
from hubsim.engine.rules.sampling import stochastic_round
from hubsim.engine.state import State
from hubsim.scenario import DEGREES


def run(state: State) -> None:
    """The month's retirements (the July cohort arrives by a dated event, `graduate_cohort`)."""
    retirement(state)


def retirement(state: State) -> None:
    """Workers reaching the retirement age leave; the outside node retires at the same pace."""
    w = state.workers
    limit = state.calendar.now - 12 * state.behaviour.demography.retirement_age
    retiring = w.born_by(limit)  # few rows: then drop those already removed
    retiring = retiring[w.city[retiring] >= 0]
    state.tallies.retired[:-1] += np.bincount(w.city[retiring], minlength=state.cities.n)[:-1]
    pool_row = state.pool.retired[state.calendar.year_row()]
    pool_row += np.bincount(w.degree[retiring], minlength=len(DEGREES))
    lose_jobs(state, retiring)
    shift_residents(state, retiring, -1)
    w.city[retiring] = -1
    working_years = state.behaviour.demography.retirement_age - 16
    outside = state.outside_agents / (12.0 * working_years)
    state.outside_agents -= outside
    state.tallies.retired[-1] += outside.sum()
    pool_row += outside
    state.retired_since_july += state.tallies.retired.sum()


def graduate_cohort(state: State, month: int) -> None:
    """July: the year's graduates appear at university cities, unsettled; young entrants too.

    Runs as the dated event of `month` (before its step), so the clock still reads the month
    before: dates are taken from `month`.
    """
    demo, rng, c = state.behaviour.demography, state.streams["demography"], state.cities
    now = state.calendar.first + month
    year = state.calendar.year(month)
    schedule = graduate_schedule()
    graduates = cohort_by_degree(demo, year, schedule.years, schedule.people) / state.scale
    share = c.universities / demo.national_universities
    # (city, degree) graduates at the 13 cities' universities; the rest in the outside node.
    at_cities = stochastic_round(share[:-1, None] * graduates[None, :], rng)
    per_city = at_cities.sum(axis=1)
    city = np.repeat(np.arange(c.n - 1), per_city)
    degree = np.repeat(np.tile(np.arange(len(DEGREES)), c.n - 1), at_cities.ravel())
    home = rng.random(len(city)) < demo.graduate_home_share
    origin = np.where(home, city, c.outside)
    state.unsettled_rows = state.workers.append(
        reuse_removed=True,
        city=city,
        degree=degree,
        hukou=origin,
        origin=origin,
        settled=np.zeros(len(city), dtype=bool),
        birth=now - 12 * GRADUATION_AGE[degree] - rng.integers(0, 24, size=len(city)),
        graduated=np.full(len(city), now),
        arrived=now - 12 * STUDY_YEARS[degree],
    )
    shift_residents(state, state.unsettled_rows, +1)
    outside_graduates = np.maximum(graduates - at_cities.sum(axis=0), 0.0)
    state.outside_agents += outside_graduates
    row = state.calendar.year(month) - state.calendar.year(0)
    state.pool.cohort[row] += at_cities.sum(axis=0) + outside_graduates
    state.pool.went[row, -1] += outside_graduates
    state.cohort_rows = state.unsettled_rows
    state.outside_cohort = outside_graduates  # they choose in this month's migration phase
    born = np.bincount(city, minlength=c.n).astype(float)
    born[-1] = outside_graduates.sum()
    born += _young_entrants(state, max(state.retired_since_july - graduates.sum(), 0.0), now, rng)
    state.retired_since_july = 0.0
    state.pending_entrants += born
    outside_counts(state, state.counts)  # the new rows were counted as they came


def _young_entrants(state: State, total: float, now: int, rng) -> np.ndarray:
    """Young people without a degree, spread over nodes by population; returns counts."""
    c, w = state.cities, state.workers
    population = state.counts["population"].copy()  # current: graduates included
    population[-1] = state.outside_agents.sum()
    expected = total * population / population.sum()
    # A capped city takes only the share its cap admits; the rest enter the outside node.
    share = state.cities.working_age_share
    people = population * state.scale / share
    mig = state.behaviour.migration
    cost = cap_cost_by_node(
        state.book, people, mig.population_cap_cost, mig.population_cap_start_share
    )
    admitted = expected * admitted_share(cost, mig.logit_scale)
    admitted[-1] += (expected - admitted).sum()
    expected = admitted
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
    shift_residents(state, rows, +1)
    state.outside_agents[0] += expected[-1]
    born = np.zeros(c.n)
    born[:-1] = at_cities
    born[-1] = expected[-1]
    return born
