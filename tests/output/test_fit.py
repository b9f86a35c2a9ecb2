"""The calibration table's statistics (output.fit)."""

from __future__ import annotations

import re
from pathlib import Path

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


SPINUP = Path(__file__).resolve().parents[2] / "scenarios" / "spinup-2000.yaml"


def test_a_2000_start_over_ten_years_is_set_beside_the_2010_census():
    import hubsim
    from hubsim.engine.cities import census_table
    from hubsim.output.report import calibration_lines

    result = hubsim.run(SPINUP, scale=4_000, seed=3, plots=False)  # the calibration's scale
    table = result.calibration
    at_2010 = table[table.quantity == "population at 2010-01"].set_index("city")
    census = census_table()
    assert list(at_2010.index) == list(census.index)
    assert at_2010.target.astype(float).tolist() == census.population_2010.astype(float).tolist()
    # Each city within 25 % of its 2010 census: a loose check that the populations grew from
    # 2000, not a calibration. At this scale for seed 3 the worst city misses by about 20 %:
    # the amenities weigh the 2010s communiques three to one against the 2010 census
    # (docs/calibration.md). Negative control: the 2000 census itself, unmoved, is further
    # than that (Xiamen 42 % short).
    assert (at_2010.simulated / census.population_2010 - 1).abs().max() < 0.25
    assert (census.population_2000 / census.population_2010 - 1).abs().max() > 0.25
    text = "\n".join(calibration_lines(table))
    assert "At 2010-01 (the state after 2009-12) against the 2010 census" in text
    assert "Population growth 2000-2009" in text
    assert not re.search(r"\bnan\b", text.lower())


def test_a_short_2000_start_is_not_judged_against_the_2010_census():
    import hubsim
    from hubsim.output.report import calibration_lines

    result = hubsim.run(SPINUP, months=24, scale=50_000, seed=3, plots=False)
    at_2010 = result.calibration[result.calibration.quantity.str.endswith("at 2010-01")]
    assert len(at_2010) == 14 and at_2010.simulated.isna().all()
    text = "\n".join(calibration_lines(result.calibration))
    assert "At 2010-01 against the 2010 census: not judged (the run ends before 2009-12)" in text
    assert not re.search(r"\bnan\b", text.lower())  # "nanjing" is no nan


def test_a_2010_start_has_no_2010_census_rows(baseline):
    import hubsim

    result = hubsim.run(baseline, months=12, scale=50_000, seed=3, plots=False)
    assert not result.calibration.quantity.str.endswith("at 2010-01").any()
