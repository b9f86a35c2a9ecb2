"""The start year's census (engine.census): a 2000 start is the 2000 census, a 2010 start the
2010 one; wages, prices and the national wage trend of 2000 are the 2010 ones taken back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hubsim.engine import HubModel
from hubsim.engine.census import census_year
from hubsim.engine.cities import build_city_arrays, census_table, city_table
from hubsim.engine.pool import education_stock, graduate_schedule
from hubsim.engine.rules.labour import wage_trend_by_month
from hubsim.experiments.replications import resolve
from hubsim.scenario import CITY_KEYS, TALENT_DEGREE, month_index

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SPINUP = SCENARIOS / "spinup-2000.yaml"
BASELINE = SCENARIOS / "baseline.yaml"
WORKING_AGE_2000 = 0.6678  # national.csv: 2010 census bulletin No. 1, 70.14 % less 3.36 points


def spinup(months: int = 1, scale: float = 5_000, start: str = "2000-01") -> HubModel:
    return HubModel(resolve(SPINUP, months=months, scale=scale, overrides=[f"start={start}"]))


def test_the_census_year_of_a_start():
    assert [census_year(s) for s in ("2000-01", "2000-12", "2010-01", "2019-12")] == [
        2000, 2000, 2010, 2010,
    ]  # fmt: skip


@pytest.mark.parametrize("scale", [2_000, 5_000])
def test_a_2000_start_holds_the_2000_census_within_rounding(scale: float):
    # Each city holds round(residents x 0.6678 / scale) agents; reported residents divide by
    # the share again, so they are the census to within half an agent's residents.
    model = spinup(scale=scale)
    population = model.state.metrics["population"][:-1]
    census = census_table()["population_2000"].to_numpy(float)
    assert np.abs(population - census).max() <= 0.5 * scale / WORKING_AGE_2000 + 1e-6
    national = model.state.metrics["population"].sum()
    assert national == pytest.approx(1_265_825_048, abs=14 * scale / WORKING_AGE_2000)


def test_negative_control_a_2010_world_is_not_the_2000_census():
    model = spinup(start="2010-01")  # the same file, built from the 2010 census
    population = model.state.metrics["population"][:-1]
    census = census_table()["population_2000"].to_numpy(float)
    assert np.abs(population - census).max() > 0.5 * 5_000 / WORKING_AGE_2000


def test_2000_education_shares_follow_the_2000_data():
    cities = build_city_arrays(resolve(SPINUP))
    share = cities.degree_share_start[:, 1:].sum(axis=1)  # college and above
    working_age = census_table()["population_2000"].to_numpy(float) * WORKING_AGE_2000
    # Shanghai's 2000 figure is in the data (10,940 per 100,000); Chengdu's is not: its 2010
    # ESTIMATE (22,036) times the national ratio 3,611 / 8,930. Both scaled to ages 15-59.
    for city, per_100k in (("shanghai", 10_940), ("chengdu", 22_036 * 3_611 / 8_930)):
        j = CITY_KEYS.index(city)
        residents = census_table()["population_2000"].iloc[j]
        expected = per_100k / 1e5 * residents * 0.96 / working_age[j]
        assert share[j] == pytest.approx(expected, rel=1e-12)
    stock = education_stock(2000)
    assert stock.national[1:].sum() == pytest.approx(3_611 / 1e5 * 1_265_825_048)
    assert stock.basis[CITY_KEYS.index("chengdu")].startswith("ESTIMATE")
    assert stock.basis[CITY_KEYS.index("shanghai")].startswith("reported")


def test_the_agents_of_a_2000_start_draw_the_2000_talent_shares():
    # Beijing at 500 people an agent: about 18,000 agents; 4 binomial standard errors.
    model = spinup(scale=500)
    w, cities = model.state.workers, model.state.cities
    j = CITY_KEYS.index("beijing")
    at = w.city == j
    drawn = np.mean(w.degree[at] >= TALENT_DEGREE)
    p = cities.talent_share_start[j]
    tolerance = 4 * np.sqrt(p * (1 - p) / at.sum())
    assert abs(drawn - p) < tolerance
    # Negative control: Beijing's 2010 share is far outside that band.
    p_2010 = build_city_arrays(resolve(BASELINE)).talent_share_start[j]
    assert abs(drawn - p_2010) > tolerance


def test_2000_wages_and_rents_are_2010_times_the_national_ratio():
    c2000, c2010 = build_city_arrays(resolve(SPINUP)), build_city_arrays(resolve(BASELINE))
    np.testing.assert_allclose(c2000.base_wage_yuan, c2010.base_wage_yuan * 9_371 / 37_147)
    np.testing.assert_allclose(
        c2000.base_rent_yuan_m2_month, c2010.base_rent_yuan_m2_month * 2_112 / 5_032
    )
    np.testing.assert_array_equal(c2010.base_wage_yuan[:-1], city_table()["avg_wage_2010_yuan"])


def test_the_2000_wage_trend_reaches_the_2010_wage_and_leaves_2010_starts_alone():
    growth = resolve(SPINUP).behaviour.labour.nominal_wage_growth_by_year
    level = wage_trend_by_month(growth, month_index("2000-01"), 120)
    assert level[120] == pytest.approx(37_147 / 9_371, rel=0.005)  # national.csv, 2000 -> 2010
    without_2000 = {year: g for year, g in growth.items() if year != 2000}
    for start in ("2010-01", "2016-07"):
        np.testing.assert_array_equal(
            wage_trend_by_month(growth, month_index(start), 240),
            wage_trend_by_month(without_2000, month_index(start), 240),
        )


def test_a_2000_start_gets_the_2000s_cohorts_from_july_2000():
    model = spinup(months=7, scale=2_000)
    pool = model.state.pool
    for _ in range(6):  # 2000-01 ... 2000-06: no cohort yet
        model.step()
    assert pool.cohort.sum() == 0
    model.step()  # July 2000
    schedule = graduate_schedule()
    row = list(schedule.years).index(2000)
    expected = schedule.people[row, TALENT_DEGREE:].sum()  # bachelor-and-above of 2000
    entered = pool.cohort[0, TALENT_DEGREE:].sum() * model.state.scale
    assert entered == pytest.approx(expected, rel=0.02)
