"""The housing phase (engine.phases.housing) on a hand-built town, one month at a time.

Each city's rent takes a step toward the rent its population calls for,
R* = R0 (N / N0)^(1 / eta), by partial adjustment in logs at the stated speed s:
ln R' = ln R + s (ln R* - ln R). A housing-supply programme multiplies eta while in force.
The rest of China's rent does not move.

The town: Beijing's base rent is 60 yuan/m2 a month and its supply elasticity 0.5; Chengdu's
30 yuan and 2.
"""

from __future__ import annotations

import pytest

from hubsim.engine.phases import housing, policies

BEIJING, CHENGDU, OUTSIDE = 0, 1, 2


def doubled_beijing(town, speed: float = 0.25, **settings):
    """Twenty residents in Beijing, twice its start's ten; ten in Chengdu, as at the start;
    a hundred in the rest of China."""
    t = town(behaviour={"housing": {"rent_adjustment_per_month": speed}}, **settings)
    t.residents(BEIJING, 20)
    t.residents(CHENGDU, 10)
    t.state.outside_agents[0] = 100.0
    state = t.build()
    state.population_start[BEIJING] = 10.0
    t.start_month()
    return state


def test_rent_moves_a_quarter_of_the_way_toward_the_rent_population_calls_for(town) -> None:
    state = doubled_beijing(town, speed=0.25)
    housing.run(state)
    # R* = 60 x 2^(1/0.5) = 240; a quarter of the way in logs: 60 x 4^0.25 = 60 sqrt(2).
    assert state.rent[BEIJING] == pytest.approx(60 * 2**0.5, rel=1e-12)
    assert state.rent[CHENGDU] == pytest.approx(30.0, rel=1e-12)  # N = N0: at its target


def test_rent_above_its_target_falls_toward_it(town) -> None:
    state = doubled_beijing(town, speed=0.5)
    state.rent[CHENGDU] = 120.0  # four times the rent its population calls for
    housing.run(state)
    assert state.rent[CHENGDU] == pytest.approx(120.0 / 4**0.5, rel=1e-12)  # half way: 60
    housing.run(state)  # and the next month half of what is left
    assert state.rent[CHENGDU] == pytest.approx(120.0 / 4**0.75, rel=1e-12)


def test_a_housing_supply_programme_multiplies_the_supply_elasticity(town) -> None:
    supply = {"city": "beijing", "start": "2010-01", "instrument": "housing_supply", "amount": 2}
    state = doubled_beijing(town, speed=0.25, programmes=[supply])
    policies.switch_programmes(state, 0)
    housing.run(state)
    # eta 0.5 x 2 = 1: R* = 60 x 2 = 120; a quarter of the way: 60 x 2^0.25.
    assert state.rent[BEIJING] == pytest.approx(60 * 2**0.25, rel=1e-12)


def test_the_rest_of_chinas_rent_stays_put(town) -> None:
    state = doubled_beijing(town)
    state.counts["population"][OUTSIDE] = 1000.0  # whatever its population does
    before = state.rent[OUTSIDE]
    housing.run(state)
    assert state.rent[OUTSIDE] == before
