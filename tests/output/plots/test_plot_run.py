"""Tests for hubsim.output.plots: plot_run and each figure, PNG validity, bands, edge cases."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from PIL import Image

from hubsim.output import plots
from hubsim.output.layout import CITY_COLOURS, REST_OF_CHINA_COLOUR
from hubsim.output.plots import figure, migration, policy, series
from hubsim.scenario import CITY_KEYS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ALL_FILES = [
    "talent.png",
    "rent_wage.png",
    "net_migration.png",
    "flows_heatmap.png",
    "attainment.png",
    "office_vacancy.png",
    "spending.png",
]
CITIES = [
    ("beijing", "Beijing", 1),
    ("shanghai", "Shanghai", 1),
    ("shenzhen", "Shenzhen", 1),
    ("guangzhou", "Guangzhou", 1),
    ("hangzhou", "Hangzhou", 2),
    ("chengdu", "Chengdu", 2),
    ("nanjing", "Nanjing", 2),
    ("suzhou", "Suzhou", 2),
    ("wuhan", "Wuhan", 2),
    ("xian", "Xi'an", 2),
    ("xiamen", "Xiamen", 2),
    ("fuzhou", "Fuzhou", 2),
    ("guiyang", "Guiyang", 2),
]
METRICS = ["population", "talent", "rent", "wage_mean", "net_migration", "subsidy_spent"]


def make_run(
    n_cities: int = 13, n_rep: int = 3, n_months: int = 24, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Small synthetic run in the exact formats the model hands to plot_run."""
    rng = np.random.default_rng(seed)
    # Put a tier-2 city first so the tier-1-first ordering is actually exercised.
    cities = CITIES[4:5] + CITIES[:4] + CITIES[5:]
    cities = cities[:n_cities]
    dates = pd.date_range("2016-07-01", periods=n_months, freq="MS")
    frames = []
    for i, (key, _name, _tier) in enumerate(cities):
        base = 1e6 * (1 + i)
        for rep in range(n_rep):
            walk = np.cumsum(rng.normal(0, 0.01, n_months))
            paths = {
                "population": base * 5 * (1 + walk),
                "talent": base * (1 + 0.01 * np.arange(n_months) + walk),
                "rent": 60 * (1 + walk),
                "wage_mean": 90_000 * (1 + walk),
                "net_migration": rng.normal(500, 2000, n_months),
                "subsidy_spent": np.full(n_months, 1e6),
                "office_vacancy": np.clip(0.1 + walk, 0, 1),
            }
            for metric, values in paths.items():
                frames.append(
                    pd.DataFrame(
                        {
                            "date": dates,
                            "city": key,
                            "metric": metric,
                            "value": values.astype("float64"),
                            "replication": rep,
                        }
                    )
                )
    # rest_of_china rows exist in model output but must never become a panel.
    frames.append(
        pd.DataFrame(
            {
                "date": dates,
                "city": "rest_of_china",
                "metric": "talent",
                "value": 1e8,
                "replication": 0,
            }
        )
    )
    city_month = pd.concat(frames, ignore_index=True)
    return city_month, make_flows(cities, n_rep, rng), make_summary(cities, rng)


def make_flows(cities: list, n_rep: int, rng: np.random.Generator) -> pd.DataFrame:
    """Yearly origin-destination movers including rest_of_china."""
    keys = [c[0] for c in cities] + ["rest_of_china"]
    rows = [
        (year, o, d, degree, float(rng.uniform(10, 5000)), rep)
        for rep in range(n_rep)
        for year in (2016, 2017, 2018)
        for o in keys
        for d in keys
        if o != d
        for degree in ("bachelor", "master")
    ]
    columns = ["year", "origin", "destination", "degree", "movers", "replication"]
    return pd.DataFrame(rows, columns=columns)


