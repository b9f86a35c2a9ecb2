"""Unit tests of the pure market rules in hubsim.markets, on hand-made arrays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hubsim import markets
from hubsim.cities import city_table

# ----------------------------------------------------------------------------- matching


def test_matches_never_exceed_seekers_or_vacancies():
    rng = np.random.default_rng(1)
    u = rng.integers(0, 1000, size=500).astype(float)
    v = rng.integers(0, 1000, size=500).astype(float)
    for mu, a in [(0.4, 0.5), (5.0, 0.3), (50.0, 0.9), (1.0, 0.0), (1.0, 1.0)]:
        m = markets.matches(u, v, mu, a)
        assert np.all(m >= 0)
        assert np.all(m <= u + 1e-12)
        assert np.all(m <= v + 1e-12)


def test_matches_formula_and_constant_returns_to_scale():
    u = np.array([100.0, 400.0, 50.0])
    v = np.array([25.0, 100.0, 80.0])
    m = markets.matches(u, v, 0.4, 0.5)
    np.testing.assert_allclose(m, 0.4 * np.sqrt(u * v), rtol=1e-12)
    np.testing.assert_allclose(markets.matches(2 * u, 2 * v, 0.4, 0.5), 2 * m, rtol=1e-12)
    # CRS with an asymmetric elasticity too.
    m3 = markets.matches(u, v, 0.3, 0.7)
    np.testing.assert_allclose(markets.matches(3 * u, 3 * v, 0.3, 0.7), 3 * m3, rtol=1e-12)


def test_matches_zero_without_vacancies_or_seekers():
    u = np.array([0.0, 10.0, 1000.0])
    assert np.all(markets.matches(u, np.zeros(3), 0.4, 0.5) == 0)
    # Even when a = 1 (V^0 = 1) no match happens without a vacancy.
    assert np.all(markets.matches(u, np.zeros(3), 0.4, 1.0) == 0)
    assert np.all(markets.matches(np.zeros(3), np.array([1.0, 5.0, 9.0]), 0.4, 0.0) == 0)


# ----------------------------------------------------------------------------- rounding


def test_stochastic_round_is_unbiased_and_integral():
    rng = np.random.default_rng(2)
    values = np.array([0.0, 0.25, 1.5, 2.9, 7.0, 10.01, -0.3])
    n = 40_000
    draws = markets.stochastic_round(np.tile(values, (n, 1)), rng)
    assert draws.dtype == np.int64
    # Each draw is floor or floor + 1.
    assert np.all((draws == np.floor(values)) | (draws == np.floor(values) + 1))
    # Mean within 5 standard errors of the value (sd of a Bernoulli(f) is sqrt(f (1 - f))).
    frac = values - np.floor(values)
    se = np.sqrt(frac * (1 - frac) / n)
    np.testing.assert_array_less(np.abs(draws.mean(axis=0) - values), 5 * se + 1e-12)


# ----------------------------------------------------------------------------- wages


def test_wage_index_update_bounded_and_follows_tightness():
    index = np.array([1.0, 1.0, 1.2, 0.9, 1.0])
    target = np.full(5, 0.6)
    unemployed = np.array([100.0, 100.0, 100.0, 10_000.0, 100.0])
    vacancies = np.array([70.0, 20.0, 59.6, 0.0, 1e6])  # tight, slack, at target, very slack/tight
    new = markets.wage_index_update(index, vacancies, unemployed, target, 0.02, 0.01)
    ratio = new / index
    assert ratio[0] > 1.0  # V/U = 0.7 > 0.6: wages rise
    assert ratio[1] < 1.0  # V/U = 0.2 < 0.6: wages fall
    assert ratio[2] == pytest.approx(1.0, abs=1e-12)  # (59.6 + 1) / (100 + 1) = 0.6
    assert ratio[3] == pytest.approx(np.exp(-0.01), rel=1e-12)  # bound binds downward
    assert ratio[4] == pytest.approx(np.exp(0.01), rel=1e-12)  # bound binds upward
    assert np.all(np.abs(np.log(ratio)) <= 0.01 + 1e-12)
    # Unbound step: elasticity x ln(tightness / target).
    expected = np.exp(0.02 * np.log((71.0 / 101.0) / 0.6))
    assert ratio[0] == pytest.approx(expected, rel=1e-12)


def test_wage_index_update_zero_elasticity_holds_wages():
    index = np.array([1.0, 1.3])
    new = markets.wage_index_update(
        index, np.array([1e4, 0.0]), np.array([1.0, 1e4]), np.full(2, 0.6), 0.0, 0.01
    )
    np.testing.assert_array_equal(new, index)


# ----------------------------------------------------------------------------- rents


def test_rent_update_moves_toward_target_and_stays_at_base():
    base = np.array([50.0, 20.0, 10.0])
    eta = np.array([0.6, 2.0, 2.0])
    pop0 = np.array([1000.0, 500.0, 300.0])
    # At N = N0 and R = R0 rents stay put.
    np.testing.assert_allclose(markets.rent_update(base, base, pop0, pop0, eta, 0.05), base)
    # Population doubles: target R0 2^(1/eta); the rent moves a share `speed` of the log gap.
    rent = base.copy()
    target = base * 2.0 ** (1.0 / eta)
    new = markets.rent_update(rent, base, 2 * pop0, pop0, eta, 0.05)
    assert np.all(new > rent) and np.all(new < target)
    np.testing.assert_allclose(np.log(new / rent), 0.05 * np.log(target / rent), rtol=1e-12)
    # Repeated updates converge to the target.
    for _ in range(2000):
        rent = markets.rent_update(rent, base, 2 * pop0, pop0, eta, 0.05)
    np.testing.assert_allclose(rent, target, rtol=1e-9)
    # Full speed jumps straight to the target; from above, rents fall.
    np.testing.assert_allclose(markets.rent_update(3 * base, base, pop0, pop0, eta, 1.0), base)
    assert np.all(markets.rent_update(3 * base, base, pop0, pop0, eta, 0.1) < 3 * base)


# ----------------------------------------------------------------------------- firms


def test_desired_headcount_against_hand_computation():
    z = np.array([1.0, 2.0, 1.5])
    a = np.array([3.0e4, 3.0e4, 5.0e4])
    w = np.array([40_000.0, 40_000.0, 60_000.0])
    s = np.array([0.0, 0.0, 0.2])
    theta = 0.7
    got = markets.desired_headcount(z, a, w, s, theta)
    # By hand: L* = (theta z A / (w (1 - s)))^(1 / (1 - theta)).
    expected = [
        (0.7 * 1.0 * 3.0e4 / 40_000.0) ** (1 / 0.3),
        (0.7 * 2.0 * 3.0e4 / 40_000.0) ** (1 / 0.3),
        (0.7 * 1.5 * 5.0e4 / (60_000.0 * 0.8)) ** (1 / 0.3),
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # Doubling productivity multiplies headcount by 2^(1/(1-theta)).
    assert got[1] / got[0] == pytest.approx(2 ** (1 / 0.3), rel=1e-12)


def test_agglomeration():
    base = np.array([2.0, 3.0])
    got = markets.agglomeration(base, np.array([200.0, 0.0]), np.array([100.0, 10.0]), 0.05)
    np.testing.assert_allclose(got, [2.0 * 2.0**0.05, 3.0 * 0.1**0.05])


# ----------------------------------------------------------------------------- logit


def test_logit_probabilities_sum_to_one_and_shift_invariant():
    rng = np.random.default_rng(3)
    v = rng.normal(size=(50, 14))
    p = markets.logit_probabilities(v, 2.5)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    shifted = markets.logit_probabilities(v + rng.normal(size=(50, 1)) * 100, 2.5)
    np.testing.assert_allclose(shifted, p, rtol=1e-9, atol=1e-15)
    # Closed form for one row.
    row = np.exp(2.5 * v[0]) / np.exp(2.5 * v[0]).sum()
    np.testing.assert_allclose(p[0], row, rtol=1e-12)
    # Does not modify its input.
    v_copy = v.copy()
    markets.logit_probabilities(v, 1.0)
    np.testing.assert_array_equal(v, v_copy)


def test_logit_probabilities_large_utilities_do_not_overflow():
    p = markets.logit_probabilities(np.array([[1000.0, 1001.0, 0.0]]), 10.0)
    assert np.all(np.isfinite(p))
    assert p[0, 1] == pytest.approx(1.0 / (1.0 + np.exp(-10.0)), rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    v=arrays(
        np.float64, st.tuples(st.integers(1, 6), st.integers(2, 15)), elements=st.floats(-50, 50)
    ),
    scale=st.floats(0.01, 20.0),
    shift=st.floats(-1e3, 1e3),
)
def test_logit_probabilities_properties(v, scale, shift):
    p = markets.logit_probabilities(v, scale)
    assert p.shape == v.shape
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-9)
    np.testing.assert_allclose(markets.logit_probabilities(v + shift, scale), p, atol=1e-9)
    # The best alternative of each row has the largest probability.
    best = v.argmax(axis=1)
    assert np.all(p[np.arange(len(v)), best] >= p.max(axis=1) - 1e-12)


def test_draw_choices_frequencies():
    rng = np.random.default_rng(4)
    probs = np.array([0.5, 0.0, 0.2, 0.25, 0.05])
    n = 200_000
    choice = markets.draw_choices(np.tile(probs, (n, 1)), rng)
    assert choice.min() >= 0 and choice.max() <= 4
    freq = np.bincount(choice, minlength=5) / n
    assert freq[1] == 0.0  # a zero-probability option is never drawn
    se = np.sqrt(probs * (1 - probs) / n)
    np.testing.assert_array_less(np.abs(freq - probs), 5 * se + 1e-12)


def test_draw_choices_rows_independent():
    rng = np.random.default_rng(5)
    probs = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    choice = markets.draw_choices(np.tile(probs, (1000, 1)), rng)
    np.testing.assert_array_equal(choice, np.tile([0, 2, 1], 1000))


# ----------------------------------------------------------------------------- utility


def test_location_utility_formula():
    got = markets.location_utility(
        log_income=np.log(np.array([[40_000.0, 60_000.0]])),
        log_rent=np.log(np.array([[10.0, 40.0]])),
        amenity=np.array([[0.1, -0.2]]),
        hukou=np.array([[True, False]]),
        subsidy_10k_yuan=np.array([[0.0, 3.0]]),
        moving_cost=np.array([[0.0, 1.5]]),
        b_w=1.5,
        b_r=0.5,
        b_h=0.4,
        b_s=0.04,
    )
    expected = [
        1.5 * np.log(40_000) - 0.5 * np.log(10) + 0.1 + 0.4,
        1.5 * np.log(60_000) - 0.5 * np.log(40) - 0.2 + 0.04 * 3 - 1.5,
    ]
    np.testing.assert_allclose(got[0], expected, rtol=1e-12)


def test_moving_cost_zero_on_diagonal_and_origin_surcharge():
    d = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 1.5], [2.0, 1.5, 0.0]])
    current = np.array([0, 0, 1, 2])
    origin = np.array([0, 1, 1, 0])
    cost = markets.moving_cost(current, origin, d, fixed=1.2, per_1000km=0.4, leaving_origin=0.6)
    assert cost.shape == (4, 3)
    # Staying costs nothing.
    assert np.all(cost[np.arange(4), current] == 0.0)
    # Row 0 lives at its origin: every move pays the surcharge.
    np.testing.assert_allclose(cost[0], [0.0, 1.2 + 0.4 * 1.0 + 0.6, 1.2 + 0.4 * 2.0 + 0.6])
    # Row 1 is away from its origin (1): no surcharge, including going home.
    np.testing.assert_allclose(cost[1], [0.0, 1.2 + 0.4 * 1.0, 1.2 + 0.4 * 2.0])
    # Row 2 is at its origin (1).
    np.testing.assert_allclose(cost[2], [1.2 + 0.4 + 0.6, 0.0, 1.2 + 0.4 * 1.5 + 0.6])
    # Row 3 (at 2, origin 0): returning home costs no surcharge.
    np.testing.assert_allclose(cost[3], [1.2 + 0.8, 1.2 + 0.6, 0.0])
    # All costs off: identically zero.
    zero = markets.moving_cost(current, origin, d, 0.0, 0.0, 0.0)
    assert np.all(zero == 0.0)


def test_great_circle_km():
    table = city_table()
    km = markets.great_circle_km(table["lat"].to_numpy(), table["lon"].to_numpy())
    keys = list(table.index)
    b, s = keys.index("beijing"), keys.index("shanghai")
    gz, sz = keys.index("guangzhou"), keys.index("shenzhen")
    assert km[b, s] == pytest.approx(1070, abs=20)  # about 1,068 km
    assert km[gz, sz] == pytest.approx(105, abs=15)  # about 104 km
    assert np.all(np.diag(km) == 0)
    np.testing.assert_allclose(km, km.T)
    # A quarter of the equator.
    quarter = markets.great_circle_km(np.array([0.0, 0.0]), np.array([0.0, 90.0]))[0, 1]
    assert quarter == pytest.approx(np.pi / 2 * 6371.0, rel=1e-12)


def test_spearman_matches_scipy_with_and_without_ties():
    from scipy import stats

    from hubsim.calibration import spearman

    rng = np.random.default_rng(3)
    for ties in (False, True):
        a = rng.normal(size=13)
        b = a + rng.normal(scale=0.7, size=13)
        if ties:
            a, b = np.round(a), np.round(b)
        expected = stats.spearmanr(a, b).statistic
        assert spearman(a, b) == pytest.approx(expected, abs=1e-12)
    assert spearman(np.arange(5), np.arange(5)[::-1]) == pytest.approx(-1.0)


def test_draw_choices_from_unnormalised_weights():
    """Weights scaled per row (as `logit_weights` gives them) draw like their probabilities."""
    rng = np.random.default_rng(11)
    probs = np.array([0.5, 0.0, 0.2, 0.25, 0.05])
    n = 200_000
    row_scale = rng.uniform(0.01, 100.0, size=(n, 1))
    choice = markets.draw_choices(np.tile(probs, (n, 1)) * row_scale, rng)
    freq = np.bincount(choice, minlength=5) / n
    assert freq[1] == 0.0
    se = np.sqrt(probs * (1 - probs) / n)
    np.testing.assert_array_less(np.abs(freq - probs), 5 * se + 1e-12)
    v = rng.normal(size=(40, 6))
    weights = markets.logit_weights(v, 1.7)
    np.testing.assert_allclose(weights.max(axis=1), 1.0)  # the best option has weight 1
    np.testing.assert_allclose(
        weights / weights.sum(axis=1, keepdims=True), markets.logit_probabilities(v, 1.7)
    )
