"""The policies phase (engine.phases.policies) on a hand-built town.

Programmes switch on at their start month and off after their end month (dated events that
run before the month's step); each January every budget is renewed. Each month the phase
pays the rent subsidies due while budgets last (pro rata once a budget cannot pay them all,
the rest booked as refused), pays firm grants on the wage bill of the offices they cover,
and builds office seats: the city's plan plus what office-capacity programmes pay for.

One agent stands for 1,000 people here, so a worker's 1,000 yuan a month costs 1 m yuan.
"""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine.phases import policies

BEIJING, CHENGDU, OUTSIDE = 0, 1, 2
SCALE = 1000.0


def programme(instrument: str, start: str = "2010-01", **settings) -> dict:
    return {"city": "chengdu", "start": start, "instrument": instrument, **settings}


def test_a_programme_is_in_force_from_its_start_month_to_its_end_month(town) -> None:
    cash = programme("cash", start="2010-03", end="2010-05", amount=10_000)
    state = town(programmes=[cash]).build()
    in_force = []
    for month in range(8):  # Jan-Aug 2010
        policies.switch_programmes(state, month)
        in_force.append(len(state.book.of("cash")) == 1)
    assert in_force == [False, False, True, True, True, False, False, False]


def rent_takers(town, count: int, budget: float, **settings):
    """`count` newcomers in Chengdu each due a 1,000-yuan rent subsidy for 12 months."""
    rent = programme("rent", amount=1000, months=12, budget_yuan_per_year=budget, **settings)
    t = town(scale=SCALE, programmes=[rent])
    rows = t.residents(CHENGDU, count)
    state = t.build()
    state.workers.rent_subsidy[rows] = 1000.0
    state.workers.rent_subsidy_left[rows] = 12
    state.workers.rent_subsidy_programme[rows] = 0
    policies.switch_programmes(state, 0)
    return t, state, rows


def test_rent_subsidies_are_paid_in_full_while_the_budget_lasts(town) -> None:
    t, state, rows = rent_takers(town, count=4, budget=10e6)
    t.start_month()
    policies.run(state)
    # 4 workers x 1,000 yuan x 1,000 people each: 4 m yuan, charged to Chengdu.
    assert state.book.spent_yuan[0] == pytest.approx(4e6)
    assert state.book.remaining[0] == pytest.approx(6e6)
    assert state.tallies.spent_yuan.tolist() == pytest.approx([0.0, 4e6, 0.0])
    assert state.book.refused_yuan[0] == 0.0
    np.testing.assert_array_equal(state.workers.rent_subsidy_left[rows], 11)


def test_a_spent_budget_pays_pro_rata_then_nothing_and_books_the_refusals(town) -> None:
    t, state, _ = rent_takers(town, count=4, budget=6e6)
    paid, refused = [], []
    for _ in range(3):  # Jan, Feb, Mar: 4 m yuan due each month
        t.start_month()
        policies.run(state)
        paid.append(state.tallies.spent_yuan[CHENGDU])
        refused.append(state.book.refused_yuan[0])
    # January in full; February the 2 m left (half of each payment); March nothing.
    assert paid == pytest.approx([4e6, 2e6, 0.0])
    assert refused == pytest.approx([0.0, 2e6, 6e6])  # cumulative: 2 m, then 4 m more
    assert state.book.remaining[0] == pytest.approx(0.0)


def test_january_renews_every_budget(town) -> None:
    t, state, _ = rent_takers(town, count=4, budget=6e6, start="2010-01")
    for _ in range(2):
        t.start_month()
        policies.run(state)
    assert state.book.remaining[0] == pytest.approx(0.0)
    policies.new_year(state)  # the dated event of each January
    assert state.book.remaining[0] == pytest.approx(6e6)
    t.start_month()
    policies.run(state)
    assert state.tallies.spent_yuan[CHENGDU] == pytest.approx(4e6)  # paying in full again


def test_a_switched_off_programme_pays_no_rent(town) -> None:
    t, state, rows = rent_takers(town, count=4, budget=10e6)
    policies.switch_programmes(state, -1)  # the month before its start: not in force
    t.start_month()
    policies.run(state)
    assert state.tallies.spent_yuan[CHENGDU] == 0.0
    assert state.book.spent_yuan[0] == 0.0
    np.testing.assert_array_equal(state.workers.rent_subsidy_left[rows], 11)


def granted_town(town, *grants: dict):
    """One tradable office in Chengdu with 10 employed, and the grants given in force."""
    t = town(scale=SCALE, programmes=list(grants))
    office = t.office(CHENGDU, sector="internet")
    t.residents(CHENGDU, 10, employer=office)
    state = t.build()
    policies.switch_programmes(state, 0)
    t.start_month()
    return state


def test_a_firm_grant_pays_its_share_of_the_wage_bill_it_covers(town) -> None:
    state = granted_town(town, programme("firm_grant", amount=0.2))
    policies.run(state)
    # 10 bachelors at 40,000 x 1.3 a year each, a twelfth of it this month, 1,000 people each.
    bill = 10 * 40_000 * 1.3 / 12 * SCALE
    assert state.tallies.spent_yuan[CHENGDU] == pytest.approx(0.2 * bill)
    assert state.grant_share.tolist() == pytest.approx([0.0, 0.2, 0.0])


def test_stacked_firm_grants_never_pay_more_than_nine_tenths_of_the_wage_cost(town) -> None:
    state = granted_town(
        town, programme("firm_grant", amount=0.6), programme("firm_grant", amount=0.5)
    )
    policies.run(state)
    assert state.grant_share[CHENGDU] == pytest.approx(policies.MAX_GRANT_SHARE)


def test_office_seats_grow_on_plan_and_with_what_a_programme_pays_for(town) -> None:
    build = programme("office_capacity", amount=12_000, months=12)
    t = town(scale=SCALE, programmes=[build])
    state = t.build()
    state.office_seats[:2] = [100_000.0, 50_000.0]
    policies.switch_programmes(state, 0)
    t.start_month()
    policies.run(state)
    # Beijing's plan adds 1 % a month; Chengdu's plan nothing, its programme 12,000 / 12.
    assert state.office_seats[BEIJING] == pytest.approx(101_000.0)
    assert state.office_seats[CHENGDU] == pytest.approx(51_000.0)
    assert state.seats_built.tolist() == pytest.approx([0.0, 1000.0, 0.0])
    cost = state.behaviour.firms.office_seat_cost_yuan
    assert state.tallies.spent_yuan[CHENGDU] == pytest.approx(1000 * cost)
