"""Location-choice rules (engine.rules.choice): logit, utility and moving costs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hubsim.engine.rules import choice


def test_logit_probabilities_sum_to_one_and_shift_invariant():
    rng = np.random.default_rng(3)
    v = rng.normal(size=(50, 14))
    p = choice.logit_probabilities(v, 2.5)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    shifted = choice.logit_probabilities(v + rng.normal(size=(50, 1)) * 100, 2.5)
    np.testing.assert_allclose(shifted, p, rtol=1e-9, atol=1e-15)
    # Closed form for one row.
    row = np.exp(2.5 * v[0]) / np.exp(2.5 * v[0]).sum()
    np.testing.assert_allclose(p[0], row, rtol=1e-12)
    # Does not modify its input.
    v_copy = v.copy()
    choice.logit_probabilities(v, 1.0)
    np.testing.assert_array_equal(v, v_copy)


def test_logit_probabilities_large_utilities_do_not_overflow():
    p = choice.logit_probabilities(np.array([[1000.0, 1001.0, 0.0]]), 10.0)
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
    p = choice.logit_probabilities(v, scale)
    assert p.shape == v.shape
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-9)
    np.testing.assert_allclose(choice.logit_probabilities(v + shift, scale), p, atol=1e-9)
    # The best alternative of each row has the largest probability.
    best = v.argmax(axis=1)
    assert np.all(p[np.arange(len(v)), best] >= p.max(axis=1) - 1e-12)


def test_draw_choices_frequencies():
    rng = np.random.default_rng(4)
    probs = np.array([0.5, 0.0, 0.2, 0.25, 0.05])
    n = 200_000
    chosen = choice.draw_choices(np.tile(probs, (n, 1)), rng)
    assert chosen.min() >= 0 and chosen.max() <= 4
    freq = np.bincount(chosen, minlength=5) / n
    assert freq[1] == 0.0  # a zero-probability option is never drawn
    se = np.sqrt(probs * (1 - probs) / n)
    np.testing.assert_array_less(np.abs(freq - probs), 5 * se + 1e-12)


def test_draw_choices_rows_independent():
    rng = np.random.default_rng(5)
    probs = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    chosen = choice.draw_choices(np.tile(probs, (1000, 1)), rng)
    np.testing.assert_array_equal(chosen, np.tile([0, 2, 1], 1000))


def test_location_utility_formula():
    got = choice.location_utility(
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
    cost = choice.moving_cost(current, origin, d, fixed=1.2, per_1000km=0.4, leaving_origin=0.6)
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
    zero = choice.moving_cost(current, origin, d, 0.0, 0.0, 0.0)
    assert np.all(zero == 0.0)


def test_draw_choices_from_unnormalised_weights():
    """Weights scaled per row (as `logit_weights` gives them) draw like their probabilities."""
    rng = np.random.default_rng(11)
    probs = np.array([0.5, 0.0, 0.2, 0.25, 0.05])
    n = 200_000
    row_scale = rng.uniform(0.01, 100.0, size=(n, 1))
    chosen = choice.draw_choices(np.tile(probs, (n, 1)) * row_scale, rng)
    freq = np.bincount(chosen, minlength=5) / n
    assert freq[1] == 0.0
    se = np.sqrt(probs * (1 - probs) / n)
    np.testing.assert_array_less(np.abs(freq - probs), 5 * se + 1e-12)
    v = rng.normal(size=(40, 6))
    weights = choice.logit_weights(v, 1.7)
    np.testing.assert_allclose(weights.max(axis=1), 1.0)  # the best option has weight 1
    np.testing.assert_allclose(
        weights / weights.sum(axis=1, keepdims=True), choice.logit_probabilities(v, 1.7)
    )
