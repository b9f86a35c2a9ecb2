"""Phase 5, demography: retirement every month; each July the graduate cohort, adult degrees and
young entrants.

The national working-age population is held level: each year's retirees are replaced by the
graduate cohort's new people (at university cities) and, for the remainder, young people
without a degree. A postgraduate is, where one can be found, a younger holder of the degree
below in the university city, who gains the degree: no new person. Adult and online degrees
turn working-age residents without a degree into degree holders where they live.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine.accounts import (
    COLLEGE,
    lose_jobs,
    outside_counts,
    shift_residents,
    take_jobs,
)
from hubsim.engine.pool import graduate_schedule
from hubsim.engine.programmes import cap_cost_by_node
from hubsim.engine.rules.demography import (
    ADULT_DEGREE_AGES,
    GRADUATION_AGE,
    STUDY_YEARS,
    UPGRADE_MAX_AGE,
    cohort_by_degree,
)
from hubsim.engine.rules.programmes import admitted_share
from hubsim.engine.rules.sampling import stochastic_round
from hubsim.engine.state import State
from hubsim.scenario import DEGREES

BACHELOR = DEGREES.index("bachelor")

# Postgraduate degrees, PhDs first: this July's PhDs come from masters held before this July.
POSTGRADUATE = (DEGREES.index("phd"), DEGREES.index("master"))


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
    """July: the year's graduates appear at university cities, unsettled; adult degrees and
    young entrants too.

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
    upgraded_rows, upgraded = _upgrade_postgraduates(state, at_cities, now, rng)
    new = at_cities - upgraded  # graduates who enter as new people
    per_city = new.sum(axis=1)
    city = np.repeat(np.arange(c.n - 1), per_city)
    degree = np.repeat(np.tile(np.arange(len(DEGREES)), c.n - 1), new.ravel())
    home = rng.random(len(city)) < demo.graduate_home_share
    origin = np.where(home, city, c.outside)
    new_rows = state.workers.append(
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
    shift_residents(state, new_rows, +1)
    state.unsettled_rows = np.concatenate([upgraded_rows, new_rows])
    outside_graduates = np.maximum(graduates - at_cities.sum(axis=0), 0.0)
    outside_upgraded = _upgrade_outside(state, outside_graduates)
    row = state.calendar.year(month) - state.calendar.year(0)
    state.pool.cohort[row] += at_cities.sum(axis=0) + outside_graduates
    state.pool.upgraded[row] += upgraded.sum(axis=0) + outside_upgraded
    state.pool.went[row, -1] += outside_graduates
    state.cohort_rows = state.unsettled_rows
    state.outside_cohort = outside_graduates  # they choose in this month's migration phase
    state.pool.adult[row] += adult_degrees(state, now, rng)
    born = np.bincount(city, minlength=c.n).astype(float)
    born[-1] = (outside_graduates - outside_upgraded).sum()
    new_people = born.sum()
    born += _young_entrants(state, max(state.retired_since_july - new_people, 0.0), now, rng)
    state.retired_since_july = 0.0
    state.pending_entrants += born
    outside_counts(state, state.counts)  # the new rows were counted as they came


def _upgrade_postgraduates(
    state: State, at_cities: np.ndarray, now: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The 13 cities' postgraduates from holders of the degree below already there.

    For each postgraduate degree and city, up to `at_cities[city, degree]` residents holding
    the degree below and no older than `UPGRADE_MAX_AGE` are drawn; they gain the degree,
    graduate now and choose again like new graduates. Returns their rows and the (city,
    degree) numbers upgraded; a shortfall enters as new people.
    """
    w = state.workers
    upgraded = np.zeros_like(at_cities)
    chosen, degrees = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int8)]
    for d in POSTGRADUATE:
        young = w.birth >= now - 12 * UPGRADE_MAX_AGE[d]
        holders = np.flatnonzero((w.degree == d - 1) & (w.city >= 0) & young)
        where = w.city[holders]
        for j in np.flatnonzero(at_cities[:, d]):
            candidates = holders[where == j]
            k = min(int(at_cities[j, d]), len(candidates))
            chosen.append(rng.choice(candidates, size=k, replace=False))
            degrees.append(np.full(k, d, dtype=np.int8))
            upgraded[j, d] = k
    rows = np.concatenate(chosen)
    change_degree(state, rows, np.concatenate(degrees))
    w.graduated[rows] = now
    w.settled[rows] = False
    return rows, upgraded


def _upgrade_outside(state: State, graduates: np.ndarray) -> np.ndarray:
    """The rest of China's graduates join its residents; its postgraduates are its holders of
    the degree below as far as it has them. Returns the numbers upgraded by degree."""
    upgraded = np.zeros(len(DEGREES))
    for d in POSTGRADUATE:
        upgraded[d] = min(graduates[d], state.outside_agents[d - 1])
        state.outside_agents[d - 1] -= upgraded[d]
    state.outside_agents += graduates
    return upgraded


def adult_degrees(state: State, now: int, rng: np.random.Generator) -> np.ndarray:
    """A year of adult and online degrees: working-age residents without a degree gain a
    junior-college or bachelor degree where they live (returns the numbers by degree).

    Each node's number is `adult_degree_rate_per_year` x its residents without a degree; in a
    city they are drawn among those aged within `ADULT_DEGREE_AGES`, a bachelor degree with
    `adult_degree_bachelor_share`. They keep their jobs and are not counted as new graduates.
    """
    demo, w, counts = state.behaviour.demography, state.workers, state.counts
    rate, bachelor_share = demo.adult_degree_rate_per_year, demo.adult_degree_bachelor_share
    without = counts["population"][:-1] - counts["talent"][:-1] - counts["college"][:-1]
    wanted = stochastic_round(rate * np.maximum(without, 0.0), rng)
    youngest, oldest = ADULT_DEGREE_AGES
    age_ok = (w.birth <= now - 12 * youngest) & (w.birth > now - 12 * oldest)
    eligible = np.flatnonzero((w.degree == 0) & (w.city >= 0) & age_ok)
    where = w.city[eligible]
    chosen = [np.zeros(0, dtype=np.int64)]
    for j in np.flatnonzero(wanted):
        candidates = eligible[where == j]
        chosen.append(
            rng.choice(candidates, size=min(int(wanted[j]), len(candidates)), replace=False)
        )
    rows = np.concatenate(chosen)
    degree = np.where(rng.random(len(rows)) < bachelor_share, BACHELOR, COLLEGE)
    change_degree(state, rows, degree.astype(np.int8))
    gained = np.bincount(degree, minlength=len(DEGREES)).astype(float)
    outside = rate * state.outside_agents[0]
    state.outside_agents[0] -= outside
    state.outside_agents[BACHELOR] += outside * bachelor_share
    state.outside_agents[COLLEGE] += outside * (1.0 - bachelor_share)
    gained[BACHELOR] += outside * bachelor_share
    gained[COLLEGE] += outside * (1.0 - bachelor_share)
    return gained


def change_degree(state: State, rows: np.ndarray, degree: np.ndarray) -> None:
    """Rows gain `degree` where they live; a job held is kept at its wage, the counts and job
    accounts follow (a talent holder's job is counted as a talent holder's)."""
    w = state.workers
    employed = rows[w.employer[rows] >= 0]
    # In the dtypes the labour market hires with (the kernel is compiled for them at build).
    offices = w.employer[employed].astype(np.int64)
    wage, talent_job = w.wage[employed].astype(np.float64), w.talent_job[employed].copy()
    lose_jobs(state, employed)
    shift_residents(state, rows, -1)
    w.degree[rows] = degree
    shift_residents(state, rows, +1)
    take_jobs(state, employed, offices, wage, talent_job)


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
