"""Programme rules (engine.rules.programmes) on hand-made arrays."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine import tables
from hubsim.engine.rules import programmes as programme_rules


def test_eligible_each_condition():
    degree = np.array([0, 1, 2, 3, 1, 1])
    age = np.array([25, 25, 25, 25, 41, 25])
    since = np.array([0, 6, 6, 6, 6, 40])
    got = programme_rules.eligible(
        degree, age, since, min_degree=1, max_age=40, graduated_within_months=36
    )
    np.testing.assert_array_equal(got, [False, True, True, True, False, False])
    # Boundaries are inclusive.
    assert programme_rules.eligible(np.array([1]), np.array([40]), np.array([36]), 1, 40, 36)[0]
    # No graduation limit (inf) admits never-graduated workers if the degree allows.
    never = np.array([tables.NO_GRADUATION])
    assert programme_rules.eligible(np.array([0]), np.array([30]), 1404 - never, 0, 99, np.inf)[0]
    assert not programme_rules.eligible(np.array([0]), np.array([30]), 1404 - never, 0, 99, 12)[0]


def test_pay_in_order_exhausts_budget_and_refuses_the_rest():
    requests = np.array([10_000.0, 10_000.0, 15_000.0, 10_000.0, 5_000.0])
    paid = programme_rules.pay_in_order(requests, 30_000.0)
    np.testing.assert_array_equal(paid, [10_000.0, 10_000.0, 0.0, 0.0, 0.0])
    assert paid.sum() <= 30_000.0
    # Exactly enough: everyone is paid.
    np.testing.assert_array_equal(programme_rules.pay_in_order(requests, requests.sum()), requests)
    # Unlimited budget: everyone is paid; the input is not modified.
    out = programme_rules.pay_in_order(requests, np.inf)
    np.testing.assert_array_equal(out, requests)
    out[0] = -1
    assert requests[0] == 10_000.0
    # Nothing left: nobody is paid.
    assert np.all(programme_rules.pay_in_order(requests, 0.0) == 0.0)
    # Order matters: the first come are served.
    np.testing.assert_array_equal(
        programme_rules.pay_in_order(np.array([5_000.0, 30_000.0]), 30_000.0), [5_000.0, 0.0]
    )


def test_pay_pro_rata():
    due = np.array([600.0, 800.0, 2000.0, 600.0])  # total 4000
    np.testing.assert_array_equal(programme_rules.pay_pro_rata(due, 5000.0), due)
    np.testing.assert_array_equal(programme_rules.pay_pro_rata(due, 4000.0), due)
    half = programme_rules.pay_pro_rata(due, 2000.0)
    np.testing.assert_allclose(half, due / 2)
    assert half.sum() == pytest.approx(2000.0)
    np.testing.assert_array_equal(programme_rules.pay_pro_rata(due, 0.0), 0.0)
    np.testing.assert_array_equal(programme_rules.pay_pro_rata(due, -10.0), 0.0)  # never negative
    np.testing.assert_array_equal(programme_rules.pay_pro_rata(np.zeros(3), 0.0), 0.0)
    np.testing.assert_array_equal(programme_rules.pay_pro_rata(due, np.inf), due)


def test_cap_cost_is_zero_below_its_start_the_strength_at_the_cap_and_bounded():
    cap = np.full(7, 1000.0)
    population = np.array([0.0, 800.0, 900.0, 1000.0, 1200.0, 1400.0, 1e6])
    cost = programme_rules.cap_cost(population, cap, 2.0, 0.8)
    # x = (share - 0.8) / 0.2; cost = 2 x 2 x^2 / (1 + x^2): 0, 0, 2 x 2 x 0.25 / 1.25 = 0.8,
    # the strength 2 at the cap, 2 x 2 x 4 / 5 = 3.2 at 1.2, 2 x 2 x 9 / 10 = 3.6 at 1.4.
    np.testing.assert_allclose(cost[:6], [0.0, 0.0, 0.8, 2.0, 3.2, 3.6])
    assert 3.6 < cost[6] < 4.0  # never above twice the strength, however far over
    assert np.all(np.diff(cost[1:]) > 0)  # rising from its start on
    # Smooth at its start: a step of 1 resident above it costs next to nothing.
    assert programme_rules.cap_cost(np.array([801.0]), np.array([1000.0]), 2.0, 0.8)[0] < 1e-4
    # A zero strength switches caps off.
    np.testing.assert_array_equal(programme_rules.cap_cost(population, cap, 0.0, 0.8), 0.0)


def test_admitted_share_and_over_cap_removals():
    shares = programme_rules.admitted_share(np.array([0.0, 1.0, np.inf]), 1.0)
    np.testing.assert_allclose(shares, [1.0, np.exp(-1.0), 0.0])
    # 1.2 % a month of residents, but never below the cap.
    removed = programme_rules.over_cap_removals(
        np.array([900.0, 1010.0, 1500.0]), np.array([1000.0, 1000.0, 1000.0]), 0.144
    )
    np.testing.assert_allclose(removed, [0.0, 10.0, 18.0])


def test_received_bits():
    received = np.zeros(4, dtype=np.int64)
    received[[1, 3]] = programme_rules.mark_received(received[[1, 3]], 5)
    received[3] = programme_rules.mark_received(received[3:4], 62)[0]
    np.testing.assert_array_equal(
        programme_rules.already_received(received, 5), [False, True, False, True]
    )
    np.testing.assert_array_equal(
        programme_rules.already_received(received, 62), [False, False, False, True]
    )
    assert not programme_rules.already_received(received, 4).any()
    assert not programme_rules.already_received(received, 0).any()
    # Programmes from 63 on are not tracked: never marked, never "received".
    np.testing.assert_array_equal(programme_rules.mark_received(received, 63), received)
    assert not programme_rules.already_received(received | np.int64(-1), 63).any()
    # Marking twice is idempotent.
    once = programme_rules.mark_received(received, 5)
    np.testing.assert_array_equal(programme_rules.mark_received(once, 5), once)
