"""Unit tests of the incentive rules in hubsim.policy, on hand-made arrays and programmes."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim import policy
from hubsim.cities import NODES
from hubsim.scenario import Programme

CITY = {key: i for i, key in enumerate(NODES)}


def make_book(*programmes: dict, start: str = "2010-01") -> policy.ProgrammeBook:
    return policy.ProgrammeBook.from_programmes([Programme(**p) for p in programmes], NODES, start)


# ----------------------------------------------------------------------------- eligibility


def test_eligible_each_condition():
    degree = np.array([0, 1, 2, 3, 1, 1])
    age = np.array([25, 25, 25, 25, 41, 25])
    since = np.array([0, 6, 6, 6, 6, 40])
    got = policy.eligible(degree, age, since, min_degree=1, max_age=40, graduated_within_months=36)
    np.testing.assert_array_equal(got, [False, True, True, True, False, False])
    # Boundaries are inclusive.
    assert policy.eligible(np.array([1]), np.array([40]), np.array([36]), 1, 40, 36)[0]
    # No graduation limit (inf) admits never-graduated workers if the degree allows.
    never = np.array([policy.NO_GRADUATION])
    assert policy.eligible(np.array([0]), np.array([30]), 1404 - never, 0, 99, np.inf)[0]
    assert not policy.eligible(np.array([0]), np.array([30]), 1404 - never, 0, 99, 12)[0]


# ----------------------------------------------------------------------------- budgets


def test_pay_in_order_exhausts_budget_and_refuses_the_rest():
    requests = np.array([10_000.0, 10_000.0, 15_000.0, 10_000.0, 5_000.0])
    paid = policy.pay_in_order(requests, 30_000.0)
    np.testing.assert_array_equal(paid, [10_000.0, 10_000.0, 0.0, 0.0, 0.0])
    assert paid.sum() <= 30_000.0
    # Exactly enough: everyone is paid.
    np.testing.assert_array_equal(policy.pay_in_order(requests, requests.sum()), requests)
    # Unlimited budget: everyone is paid; the input is not modified.
    out = policy.pay_in_order(requests, np.inf)
    np.testing.assert_array_equal(out, requests)
    out[0] = -1
    assert requests[0] == 10_000.0
    # Nothing left: nobody is paid.
    assert np.all(policy.pay_in_order(requests, 0.0) == 0.0)
    # Order matters: the first come are served.
    np.testing.assert_array_equal(
        policy.pay_in_order(np.array([5_000.0, 30_000.0]), 30_000.0), [5_000.0, 0.0]
    )


def test_pay_pro_rata():
    due = np.array([600.0, 800.0, 2000.0, 600.0])  # total 4000
    np.testing.assert_array_equal(policy.pay_pro_rata(due, 5000.0), due)
    np.testing.assert_array_equal(policy.pay_pro_rata(due, 4000.0), due)
    half = policy.pay_pro_rata(due, 2000.0)
    np.testing.assert_allclose(half, due / 2)
    assert half.sum() == pytest.approx(2000.0)
    np.testing.assert_array_equal(policy.pay_pro_rata(due, 0.0), 0.0)
    np.testing.assert_array_equal(policy.pay_pro_rata(due, -10.0), 0.0)  # never negative
    np.testing.assert_array_equal(policy.pay_pro_rata(np.zeros(3), 0.0), 0.0)
    np.testing.assert_array_equal(policy.pay_pro_rata(due, np.inf), due)


def test_cap_pressure():
    cap = np.full(5, 1000.0)
    population = np.array([0.0, 850.0, 900.0, 950.0, 1000.0])
    np.testing.assert_allclose(policy.cap_pressure(population, cap), [0.0, 0.0, 0.0, 0.5, 1.0])
    assert policy.cap_pressure(np.array([1100.0]), np.array([1000.0]))[0] == pytest.approx(2.0)


def test_received_bits():
    received = np.zeros(4, dtype=np.int64)
    received[[1, 3]] = policy.mark_received(received[[1, 3]], 5)
    received[3] = policy.mark_received(received[3:4], 62)[0]
    np.testing.assert_array_equal(policy.already_received(received, 5), [False, True, False, True])
    np.testing.assert_array_equal(
        policy.already_received(received, 62), [False, False, False, True]
    )
    assert not policy.already_received(received, 4).any()
    assert not policy.already_received(received, 0).any()
    # Programmes from 63 on are not tracked: never marked, never "received".
    np.testing.assert_array_equal(policy.mark_received(received, 63), received)
    assert not policy.already_received(received | np.int64(-1), 63).any()
    # Marking twice is idempotent.
    once = policy.mark_received(received, 5)
    np.testing.assert_array_equal(policy.mark_received(once, 5), once)


# ----------------------------------------------------------------------------- book


def test_programme_book_from_programmes():
    book = make_book(
        {
            "city": "nanjing",
            "start": "2011-03",
            "instrument": "rent",
            "months": 36,
            "amount": 600,
            "amount_by_degree": {"master": 800, "phd": 2000},
            "eligibility": {"min_degree": "bachelor", "graduated_within_years": 3},
            "budget_yuan_per_year": 1e6,
        },
        {"city": "chengdu", "start": "2009-07", "end": "2010-06", "instrument": "hukou"},
    )
    assert len(book) == 2
    np.testing.assert_array_equal(book.city, [CITY["nanjing"], CITY["chengdu"]])
    np.testing.assert_array_equal(book.start, [14, -6])
    np.testing.assert_array_equal(book.end, [10**6, 5])
    np.testing.assert_array_equal(book.amount_by_degree[0], [600, 600, 800, 2000])
    np.testing.assert_array_equal(book.graduated_within_months, [36.0, np.inf])
    np.testing.assert_array_equal(book.budget_per_year, [1e6, np.inf])
    np.testing.assert_array_equal(book.remaining, book.budget_per_year)
    assert not book.active.any()  # switched on by the model's events, not at construction
    assert book.instrument[0] == policy.INSTRUMENTS.index("rent")


def test_paying_charge_and_reset():
    book = make_book(
        {
            "city": "shenzhen",
            "start": "2010-01",
            "instrument": "cash",
            "amount": 15000,
            "budget_yuan_per_year": 100_000,
        },
        {"city": "hangzhou", "start": "2010-01", "instrument": "cash", "amount": 10000},
        {"city": "wuhan", "start": "2010-01", "instrument": "rent", "amount": 600},
    )
    assert len(book.of("cash")) == 0  # nothing active yet
    book.active[:] = True
    np.testing.assert_array_equal(book.of("cash"), [0, 1])
    np.testing.assert_array_equal(book.paying("cash"), [0, 1])
    book.charge(0, 90_000.0, 120_000.0)
    assert book.remaining[0] == 10_000.0
    assert book.spent_yuan[0] == 90_000.0
    assert book.refused_yuan[0] == 30_000.0
    book.charge(0, 10_000.0, 10_000.0)
    np.testing.assert_array_equal(book.paying("cash"), [1])  # budget spent: stops paying
    np.testing.assert_array_equal(book.of("cash"), [0, 1])  # ... but is still in force
    book.reset_budgets()
    assert book.remaining[0] == 100_000.0 and np.isinf(book.remaining[1])
    assert book.spent_yuan[0] == 100_000.0  # spending history is kept
    np.testing.assert_array_equal(book.paying("cash"), [0, 1])
    np.testing.assert_allclose(
        book.per_city(np.array([1.0, 2.0, 3.0]), len(NODES))[
            [CITY["shenzhen"], CITY["hangzhou"], CITY["wuhan"]]
        ],
        [1.0, 2.0, 3.0],
    )


# ----------------------------------------------------------------------------- hukou


def test_hukou_open_base_rules_and_programme():
    n = len(NODES)
    base_min_degree = np.full(n, 99)  # closed everywhere
    base_min_degree[CITY["guiyang"]] = 0  # open to everyone
    base_max_age = np.full(n, 99.0)
    book = make_book(
        {
            "city": "chengdu",
            "start": "2010-01",
            "instrument": "hukou",
            "eligibility": {"min_degree": "bachelor", "max_age": 40},
        },
        {
            "city": "wuhan",
            "start": "2010-01",
            "instrument": "hukou",
            "eligibility": {"min_degree": "master", "graduated_within_years": 3},
        },
    )
    degree = np.array([0, 1, 1, 2, 2])
    age = np.array([25, 30, 45, 30, 30])
    since = np.array([10**6, 12, 12, 12, 48])
    closed = policy.hukou_open(book, base_min_degree, base_max_age, degree, age, since)
    assert closed.shape == (5, n)
    # Programmes not active: only the base rule (Guiyang) is open.
    assert np.all(closed[:, CITY["guiyang"]])
    assert not np.delete(closed, CITY["guiyang"], axis=1).any()
    book.active[:] = True
    opened = policy.hukou_open(book, base_min_degree, base_max_age, degree, age, since)
    np.testing.assert_array_equal(opened[:, CITY["chengdu"]], [False, True, False, True, True])
    np.testing.assert_array_equal(opened[:, CITY["wuhan"]], [False, False, False, True, False])
    others = np.delete(opened, [CITY["guiyang"], CITY["chengdu"], CITY["wuhan"]], axis=1)
    assert not others.any()
    # The base age limit binds as well.
    base_max_age[CITY["guiyang"]] = 28
    aged = policy.hukou_open(book, base_min_degree, base_max_age, degree, age, since)
    np.testing.assert_array_equal(aged[:, CITY["guiyang"]], [True, False, False, False, False])


# ----------------------------------------------------------------------------- subsidies


def test_subsidy_value_yuan_cash_plus_rent_stream():
    n = len(NODES)
    book = make_book(
        {
            "city": "shenzhen",
            "start": "2010-01",
            "instrument": "cash",
            "amount": 15000,
            "amount_by_degree": {"master": 25000, "phd": 30000},
            "eligibility": {"min_degree": "bachelor", "graduated_within_years": 1},
        },
        {
            "city": "nanjing",
            "start": "2010-01",
            "instrument": "rent",
            "months": 36,
            "amount": 600,
            "amount_by_degree": {"master": 800, "phd": 2000},
            "eligibility": {"min_degree": "bachelor", "graduated_within_years": 3},
        },
        {
            "city": "nanjing",
            "start": "2010-01",
            "instrument": "cash",
            "amount": 1000,
            "eligibility": {"min_degree": "phd"},
        },
    )
    book.active[:] = True
    degree = np.array([0, 1, 2, 3, 3, 1])
    age = np.array([30, 23, 26, 30, 30, 23])
    since = np.array([10**6, 6, 6, 6, 30, 6])
    received = np.zeros(6, dtype=np.int64)
    received[5] = policy.mark_received(received[5:6], 0)[0]  # already got Shenzhen's cash
    value = policy.subsidy_value_yuan(book, np.arange(3), degree, age, since, received, n)
    assert value.shape == (6, n)
    np.testing.assert_array_equal(value[:, CITY["shenzhen"]], [0, 15000, 25000, 30000, 0, 0])
    # Rent is monthly x months; PhD row 3 also gets Nanjing's PhD cash (values add up).
    np.testing.assert_array_equal(
        value[:, CITY["nanjing"]],
        [0, 600 * 36, 800 * 36, 2000 * 36 + 1000, 2000 * 36 + 1000, 600 * 36],
    )
    others = np.delete(value, [CITY["shenzhen"], CITY["nanjing"]], axis=1)
    assert np.all(others == 0)
    # Only the programmes passed count (e.g. the paying ones).
    only_rent = policy.subsidy_value_yuan(book, np.array([1]), degree, age, since, received, n)
    assert only_rent[:, CITY["shenzhen"]].sum() == 0
    np.testing.assert_array_equal(
        only_rent[:, CITY["nanjing"]], [0, 21600, 28800, 72000, 72000, 21600]
    )


def test_housing_discount_takes_largest_eligible_share():
    n = len(NODES)
    book = make_book(
        {
            "city": "wuhan",
            "start": "2010-01",
            "instrument": "housing_discount",
            "amount": 0.2,
            "eligibility": {"min_degree": "bachelor"},
        },
        {
            "city": "wuhan",
            "start": "2010-01",
            "instrument": "housing_discount",
            "amount": 0.3,
            "eligibility": {"min_degree": "master"},
        },
    )
    degree, age, since = np.array([0, 1, 2]), np.array([30, 30, 30]), np.array([5, 5, 5])
    assert np.all(policy.housing_discount(book, degree, age, since, n) == 0)  # not active
    book.active[:] = True
    got = policy.housing_discount(book, degree, age, since, n)
    np.testing.assert_allclose(got[:, CITY["wuhan"]], [0.0, 0.2, 0.3])
    assert np.all(np.delete(got, CITY["wuhan"], axis=1) == 0)
