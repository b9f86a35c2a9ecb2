"""Phase 3, labour: separations and lay-offs, then matching m(U, V), then wage indices.

Each city has two markets (DESIGN s.3.3): talent jobs, open to bachelor-and-above job seekers,
and other jobs, open to everyone: graduates who found no talent job this month look for other
jobs too (over-qualified work). Vacancies are each office's gap to its desired talent and other
jobs. Talent jobs in tradable sectors need a tech-park seat: their postings never exceed the
seats left, so filled seats never exceed seats.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine import accounts
from hubsim.engine.accounts import COLLEGE
from hubsim.engine.phases.firms import TRADABLE, seated_talent
from hubsim.engine.rules.labour import matches, wage_index_update
from hubsim.engine.rules.sampling import first_k_per_group, sample_by_hazard, stochastic_round
from hubsim.engine.state import State
from hubsim.scenario import DEGREES, TALENT_DEGREE

OTHER, TALENT = 0, 1  # job groups: column of wage_index and vacancies, row of posted


def run(state: State) -> None:
    """Separations and layoffs, then matching per city and group, then wage indices."""
    w, lab = state.workers, state.behaviour.labour
    rng = state.streams["labour"]
    # (group, office) arrays, rows in OTHER, TALENT order: both groups in one pass.
    desired = np.stack([state.desired - state.desired_talent, state.desired_talent])
    staff = np.stack([state.staff - state.staff_talent, state.staff_talent])
    excess = np.maximum(staff - 1.1 * desired, 0.0)
    layoff = lab.layoff_speed_per_month * excess / np.maximum(staff, 1)
    # Each group's row ends in a 0 that unemployed rows (employer -1) read: they never leave
    # a job. Flattened, employer + TALENT x width then indexes a row's hazard in one gather
    # (the unemployed, in no talent job, read the last entry).
    hazard = np.zeros((2, staff.shape[1] + 1))
    hazard[:, :-1] = lab.separation_rate_per_month + layoff
    width, table = hazard.shape[1], hazard.ravel()

    def hazard_of(rows: np.ndarray) -> np.ndarray:
        return table[w.employer[rows] + width * w.talent_job[rows]]

    leaving = sample_by_hazard(len(w), hazard_of, float(hazard.max()), rng)
    accounts.lose_jobs(state, leaving)
    state.posted = _post(state, desired, rng)
    if state.jobless is None:
        seekers = np.flatnonzero(w.employer < 0)  # a few per cent of rows
    else:  # those leaving their job had one: the two sets are disjoint
        seekers = np.concatenate([state.jobless, leaving])
    _match(state, seekers, rng)


def _post(state: State, desired: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(group, office) vacancies: each open office's gap to its (group, office) `desired`
    headcount, at most a quarter of it a month; tradable talent postings within the seats left
    in the city. Sets the (node, group) vacancies wanted and posted."""
    f = state.firms
    staff = np.stack([state.staff - state.staff_talent, state.staff_talent])
    # minimum(maximum()) is np.clip's arithmetic without its overhead.
    gap = np.minimum(np.maximum(desired - staff, 0.0), 0.25 * desired + 1.0)
    # Both groups rounded in one call: the same uniforms, other jobs' first, as two calls.
    # Closed offices post nothing: their desire is 0, so their gap is too.
    posted = stochastic_round(gap, rng)
    seated = f.office_tradable
    n = state.cities.n
    free = np.floor(np.maximum(state.office_seats / state.scale - seated_talent(state), 0.0))
    free[-1] = 0.0
    # What firms want to hire, before the seats cut it: wages follow this demand (firms bid
    # for the talent they want whether or not seats let them seat it; binding seats show as
    # talent unemployment instead, which movers weigh through the employment rate).
    # Whole-number sums per cell: summed over sectors (or tradable ones) they are exactly the
    # sums per city.
    talent_cells = f.count_by_cell(n, posted[TALENT])
    state.wanted_vacancies = np.stack(
        [f.count_by_city(n, posted[OTHER]), talent_cells.sum(axis=1)], 1
    )
    state.vacancies = state.wanted_vacancies.copy()
    if np.any(talent_cells[:, TRADABLE].sum(axis=1) > free):
        offices = np.flatnonzero(seated)
        slots = np.repeat(offices, posted[TALENT, offices])
        keep = first_k_per_group(slots, f.office_city[slots], free.astype(np.int64), rng)
        posted[TALENT, offices] = np.bincount(keep, minlength=f.n_offices)[offices]
        state.vacancies[:, TALENT] = f.count_by_city(n, posted[TALENT])
    return posted


