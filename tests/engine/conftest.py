"""Eight deliberate breaks of the engine, kept as negative controls (issue 28).

Each break is a monkeypatch of one rule of the real engine, made where the phase calls it (a
compiled kernel is wrapped, not its Python twin), as an economist checking the model would
break it. Every break passed the whole suite, or was caught only by an unrelated test, before
the test meant for it existed. `CATCHES` names that test; the negative control beside it runs
the same check under the break (`broken` fixture) and expects it to fail, and
`test_breaks.py` checks that every break has its named test and control.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from hubsim.engine import kernels, world
from hubsim.engine.phases import demography, migration
from hubsim.engine.phases import firms as firms_phase
from hubsim.engine.programmes import ProgrammeBook
from hubsim.engine.rules import firms as firm_rules


def cohort_2015_doubled(monkeypatch: pytest.MonkeyPatch) -> None:
    """(a) The 2015 cohort doubled, and recorded so in the pool account (which balances)."""
    real = demography.cohort_by_degree

    def doubled(demo, year, years, people):
        cohort = real(demo, year, years, people)
        return cohort * 2.0 if year == 2015 else cohort

    monkeypatch.setattr(demography, "cohort_by_degree", doubled)


def elasticities_swapped(monkeypatch: pytest.MonkeyPatch) -> None:
    """(b) Tier-1 cities get tier-2's housing supply elasticity and tier-2 cities tier-1's."""
    real = world.build_city_arrays

    def swapped(scenario):
        cities = real(scenario)
        housing = scenario.behaviour.housing
        eta = cities.supply_elasticity.copy()
        eta[cities.tier == 1] = housing.supply_elasticity_tier2
        eta[cities.tier == 2] = housing.supply_elasticity_tier1
        return dataclasses.replace(cities, supply_elasticity=eta)

    monkeypatch.setattr(world, "build_city_arrays", swapped)


def no_agglomeration(monkeypatch: pytest.MonkeyPatch) -> None:
    """(c) Agglomeration switched off: A_js stays at A0_js whatever talent and population do."""
    monkeypatch.setattr(firm_rules, "agglomeration", lambda base, *rest: base.copy())


def spent_budgets_still_valued(monkeypatch: pytest.MonkeyPatch) -> None:
    """(d) Movers value a programme's subsidy after its budget is spent: `paying` forgets the
    budget (payments still stop, since nothing is left to pay)."""
    monkeypatch.setattr(ProgrammeBook, "paying", ProgrammeBook.of)


def no_hukou_from_programmes(monkeypatch: pytest.MonkeyPatch) -> None:
    """(e) Movers value a hukou programme but are never given hukou by it: the hukou they may
    take on arrival is their own or the city's standing rule's."""
    real = migration.utility

    def standing_rules_only(state, counts, **people):
        value, _ = real(state, counts, **people)
        c = state.cities
        nodes = np.arange(c.n)
        standing = (people["degree"][:, None] >= c.hukou_min_degree[None, :]) & (
            people["age"][:, None] <= c.hukou_max_age[None, :]
        )
        return value, (people["hukou"][:, None] == nodes[None, :]) | standing

    monkeypatch.setattr(migration, "utility", standing_rules_only)


def no_subsidy_or_hukou_in_utility(monkeypatch: pytest.MonkeyPatch) -> None:
    """(f) The subsidy and hukou terms dropped from V (b_h = b_s = 0 in the compiled kernel)."""
    real = kernels.chooser_values

    def without(*args):
        return real(*args[:-2], 0.0, 0.0)

    monkeypatch.setattr(kernels, "chooser_values", without)


def branch_distance_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """(g) A branch's profit ignores the coordination cost of its distance to headquarters."""
    real = firms_phase.rules.branch_ratio

    def nearby(home_a, home_cost, local_a, local_cost, distance, *rest):
        return real(home_a, home_cost, local_a, local_cost, 0.0 * distance, *rest)

    monkeypatch.setattr(firms_phase.rules, "branch_ratio", nearby)


def graduates_exempt_from_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    """(h) Graduates settling where they graduated pass a population cap freely."""
    monkeypatch.setattr(migration, "pays_cap_cost", lambda moving, newcomer: moving)


BREAKS: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "cohort_2015_doubled": cohort_2015_doubled,
    "elasticities_swapped": elasticities_swapped,
    "no_agglomeration": no_agglomeration,
    "spent_budgets_still_valued": spent_budgets_still_valued,
    "no_hukou_from_programmes": no_hukou_from_programmes,
    "no_subsidy_or_hukou_in_utility": no_subsidy_or_hukou_in_utility,
    "branch_distance_ignored": branch_distance_ignored,
    "graduates_exempt_from_caps": graduates_exempt_from_caps,
}

# The test meant to catch each break (file::name); its negative control is the test of the
# same file named `test_negative_control_<break>`.
CATCHES = {
    "cohort_2015_doubled": "test_pool.py::test_the_cohort_the_pool_receives_each_july_is_the_data",
    "elasticities_swapped": "test_limits.py::test_rents_respond_by_each_citys_own_elasticity",
    "no_agglomeration": "test_limits.py::test_agglomeration_raises_desired_headcount",
    "spent_budgets_still_valued": "test_programmes.py::test_budgets_switch_the_subsidy_term_off",
    "no_hukou_from_programmes": "test_programmes.py::test_hukou_programmes_grant_hukou",
    "no_subsidy_or_hukou_in_utility": "test_limits.py::test_logit_limit_with_every_term_on",
    "branch_distance_ignored": "test_limits.py::test_offices_follow_cost_net_of_distance",
    "graduates_exempt_from_caps": (
        "test_caps.py::test_a_city_far_above_a_strong_cap_admits_nobody_by_any_way_in"
    ),
}


@pytest.fixture
def broken(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Applies the break named by the test's indirect parameter to the real engine for the
    test's duration (monkeypatch undoes it); returns its name."""
    BREAKS[request.param](monkeypatch)
    return request.param


@pytest.fixture
def break_catalogue() -> tuple[dict, dict]:
    """(BREAKS, CATCHES), for the test that every break has its named test and control."""
    return BREAKS, CATCHES
