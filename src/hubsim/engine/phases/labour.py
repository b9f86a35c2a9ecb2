"""Phase 3, labour: separations and lay-offs, then matching m(U, V), then wage indices.

Each city has two markets (DESIGN s.3.3): talent jobs, filled by bachelor-and-above job
seekers, and other jobs, filled by the rest. Vacancies are each office's gap to its desired
talent and other jobs. Talent jobs in tradable sectors need a tech-park seat: their postings
never exceed the seats left, so filled seats never exceed seats.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine import accounts
from hubsim.engine.phases.firms import TRADABLE, seated_talent
from hubsim.engine.rules.labour import matches, wage_index_update
from hubsim.engine.rules.sampling import first_k_per_group, sample_by_hazard, stochastic_round
from hubsim.engine.state import State
from hubsim.scenario import DEGREES, TALENT_DEGREE

OTHER, TALENT = 0, 1  # job groups: column of wage_index, vacancies, posted


def run(state: State) -> None:
    """Separations and layoffs, then matching per city and group, then wage indices."""
    w, _firms, lab = state.workers, state.firms, state.behaviour.labour
    rng = state.streams["labour"]
    desired_t = state.desired_talent
    desired_o = state.desired - desired_t
    hazards = []
    for staff, desired in (
        (state.staff - state.staff_talent, desired_o),
        (state.staff_talent, desired_t),
    ):
        excess = np.maximum(staff - 1.1 * desired, 0.0)
        layoff = lab.layoff_speed_per_month * excess / np.maximum(staff, 1)
        # Unemployed rows (employer -1) read the appended zero and never leave a job.
        hazards.append(np.append(lab.separation_rate_per_month + layoff, 0.0))
    other, talent = hazards
    leaving = sample_by_hazard(
        len(w),
        lambda rows: np.where(
            w.degree[rows] >= TALENT_DEGREE, talent[w.employer[rows]], other[w.employer[rows]]
        ),
        float(max(other.max(), talent.max())),
        rng,
    )
    accounts.lose_jobs(state, leaving)
    state.posted = _post(state, desired_o, desired_t, rng)
    if state.jobless is None:
        seekers = np.flatnonzero(w.employer < 0)  # a few per cent of rows
    else:  # those leaving their job had one: the two sets are disjoint
        seekers = np.concatenate([state.jobless, leaving])
    _match(state, seekers, rng)


def _post(
    state: State, desired_o: np.ndarray, desired_t: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """(office, group) vacancies: each open office's gap to desire, at most a quarter of it a
    month; tradable talent postings within the seats left in the city."""
    f = state.firms
    posted = np.zeros((f.n_offices, 2), dtype=np.int64)
    for group, staff, desired in (
        (OTHER, state.staff - state.staff_talent, desired_o),
        (TALENT, state.staff_talent, desired_t),
    ):
        gap = np.clip(desired - staff, 0.0, 0.25 * desired + 1.0)
        posted[:, group] = stochastic_round(np.where(f.office_open, gap, 0.0), rng)
    seated = TRADABLE[f.office_sector]
    n = state.cities.n
    free = np.floor(np.maximum(state.office_seats / state.scale - seated_talent(state), 0.0))
    free[-1] = 0.0
    state.free_seats = free
    want = np.bincount(f.office_city[seated], weights=posted[seated, TALENT], minlength=n)
    if np.any(want > free):
        offices = np.flatnonzero(seated)
        slots = np.repeat(offices, posted[offices, TALENT])
        keep = first_k_per_group(slots, f.office_city[slots], free.astype(np.int64), rng)
        posted[offices, TALENT] = np.bincount(keep, minlength=f.n_offices)[offices]
    return posted


def _match(state: State, seekers: np.ndarray, rng: np.random.Generator) -> None:
    """Hires per city and group from m(U, V); `seekers` are all rows without a job (removed
    rows too)."""
    w, firms, lab, n = state.workers, state.firms, state.behaviour.labour, state.cities.n
    seeker_city = w.city[seekers]
    alive = seeker_city >= 0
    seekers, seeker_city = seekers[alive], seeker_city[alive].astype(np.intp)
    group = (w.degree[seekers] >= TALENT_DEGREE).astype(np.intp)
    key = seeker_city * 2 + group
    unemployed = np.bincount(key, minlength=2 * n).reshape(n, 2).astype(float)
    vacancies = np.stack(
        [np.bincount(firms.office_city, weights=state.posted[:, g], minlength=n) for g in (0, 1)],
        axis=1,
    )
    state.vacancies = vacancies
    hires = stochastic_round(
        matches(unemployed, vacancies, lab.matching_efficiency_per_month, lab.matching_elasticity),
        rng,
    ).ravel()
    hired = first_k_per_group(seekers, key, hires, rng)
    slot_office = np.concatenate(
        [np.repeat(np.arange(firms.n_offices), state.posted[:, g]) for g in (0, 1)]
    )
    slot_group = np.repeat([0, 1], state.posted.sum(axis=0))
    slot_key = firms.office_city[slot_office].astype(np.intp) * 2 + slot_group
    slots = first_k_per_group(slot_office, slot_key, hires, rng)
    # Both lists come grouped by (city, group) in ascending order, with the same count each.
    premium = np.array([lab.degree_wage_premium[d] for d in DEGREES])
    city = w.city[hired].astype(np.intp)
    wage = state.real_wage()[city, group_of(w.degree[hired])] * premium[w.degree[hired]]
    accounts.take_jobs(state, hired, slots, wage)
    state.wage_index[:-1] = wage_index_update(
        state.wage_index,
        vacancies,
        unemployed,
        state.target_tightness,
        lab.wage_tightness_elasticity,
        lab.wage_max_change_per_month,
    )[:-1]


def group_of(degree: np.ndarray) -> np.ndarray:
    """Job group of each degree: 1 (talent jobs) for bachelor and above, else 0."""
    return (degree >= TALENT_DEGREE).astype(np.intp)
