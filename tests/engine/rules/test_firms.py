"""Firm rules (engine.rules.firms): desired headcount, agglomeration, office choice."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine.rules import firms as firm_rules


def test_desired_headcount_against_hand_computation():
    z = np.array([1.0, 2.0, 1.5])
    a = np.array([3.0e4, 3.0e4, 5.0e4])
    w = np.array([40_000.0, 40_000.0, 60_000.0])
    s = np.array([0.0, 0.0, 0.2])
    theta = 0.7
    got = firm_rules.desired_headcount(z, a, w, s, theta)
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
    got = firm_rules.agglomeration(base, np.array([200.0, 0.0]), np.array([100.0, 10.0]), 0.05)
    np.testing.assert_allclose(got, [2.0 * 2.0**0.05, 3.0 * 0.1**0.05])
