"""The calibration table's statistics (output.fit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
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


def test_a_run_after_the_fit_window_is_not_judged_never_nan(baseline):
    """A 2017 start cannot be set beside 2010-2015 growth: the table says so, it prints no nan."""
    import hubsim
    from hubsim.output.report import calibration_lines

    result = hubsim.run(baseline, months=6, scale=50000, seed=3, overrides=["start=2017-01"])
    table = result.calibration
    rho = table[table.quantity == "rank correlation of city growth"].simulated
    assert rho.isna().all()
    text = "\n".join(calibration_lines(table))
    assert "nan" not in text.lower()
    assert "rank correlation of city growth            not judged" in text
    assert "Population growth 2010-2015: not judged" in text


def test_a_run_over_the_fit_window_prints_every_city():
    from hubsim.output.report import calibration_lines

    rows = [("unemployment rate (13 cities, whole run)", "", 0.05, "0.04-0.06", "notes")]
    rows += [("population growth per year 2010-2015", "beijing", 0.03, "0.0375", "census")]
    rows += [("population growth per year 2010-2015", "wuhan", np.nan, "0.0197", "census")]
    table = pd.DataFrame(rows, columns=["quantity", "city", "simulated", "target", "source"])
    text = calibration_lines(table)
    assert any(line.startswith("beijing         3.00    3.75   -0.75") for line in text), text
    assert any(line.startswith("wuhan      not judged    1.97") for line in text), text


def test_talent_move_rate_counts_bachelor_and_above_only():
    import pandas as pd

    from hubsim.output.fit import _talent_move_rate

    dates = pd.date_range("2010-01-01", periods=12, freq="MS")  # one whole calendar year
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
    # A part of a year gives no yearly rate.
    assert np.isnan(_talent_move_rate(cm[cm.date < "2010-03-01"], flows))


def test_a_run_shorter_than_a_year_judges_no_growth_and_no_move_rate(baseline):
    """One month annualised is no growth rate (it read -3.4 points a year for Shenzhen)."""
    import hubsim
    from hubsim.output.report import calibration_lines

    table = hubsim.run(baseline, months=1, scale=50000, seed=3, plots=False).calibration
    growth = table[table.quantity.str.startswith("population growth")]
    assert growth.simulated.isna().all()
    rate = table[table.quantity.str.startswith("inter-city move rate")].simulated
    assert rate.isna().all()
    text = "\n".join(calibration_lines(table))
    assert "rank correlation of city growth            not judged" in text
    assert "nan" not in text.lower()
