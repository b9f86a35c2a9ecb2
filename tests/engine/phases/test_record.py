"""The record phase (engine.phases.record) on a hand-built town, one month.

It takes stock of the month in people, yuan and shares, never in agents: a resident agent
stands for scale / working-age share people of the population (agents are the working-age
residents), and for `scale` working-age people in every other count; wages and rents are
nominal (times the national wage level). Flows of the month are added to the year's; the
sector metrics count jobs and offices per city and sector, and the branches per
(headquarters city, branch city); July's graduates are counted where they went.

The town: one agent stands for 1,000 people, the working-age share is 0.7, and the national
wage level stands at 1.1 times the start's.
"""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine.phases import record
from hubsim.scenario import SECTORS

BEIJING, CHENGDU, OUTSIDE = 0, 1, 2
SCALE = 1000.0


def recorded_town(town):
    """Beijing: an internet office with 6 employed bachelors and a branch in Chengdu with 2;
    4 unemployed. Chengdu: nobody else. The rest of China: 100 agents."""
    t = town(scale=SCALE)
    hq = t.office(BEIJING, sector="internet")
    branch = t.branch(hq, CHENGDU)
    t.residents(BEIJING, 6, employer=hq)
    t.residents(CHENGDU, 2, employer=branch)
    t.residents(BEIJING, 4, degree="none")
    t.state.outside_agents[:] = 20.0
    state = t.build()
    state.wage_level[:] = 1.1
    t.start_month()
    return t, state


def test_counts_are_recorded_in_people(town) -> None:
    _, state = recorded_town(town)
    record.run(state)
    m = state.metrics
    assert m["population"][:2] == pytest.approx([10 * SCALE / 0.7, 2 * SCALE / 0.7])
    assert m["talent"][:2].tolist() == [6 * SCALE, 2 * SCALE]
    assert m["employed"][:2].tolist() == [6 * SCALE, 2 * SCALE]
    assert m["unemployed"][:2].tolist() == [4 * SCALE, 0.0]
    assert m["population"][OUTSIDE] == pytest.approx(100 * SCALE / 0.7)
    # The rest of China's employed are its people at the fixed employment rate (0.95).
    assert m["employed"][OUTSIDE] == pytest.approx(0.95 * 100 * SCALE)


def test_wages_and_rents_are_recorded_nominal(town) -> None:
    _, state = recorded_town(town)
    record.run(state)
    m = state.metrics
    # Beijing's employed are bachelors at 60,000 x 1.3 a year at start prices.
    assert m["wage_mean"][BEIJING] == pytest.approx(60_000 * 1.3 * 1.1, rel=1e-6)
    assert m["rent"].tolist() == pytest.approx([60 * 1.1, 30 * 1.1, 12.5 * 1.1])


def test_the_months_flows_are_recorded_and_added_to_the_years(town) -> None:
    t, state = recorded_town(town)
    state.tallies.flows[BEIJING, CHENGDU, 2] = 3.0  # three bachelors moved this month
    record.run(state)
    m = state.metrics
    assert m["outflow"].tolist() == [3 * SCALE, 0.0, 0.0]
    assert m["inflow"].tolist() == [0.0, 3 * SCALE, 0.0]
    assert m["net_migration"].tolist() == [-3 * SCALE, 3 * SCALE, 0.0]
    t.start_month()
    state.tallies.flows[BEIJING, CHENGDU, 2] = 1.0
    record.run(state)
    assert state.flows_by_year[0, BEIJING, CHENGDU, 2] == 4.0
    assert state.metrics["inflow"][CHENGDU] == 1 * SCALE  # the month's only


def test_jobs_offices_and_branches_are_recorded_by_city_and_sector(town) -> None:
    _, state = recorded_town(town)
    record.run(state)
    internet = SECTORS.index("internet")
    s = state.sector_metrics
    assert s["jobs"][:, internet].tolist() == [6 * SCALE, 2 * SCALE, 0.0]
    assert s["offices"][:, internet].tolist() == [1, 1, 0]
    assert s["branch_offices"][:, internet].tolist() == [0, 1, 0]
    expected = np.zeros((3, 3))
    expected[BEIJING, CHENGDU] = 1  # a Beijing firm's branch in Chengdu
    np.testing.assert_array_equal(state.branches, expected)
    assert state.metrics["offices"].tolist() == [1, 1, 0]
    assert state.metrics["firms"].tolist() == [1, 0, 0]


def test_office_occupancy_is_the_leased_seats_over_seats(town) -> None:
    # Beijing has let 3 of its 6 seats, Chengdu its 1 seat (leased seats follow the grade-A
    # share of tradable talent jobs in phase 1, `rules.offices.next_leased`).
    _, state = recorded_town(town)
    state.office_seats[:2] = [6 * SCALE, 1 * SCALE]
    state.office_leased[:2] = [3 * SCALE, 1 * SCALE]
    record.run(state)
    m = state.metrics
    assert m["office_occupancy"][:2].tolist() == pytest.approx([0.5, 1.0])
    assert m["office_vacancy"][:2].tolist() == pytest.approx([0.5, 0.0])
    assert m["office_seats_vacant"][:2].tolist() == [3 * SCALE, 0.0]
    assert np.isnan(m["office_occupancy"][OUTSIDE])  # its seats are unlimited
    assert np.isnan(m["office_vacancy"][OUTSIDE])


def test_julys_graduates_are_counted_where_they_went(town) -> None:
    _, state = recorded_town(town)
    state.cohort_rows = np.arange(8)  # say the employed bachelors were this July's
    state.workers.city[:2] = -1  # and two left for the rest of China
    record.run(state)
    went = state.pool.went[0, :, 2]  # bachelors
    assert went.tolist() == [4, 2, 2]
    assert state.cohort_rows is None  # counted once


def test_last_julys_college_and_bachelor_graduates_are_counted_six_months_on(town) -> None:
    t = town(scale=SCALE)
    t.residents(CHENGDU, 3, degree="bachelor", age=23, graduated_months_ago=6)
    t.residents(CHENGDU, 2, degree="college", age=21, graduated_months_ago=6)
    t.residents(BEIJING, 4, degree="master", age=25, graduated_months_ago=6)  # not MyCOS's
    t.residents(BEIJING, 5, degree="bachelor", age=24, graduated_months_ago=18)  # a year before
    state = t.build()
    t.start_month()
    record.run(state)
    assert state.metrics["cohort_6m"].tolist() == [0.0, 5 * SCALE, 0.0]
    # a month later the same graduates are seven months out: no longer counted
    t.start_month()
    record.run(state)
    assert state.metrics["cohort_6m"].tolist() == [0.0, 0.0, 0.0]
