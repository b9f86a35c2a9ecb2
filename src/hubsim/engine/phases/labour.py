"""Phase 3, labour: separations and lay-offs, then matching m(U, V), then wage indices.

Two markets per city (docs/model.md#labour): talent jobs, open to bachelor-and-above job seekers,
and other jobs, open to everyone: graduates who found no talent job this month look for other
jobs too (over-qualified work). Vacancies are each office's gap to its desired talent and other
jobs. Talent jobs in tradable sectors need a share of a grade-A office seat: their postings
never exceed what the free seats allow, so filled seats never exceed seats. Seats only cap: no
job is posted because a seat is free.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine import accounts, kernels
from hubsim.engine.accounts import COLLEGE
from hubsim.engine.phases.firms import seated_talent
from hubsim.engine.rules import offices
from hubsim.engine.rules.labour import matches, wage_index_update
from hubsim.engine.rules.sampling import sample_by_hazard, stochastic_round
from hubsim.engine.state import State
from hubsim.engine.tables import N_SECTORS
from hubsim.scenario import DEGREES, TALENT_DEGREE

OTHER, TALENT = 0, 1  # job groups: column of wage_index and vacancies, row of posted


def run(state: State) -> None:
    """Separations and layoffs, then matching per city and group, then wage indices."""
    w, lab = state.workers, state.behaviour.labour
    rng = state.streams["labour"]
    # (group, office + 1) hazards, rows in OTHER, TALENT order: both groups in one pass. Each
    # row ends in a 0 that unemployed rows (employer -1) read: they never leave a job.
    # Flattened, employer + TALENT x width then indexes a row's hazard in one gather (the
    # unemployed, in no talent job, read the last entry).
    hazard, largest = kernels.separation_hazards(
        state.desired,
        state.desired_talent,
        state.staff,
        state.staff_talent,
        lab.separation_rate_per_month,
        lab.layoff_speed_per_month,
    )
    thin = _thin_by_table(state, hazard.ravel())
    leaving = sample_by_hazard(len(w), None, largest, rng, thin=thin)
    accounts.lose_jobs(state, leaving)
    state.posted = _post(state, rng)
    if state.jobless is None:
        seekers = np.flatnonzero(w.employer < 0)  # a few per cent of rows
    else:  # those leaving their job had one: the two sets are disjoint
        seekers = np.concatenate([state.jobless, leaving])
    _match(state, seekers, rng)


def _thin_by_table(state: State, table: np.ndarray):
    """`sample_by_hazard`'s thinning for the job hazards of the flattened `table` (see `run`)."""
    w, width = state.workers, len(table) // 2

    def thin(picked: np.ndarray, uniform: np.ndarray, max_hazard: float) -> np.ndarray:
        return kernels.keep_by_hazard(
            picked, uniform, table, width, w.employer, w.talent_job, max_hazard
        )

    return thin


def _post(state: State, rng: np.random.Generator) -> np.ndarray:
    """(group, office) vacancies: each open office's gap to its desired headcount in the group,
    at most a quarter of it a month; tradable talent postings within what the city's free
    seats allow (`rules.offices.postings_allowed`). Sets the (node, group) vacancies wanted
    and posted."""
    f = state.firms
    n = state.cities.n
    # Both groups rounded with one call's uniforms, other jobs' first. Closed offices post
    # nothing: their desire is 0, so their gap is too.
    uniform = rng.random((2, f.n_offices))
    posted, per_node, _cells, tradable_talent = kernels.post(
        state.desired,
        state.desired_talent,
        state.staff,
        state.staff_talent,
        uniform,
        f.office_city,
        f.office_cell,
        f.office_tradable,
        n,
        n * N_SECTORS,
    )
    free = offices.postings_allowed(
        state.office_seats / state.scale, seated_talent(state), state.seat_share
    )
    free[-1] = 0.0
    # What firms want to hire, before the seats cut it: wages follow this demand (firms bid
    # for the talent they want whether or not seats let them seat it; binding seats show as
    # talent unemployment instead, which movers weigh through the employment rate).
    state.wanted_vacancies = per_node.astype(float)
    state.vacancies = state.wanted_vacancies.copy()
    if np.any(tradable_talent > free):
        order = rng.permutation(int(tradable_talent.sum()))
        state.vacancies[:, TALENT] = kernels.bind_seats(
            posted[TALENT], f.office_tradable, f.office_city, order, free.astype(np.int64)
        )
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
    talent_seekers = np.concatenate([seekers[graduate], np.flatnonzero(over)])
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
    city = w.city[seekers]
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
    hired = _first_k(seekers, city, hires, rng, sizes=seeking)
    # The slots: offices in ascending order, each repeated by its postings; the group's
    # vacancies per city are the counts of its slots there.
    open_slots = state.vacancies[:, group].astype(np.int64)
    order = rng.permutation(int(posted.sum()))
    slots = kernels.pick_slots(posted, firms.office_city, order, np.minimum(hires, open_slots))
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


def _first_k(
    items: np.ndarray, group: np.ndarray, k: np.ndarray, rng: np.random.Generator, sizes
) -> np.ndarray:
    """`rules.sampling.first_k_per_group` (the same draw, the same items in the same order),
    its grouping of the permutation done by `kernels.first_k_per_group`."""
    if len(items) == 0:
        return items
    order = rng.permutation(len(items))
    take = np.minimum(k, sizes).astype(np.int64)
    return items[kernels.first_k_per_group(group.astype(np.int64), order, take)]
