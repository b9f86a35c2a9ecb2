"""Labour-market rules (engine.rules.labour) on hand-made arrays: matching and wage indices."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine.rules import labour


def test_matches_never_exceed_seekers_or_vacancies():
    rng = np.random.default_rng(1)
    u = rng.integers(0, 1000, size=500).astype(float)
    v = rng.integers(0, 1000, size=500).astype(float)
    for mu, a in [(0.4, 0.5), (5.0, 0.3), (50.0, 0.9), (1.0, 0.0), (1.0, 1.0)]:
        m = labour.matches(u, v, mu, a)
        assert np.all(m >= 0)
        assert np.all(m <= u + 1e-12)
        assert np.all(m <= v + 1e-12)


def test_matches_formula_and_constant_returns_to_scale():
    u = np.array([100.0, 400.0, 50.0])
    v = np.array([25.0, 100.0, 80.0])
    m = labour.matches(u, v, 0.4, 0.5)
    np.testing.assert_allclose(m, 0.4 * np.sqrt(u * v), rtol=1e-12)
    np.testing.assert_allclose(labour.matches(2 * u, 2 * v, 0.4, 0.5), 2 * m, rtol=1e-12)
    # CRS with an asymmetric elasticity too.
    m3 = labour.matches(u, v, 0.3, 0.7)
    np.testing.assert_allclose(labour.matches(3 * u, 3 * v, 0.3, 0.7), 3 * m3, rtol=1e-12)


def test_matches_zero_without_vacancies_or_seekers():
    u = np.array([0.0, 10.0, 1000.0])
    assert np.all(labour.matches(u, np.zeros(3), 0.4, 0.5) == 0)
    # Even when a = 1 (V^0 = 1) no match happens without a vacancy.
    assert np.all(labour.matches(u, np.zeros(3), 0.4, 1.0) == 0)
    assert np.all(labour.matches(np.zeros(3), np.array([1.0, 5.0, 9.0]), 0.4, 0.0) == 0)


def test_wage_index_update_bounded_and_follows_tightness():
    index = np.array([1.0, 1.0, 1.2, 0.9, 1.0])
    target = np.full(5, 0.6)
    unemployed = np.array([100.0, 100.0, 100.0, 10_000.0, 100.0])
    vacancies = np.array([70.0, 20.0, 59.6, 0.0, 1e6])  # tight, slack, at target, very slack/tight
    new = labour.wage_index_update(index, vacancies, unemployed, target, 0.02, 0.01)
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
    new = labour.wage_index_update(
        index, np.array([1e4, 0.0]), np.array([1.0, 1e4]), np.full(2, 0.6), 0.0, 0.01
    )
    np.testing.assert_array_equal(new, index)