def make_summary(cities: list, rng: np.random.Generator) -> pd.DataFrame:
    """One row per city; first city has no target and no net gain."""
    n = len(cities)
    start = rng.uniform(0.5e6, 5e6, n)
    end = start * rng.uniform(0.9, 1.3, n)
    end[0] = start[0] * 0.95
    target = end * rng.uniform(0.8, 1.2, n)
    target[0] = np.nan
    spending = rng.uniform(0, 5e9, n)
    gain = end - start
    return pd.DataFrame(
        {
            "city": [c[0] for c in cities],
            "name": [c[1] for c in cities],
            "tier": [c[2] for c in cities],
            "talent_start": start,
            "talent_end": end,
            "talent_end_lo": end * 0.95,
            "talent_end_hi": end * 1.05,
            "talent_at_target_date": end * 0.98,
            "talent_at_target_lo": end * 0.93,
            "talent_at_target_hi": end * 1.03,
            "target_talent": target,
            "target_date": ["" if np.isnan(t) else "2017-06" for t in target],
            "target_note": ["" if np.isnan(t) else "judged" for t in target],
            "share_of_target": end * 0.98 / target,
            "share_of_target_lo": end * 0.93 / target,
            "share_of_target_hi": end * 1.03 / target,
            "reached_share": (end >= target).astype(float),
            "ghost_share": [0.6 if i == n - 1 else 0.0 for i in range(n)],
            "office_occupancy_end": 0.8,
            "spending_yuan": spending,
            "net_talent_gained": gain,
        }
    )


