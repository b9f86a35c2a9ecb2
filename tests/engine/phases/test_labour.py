"""The labour phase (engine.phases.labour) on a hand-built town, one month.

Jobs end first: at the separation rate, and faster in offices with staff above 110 % of what
they want (the lay-off speed times the excess share). Each open office then posts its gap to
its desired headcount, at most a quarter of it plus one, per job group: talent jobs (for
bachelor and above) and other jobs (for everyone). Matching is city by city, talent jobs
first: m = mu U^a V^(1-a) hires, never more than the seekers U or the vacancies V, rounded
stochastically; graduates not hired into a talent job look for an other job the same month.
A talent job pays the city's wage times the degree premium; an other job pays at most a
junior-college graduate's. Last, each city's wage index of each group moves with tightness
T = (V + 1) / (U + 1) against the start's T*: by elasticity x ln(T / T*), within a bound.

The town: Beijing pays 60,000 yuan a year, Chengdu 40,000; T* = 0.6 everywhere.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hubsim.engine.phases import labour
from hubsim.engine.rules import offices

BEIJING, CHENGDU, OUTSIDE = 0, 1, 2
OTHER, TALENT = labour.OTHER, labour.TALENT


def job_market(town, seekers: dict[str, int], want_other=0, want_talent=0, sector="local_services",
               city=BEIJING, firms=None, **labour_settings):  # fmt: skip
    """Unemployed seekers (count by degree) and one office in `city` with no staff yet that
    wants `want_other` other jobs and `want_talent` talent jobs; no separations; `firms`
    overrides the firms' behaviour."""
    settings = {"separation_rate_per_month": 0.0, **labour_settings}
    t = town(behaviour={"labour": settings, "firms": firms or {}})
    office = t.office(city, sector=sector)
    for degree, count in seekers.items():
        t.residents(city, count, degree=degree)
    state = t.build()
    state.desired[office] = want_other + want_talent
    state.desired_talent[office] = want_talent
    t.start_month()
    return state, office


def hired(state, group: int) -> np.ndarray:
    """Rows employed in the group's jobs."""
    w = state.workers
    return np.flatnonzero((w.employer >= 0) & (w.talent_job == (group == TALENT)))


def test_hires_follow_the_matching_function_within_rounding(town) -> None:
    # 40 seekers; an office wanting 40 other jobs posts a quarter of them plus one: 11.
    state, office = job_market(
        town, {"none": 40}, want_other=40,
        matching_efficiency_per_month=0.4, matching_elasticity=0.3,
    )  # fmt: skip
    labour.run(state)
    assert state.posted[OTHER, office] == 11
    m = 0.4 * 40**0.3 * 11**0.7  # 6.47...
    assert len(hired(state, OTHER)) in (math.floor(m), math.ceil(m))
    assert state.staff[office] == len(hired(state, OTHER))


def test_matches_never_exceed_the_vacancies(town) -> None:
    state, _ = job_market(town, {"none": 40}, want_other=40, matching_efficiency_per_month=10.0)
    labour.run(state)
    assert len(hired(state, OTHER)) == 11  # mu U^a V^(1-a) = 210, but only 11 jobs posted


def test_graduates_take_talent_jobs_first_and_the_rest_take_other_jobs(town) -> None:
    # 11 talent and 11 other jobs posted; every match is made (mu is large).
    state, _ = job_market(
        town, {"bachelor": 15, "none": 5}, want_other=40, want_talent=40,
        matching_efficiency_per_month=10.0,
    )  # fmt: skip
    labour.run(state)
    w = state.workers
    talent, other = hired(state, TALENT), hired(state, OTHER)
    assert len(talent) == 11 and (w.degree[talent] == 2).all()  # bachelors only
    # The 4 bachelors left look for other jobs the same month, beside the 5 without a
    # degree: all 9 are hired.
    assert (w.degree[other] == 2).sum() == 4 and (w.degree[other] == 0).sum() == 5
    # A talent job pays Beijing's wage times the bachelor premium (1.3); an other job pays
    # a bachelor as a junior-college graduate (1.05), someone without a degree 0.85.
    np.testing.assert_allclose(w.wage[talent], 60_000 * 1.3, rtol=1e-6)
    expected = np.where(w.degree[other] == 2, 60_000 * 1.05, 60_000 * 0.85)
    np.testing.assert_allclose(w.wage[other], expected, rtol=1e-6)
    assert state.counts["employed"][BEIJING] == 20
    assert state.counts["employed_talent"][BEIJING] == 15  # employed with a degree