def _match(state: State, seekers: np.ndarray, rng: np.random.Generator) -> None:
    """Hires per city from m(U, V): talent jobs first, then other jobs; `seekers` are all rows
    without a job (removed rows too). Talent jobs' seekers are the graduates among them and the
    graduates in other jobs; graduates without a job who are not hired into a talent job look
    for other jobs in the same month."""
    w, lab, n = state.workers, state.behaviour.labour, state.cities.n
    seekers = seekers[w.city[seekers] >= 0]
    graduate = w.degree[seekers] >= TALENT_DEGREE
    # Graduates in other jobs keep looking for a talent job (search on the job).
    over = w.degree >= TALENT_DEGREE
    over &= ~w.talent_job
    over &= w.employer >= 0
    over_qualified = np.flatnonzero(over)
    talent_seekers = np.concatenate([seekers[graduate], over_qualified])
    unemployed = np.zeros((n, 2))
    unemployed[:, TALENT] = _match_group(state, talent_seekers, TALENT, rng)
    rest = seekers[w.employer[seekers] < 0]  # the jobless not hired into a talent job
    unemployed[:, OTHER] = _match_group(state, rest, OTHER, rng)
    state.wage_index[:-1] = wage_index_update(
        state.wage_index,
        state.wanted_vacancies,
        unemployed,
        state.target_tightness,
        lab.wage_tightness_elasticity,
        lab.wage_max_change_per_month,
    )[:-1]


def _match_group(
    state: State, seekers: np.ndarray, group: int, rng: np.random.Generator
) -> np.ndarray:
    """Hires into one group's jobs of each city (the vacancies `state.vacancies` counts);
    returns the job seekers per city (those hired who had a job leave it)."""
    w, firms, lab, n = state.workers, state.firms, state.behaviour.labour, state.cities.n
    city = w.city[seekers]  # int8: first_k_per_group's stable sort is then one radix pass
    seeking = np.bincount(city, minlength=n)
    unemployed = seeking.astype(float)
    posted = state.posted[group]
    hires = stochastic_round(
        matches(
            unemployed,
            state.vacancies[:, group],
            lab.matching_efficiency_per_month,
            lab.matching_elasticity,
        ),
        rng,
    )
    hired = first_k_per_group(seekers, city, hires, rng, sizes=seeking)
    slots = np.repeat(np.arange(firms.n_offices), posted)
    # The group's vacancies per city are the counts of its posted slots there.
    open_slots = state.vacancies[:, group].astype(np.int64)
    slots = first_k_per_group(slots, firms.office_city[slots], hires, rng, sizes=open_slots)
    # Both lists come grouped by city in ascending order, with the same count per city.
    premium = np.array([lab.degree_wage_premium[d] for d in DEGREES])
    degree = w.degree[hired].astype(np.intp)
    if group == OTHER:  # an other job pays at most what it pays a junior-college graduate
        degree = np.minimum(degree, COLLEGE)
    hired_city = w.city[hired].astype(np.intp)
    wage = state.real_wage()[hired_city, group] * premium[degree]
    if group == TALENT:  # graduates moving up from another job (other jobs hire the jobless)
        accounts.lose_jobs(state, hired)
    accounts.take_jobs(state, hired, slots, wage, np.full(len(hired), group == TALENT))
    return unemployed