def assert_png(path: Path) -> None:
    """A real, non-empty PNG within the size budget."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert 1_000 < len(data) < 300_000


def city_axes(fig, names: set[str]) -> list:
    """Panels of a small-multiples figure whose title is a city name."""
    return [ax for ax in fig.axes if ax.get_title() in names]


def has_band(ax) -> bool:
    return any(isinstance(c, PolyCollection) for c in ax.collections)


@pytest.mark.parametrize(
    ("n_cities", "n_rep"),
    [  # all 13 cities take 5 s a case: CI's slow step draws them
        pytest.param(13, 1, marks=pytest.mark.slow),
        pytest.param(13, 3, marks=pytest.mark.slow),
        (3, 3),
    ],
)
def test_plot_run_writes_every_figure(tmp_path: Path, n_cities: int, n_rep: int) -> None:
    city_month, flows, summary = make_run(n_cities=n_cities, n_rep=n_rep)
    out = tmp_path / "nested" / "figures"  # missing parents must be created
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete run must not warn
        paths = plots.plot_run(city_month, flows, summary, out)
    assert [p.name for p in paths] == ALL_FILES
    assert sorted(out.iterdir()) == sorted(paths)
    for path in paths:
        assert_png(path)
    assert plt.get_fignums() == []  # every figure closed after saving


def test_band_only_with_replications() -> None:
    names = {c[1] for c in CITIES}
    for n_rep, expected in [(1, False), (3, True)]:
        city_month, _flows, summary = make_run(n_cities=5, n_rep=n_rep)
        fig = series.talent_figure(city_month, summary)
        panels = city_axes(fig, names)
        assert len(panels) == 5
        assert all(has_band(ax) == expected for ax in panels)
        fig_rw = series.rent_wage_figure(city_month, summary)
        assert all(has_band(ax) == expected for ax in fig_rw.axes[:2])


def test_talent_panels_order_names_and_exclude_rest() -> None:
    city_month, _flows, summary = make_run(n_cities=13, n_rep=1)
    fig = series.talent_figure(city_month, summary)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[:4] == ["Beijing", "Shanghai", "Shenzhen", "Guangzhou"]  # tier 1 first
    assert "Xi'an" in titles  # display name, not the key
    assert len(titles) == 13
    assert not any("rest" in t.lower() for t in titles)


def test_talent_band_is_percentile_range() -> None:
    city_month, _flows, _summary = make_run(n_cities=2, n_rep=3)
    stats, n_rep = series._metric_stats(city_month, "talent")
    assert n_rep == 3
    first = city_month[(city_month["metric"] == "talent") & (city_month["city"] == "hangzhou")]
    first = first[first["date"] == first["date"].min()]["value"]
    row = stats[(stats["city"] == "hangzhou")].iloc[0]
    assert row["mean"] == pytest.approx(first.mean())
    assert row["lo"] == pytest.approx(np.percentile(first, 2.5))
    assert row["hi"] == pytest.approx(np.percentile(first, 97.5))
    assert "rest_of_china" not in set(stats["city"])


def test_missing_metric_warns_and_writes_the_rest(tmp_path: Path) -> None:
    city_month, flows, summary = make_run(n_cities=4, n_rep=2)
    city_month = city_month[city_month["metric"] != "wage_mean"]
    with pytest.warns(UserWarning, match="rent_wage.png.*wage_mean"):
        paths = plots.plot_run(city_month, flows, summary, tmp_path)
    names = [p.name for p in paths]
    assert names == [f for f in ALL_FILES if f != "rent_wage.png"]
    assert not (tmp_path / "rent_wage.png").exists()
    for path in paths:
        assert_png(path)


def test_all_nan_metric_counts_as_missing(tmp_path: Path) -> None:
    city_month, flows, summary = make_run(n_cities=3, n_rep=1)
    city_month.loc[city_month["metric"] == "net_migration", "value"] = np.nan
    with pytest.warns(UserWarning, match="net_migration"):
        paths = plots.plot_run(city_month, flows, summary, tmp_path)
    assert "net_migration.png" not in [p.name for p in paths]


def test_empty_flows_warns_and_skips_heatmap(tmp_path: Path) -> None:
    city_month, flows, summary = make_run(n_cities=3, n_rep=1)
    with pytest.warns(UserWarning, match="flows_year is empty"):
        paths = plots.plot_run(city_month, flows.iloc[0:0], summary, tmp_path)
    assert [p.name for p in paths] == [f for f in ALL_FILES if f != "flows_heatmap.png"]


@pytest.mark.slow  # 4-8 s: the default run stays under 3 minutes; CI runs it
def test_all_nan_targets(tmp_path: Path) -> None:
    city_month, flows, summary = make_run(n_cities=4, n_rep=3)
    summary["target_talent"] = np.nan
    summary["target_date"] = ""
    fig = policy.attainment_figure(summary)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels.count("no target") == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = plots.plot_run(city_month, flows, summary, tmp_path)
    assert [p.name for p in paths] == ALL_FILES


def test_talent_target_line_and_marker() -> None:
    city_month, _flows, summary = make_run(n_cities=3, n_rep=1)
    fig = series.talent_figure(city_month, summary)
    by_title = {ax.get_title(): ax for ax in fig.axes}
    # Hangzhou (first row of the summary) has no target: only the talent line.
    assert len(by_title["Hangzhou"].lines) == 1
    # Beijing has a target and a date: talent line, dashed target line, date marker.
    lines = by_title["Beijing"].lines
    assert len(lines) == 3
    assert any(line.get_linestyle() == "--" for line in lines)
    assert any(line.get_marker() == "D" for line in lines)


def test_attainment_status() -> None:
    _cm, _flows, summary = make_run(n_cities=5, n_rep=1)
    summary["reached_share"] = [0.0, 0.5, 0.4, 1.0, 1.0]
    summary["ghost_share"] = [0.0, 0.0, 0.0, 0.0, 0.5]
    table = policy._attainment_table(summary).set_index("city")
    assert table.loc["hangzhou", "status"] == "no target"  # NaN target
    assert table.loc["beijing", "status"] == "reached"
    assert table.loc["shanghai", "status"] == "missed"
    assert table.loc["shenzhen", "status"] == "reached"
    assert table.loc["guangzhou", "status"] == "ghost"  # ghost wins over reached
    row = summary.set_index("city").loc["beijing"]
    expected = 100 * row["share_of_target"]
    assert table.loc["beijing", "pct"] == pytest.approx(expected)
    assert list(table.index[:4]) == ["beijing", "shanghai", "shenzhen", "guangzhou"]


def test_net_migration_sums_months_and_averages_replications() -> None:
    dates = pd.date_range("2016-11-01", periods=4, freq="MS")  # Nov, Dec, Jan, Feb
    rows = [
        (d, "wuhan", "net_migration", float(v), rep)
        for rep, values in enumerate([[1, 2, 3, 4], [3, 4, 5, 6]])
        for d, v in zip(dates, values, strict=True)
    ]
    cm = pd.DataFrame(rows, columns=["date", "city", "metric", "value", "replication"])
    table, months = migration._net_migration_table(cm)
    assert table.loc["wuhan", 2016] == pytest.approx((3 + 7) / 2)
    assert table.loc["wuhan", 2017] == pytest.approx((7 + 11) / 2)
    assert months.to_dict() == {2016: 2, 2017: 2}


def test_flow_matrix_mean_over_replications_and_blank_diagonal() -> None:
    flows = pd.DataFrame(
        [
            (2016, "wuhan", "beijing", "bachelor", 100.0, 0),
            (2017, "wuhan", "beijing", "master", 50.0, 0),
            (2016, "rest_of_china", "wuhan", "phd", 40.0, 1),  # absent in rep 0
            (2016, "beijing", "beijing", "phd", 99.0, 1),  # diagonal: never shown
        ],
        columns=["year", "origin", "destination", "degree", "movers", "replication"],
    )
    summary = pd.DataFrame({"city": ["wuhan", "beijing"], "name": ["Wuhan", "Beijing"]})
    summary["tier"] = [2, 1]
    matrix = migration._flow_matrix(flows, summary)
    assert list(matrix.index) == ["beijing", "wuhan", "rest_of_china"]
    assert list(matrix.columns) == list(matrix.index)
    assert matrix.loc["wuhan", "beijing"] == pytest.approx(75.0)
    assert matrix.loc["rest_of_china", "wuhan"] == pytest.approx(20.0)
    assert matrix.loc["beijing", "wuhan"] == 0.0
    assert np.isnan(np.diag(matrix.to_numpy())).all()


def test_spending_shows_spending_only_and_points_to_compare_for_a_cost() -> None:
    city_month, _flows, summary = make_run(n_cities=4, n_rep=2)
    fig = policy.spending_figure(city_month, summary)
    words = " ".join(
        [t.get_text() for t in fig.texts]
        + [ax.get_xlabel() + ax.get_ylabel() + ax.get_title() for ax in fig.axes]
    )
    assert "per net talent" not in words and "per person" not in words
    assert "billion yuan" in fig.axes[0].get_xlabel()
    assert "per year" in fig.axes[1].get_ylabel()
    assert "hubsim compare" in words
    # the yearly panel: 1e6 yuan a month for 6 months of 2016 (from July), 12 of 2017, 6 of 2018
    line = fig.axes[1].lines[0]
    assert list(line.get_xdata()) == [2016, 2017, 2018]
    assert line.get_ydata() == pytest.approx([6e-3, 12e-3, 6e-3])


def test_missing_display_name_falls_back_to_key() -> None:
    summary = pd.DataFrame({"city": ["xian", "wuhan"], "name": ["", None], "tier": [2, 2]})
    names = figure.display_names(summary)
    assert names["xian"] == "xian"
    assert names["wuhan"] == "wuhan"
    assert names["rest_of_china"] == "Rest of China"


def test_metric_only_for_rest_of_china_counts_as_missing(tmp_path: Path) -> None:
    city_month, flows, summary = make_run(n_cities=3, n_rep=1)
    keep = (city_month["metric"] != "talent") | (city_month["city"] == "rest_of_china")
    with pytest.warns(UserWarning, match="talent.png.*talent"):
        paths = plots.plot_run(city_month[keep], flows, summary, tmp_path)
    assert "talent.png" not in [p.name for p in paths]


def test_large_figures_are_palettised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(figure, "_PALETTE_ABOVE_BYTES", 0)
    city_month, _flows, summary = make_run(n_cities=3, n_rep=3)
    path = figure.save(series.talent_figure(city_month, summary), tmp_path / "t.png")
    assert_png(path)
    with Image.open(path) as image:
        assert image.mode == "P"
        assert image.size[0] == 1320  # 12 in at 110 dpi
    assert plt.get_fignums() == []


@pytest.mark.slow  # over 8 s: the slow CI step runs it
def test_figures_leave_the_callers_backend_and_pyplot_alone(tmp_path: Path) -> None:
    """A notebook user's backend is not switched and no figure is left open in pyplot."""
    script = f"""
import pathlib, sys
import matplotlib
matplotlib.use("svg")
import matplotlib
import matplotlib.pyplot as plt
sys.path.insert(0, {str(Path(__file__).parent)!r})
import test_plot_run as test_plots
from hubsim.output import plots
from hubsim.output.layout import CITY_COLOURS, REST_OF_CHINA_COLOUR
from hubsim.scenario import CITY_KEYS
tables = test_plots.make_run(n_cities=4, n_rep=1)
written = plots.plot_run(*tables, pathlib.Path({str(tmp_path)!r}))
assert matplotlib.get_backend().lower() == "svg", matplotlib.get_backend()
assert plt.get_fignums() == [], plt.get_fignums()
print(len(written))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) == len(ALL_FILES)


def test_rest_of_china_flows_get_their_own_panel_and_colour_scale() -> None:
    _cm, flows, summary = make_run(n_cities=4, n_rep=1)
    # the outside node moves 100 times as many people as any city pair, as in the model
    outside = (flows.origin == "rest_of_china") | (flows.destination == "rest_of_china")
    flows.loc[outside, "movers"] *= 100
    fig = migration.flows_figure(flows, summary)
    between, rest = (ax for ax in fig.axes if ax.images and ax.get_title())
    labels = [t.get_text() for t in between.get_yticklabels() + between.get_xticklabels()]
    assert "Rest of China" not in labels and len(between.images[0].get_array()) == 4
    assert rest.images[0].get_array().shape == (4, 2)
    top_between = between.images[0].norm.vmax
    assert rest.images[0].norm.vmax > 50 * top_between  # each panel spans its own values
    city_cells = migration._flow_matrix(flows, summary).drop(index="rest_of_china")
    assert top_between == pytest.approx(city_cells.drop(columns="rest_of_china").max().max() / 1e3)


def test_attainment_range_is_the_replications_own_and_never_dips_below_a_reached_target() -> None:
    _cm, _flows, summary = make_run(n_cities=3, n_rep=3)
    # every replication reached its own target: its range starts at 100 % or above
    summary["reached_share"] = 1.0
    summary["share_of_target"] = [np.nan, 1.04, 1.2]
    summary["share_of_target_lo"] = [np.nan, 1.0, 1.1]
    summary["share_of_target_hi"] = [np.nan, 1.1, 1.3]
    fig = policy.attainment_figure(summary)
    ax = fig.axes[0]
    (bars,) = [c for c in ax.containers if hasattr(c, "lines")]
    segments = bars.lines[2][0].get_segments()
    assert min(seg[:, 0].min() for seg in segments) == pytest.approx(100.0)
    assert "lowest to highest replication" in ax.get_xlabel()


def test_targets_after_the_horizon_are_named_not_judged() -> None:
    _cm, _flows, summary = make_run(n_cities=3, n_rep=1)
    summary["target_talent"] = np.nan
    summary["target_date"] = ""
    summary["target_note"] = "not judged: due 2025-12, after the horizon (2019-12)"
    summary.loc[0, "target_note"] = ""  # one city has no target at all
    fig = policy.attainment_figure(summary)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("not judged: due 2025-12, after the horizon (2019-12)") == 2
    assert texts.count("no target") == 1
    assert not any("No city has a talent target" in t for t in texts)
    assert "No target falls within this run" in fig.axes[0].get_title()


def test_rent_and_wages_say_they_are_nominal() -> None:
    city_month, _flows, summary = make_run(n_cities=3, n_rep=1)
    fig = series.rent_wage_figure(city_month, summary)
    assert "nominal" in fig.get_suptitle().lower()
    for ax in fig.axes[:2]:
        assert "Nominal" in ax.get_title() and "Nominal" in ax.get_ylabel()


@pytest.mark.slow  # 4-8 s: the default run stays under 3 minutes; CI runs it
def test_every_run_figure_is_stamped_with_the_scenario_and_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = []
    save = figure.save
    monkeypatch.setattr(plots, "save", lambda fig, path: (drawn.append(fig), save(fig, path))[1])
    city_month, flows, summary = make_run(n_cities=3, n_rep=2)
    stamp = "scenario hot; overrides: --set behaviour.migration.b_w=1.2 --months 24"
    plots.plot_run(city_month, flows, summary, tmp_path, stamp=stamp)
    assert len(drawn) == len(ALL_FILES)
    for fig in drawn:
        assert stamp in [t.get_text() for t in fig.texts]


def test_a_one_month_run_draws_points_and_says_so_without_warning(tmp_path: Path) -> None:
    city_month, flows, summary = make_run(n_cities=3, n_rep=2, n_months=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = plots.plot_run(city_month, flows, summary, tmp_path)
        fig = series.talent_figure(city_month, summary)
        fig_rw = series.rent_wage_figure(city_month, summary)
    assert [p.name for p in paths] == ALL_FILES
    assert "one simulated month" in fig.get_suptitle()
    assert "one simulated month" in fig_rw.get_suptitle()
    panel = city_axes(fig, {"Beijing"})[0]
    assert panel.lines[0].get_marker() == "o"
    low, high = panel.get_xlim()
    assert high - low > 30  # days around the month, not a collapsed axis


@pytest.mark.parametrize("n_months", [2, 30])
def test_short_spans_pick_date_ticks_without_warning(n_months: int) -> None:
    city_month, _flows, summary = make_run(n_cities=3, n_rep=1, n_months=n_months)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for build in (series.talent_figure, series.rent_wage_figure):
            fig = build(city_month, summary)
            fig.savefig(io.BytesIO(), format="png", dpi=40)


@pytest.mark.slow  # 4-8 s: the default run stays under 3 minutes; CI runs it
def test_run_figures_use_fixed_margins_not_constrained_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Constrained layout measured every label on each pass: most of the figures' time."""
    engines = []
    save = figure.save
    monkeypatch.setattr(
        plots,
        "save",
        lambda fig, path: (engines.append(fig.get_layout_engine()), save(fig, path))[1],
    )
    city_month, flows, summary = make_run(n_cities=13, n_rep=1)
    plots.plot_run(city_month, flows, summary, tmp_path)
    assert engines == [None] * len(ALL_FILES)


