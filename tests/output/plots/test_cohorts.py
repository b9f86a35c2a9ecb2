"""The pool account's figure (output.plots.cohorts), on a hand-made pool table."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from hubsim.output.layout import CITY_COLOURS, REST_OF_CHINA_COLOUR
from hubsim.output.plots.cohorts import cohort_figure, cohort_shares
from hubsim.scenario import CITY_KEYS


def _pool() -> pd.DataFrame:
    rows = [
        (2010, "cohort_talent_went", "chengdu", "bachelor+", 100.0, 0),
        (2010, "cohort_talent_went", "rest_of_china", "bachelor+", 300.0, 0),
        (2010, "cohort_talent_went", "chengdu", "bachelor+", 200.0, 1),
        (2010, "cohort_talent_went", "rest_of_china", "bachelor+", 200.0, 1),
        (2011, "cohort_talent_went", "chengdu", "bachelor+", 0.0, 0),  # no cohort: left out
        (2010, "talent_end", "national", "", 5.0e6, 0),
    ]
    return pd.DataFrame(
        rows, columns=["year", "quantity", "node", "degree", "value", "replication"]
    )


def test_cohort_shares_average_replications_and_drop_empty_years():
    shares = cohort_shares(_pool())
    assert list(shares.index) == [2010]
    assert shares.loc[2010, "chengdu"] == pytest.approx(150.0)
    assert shares.loc[2010, "rest_of_china"] == pytest.approx(250.0)


def test_cohort_figure_stacks_one_bar_per_node():
    fig = cohort_figure(_pool())
    (ax,) = fig.axes
    assert len(ax.patches) == 2  # one cohort year x two nodes
    assert [t.get_text() for t in ax.texts] == ["38%"]  # 150 of 400 chose one of the 13


def test_a_run_without_a_july_says_so_instead_of_empty_axes() -> None:
    import pandas as pd

    from hubsim.output.plots.cohorts import cohort_figure

    empty = pd.DataFrame(columns=["year", "quantity", "node", "degree", "value", "replication"])
    fig = cohort_figure(empty)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts == ["No July cohort in this run: nothing to show"]


def test_cohort_figure_uses_fixed_margins_not_constrained_layout() -> None:
    fig = cohort_figure(_pool())
    assert fig.get_layout_engine() is None
    left, bottom, right, top = fig.axes[0].get_position().extents
    assert 0.05 < left < right < 0.99 and 0.1 < bottom < top < 0.95


def test_each_city_takes_its_palette_colour_and_the_rest_of_china_grey():
    pool = _pool()
    extra = pool[pool.node == "chengdu"].assign(node="xiamen")
    more = pool[pool.node == "chengdu"].assign(node="guiyang")
    fig = cohort_figure(pd.concat([pool, extra, more], ignore_index=True))
    legend = fig.axes[0].get_legend()
    colours = {t.get_text(): h.get_facecolor()[:3] for t, h in
               zip(legend.texts, legend.legend_handles, strict=True)}  # fmt: skip
    for city, name in (("xiamen", "Xiamen"), ("guiyang", "Guiyang"), ("chengdu", "Chengdu")):
        assert colours[name] == pytest.approx(to_rgb(CITY_COLOURS[CITY_KEYS.index(city)]))
    assert colours["rest of China"] == pytest.approx(to_rgb(REST_OF_CHINA_COLOUR))
