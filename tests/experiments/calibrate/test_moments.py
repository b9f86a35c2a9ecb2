"""Calibration moments: the packaged table, the distance, and the measured migration elasticity."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.calibrate import moments as m
from hubsim.experiments.replications import replication_seeds, resolve, simulate
from hubsim.scenario import CITY_KEYS, load_scenario

ROOT = Path(__file__).resolve().parents[3]


def test_the_packaged_moments_table_is_what_its_tool_writes() -> None:
    spec = importlib.util.spec_from_file_location("moments_table", ROOT / "tools/moments_table.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    packaged = (ROOT / "src/hubsim/data/moments.csv").read_text(encoding="utf-8")
    assert packaged == tool.table_text()


def test_no_target_is_from_after_2019_and_every_row_has_a_source() -> None:
    table = m.load_moments()
    assert set(table.error) <= set(m.ERROR_KINDS)
    # Xi'an's registrations count residents converting their hukou: an upper bound
    upper = set(table.moment[table.error == "log_upper"])
    assert upper == {"xian_registrations_increase_2017", "xian_registrations_increase_2018"}
    years = table.moment.str.extract(r"(\d{4})$")[0].dropna().astype(int)
    assert years.max() <= 2018
    fitted = table[table.weight > 0]
    assert not fitted.basis.str.startswith("ESTIMATE").any()  # estimates are shown, not fitted
    assert fitted.source.str.len().min() > 10 and "none" not in set(fitted.source)
    assert set(table.key[table.moment == "population_2010"]) == {
        f"population_2010@{c}" for c in CITY_KEYS
    }


def test_errors_and_distance_on_a_hand_made_table() -> None:
    table = pd.DataFrame(
        {
            "moment": ["a_2010", "b", "c"],
            "city": ["x", "", ""],
            "target": [100.0, 0.05, 10.0],
            "error": ["log", "abs", "log"],
            "tolerance": [0.1, 0.01, 0.5],
            "weight": [1.0, 3.0, 0.0],
        }
    )
    table["key"] = ["a_2010@x", "b", "c"]
    simulated = pd.Series({"a_2010@x": 100 * np.exp(0.2), "b": 0.04, "c": 1e9})
    z = m.errors(table, simulated)
    assert z["a_2010@x"] == pytest.approx(2.0)
    assert z["b"] == pytest.approx(-1.0)
    assert m.distance(table, simulated) == pytest.approx((1 * 4 + 3 * 1) / 4)  # c has weight 0
    simulated["b"] = np.nan
    assert m.distance(table, simulated) == float("inf")
    # an upper bound (log_upper) charges only an excess
    bound = table.assign(error=["log_upper", "abs", "log"])
    simulated["b"] = 0.05
    simulated["a_2010@x"] = 100 * np.exp(-0.3)
    assert m.errors(bound, simulated)["a_2010@x"] == 0.0
    assert m.errors(table, simulated)["a_2010@x"] == pytest.approx(-3.0)
    simulated["a_2010@x"] = 100 * np.exp(0.3)
    assert m.errors(bound, simulated)["a_2010@x"] == pytest.approx(3.0)
    # a count at or below zero reads as a twentieth of its target: finite, and far off
    simulated["b"], simulated["a_2010@x"] = 0.05, -5.0
    assert m.errors(table, simulated)["a_2010@x"] == pytest.approx(np.log(1 / 20) / 0.1)


def _gravity_data(wage_elasticity: float, seed: int = 3):
    """Yearly moves among the 13 cities from a gravity law with a known wage elasticity."""
    rng = np.random.default_rng(seed)
    cities, years = list(CITY_KEYS), range(2000, 2010)
    log_wage = {c: np.log(30000) + np.cumsum(rng.normal(0.1, 0.1, len(years))) for c in cities}
    log_rent = {c: np.log(20) + np.cumsum(rng.normal(0.08, 0.05, len(years))) for c in cities}
    pull = dict(zip(cities, rng.normal(0, 0.5, len(cities)), strict=True))
    rows, flows = [], []
    for t, year in enumerate(years):
        for c in cities:
            for metric, series in (("wage_mean", log_wage), ("rent", log_rent)):
                for month in (1, 7):
                    date = pd.Timestamp(f"{year}-{month:02d}-01")
                    rows.append((date, c, metric, float(np.exp(series[c][t]))))
        for o in cities:
            push = rng.normal(0, 0.3)
            for d in cities:
                if o == d:
                    continue
                rate = np.exp(
                    8
                    + push
                    + pull[d]
                    + wage_elasticity * (log_wage[d][t] - 10)
                    - 0.5 * log_rent[d][t]
                )
                flows.append((year, o, d, "bachelor", float(rng.poisson(rate))))
    city_month = pd.DataFrame(rows, columns=["date", "city", "metric", "value"])
    flow_table = pd.DataFrame(flows, columns=["year", "origin", "destination", "degree", "movers"])
    return flow_table, city_month


@pytest.mark.parametrize("truth", [1.5, 0.0])  # 0: the negative control, no wage response
def test_the_gravity_elasticity_is_measured_from_moves(truth: float) -> None:
    flows, city_month = _gravity_data(truth)
    assert m.gravity_elasticity(flows, city_month) == pytest.approx(truth, abs=0.1)


def test_run_moments_read_the_run_tables() -> None:
    scenario = resolve(load_scenario(ROOT / "scenarios/spinup-2000.yaml"), scale=40000)
    part = simulate(scenario, replication_seeds(scenario)[0])
    values = m.spinup_moments(scenario, part)
    cm = part["city_month"]
    at = cm[cm.date == m.SPINUP_MONTH].set_index(["city", "metric"]).value
    assert values["population_2010@wuhan"] == at[("wuhan", "population")]
    share = scenario.behaviour.demography.educated_working_age_share
    educated = (at[("xian", "college")] + at[("xian", "talent")]) / share
    assert values["college_plus_per_100k_2010@xian"] == pytest.approx(
        1e5 * educated / at[("xian", "population")]
    )
    assert 0 < values["unemployment_rate_2009"] < 0.2
    table = m.load_moments()
    assert set(table.key) - m.insample_keys(table) == set(values)
    with pytest.raises(ValueError, match="2009-12"):
        m.spinup_moments(scenario, {**part, "city_month": cm[cm.date < "2005-01-01"]})


def test_policy_moments_measure_every_2010s_row_of_the_table() -> None:
    """A 2010 start to 2019-12 gives a finite value for each row of the moments table measured
    from it (the 2017-2018 responses and every 2010s in-sample moment), and a run that stops
    short of 2019-12 is refused."""
    scenario = resolve(
        load_scenario(ROOT / "scenarios/baseline.yaml"), scale=40000, months=m.POLICY_MONTHS
    )
    part = simulate(scenario, replication_seeds(scenario)[0])
    values = m.policy_moments(scenario, part)
    table = m.load_moments()
    keys = m.insample_keys(table)
    assert len(keys) > 100 and keys <= set(values)
    assert all(np.isfinite(values[k]) for k in keys)
    cm = part["city_month"]
    with pytest.raises(ValueError, match="2019-12"):
        m.policy_moments(scenario, {**part, "city_month": cm[cm.date < "2019-01-01"]})
