"""The demography phase (engine.phases.demography) on a hand-built town.

Every month, workers reaching the scenario's retirement age leave (their jobs end), and the
rest of China, held in aggregate, retires 1 / (12 x (retirement age - 16)) of its people.
Each July (a dated event before the month's step) the year's national graduate cohort
arrives: each city gets its share of the nation's universities, by degree and rounded
stochastically, as unsettled new graduates; the rest of the cohort goes to the rest of China,
so that cities and the rest of China together receive the national cohort exactly (unless, at
a coarse scale, the cities' rounding alone overshoots a degree's cohort: the rest of China
then gets none of it, and the pool account counts the graduates who arrived). Young
people without a degree then replace the retirees the graduates did not, spread over the
nodes by population.

The town: Beijing has 900 of the nation's 2,631 universities, Chengdu 300.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hubsim.engine.accounts import city_counts
from hubsim.engine.phases import demography
from hubsim.engine.pool import graduate_schedule
from hubsim.engine.rules.demography import GRADUATION_AGE, cohort_by_degree
from hubsim.scenario import DEGREES

BEIJING, CHENGDU, OUTSIDE = 0, 1, 2


def retirement_town(town, retirement_age: int = 55):
    """Five employed 55-year-olds and five a month younger in Beijing; 468 x 10 people
    (agents) of each degree in the rest of China."""
    t = town(behaviour={"demography": {"retirement_age": retirement_age}})
    office = t.office(BEIJING)
    old = t.residents(BEIJING, 5, age=55, employer=office, degree="master")
    younger = t.residents(BEIJING, 5, age=55, employer=office)
    t.state.workers.birth[younger] += 1  # born a month later: 54 years and 11 months
    t.state.outside_agents[:] = 4680.0
    state = t.build()
    t.start_month()
    return t, state, office, old, younger


def test_workers_retire_at_the_scenarios_retirement_age(town) -> None:
    _, state, office, old, younger = retirement_town(town, retirement_age=55)
    demography.run(state)
    w = state.workers
    assert (w.city[old] == -1).all()
    assert (w.city[younger] == BEIJING).all()
    assert state.staff[office] == 5  # the retirees' jobs ended
    assert state.counts["population"][BEIJING] == 5
    assert state.tallies.retired[BEIJING] == 5
    # The pool's retirements by degree: Beijing's 5 masters and the rest of China's 10 of
    # each degree (see below).
    np.testing.assert_allclose(state.pool.retired[0], [10, 10, 10, 15, 10], rtol=1e-12)


def test_a_month_later_the_next_ones_have_aged_into_retirement(town) -> None:
    t, state, _, _, younger = retirement_town(town, retirement_age=55)
    demography.run(state)
    t.start_month()
    demography.run(state)
    assert (state.workers.city[younger] == -1).all()
    assert state.tallies.retired[BEIJING] == 5


def test_nobody_retires_under_a_higher_retirement_age(town) -> None:
    _, state, _, old, younger = retirement_town(town, retirement_age=60)
    demography.run(state)
    assert (state.workers.city[np.concatenate([old, younger])] == BEIJING).all()


def test_the_rest_of_china_retires_at_the_same_pace_in_aggregate(town) -> None:
    _, state, *_ = retirement_town(town, retirement_age=55)
    demography.run(state)
    # 1 / (12 x (55 - 16)) = 1 / 468 a month: 10 of each degree's 4,680.
    np.testing.assert_allclose(state.outside_agents, 4670.0, rtol=1e-12)
    assert state.tallies.retired[OUTSIDE] == pytest.approx(50.0)
    assert state.retired_since_july == pytest.approx(55.0)  # Beijing's 5 and these 50


def july_town(town, scale: float = 100_000.0, **demography_settings):
    """A town starting in July 2010; one agent stands for 100,000 people."""
    t = town(scale=scale, start="2010-07", behaviour={"demography": demography_settings})
    return t


def national_cohort(state) -> np.ndarray:
    """This July's national graduates by degree, in agents (the data's cohort / scale)."""
    schedule = graduate_schedule()
    demo = state.behaviour.demography
    return cohort_by_degree(demo, 2010, schedule.years, schedule.people) / state.scale


def test_the_july_cohort_arrives_at_university_cities_by_degree(town) -> None:
    t = july_town(town)
    state = t.build()
    demography.graduate_cohort(state, 0)  # the dated event before July's step
    cohort = national_cohort(state)  # about 62 agents, none of them without a degree
    w, rows = state.workers, state.unsettled_rows
    for city, universities in ((BEIJING, 900), (CHENGDU, 300)):
        expected = cohort * universities / 2631
        got = np.bincount(w.degree[rows][w.city[rows] == city], minlength=len(DEGREES))
        for d in range(len(DEGREES)):  # stochastic rounding: the floor or the ceiling
            assert got[d] in (math.floor(expected[d]), math.ceil(expected[d])), DEGREES[d]
    assert not w.settled[rows].any()  # they choose in this month's migration phase
    assert (w.graduated[rows] == state.calendar.first).all()
    age_months = state.calendar.first - w.birth[rows].astype(int)
    youngest = 12 * GRADUATION_AGE[w.degree[rows]]
    assert ((age_months >= youngest) & (age_months < youngest + 24)).all()


def test_cities_and_the_rest_of_china_receive_the_national_cohort_exactly(town) -> None:
    # At 20,000 people an agent the cities' rounding cannot overshoot any degree's national
    # cohort (2.24 PhDs; the cities expect 0.98, at most 2 once rounded): the rest of China
    # takes the rest.
    t = july_town(town, scale=20_000.0)
    state = t.build()
    demography.graduate_cohort(state, 0)
    cohort = national_cohort(state)
    w, rows = state.workers, state.unsettled_rows
    at_cities = np.bincount(w.degree[rows], minlength=len(DEGREES))
    np.testing.assert_allclose(at_cities + state.outside_cohort, cohort, rtol=1e-12)
    np.testing.assert_allclose(state.outside_agents, state.outside_cohort, rtol=1e-12)
    np.testing.assert_allclose(state.pool.cohort[0], cohort, rtol=1e-12)
    assert state.counts["population"][OUTSIDE] == pytest.approx(state.outside_cohort.sum())


def test_young_entrants_replace_the_retirees_the_graduates_did_not(town) -> None:
    # No graduates this year, and no adult degrees (they change no head count, but would
    # move the rest of China's residents between degrees).
    t = july_town(town, scale=1000.0, graduate_cohort_factor=0.0, adult_degree_rate_per_year=0.0)
    t.residents(BEIJING, 30)
    t.residents(CHENGDU, 10)
    t.state.outside_agents[:] = 12.0  # 60 in the rest of China
    state = t.build()
    state.retired_since_july = 10.0
    demography.graduate_cohort(state, 0)
    # 10 young people spread by population 30 : 10 : 60.
    w = state.workers
    young = np.arange(40, len(w))  # the rows added after the town's 40 residents
    assert (w.degree[young] == 0).all()
    assert np.bincount(w.city[young], minlength=3).tolist() == [3, 1, 0]
    assert state.outside_agents[0] == pytest.approx(12.0 + 6.0)
    assert state.pending_entrants.tolist() == pytest.approx([3.0, 1.0, 6.0])
    assert state.retired_since_july == 0.0
    age_months = state.calendar.first - w.birth[young].astype(int)
    assert ((age_months >= 12 * 16) & (age_months < 12 * 16 + 24)).all()


def test_postgraduates_are_younger_holders_of_the_university_city_or_else_new(town) -> None:
    # 10,000 people an agent: Beijing's share of the 2010 master's cohort is about 11 agents.
    t = july_town(town, scale=10_000.0, adult_degree_rate_per_year=0.0)
    young = t.residents(BEIJING, 40, age=30)  # bachelors who can take a master's
    old = t.residents(BEIJING, 40, age=40)  # too old for one (ASSUMPTION: at most 35)
    state = t.build()
    demography.graduate_cohort(state, 0)
    w, master, phd = state.workers, DEGREES.index("master"), DEGREES.index("phd")
    upgraded = state.pool.upgraded[0]
    expected = national_cohort(state)[master] * 900 / 2631
    assert upgraded[master] in (math.floor(expected), math.ceil(expected))
    masters = young[w.degree[young] == master]
    assert len(masters) == upgraded[master]
    assert not w.settled[masters].any() and (w.graduated[masters] == state.calendar.first).all()
    assert (w.degree[old] == DEGREES.index("bachelor")).all()
    # Beijing had no masters to become PhDs and Chengdu no one: their postgraduates are new
    # people, and the account says so (cohort - upgraded).
    new_rows = np.setdiff1d(state.unsettled_rows, young)
    new_postgraduates = np.count_nonzero(w.degree[new_rows] >= master)
    cohort = state.pool.cohort[0]
    at_cities = cohort[master:].sum() - state.outside_cohort[master:].sum()
    assert new_postgraduates == pytest.approx(at_cities - upgraded[master], abs=1e-9)
    assert upgraded[phd] == 0
    assert state.counts["population"][BEIJING] == 80 + np.count_nonzero(w.city[new_rows] == 0)


def test_adult_degrees_turn_working_age_residents_without_one_into_holders(town) -> None:
    t = july_town(
        town, scale=1000.0, graduate_cohort_factor=0.0, adult_degree_rate_per_year=0.5,
        adult_degree_bachelor_share=0.5,
    )  # fmt: skip
    office = t.office(BEIJING)
    young = t.residents(BEIJING, 40, degree="none", age=30, employer=office)
    old = t.residents(BEIJING, 10, degree="none", age=50)  # over the ages (ASSUMPTION: 45)
    t.state.outside_agents[:] = 12.0
    state = t.build()
    demography.graduate_cohort(state, 0)
    w = state.workers
    # Half of Beijing's 50 without a degree (25), all among the 40 aged 20-45, who keep
    # their jobs; half the rest of China's 12 (6), split evenly.
    gained = young[w.degree[young] > 0]
    assert len(gained) == 25 and (w.degree[old] == 0).all()
    assert (w.graduated[gained] < 0).all()  # not new graduates
    assert (w.employer[young] == office).all() and state.staff[office] == 40
    assert state.outside_agents.tolist() == pytest.approx([6.0, 15.0, 15.0, 12.0, 12.0])
    assert state.pool.adult[0].sum() == pytest.approx(31.0)
    assert state.pool.adult[0, 1:3].tolist() == pytest.approx(
        [np.count_nonzero(w.degree[gained] == 1) + 3, np.count_nonzero(w.degree[gained] == 2) + 3]
    )
    recount = city_counts(state)  # the counts kept current are the counts afresh
    for key in ("population", "talent", "college", "employed_talent"):
        np.testing.assert_allclose(state.counts[key], recount[key], err_msg=key)
    assert state.counts["population"][BEIJING] == 50
