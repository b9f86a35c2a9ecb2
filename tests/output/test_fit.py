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


def test_talent_move_rate_counts_bachelor_and_above_only():
    import pandas as pd

    from hubsim.output.fit import _talent_move_rate

    dates = pd.to_datetime(["2010-01-01", "2010-02-01"])
    cm = pd.DataFrame(
        {"date": dates, "city": "chengdu", "metric": "talent", "value": 1000.0, "replication": 0}
    )
    flows = pd.DataFrame(
        {
            "year": 2010,
            "origin": "chengdu",
            "destination": "wuhan",
            "degree": ["college", "bachelor", "phd"],
            "movers": [500.0, 30.0, 10.0],
            "replication": 0,
        }
    )
    # 40 bachelor-and-above movers of 1,000 talent; the 500 junior-college movers do not count.
    assert _talent_move_rate(cm, flows) == pytest.approx(0.04)