def test_a_graduates_staying_target_is_named_not_drawn_as_talent() -> None:
    city_month, _flows, summary = make_run(n_cities=3, n_rep=1)
    summary["target_kind"] = ["", "talent_people", "graduates_staying_people"]
    summary.loc[2, "target_talent"] = np.nan  # its goal counts graduates, not talent
    fig = series.talent_figure(city_month, summary)
    names = figure.display_names(summary)
    by_title = {ax.get_title(): ax for ax in fig.axes}
    staying = by_title[names[summary.city[2]]]
    assert len(staying.lines) == 1  # the talent path, no target line
    assert [t.get_text() for t in staying.texts] == [series.STAYING_NOTE]
    assert not by_title[names[summary.city[0]]].texts  # a city without a target: no note


# --------------------------------------------------------------------------- colours and layout


def cielab(colour) -> np.ndarray:
    """sRGB (D65) to CIE L*a*b*."""
    rgb = np.array(matplotlib.colors.to_rgb(colour))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    x, y, z = xyz @ linear / np.array([0.95047, 1.0, 1.08883])
    f = [v ** (1 / 3) if v > (6 / 29) ** 3 else v / (3 * (6 / 29) ** 2) + 4 / 29 for v in (x, y, z)]
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(first, second) -> float:
    """The CIEDE2000 colour difference (Sharma, Wu & Dalal's formulation)."""
    (l1, a1, b1), (l2, a2, b2) = cielab(first), cielab(second)
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1, a2 = a1 * (1 + g), a2 * (1 + g)
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    h1, h2 = np.degrees(np.arctan2(b1, a1)) % 360, np.degrees(np.arctan2(b2, a2)) % 360
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_hue = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    cos = [
        np.cos(np.radians(k * h_mean + shift)) for k, shift in ((1, -30), (2, 0), (3, 6), (4, -63))
    ]
    t = 1 - 0.17 * cos[0] + 0.24 * cos[1] + 0.32 * cos[2] - 0.20 * cos[3]
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_mean, 1 + 0.015 * c_mean * t
    r_t = (
        -np.sin(np.radians(60 * np.exp(-(((h_mean - 275) / 25) ** 2))))
        * 2
        * np.sqrt(c_mean**7 / (c_mean**7 + 25**7))
    )
    terms = ((l2 - l1) / s_l, (c2 - c1) / s_c, d_hue / s_h)
    return float(np.sqrt(sum(v**2 for v in terms) + r_t * terms[1] * terms[2]))


