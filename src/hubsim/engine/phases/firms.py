"""Phase 2, firms: desired headcount per office; quarterly offices opened and closed; entry, exit.

Offices open where a firm's profit beats its headquarters' by a hurdle (`rules.firms`); the staff
of closed offices lose their jobs here and look for new ones in the labour phase.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine import accounts
from hubsim.engine.rules.firms import (
    agglomeration,
    best_new_city,
    desired_headcount,
    location_gain,
    pareto_productivity,
)
from hubsim.engine.rules.sampling import sample_by_hazard
from hubsim.engine.state import State


def run(state: State, dynamic: bool = True) -> None:
    """Desired headcounts; with `dynamic`, offices (quarterly), exit, entry and their lay-offs.

    Sets `state.jobless` to every row without a job after the month's closures when the lay-off
    had to look at every worker (see `accounts.lay_off`), else None.
    """
    firms, beh = state.firms, state.behaviour.firms
    productivity_shock, entry_shock = state.demand_shock()
    state.city_productivity = (
        agglomeration(
            state.base_productivity,
            state.counts["talent"],
            state.talent_start,
            beh.agglomeration_alpha,
        )
        * productivity_shock
    )
    real_wage = state.real_wage()
    city = firms.office_city.astype(np.intp)
    desired = desired_headcount(
        firms.productivity[firms.office_firm],
        state.city_productivity[city],
        real_wage[city],
        state.grant_share[city],
        beh.labour_elasticity,
    )
    state.desired = np.where(firms.office_open, desired, 0.0)
    state.jobless = None
    if not dynamic:
        return
    if state.calendar.month % 3 == 0:
        _open_and_close_offices(state, real_wage)
    _firm_exit(state)
    _firm_entry(state, entry_shock)
    # The staff of every office closed above lose their jobs: one pass over the workers.
    state.jobless = accounts.lay_off(state, np.flatnonzero(~firms.office_open & (state.staff > 0)))


def _open_and_close_offices(state: State, real_wage: np.ndarray) -> None:
    firms, beh, rng = state.firms, state.behaviour.firms, state.streams["firms"]
    gain = location_gain(
        state.city_productivity, real_wage, state.grant_share, beh.labour_elasticity
    )
    occupancy = state.metrics["office_occupancy"]
    open_to_offices = np.append(occupancy[:-1] < 1.0, False)
    alive = np.flatnonzero(firms.alive)
    movers = sample_by_hazard(
        alive,
        lambda idx: np.full(len(idx), beh.office_opening_hazard_per_quarter),
        beh.office_opening_hazard_per_quarter,
        rng,
    )
    best, ratio = best_new_city(
        movers, firms.presence(len(gain)), gain, firms.hq_city, open_to_offices
    )
    opening = ratio > beh.office_opening_hurdle
    firms.add_offices(movers[opening], best[opening])
    # Secondary offices whose city has become much worse than headquarters close.
    office_gain = gain[firms.office_city] / gain[firms.hq_city[firms.office_firm]]
    closing = np.flatnonzero(
        firms.office_open & ~firms.hq_offices() & (office_gain < beh.office_closing_ratio)
    )
    firms.office_open[closing] = False
    _relocate(state, gain, open_to_offices)
    accounts.grow_office_arrays(state)


def _relocate(state: State, gain: np.ndarray, open_to_offices: np.ndarray) -> None:
    """Rarely a firm moves its headquarters to a much better city; the old HQ staff are let go."""
    firms, beh, rng = state.firms, state.behaviour.firms, state.streams["firms"]
    hazard = beh.relocation_hazard_per_year / 4.0
    alive = np.flatnonzero(firms.alive)
    moving = sample_by_hazard(alive, lambda idx: np.full(len(idx), hazard), hazard, rng)
    best, ratio = best_new_city(
        moving, firms.presence(len(gain)), gain, firms.hq_city, open_to_offices
    )
    go = ratio > beh.office_opening_hurdle**2
    moving, best = moving[go], best[go]
    if len(moving) == 0:
        return
    old_hq = np.flatnonzero(
        firms.office_open & firms.of_firms(moving)[firms.office_firm] & firms.hq_offices()
    )
    firms.office_open[old_hq] = False
    firms.hq_city[moving] = best
    firms.add_offices(moving, best)


def _firm_exit(state: State) -> None:
    firms, beh, rng = state.firms, state.behaviour.firms, state.streams["firms"]
    staff = np.where(firms.office_open, state.staff, 0)  # closed offices' staff are laid off
    firm_staff = np.bincount(firms.office_firm, weights=staff, minlength=firms.n_firms)
    firm_desired = np.bincount(firms.office_firm, weights=state.desired, minlength=firms.n_firms)
    struggling = firm_desired < 0.5 * firm_staff
    base = 1.0 - (1.0 - beh.exit_hazard_per_year) ** (1 / 12)
    factor = np.where(struggling, beh.struggling_exit_multiplier, 1.0)
    dying = sample_by_hazard(
        np.flatnonzero(firms.alive),
        lambda idx: base * factor[idx],
        base * beh.struggling_exit_multiplier,
        rng,
    )
    closed = firms.close_firms(dying)
    state.desired[closed] = 0.0


def _firm_entry(state: State, entry_shock: float) -> None:
    """Firms are born in proportion to local talent, at the rate that keeps 2010 steady."""
    firms, beh, rng = state.firms, state.behaviour.firms, state.streams["firms"]
    base = 1.0 - (1.0 - beh.exit_hazard_per_year) ** (1 / 12)
    expected = base * state.firms_start * state.counts["talent"] / state.talent_start * entry_shock
    expected[-1] = 0.0
    births = rng.poisson(expected)
    city = np.repeat(np.arange(state.cities.n), births)
    if len(city) == 0:
        return
    z = pareto_productivity(len(city), beh.productivity_pareto_shape, rng)
    firms.add_firms(z, city, state.calendar.now)
    real_wage = state.real_wage()
    desired = desired_headcount(
        z,
        state.city_productivity[city],
        real_wage[city],
        state.grant_share[city],
        beh.labour_elasticity,
    )
    accounts.grow_office_arrays(state, desired)
