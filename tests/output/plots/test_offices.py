"""The office vacancy figure (output.plots.offices): the brokers' record, dates, the verdict."""

from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from hubsim.output.plots import offices
from hubsim.scenario import CITY_KEYS


def test_the_record_is_the_cities_vacancy_shares_of_2013_2019():
    record = offices.vacancy_record()
    assert set(record.city) <= set(CITY_KEYS)  # no national or tier-1 aggregates
    assert record.date.dt.year.between(2013, 2019).all()
    assert record.value.between(0, 1).all()
    chengdu = record[(record.city == "chengdu") & (record.date == "2013-09-01")].iloc[0]
    assert (chengdu.value, chengdu.definition, chengdu.label) == (0.407, "city-wide", "CBRE")
    wuhan = record[record.city == "wuhan"].set_index("date")
    assert wuhan.loc["2014-09-01", "definition"] == "availability"
    assert wuhan.loc["2017-03-01", "value"] == 0.273
    shanghai = record[(record.city == "shanghai") & (record.value == 0.268)].iloc[0]
    assert shanghai.definition == "submarket" and shanghai.date == pd.Timestamp("2017-12-01")
    # 28 points in the packaged table; stock, pipeline and land rows are never points.
    assert len(record) == 28


def test_rows_that_are_not_vacancy_shares_are_left_out():
    """Negative control: a stock in m2, a 2020 vacancy and a national rate give no point."""
    table = pd.DataFrame(
        {
            "city": ["xian", "xian", "national", "nanjing"],
            "year": [2014, 2020, 2015, 2015],
            "quantity": ["grade_a_stock", "grade_a_vacancy", "second_tier_office_vacancy",
                         "grade_a_vacancy_q2"],
            "value": [1.06e6, 0.3, 0.271, 0.239],
            "unit": ["m2 (Savills)", "share (x)", "share (CBRE)", "share (DTZ, 2Q15)"],
            "source": ["", "", "", "DTZ Property Times"],
        }
    )  # fmt: skip
    record = offices.vacancy_record(table)
    assert record.city.tolist() == ["nanjing"]
    assert record.date.iloc[0] == pd.Timestamp("2015-06-01")


@pytest.mark.parametrize(
    ("quantity", "unit", "month"),
    [
        ("grade_a_vacancy_q3", "share", 9),
        ("grade_a_vacancy", "share (DTZ, 2Q15)", 6),
        ("grade_a_vacancy", "share (Savills, end-May 2014, +3.4pp)", 5),
        ("cbd_grade_a_vacancy", "share (JLL CBD, end-2017, +2pp yoy)", 12),
        ("grade_a_vacancy", "share (Colliers, 2015; lowest in six years)", 7),
    ],
)
def test_a_records_date_is_the_end_of_its_period(quantity, unit, month):
    assert offices.record_date(2015, quantity, unit).month == month


def test_the_verdict_is_read_by_name():
    both = pd.DataFrame({"city": ["chengdu", "xian"], "ghost": [True, False],
                         "ghost_share": [0.0, 1.0]})  # fmt: skip
    assert offices.verdict(both) == {"chengdu": "ghost", "xian": "no ghost"}  # `ghost` first
    shares = pd.DataFrame({"city": ["chengdu"], "ghost_share": [0.25]})
    assert offices.verdict(shares) == {"chengdu": "ghost in 25% of runs"}
    assert offices.verdict(pd.DataFrame({"city": ["chengdu"]})) == {}
    assert offices.is_ghost("ghost in 50% of runs") and not offices.is_ghost("ghost in 25% of runs")
    assert offices.is_ghost("ghost") and not offices.is_ghost("no ghost")


def _run(cities: list[str]) -> pd.DataFrame:
    dates = pd.date_range("2010-01-01", periods=240, freq="MS")
    rows = [
        pd.DataFrame({"date": dates, "city": c, "metric": "office_vacancy",
                      "value": np.linspace(0.1, 0.5, 240) + 0.01 * r, "replication": r})
        for c in cities for r in range(2)
    ]  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def test_each_panel_has_its_path_its_record_and_its_verdict():
    summary = pd.DataFrame({"city": ["chengdu", "guiyang"], "name": ["Chengdu", "Guiyang"],
                            "tier": [2, 2], "ghost_share": [0.0, 0.75]})  # fmt: skip
    fig = offices.vacancy_figure(_run(["chengdu", "guiyang"]), summary)
    chengdu, guiyang = [ax for ax in fig.axes if ax.get_visible()]
    assert chengdu.get_title() == "Chengdu: ghost in 0% of runs"
    assert guiyang.get_title() == "Guiyang: ghost in 75% of runs"
    red = mcolors.to_rgba(offices.GHOST_COLOUR)
    assert mcolors.to_rgba(guiyang.title.get_color()) == red
    assert mcolors.to_rgba(chengdu.title.get_color()) != red

    def points(ax) -> int:
        return sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))

    assert points(chengdu) == 3  # CBRE 2013, CBRE 2015, the Q1 2018 report
    assert points(guiyang) == 0  # no record for Guiyang
    line = chengdu.lines[0].get_ydata()
    assert line[0] == pytest.approx(10.5) and line[-1] == pytest.approx(50.5)  # mean, in %