def palette_problems(colours) -> list[str]:
    """Pairs under 20 CIEDE2000 apart, and more than one near-black colour (L* under 35)."""
    problems = [
        f"{a} ~ {b}"
        for i, a in enumerate(colours)
        for b in colours[i + 1 :]
        if ciede2000(a, b) < 20
    ]
    dark = [c for c in colours if cielab(c)[0] < 35]
    return problems + ([f"near-black: {dark}"] if len(dark) > 1 else [])


def test_the_13_cities_colours_are_told_apart():
    assert ciede2000("#ffffff", "#000000") == pytest.approx(100.0, abs=0.01)  # the formula
    assert len(CITY_COLOURS) == 13
    assert palette_problems([*CITY_COLOURS, REST_OF_CHINA_COLOUR]) == []
    # the negative control: the old palette, whose Xiamen (black) and Guiyang (navy) looked alike
    old = [*matplotlib.colormaps["tab10"].colors, "#000000", "#f0027f", "#393b79"]
    assert palette_problems([matplotlib.colors.to_hex(c) for c in old]) != []


@pytest.fixture(scope="module")
def run_figures(tmp_path_factory) -> dict:
    """The figures plot_run saves, by file name, for a run in which Wuhan's rent is Chengdu's."""
    city_month, flows, summary = make_run(n_rep=1, n_months=36)
    rent = city_month.metric == "rent"
    chengdu = city_month[rent & (city_month.city == "chengdu")].value.to_numpy()
    city_month.loc[rent & (city_month.city == "wuhan"), "value"] = chengdu  # the very same line
    figures = []
    save = Figure.savefig

    def recording(fig, *args, **kwargs):
        figures.append(fig)
        return save(fig, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Figure, "savefig", recording)
        written = plots.plot_run(city_month, flows, summary, tmp_path_factory.mktemp("run"))
    return {p.name: fig for p, fig in zip(written, figures, strict=True)}


