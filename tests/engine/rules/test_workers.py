"""Worker rules (engine.rules.workers): ages and the hazard of reconsidering."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine.rules.workers import age_years, months_since, reconsider_hazard_per_month
from hubsim.engine.tables import NO_GRADUATION
from hubsim.scenario import Hazards


def test_age_and_months_since():
    birth = np.array([100, 112, 111], dtype=np.int16)
    np.testing.assert_array_equal(age_years(birth, 124), [2, 1, 1])
    graduated = np.array([120, NO_GRADUATION], dtype=np.int16)
    since = months_since(graduated, 1404)
    assert since[0] == 1284
    assert since[1] > 30_000  # never graduated: huge, so never "recent"


def test_reconsider_hazard_picks_largest_applicable():
    hz = Hazards(
        base_per_year=0.04,
        young_per_year=0.10,
        unemployed_per_year=0.40,
        new_graduate_per_year=1.0,
        young_age_max=30,
    )
    age = np.array([45, 25, 45, 25, 25, 45, 30, 31, 25])
    unemployed = np.array([False, False, True, True, False, True, False, False, True])
    since = np.array([10**6, 10**6, 10**6, 10**6, 3, 0, 10**6, 10**6, 12])
    got = reconsider_hazard_per_month(age, unemployed, since, hz)
    yearly = np.array([0.04, 0.10, 0.40, 0.40, 1.0, 1.0, 0.10, 0.04, 0.40])
    np.testing.assert_allclose(got, 1.0 - np.exp(-yearly / 12.0), rtol=1e-12)
    # A graduation in the future (negative months since) does not count as recent.
    assert reconsider_hazard_per_month(np.array([40]), np.array([False]), np.array([-1]), hz)[
        0
    ] == pytest.approx(1.0 - np.exp(-0.04 / 12))


def test_reconsider_hazard_huge_rates_mean_certainty():
    big = 1e4
    hz = Hazards(
        base_per_year=big, young_per_year=big, unemployed_per_year=big, new_graduate_per_year=big
    )
    got = reconsider_hazard_per_month(
        np.array([20, 50]), np.array([False, True]), np.array([10**6, 0]), hz
    )
    np.testing.assert_array_equal(got, [1.0, 1.0])
