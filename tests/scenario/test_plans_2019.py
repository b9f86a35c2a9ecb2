"""plans-2019.yaml: every office pipeline it adds is the data rows its source cites, converted by
the factors the source states, and those factors are the scenario's own."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from hubsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "hubsim" / "data"
PLANS = ROOT / "scenarios" / "plans-2019.yaml"

ROW = re.compile(r"\[(\w+)\.csv (\w+) (\d{4}) (\w+)\]")
FACTOR = re.compile(r" x ([0-9.]+) \(([^)]*)\)")
DIVISOR = re.compile(r" / ([0-9.]+) \(([^)]*)\)")


def cited_m2(source: str) -> float:
    """The floor area (or land) a source cites: its first row, less any row after 'less'."""
    rows = ROW.findall(source)
    assert rows, f"an office pipeline cites no data row: {source!r}"
    values = [_row_value(*row) for row in rows]
    less = " less [" in source
    assert len(rows) == (2 if less else 1), f"unexpected rows cited: {source!r}"
    return values[0] - (values[1] if less else 0.0)


def _row_value(file: str, city: str, year: str, quantity: str) -> float:
    table = pd.read_csv(DATA / f"{file}.csv")
    hit = table[(table.city == city) & (table.year == int(year)) & (table.quantity == quantity)]
    assert len(hit) == 1, f"{file}.csv has {len(hit)} rows for {city} {year} {quantity}"
    return float(hit.value.iloc[0])


def stated_seats(source: str, firms) -> float:
    """Seats by the source's arithmetic; each named factor must be the scenario's value."""
    seats = cited_m2(source)
    for value, label in FACTOR.findall(source):
        if label == "office_grade_a_share":
            assert float(value) == pytest.approx(firms.office_grade_a_share, abs=5e-6), label
        seats *= float(value)
    (divisor,) = DIVISOR.findall(source)
    assert divisor[1] == "office_m2_per_seat"
    assert float(divisor[0]) == firms.office_m2_per_seat
    return seats / float(divisor[0])


def test_every_pipeline_is_the_rows_it_cites():
    scenario = load_scenario(PLANS)
    firms = scenario.behaviour.firms
    pipelines = [p for p in scenario.programmes if p.instrument == "office_capacity"]
    assert len(pipelines) == 6
    for p in pipelines:
        assert math.isclose(p.amount, stated_seats(p.source, firms), rel_tol=1e-6), p.source


def test_every_added_programme_has_a_source_and_dates_before_2020():
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    scenario = load_scenario(PLANS)
    added = scenario.programmes[len(base.programmes) :]
    assert len(added) == 8
    for p in added:
        assert p.source.strip(), p
        assert int(p.start[:4]) <= 2019, p
        assert "ASSUMPTION" in p.source or p.instrument == "hukou", p.source


def test_a_wrong_amount_is_caught():
    """Negative control: the check fails for a pipeline off by a tenth."""
    scenario = load_scenario(PLANS)
    p = next(p for p in scenario.programmes if p.instrument == "office_capacity")
    assert not math.isclose(
        p.amount * 1.1, stated_seats(p.source, scenario.behaviour.firms), rel_tol=1e-6
    )
    with pytest.raises(AssertionError):
        cited_m2("seats = [office_market.csv guangzhou 2023 no_such_quantity] / 12")


@pytest.mark.slow  # a 10-year run at a coarse scale
def test_the_run_builds_each_pipeline_by_its_dates():
    """To 2019-12: the pipelines finished by then are built whole, Guangzhou's 6 of its 54
    months and Fuzhou's 13 of 61; the hubs without a pipeline build nothing (control)."""
    from hubsim.engine import HubModel
    from hubsim.experiments.replications import resolve
    from hubsim.scenario import CITY_KEYS

    model = HubModel(resolve(PLANS, seed=3, scale=5_000, months=120))
    for _ in range(model.state.calendar.months):
        model.step()
    built = dict(zip(CITY_KEYS, model.city_metrics["office_seats_built"][:-1], strict=True))
    expected = {
        "nanjing": 150_000 + 6_250,
        "xian": 37_500,
        "chengdu": 44_000,
        "guangzhou": 283_333.33 * 6 / 54,
        "fuzhou": 40_233.35 * 13 / 61,
    }
    for city in CITY_KEYS:
        assert built[city] == pytest.approx(expected.get(city, 0.0), rel=1e-6, abs=1e-6), city