def pixels_of(fig, ax, colour) -> int:
    """How many pixels inside `ax` are drawn in `colour` (within 6/255 a channel)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)
    box = ax.get_window_extent()
    height = image.shape[0]
    inside = image[
        int(height - box.y1) + 2 : int(height - box.y0) - 2, int(box.x0) + 2 : int(box.x1) - 2
    ]
    target = np.array(matplotlib.colors.to_rgb(colour)) * 255
    return int((np.abs(inside - target) <= 6).all(axis=-1).sum())


def test_a_rent_line_under_another_stays_in_view(run_figures) -> None:
    figures = run_figures
    ax_rent = figures["rent_wage.png"].axes[0]
    for city in ("chengdu", "wuhan"):
        assert (
            pixels_of(figures["rent_wage.png"], ax_rent, CITY_COLOURS[CITY_KEYS.index(city)]) > 20
        ), city


def test_each_flow_maps_colour_bar_spans_its_map(run_figures) -> None:
    fig = run_figures["flows_heatmap.png"]
    maps = [ax for ax in fig.axes if ax.images]
    assert len(maps) == 2
    for ax in maps:
        bar = ax.images[0].colorbar.ax.get_window_extent()
        heat = ax.get_window_extent()
        assert bar.y0 == pytest.approx(heat.y0, abs=1) and bar.y1 == pytest.approx(heat.y1, abs=1)
        assert bar.x0 > heat.x1  # beside the map, not over it
    # and the left map's bar stays clear of the right map's city names
    left_bar = maps[0].images[0].colorbar.ax
    renderer = FigureCanvasAgg(fig).get_renderer()
    names = [t.get_window_extent(renderer) for t in maps[1].get_yticklabels()]
    assert left_bar.get_tightbbox(renderer).x1 < min(b.x0 for b in names)


def test_a_city_has_its_palette_colour_in_the_run_figures(run_figures) -> None:
    lines = {
        line.get_label().removesuffix(" (tier 1)"): line.get_color()
        for line in run_figures["rent_wage.png"].axes[0].lines
    }
    assert lines["Guiyang"] == CITY_COLOURS[CITY_KEYS.index("guiyang")]
    assert lines["Xiamen"] == CITY_COLOURS[CITY_KEYS.index("xiamen")]
