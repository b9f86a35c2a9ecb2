"""Office seats: built from the record or to demand (phase 1), a cap on tradable talent postings
(phase 3), and vacancy as an outcome (phase 7), on a hand-built town.

A tradable talent job fills `office_grade_a_share` of a grade-A seat. Seats only cap: firms
post the talent jobs they want, so seats nobody wants stay empty, and graduates are not pushed
into jobs below their degree when seats are added.

The town here: Chengdu, one internet office that wants 40 talent jobs and 40 other jobs; 100
unemployed bachelors and 40 people without a degree; every match is made (mu is large), nobody
leaves a job; a talent job fills a quarter of a seat.
"""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine.phases import labour, policies, record
from hubsim.engine.rules import offices
from hubsim.engine.rules.offices import STOCK_YEAR_ENDS

BEIJING, CHENGDU, OUTSIDE = 0, 1, 2
SHARE = 0.25  # of a seat, per tradable talent job
MONTHS = 12


def run_town(town, seats: float, seats_fill_themselves: bool = False):
    """Twelve months of the labour phase with `seats` grade-A seats (people) in Chengdu; then
    the record. With `seats_fill_themselves` (the negative control, a broken model), firms
    want whatever talent jobs the free seats allow, on top of their own want."""
    t = town(
        behaviour={
            "labour": {"separation_rate_per_month": 0.0, "matching_efficiency_per_month": 10.0},
            "firms": {"office_grade_a_share": SHARE},
        }
    )
    office = t.office(CHENGDU, sector="internet")
    t.residents(CHENGDU, 100, degree="bachelor")
    t.residents(CHENGDU, 40, degree="none")
    state = t.build()
    state.office_seats[CHENGDU] = seats
    for _ in range(MONTHS):
        t.start_month()
        state.desired_talent[office] = 40.0
        if seats_fill_themselves:
            room = offices.postings_allowed(
                state.office_seats / state.scale, labour.seated_talent(state), SHARE
            )
            state.desired_talent[office] += room[CHENGDU]
        state.desired[office] = state.desired_talent[office] + 40.0
        labour.run(state)
        filled = offices.filled_seats(labour.seated_talent(state) * state.scale, SHARE)
        state.office_leased = offices.next_leased(
            state.office_leased, state.office_seats, filled, absorption_per_month=1.0
        )  # space let at once: these tests are about the seats, not leasing time
    record.run(state)
    return state


def graduates_in_graduate_jobs(state) -> float:
    """Share of the bachelors employed in talent jobs."""
    w = state.workers
    graduate = w.degree >= 2
    return float((graduate & w.talent_job).sum() / graduate.sum())


def test_seats_nobody_wants_stay_empty(town) -> None:
    # 40 seats: 160 jobs' worth; the office wants 40 talent jobs, which fill 10 seats.
    state = run_town(town, seats=40 * 1000.0)
    assert state.staff_talent.sum() == 40  # what the firm wants, not what the seats allow
    assert state.metrics["office_vacancy"][CHENGDU] == pytest.approx(0.75)
    assert state.metrics["office_seats_vacant"][CHENGDU] == pytest.approx(30 * 1000.0)


def test_negative_control_seats_that_fill_themselves_leave_no_vacancy(town) -> None:
    # The broken rule hires every graduate it can seat: 100 jobs fill 25 of the 40 seats.
    state = run_town(town, seats=40 * 1000.0, seats_fill_themselves=True)
    assert state.metrics["office_vacancy"][CHENGDU] < 0.75 - 0.3


def test_added_seats_do_not_push_graduates_below_their_degree(town) -> None:
    # Scarce: 2.5 seats allow 10 talent jobs, so 90 bachelors look for other jobs (the
    # binding case). Plenty: 40 seats; the extra seats take no one without a degree, and the
    # share of graduates in graduate jobs rises (from 0.1 to 0.4), never falls.
    scarce, plenty = run_town(town, seats=2.5 * 1000.0), run_town(town, seats=40 * 1000.0)
    assert graduates_in_graduate_jobs(scarce) == pytest.approx(0.1)
    assert graduates_in_graduate_jobs(plenty) == pytest.approx(0.4)
    for state in (scarce, plenty):
        w = state.workers
        assert not np.any(w.talent_job & (w.degree < 2))  # talent jobs hold graduates only
        seats = state.office_seats[CHENGDU]
        assert SHARE * state.staff_talent.sum() * state.scale <= seats  # filled <= seats


def test_seats_follow_the_recorded_stock_and_never_fall(town) -> None:
    # Chengdu records 12,000 m2 at the end of 2009 and 24,000 at the end of 2010: at 12 m2 a
    # seat, 1,000 seats rising to 2,000 through 2010 (1,500 at the end of June).
    t = town(start="2010-01", behaviour={"firms": {"office_m2_per_seat": 12.0}})
    stock = t.state.cities.office_stock_m2
    stock[CHENGDU] = 24_000.0
    stock[CHENGDU, STOCK_YEAR_ENDS == 2009] = 12_000.0
    state = t.build()
    state.office_seats[:2] = [5_000.0, 500.0]
    seats = []
    for _ in range(6):
        t.start_month()
        policies.build_capacity(state)
        seats.append(state.office_seats[CHENGDU])
    assert seats[0] == pytest.approx(1000.0 + 1000.0 / 12)
    assert seats[-1] == pytest.approx(1500.0)
    # Where the record lies below the seats already standing, the seats stay.
    state.office_seats[CHENGDU] = 9_000.0
    t.start_month()
    policies.build_capacity(state)
    assert state.office_seats[CHENGDU] == 9_000.0


def test_without_a_record_developers_build_to_demand(town) -> None:
    # Beijing has no record: its 100 tradable graduates (x 1,000 people) at a share of 0.5
    # fill 50,000 seats; developers keep 8 % free: 54,348 seats, more than the 5,000 standing.
    firms = {"office_grade_a_share": 0.5, "office_natural_vacancy": 0.08}
    t = town(behaviour={"firms": firms | {"office_upgrading_per_year": 0.0}})
    office = t.office(BEIJING, sector="internet")
    t.residents(BEIJING, 100, degree="bachelor", employer=office)
    state = t.build()
    state.office_seats[BEIJING] = 5_000.0
    state.office_leased[BEIJING] = 4_600.0  # a tight market: 8 % empty
    t.start_month()
    policies.build_capacity(state)
    assert state.office_seats[BEIJING] == pytest.approx(50_000.0 / 0.92)
    # Demand falls: the seats stay, now with more than 8 % empty; the plan grows them 1 % a
    # month (Beijing's in the town).
    state.office_seats[BEIJING] = 200_000.0
    t.start_month()
    policies.build_capacity(state)
    assert state.office_seats[BEIJING] == pytest.approx(202_000.0)
