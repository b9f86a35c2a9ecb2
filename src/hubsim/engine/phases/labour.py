"""Phase 3, labour: separations and lay-offs, then matching m(U, V) per city, then wage indices.

Job seekers are everyone without a job in a city; vacancies are the offices' gaps to desire.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine import accounts
from hubsim.engine.rules.labour import matches, wage_index_update
from hubsim.engine.rules.sampling import first_k_per_group, sample_by_hazard, stochastic_round
from hubsim.engine.state import State
from hubsim.scenario import DEGREES


def run(state: State) -> None:
    """Separations and layoffs, then matching per city, then wage indices."""
    w, firms, lab = state.workers, state.firms, state.behaviour.labour
    rng = state.streams["labour"]
    staff = state.staff
    excess = np.maximum(staff - 1.1 * state.desired, 0.0)
    layoff = lab.layoff_speed_per_month * excess / np.maximum(staff, 1)
    # Unemployed rows (employer -1) read the appended zero and never leave a job.
    hazard = np.append(lab.separation_rate_per_month + layoff, 0.0)
    leaving = sample_by_hazard(
        len(w), lambda rows: hazard[w.employer[rows]], float(hazard.max()), rng
    )
    accounts.lose_jobs(state, leaving)
    gap = np.clip(state.desired - staff, 0.0, 0.25 * state.desired + 1.0)
    posted = stochastic_round(np.where(firms.office_open, gap, 0.0), rng)
    if state.jobless is None:
        seekers = np.flatnonzero(w.employer < 0)  # a few per cent of rows
    else:  # those leaving their job had one: the two sets are disjoint
        seekers = np.concatenate([state.jobless, leaving])
    _match(state, seekers, posted, rng)


def _match(state: State, seekers: np.ndarray, posted: np.ndarray, rng: np.random.Generator) -> None:
    """Hires per city from m(U, V); `seekers` are all rows without a job (removed rows too)."""
    w, firms, lab, n = state.workers, state.firms, state.behaviour.labour, state.cities.n
    seeker_city = w.city[seekers]
    alive = seeker_city >= 0
    seekers, seeker_city = seekers[alive], seeker_city[alive]
    unemployed = np.bincount(seeker_city, minlength=n).astype(float)
    vacancies = np.bincount(firms.office_city, weights=posted, minlength=n)
    state.vacancies = vacancies
    hires = stochastic_round(
        matches(unemployed, vacancies, lab.matching_efficiency_per_month, lab.matching_elasticity),
        rng,
    )
    hired = first_k_per_group(seekers, seeker_city, hires, rng)
    slots = np.repeat(np.arange(firms.n_offices), posted)
    slots = first_k_per_group(slots, np.repeat(firms.office_city, posted), hires, rng)
    # Both lists come grouped by city in ascending order, with the same count per city.
    w.employer[hired] = slots
    state.staff += np.bincount(slots, minlength=len(state.staff))
    accounts.shift_employment(state, hired, +1)
    premium = np.array([lab.degree_wage_premium[d] for d in DEGREES])
    city = w.city[hired].astype(np.intp)
    real_wage = state.real_wage()
    w.wage[hired] = real_wage[city] * premium[w.degree[hired]]
    state.wage_bill += np.bincount(city, weights=w.wage[hired], minlength=n)
    state.wage_index[:-1] = wage_index_update(
        state.wage_index,
        vacancies,
        unemployed,
        state.target_tightness,
        lab.wage_tightness_elasticity,
        lab.wage_max_change_per_month,
    )[:-1]