def test_talent_postings_of_tradable_offices_stop_at_the_seats_left(town) -> None:
    # A tradable talent job fills a quarter of a grade-A seat: one free seat allows 4 jobs.
    state, _ = job_market(
        town, {"bachelor": 20}, want_talent=40, sector="internet", city=CHENGDU,
        firms={"office_grade_a_share": 0.25}, matching_efficiency_per_month=10.0,
    )  # fmt: skip
    state.office_seats[CHENGDU] = 1 * state.scale  # one seat, none filled yet
    labour.run(state)
    assert state.wanted_vacancies[CHENGDU, TALENT] == 11  # what firms wanted to post
    assert state.vacancies[CHENGDU, TALENT] == 4
    assert len(hired(state, TALENT)) == 4


def test_seats_are_a_share_of_a_seat_per_job_and_floating_point_loses_no_job() -> None:
    # 0.6 free seats at 0.15 a job: 4 jobs, though 0.6 / 0.15 is 3.99... in floating point.
    allowed = offices.postings_allowed(np.array([0.6, 1.0]), np.array([0.0, 6.0]), 0.15)
    assert allowed.tolist() == [4.0, 0.0]  # the second city's 6 jobs fill 0.9 of its seat


def staffed_office(town, staff: int, want: int, layoff_speed: float):
    t = town(behaviour={"labour": {"separation_rate_per_month": 0.0,
                                   "layoff_speed_per_month": layoff_speed}})  # fmt: skip
    office = t.office(BEIJING)
    t.residents(BEIJING, staff, degree="none", employer=office)
    state = t.build()
    state.desired[office] = want
    t.start_month()
    return state, office


def test_an_office_wanting_nobody_lays_off_its_staff_at_the_layoff_speed(town) -> None:
    state, office = staffed_office(town, staff=20, want=0, layoff_speed=1.0)
    labour.run(state)  # hazard = 0 + 1.0 x 20 / 20: all leave, and nobody is hiring
    assert state.staff[office] == 0
    assert (state.workers.employer == -1).all()
    assert (state.workers.wage == 0).all()


def test_an_office_at_its_desire_keeps_its_staff(town) -> None:
    state, office = staffed_office(town, staff=20, want=20, layoff_speed=1.0)
    labour.run(state)
    assert state.staff[office] == 20


def wage_month(town, elasticity: float, bound: float):
    """40 seekers without a degree in Beijing, 11 other jobs posted; Chengdu has nobody."""
    state, _ = job_market(
        town, {"none": 40}, want_other=40,
        wage_tightness_elasticity=elasticity, wage_max_change_per_month=bound,
    )  # fmt: skip
    labour.run(state)
    return state.wage_index


def test_wage_indices_move_with_tightness(town) -> None:
    index = wage_month(town, elasticity=0.02, bound=0.05)
    # Beijing's other jobs: T = (11 + 1) / (40 + 1) < T* = 0.6, a slack market: the index
    # falls to (T / T*)^0.02. Chengdu's: T = (0 + 1) / (0 + 1) = 1 > 0.6: it rises.
    assert index[BEIJING, OTHER] == pytest.approx((12 / 41 / 0.6) ** 0.02, rel=1e-12)
    assert index[BEIJING, OTHER] < 1.0
    assert index[CHENGDU, OTHER] == pytest.approx((1 / 0.6) ** 0.02, rel=1e-12)
    np.testing.assert_array_equal(index[OUTSIDE], [1.0, 1.0])  # the rest of China's: fixed


def test_wage_indices_move_at_most_the_bound_a_month(town) -> None:
    index = wage_month(town, elasticity=1.0, bound=0.01)
    assert index[BEIJING, OTHER] == pytest.approx(math.exp(-0.01), rel=1e-12)
    assert index[CHENGDU, OTHER] == pytest.approx(math.exp(0.01), rel=1e-12)
