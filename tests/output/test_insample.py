"""The 2010s in-sample moments on hand-made tables with known answers, each with a negative
control, and the data discipline of their rows in the moments table."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubsim.output import insample as ins
from hubsim.scenario import CITY_KEYS

ROOT = Path(__file__).resolve().parents[2]


def _city_month(values: dict[tuple[str, str], list[float]], start: str = "2010-01") -> pd.DataFrame:
    """A city_month table from {(city, metric): monthly values from `start`}."""
    rows = []
    for (city, metric), series in values.items():
        dates = pd.date_range(start + "-01", periods=len(series), freq="MS")
        rows += [(d, city, metric, float(v), 0) for d, v in zip(dates, series, strict=True)]
    return pd.DataFrame(rows, columns=["date", "city", "metric", "value", "replication"])


def _flows(rows: list[tuple[int, str, str, str, float]]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["year", "origin", "destination", "degree", "movers"])
    return table.assign(replication=0)


# --------------------------------------------------------------------------- populations
def test_population_growth_is_year_end_over_the_census_month() -> None:
    months = 9 * 12  # 2010-01 .. 2018-12
    population = [100.0] * months
    population[10] = 200.0  # 2010-11, the census month
    population[12 * 5 + 11] = 260.0  # 2015-12
    cm = _city_month({("wuhan", "population"): population})
    assert ins.population_growth(cm, "wuhan", 2015) == pytest.approx(1.3)
    # negative control: a series shifted by a month reads another value
    shifted = _city_month({("wuhan", "population"): population[1:] + [100.0]})
    assert ins.population_growth(shifted, "wuhan", 2015) != pytest.approx(1.3)
    assert np.isnan(ins.population_growth(cm, "wuhan", 2019))  # outside the run


def test_growth_rank_correlation_over_the_last_year_of_each_city() -> None:
    cities = ["beijing", "wuhan", "xiamen", "suzhou"]
    ratios = {"beijing": 1.05, "wuhan": 1.10, "xiamen": 1.20, "suzhou": 1.30}
    values = {}
    for city in cities:
        series = [1.0] * 108
        series[12 * 7 + 11] = ratios[city]  # 2017-12
        values[(city, "population")] = series
    cm = _city_month(values)
    moments = pd.DataFrame(
        {
            "moment": ["population_growth_since_census_2017"] * 4,
            "city": cities,
            "target": [1.01, 1.02, 1.03, 1.04],  # the same order: rho 1
        }
    )
    assert ins.growth_rho(cm, moments) == pytest.approx(1.0)
    reversed_order = moments.assign(target=[1.04, 1.03, 1.02, 1.01])  # negative control
    assert ins.growth_rho(cm, reversed_order) == pytest.approx(-1.0)
    assert ins.annual_growth(np.exp(0.1), 2010) == pytest.approx(0.1 / (2 / 12))


# --------------------------------------------------------------------------- MyCOS
def _pool(year: int, went: dict[tuple[str, str], float]) -> pd.DataFrame:
    rows = [(year, "cohort_went", node, degree, v) for (node, degree), v in went.items()]
    return pd.DataFrame(rows, columns=["year", "quantity", "node", "degree", "value"])


def test_cohort_share_counts_college_and_bachelor_graduates_of_the_year() -> None:
    pool = _pool(
        2013,
        {
            ("beijing", "bachelor"): 20.0,
            ("shanghai", "college"): 10.0,
            ("wuhan", "bachelor"): 30.0,
            ("outside", "college"): 40.0,
            ("beijing", "master"): 500.0,  # not in MyCOS's survey
        },
    )
    assert ins.cohort_share(pool, ins.TIER1, 2013) == pytest.approx(0.3)
    assert ins.cohort_share(pool, ins.NEW_TIER1, 2013) == pytest.approx(0.3)
    # negative control: counting postgraduates too changes the share
    assert ins.cohort_share(pool, ins.TIER1, 2013, ("college", "bachelor", "master")) > 0.8
    assert np.isnan(ins.cohort_share(pool, ins.TIER1, 2014))


def test_the_mycos_share_reads_graduates_six_months_on() -> None:
    pool = _pool(2013, {("beijing", "bachelor"): 50.0, ("outside", "college"): 50.0})
    # six months on, 20 of the 50 who chose Beijing still live there, 10 moved to Shenzhen
    cm = _city_month(
        {("beijing", "cohort_6m"): [0.0, 20.0], ("shenzhen", "cohort_6m"): [0.0, 10.0]},
        start="2013-12",
    )
    assert ins.cohort_share(pool, ins.TIER1, 2013) == pytest.approx(0.5)  # at the choice
    assert ins.cohort_share_6m(cm, pool, ins.TIER1, 2013) == pytest.approx(0.3)
    assert np.isnan(ins.cohort_share_6m(cm, pool, ins.TIER1, 2014))  # no 2015-01 in the run
    # negative control: a run without the metric falls back on the share at the choice
    other = _city_month({("beijing", "population"): [1.0, 1.0]}, start="2013-12")
    assert ins.cohort_share_6m(other, pool, ins.TIER1, 2013) == pytest.approx(0.5)


# --------------------------------------------------------------------------- responses
def test_difference_in_differences_against_the_other_cities() -> None:
    outcome = pd.DataFrame({c: [10.0, 10.0] for c in CITY_KEYS}, index=[2016, 2017])
    outcome.loc[2017, "wuhan"] = 30.0  # x3 in Wuhan
    outcome.loc[2017, [c for c in CITY_KEYS if c != "wuhan"]] = 20.0  # x2 elsewhere
    assert ins.diff_in_diff(outcome, "wuhan", 2016, 2017) == pytest.approx(np.log(1.5))
    # negative control: a rise shared by every city is no response
    same = outcome.copy()
    same.loc[2017] = 20.0
    assert ins.diff_in_diff(same, "wuhan", 2016, 2017) == pytest.approx(0.0)
    # a response weaker than the others' is negative: the moment is two-sided
    assert ins.diff_in_diff(outcome, "beijing", 2016, 2017) < 0
    assert np.isnan(ins.diff_in_diff(outcome, "wuhan", 2015, 2017))


def test_outcomes_read_the_run_tables() -> None:
    flows = _flows(
        [
            (2016, "beijing", "xian", "bachelor", 5.0),
            (2016, "outside", "xian", "master", 3.0),
            (2016, "beijing", "xian", "college", 100.0),  # not talent
            (2017, "xian", "xian", "bachelor", 100.0),  # not a move
        ]
    )
    arrivals = ins.talent_arrivals(flows)
    assert arrivals.at[2016, "xian"] == 8.0
    cm = _city_month({("wuhan", "graduate_newcomers_1y"): [1.0] * 24})
    assert ins.graduates_staying(cm).loc[[2010, 2011], "wuhan"].tolist() == [12.0, 12.0]


# --------------------------------------------------------------------------- Nanjing
def test_residents_by_degree_at_a_date() -> None:
    cm = _city_month({("nanjing", "talent"): [1.0, 2.0], ("nanjing", "college"): [3.0, 4.0]})
    assert ins.residents_by_degree(cm, "nanjing", "2010-02-01") == {"talent": 2.0, "college": 4.0}
    assert np.isnan(ins.residents_by_degree(cm, "nanjing", "2019-12-01")["talent"])


# --------------------------------------------------------------------------- Liepin
def test_net_inflow_ordering_counts_pairs_in_the_wrong_order() -> None:
    rows = []
    for city, into, out in (
        ("hangzhou", 90, 10),
        ("shenzhen", 70, 30),
        ("shanghai", 60, 40),
        ("beijing", 55, 45),
    ):
        rows += [(2017, "outside", city, "bachelor", into), (2017, city, "outside", "phd", out)]
    rates = ins.net_inflow_rate(_flows(rows), 2017)
    assert rates["hangzhou"] == pytest.approx(0.8)
    assert ins.wrong_pairs(rates, ins.LIEPIN_ORDER) == 0
    assert ins.kendall_tau(rates, ins.LIEPIN_ORDER) == 1.0
    # negative control: Beijing above Hangzhou puts three pairs in the wrong order
    swapped = rates.copy()
    swapped["beijing"] = 0.9
    assert ins.wrong_pairs(swapped, ins.LIEPIN_ORDER) == 3
    assert ins.kendall_tau(rates[::-1] * -1, ins.LIEPIN_ORDER) == -1.0


# --------------------------------------------------------------------------- vacancy, rents
def test_office_vacancy_prefers_the_recorded_metric_and_falls_back_on_occupancy() -> None:
    occupancy = [0.9] * 12 + [0.6] * 12  # 2011: vacancy 0.4
    cm = _city_month({("chengdu", "office_occupancy"): occupancy})
    assert ins.vacancy_in(cm, "chengdu", 2011, "q2") == pytest.approx(0.4)
    assert ins.vacancy_in(cm, "chengdu", 2010, "end") == pytest.approx(0.1)
    # negative control: a recorded `office_vacancy` wins over the occupancy
    both = pd.concat([cm, _city_month({("chengdu", "office_vacancy"): [0.25] * 24})])
    assert ins.vacancy_in(both, "chengdu", 2011, "q2") == pytest.approx(0.25)


def test_rent_growth_is_the_month_over_the_base_year_mean() -> None:
    rent = [10.0] * 6 + [30.0] * 6 + [40.0] * 12  # 2010 mean 20
    cm = _city_month({("wuhan", "rent"): rent})
    assert ins.rent_growth(cm, "wuhan", 2010, "2011-10") == pytest.approx(2.0)
    assert ins.rent_growth(cm, "wuhan", 2010, "2010-12") == pytest.approx(1.5)


# --------------------------------------------------------------------------- all, and the table
def test_simulated_moments_returns_one_row_per_table_row_it_measures() -> None:
    moments = pd.DataFrame(
        {
            "moment": ["rent_growth_2010_2011_10", "office_vacancy_2011_q2", "wage_2010"],
            "city": ["wuhan", "wuhan", "wuhan"],
            "target": [1.5, 0.2, 40000],
        }
    )
    cm = _city_month({("wuhan", "rent"): [20.0] * 12 + [30.0] * 12,
                      ("wuhan", "office_occupancy"): [0.7] * 24})  # fmt: skip
    tables = {"city_month": cm, "flows_year": _flows([]), "pool_year": _pool(2013, {})}
    out = ins.simulated_moments(tables, moments)
    assert list(out.columns) == ["moment", "city", "simulated"]
    got = out.set_index(["moment", "city"]).simulated
    assert got[("rent_growth_2010_2011_10", "wuhan")] == pytest.approx(1.5)
    assert got[("office_vacancy_2011_q2", "wuhan")] == pytest.approx(0.3)
    assert ("wage_2010", "wuhan") not in got.index  # not an in-sample moment of this module
    assert ("did_talent_arrivals_2016", "shenzhen") in got.index  # measured without a target


def test_the_packaged_table_is_what_its_tool_writes_with_the_2010s_rows() -> None:
    spec = importlib.util.spec_from_file_location("moments_table", ROOT / "tools/moments_table.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    packaged = ROOT / "src/hubsim/data/moments.csv"
    assert packaged.read_text(encoding="utf-8") == tool.table_text()
    assert (
        len(tool.insample_rows()) > 50 and not (ROOT / "src/hubsim/data/moments_2010s.csv").exists()
    )


def test_every_packaged_in_sample_row_is_measured_and_sourced_before_2020() -> None:
    table = ins.load_table()
    assert (table.source.str.strip().str.len() > 0).all()
    late = re.compile(r"(?<!\d)20[2-9]\d(?!\d)")
    for column in ("source", "basis"):
        assert not table[column].str.contains(late).any(), column
    insample = table[table["sample"].str.contains("2019-12")]
    assert len(insample) > 50
    assert all(m.startswith(ins.PREFIXES) for m in insample.moment)
    assert not table.moment.str.startswith(ins.PREFIXES).all()  # the control: other moments


def test_liepins_rates_count_experienced_talent_over_its_window() -> None:
    # Hangzhou: 30 in, 10 out inside 2016-10..2018-03 -> 0.5; Beijing: 10 in, 30 out -> -0.5.
    # A month outside the window (2018-06) would reverse Hangzhou's if it were counted.
    rows = []
    for date, city, into, out in (
        ("2016-10-01", "hangzhou", 20, 5), ("2018-03-01", "hangzhou", 10, 5),
        ("2018-06-01", "hangzhou", 0, 100), ("2017-05-01", "beijing", 10, 30),
    ):  # fmt: skip
        rows += [
            {"date": pd.Timestamp(date), "city": city, "metric": "talent_inflow_experienced",
             "value": float(into)},
            {"date": pd.Timestamp(date), "city": city, "metric": "talent_outflow_experienced",
             "value": float(out)},
        ]  # fmt: skip
    rates = ins.experienced_net_inflow_rate(pd.DataFrame(rows), 2017)
    assert rates["hangzhou"] == pytest.approx(0.5)
    assert rates["beijing"] == pytest.approx(-0.5)
    assert np.isnan(rates["shanghai"])  # no moves: no rate
    assert (
        ins.experienced_net_inflow_rate(
            pd.DataFrame(rows[:0], columns=["date", "city", "metric", "value"]), 2017
        )
        is None
    )
