"""The calibration table's statistics (output.fit)."""

from __future__ import annotations

import numpy as np
import pytest


def test_spearman_matches_scipy_with_and_without_ties():
    from scipy import stats

    from hubsim.output.fit import spearman

    rng = np.random.default_rng(3)
    for ties in (False, True):
        a = rng.normal(size=13)
        b = a + rng.normal(scale=0.7, size=13)
        if ties:
            a, b = np.round(a), np.round(b)
        expected = stats.spearmanr(a, b).statistic
        assert spearman(a, b) == pytest.approx(expected, abs=1e-12)
    assert spearman(np.arange(5), np.arange(5)[::-1]) == pytest.approx(-1.0)
