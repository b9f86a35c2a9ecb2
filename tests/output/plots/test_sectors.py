"""Sector and branch figures (output.plots.sectors), on a hand-made city_sector_month table."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from hubsim.output.plots import sectors as sector_plots
from hubsim.scenario import CITY_KEYS, SECTORS


def _table() -> pd.DataFrame:
    rows = []
    for date, factor in (("2010-01-01", 1.0), ("2029-12-01", 2.0)):
        for r in (0, 1):
            for c in CITY_KEYS:
                for s in SECTORS:
                    jobs = 100.0 * (factor if (c, s) == ("chengdu", "games_media") else 1.0)
                    rows.append((date, c, s, "all", "jobs", jobs + r, r))
            rows.append((date, "chengdu", "all", "beijing", "branch_offices", 3 * factor, r))
    table = pd.DataFrame(
        rows,
        columns=["date", "city", "sector", "headquarters", "metric", "value", "replication"],
    )
    return table.assign(date=pd.to_datetime(table.date))


def test_jobs_by_sector_start_and_end_average_replications():
    start = sector_plots.jobs_by_sector(_table(), "start")
    end = sector_plots.jobs_by_sector(_table(), "end")
    assert start.loc["chengdu", "games_media"] == pytest.approx(100.5)
    assert end.loc["chengdu", "games_media"] == pytest.approx(200.5)
    assert list(start.columns) == list(SECTORS) and list(start.index) == list(CITY_KEYS)


def test_location_quotient_marks_the_grown_sector():
    lean = sector_plots.location_quotients(sector_plots.jobs_by_sector(_table(), "end"))
    assert lean.loc["chengdu", "games_media"] > 1.5
    assert lean.loc["beijing", "games_media"] < 1.0


def test_branch_matrix_is_headquarters_by_branch_city_mean_over_replications():
    end = sector_plots.branch_matrix(_table(), "end")
    assert end.loc["beijing", "chengdu"] == pytest.approx(6.0)
    assert end.to_numpy().sum() == pytest.approx(6.0)  # nothing else


def test_specialisations_follow_the_packaged_mix():
    special = sector_plots.specialisations()
    assert "data" in special["guiyang"]
    assert "mobility" in special["wuhan"]
    assert "local_services" not in sum(special.values(), [])


def test_figures_draw_one_bar_per_city_year_and_sector_and_two_maps():
    fig = sector_plots.sector_figure(_table())
    (ax,) = fig.axes
    assert len(ax.patches) == len(CITY_KEYS) * 2 * len(SECTORS)
    fig = sector_plots.branch_figure(_table())
    assert len(fig.axes) == 4  # two maps and their colour bars
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["6"]  # Beijing's branches in Chengdu; the change panel says "+3"
    assert [t.get_text() for t in fig.axes[1].texts] == ["+3"]


def test_figures_use_fixed_margins_not_constrained_layout():
    """Constrained layout measured every label on each pass (most of these figures' time)."""
    for build in (sector_plots.sector_figure, sector_plots.branch_figure):
        fig = build(_table())
        assert fig.get_layout_engine() is None
        left, _bottom, right, top = fig.axes[0].get_position().extents
        assert 0.05 < left < right < 0.95 and top < 0.95  # room for the labels around


def test_the_sector_figures_title_stays_clear_of_its_legend():
    fig = sector_plots.sector_figure(_table())
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    title = fig.get_suptitle() and fig._suptitle.get_window_extent(renderer)
    legend = fig.axes[0].get_legend().get_window_extent(renderer)
    assert title and title.y0 > legend.y1  # above it, not over its top row
    assert fig.bbox.y1 >= title.y1 and fig.axes[0].get_window_extent().y1 <= legend.y0 + 1
