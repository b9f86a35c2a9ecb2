"""The figures of tuning studies, calibrations and comparisons, through their public functions:
whole-number trial and round ticks, the importances' minimum and caveat, the Pareto front's
colours, an attainment heatmap that shows its variation and a spending figure that can be read."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import optuna
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from hubsim.experiments.calibrate.plots import convergence_figure
from hubsim.experiments.compare import report as compare_report
from hubsim.experiments.compare.comparison import Arm, Comparison
from hubsim.experiments.tune.file import load_tuning
from hubsim.experiments.tune.outputs import trials_table
from hubsim.experiments.tune.plots import IMPORTANCE_MIN_TRIALS, pareto_mask, plot_study
from hubsim.experiments.tune.storage import distributions
from hubsim.output.layout import CITY_COLOURS
from hubsim.scenario import CITY_KEYS

ROOT = Path(__file__).resolve().parents[2]
TUNING = """
name: figures
question: What do the figures show?
base: {base}
variables:
  programmes[city=chengdu,instrument=rent].amount:
    {{kind: float, low: 0, high: 1000, column: rent_yuan_month, label: rent subsidy}}
  programmes[city=chengdu,instrument=hukou].eligibility.min_degree:
    {{kind: categorical, choices: [none, bachelor, master], column: hukou_min_degree,
     label: lowest degree that gets hukou}}
objectives:
  - {{minimize: spending_yuan@chengdu, name: spending_yuan}}
  - {{maximize: talent@chengdu@2025-12, name: talent}}
replications: 2
trials: 12
"""


@pytest.fixture
def drawn(monkeypatch):
    """Every figure saved while the test runs, by the name of the file it was saved to."""
    figures: dict[str, Figure] = {}
    save = Figure.savefig

    def recording(fig, target, *args, **kwargs):
        figures[Path(str(target)).name] = fig
        return save(fig, target, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", recording)
    return figures


def a_study(tmp_path: Path, trials: int):
    """A two-objective tuning and an in-memory study of `trials` complete trials (no runs)."""
    path = tmp_path / "figures.yaml"
    path.write_text(TUNING.format(base=ROOT / "scenarios/tuning/chengdu-package-base.yaml"))
    tuning = load_tuning(path)
    study = optuna.create_study(directions=["minimize", "maximize"])
    rng = np.random.default_rng(3)
    spaces = distributions(tuning)
    rent_key, hukou_key = (v.key for v in tuning.variables)
    for k in range(trials):
        rent, hukou = float(rng.uniform(0, 1000)), ["none", "bachelor", "master"][k % 3]
        spending = 1e8 * rent + rng.normal(0, 1e9)
        talent = 3e6 + 900 * rent + {"none": 0, "bachelor": 2e5, "master": -1e5}[hukou]
        study.add_trial(
            optuna.trial.create_trial(
                params={rent_key: rent, hukou_key: hukou},
                distributions=spaces,
                values=[spending, talent],
            )
        )
    return study, tuning


def inside_the_figure(fig: Figure) -> list[str]:
    """The texts that reach outside the figure's canvas (cut off in the PNG)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # lays the figure out as the PNG did
    renderer = canvas.get_renderer()
    canvas = fig.bbox
    out = []
    for text in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_visible()):
        if not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if (
            box.x0 < canvas.x0 - 1
            or box.x1 > canvas.x1 + 1
            or box.y0 < canvas.y0 - 1
            or (box.y1 > canvas.y1 + 1)
        ):
            out.append(text.get_text())
    return out


def whole_ticks(axis) -> bool:
    """True when every tick inside the view is a whole number (no trial 0.5)."""
    low, high = sorted(axis.get_view_interval())
    ticks = [t for t in axis.get_majorticklocs() if low <= t <= high]
    return bool(ticks) and all(float(t).is_integer() for t in ticks)


# --------------------------------------------------------------------------- tuning


def test_history_of_a_few_trials_counts_them_in_whole_numbers(tmp_path, drawn):
    study, tuning = a_study(tmp_path, trials=5)
    trials = trials_table(study, tuning)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the importances' minimum, tested below
        plot_study(study, tuning, trials, None, tmp_path / "plots")
    history = drawn["history.png"]
    assert all(whole_ticks(ax.xaxis) for ax in history.axes if ax.get_xlabel() == "trial")


def test_importances_are_not_drawn_under_their_minimum_of_trials(tmp_path, drawn):
    study, tuning = a_study(tmp_path, trials=IMPORTANCE_MIN_TRIALS - 1)
    with pytest.warns(UserWarning, match=f"at least {IMPORTANCE_MIN_TRIALS}"):
        paths = plot_study(study, tuning, trials_table(study, tuning), None, tmp_path / "a")
    assert "importances.png" not in {p.name for p in paths}


@pytest.fixture(scope="module")
def twelve_trials(tmp_path_factory):
    """A study of 12 trials drawn once (PED-ANOVA takes seconds): its figures and table."""
    tmp = tmp_path_factory.mktemp("study")
    study, tuning = a_study(tmp, trials=12)
    trials = trials_table(study, tuning)
    figures: dict[str, Figure] = {}
    save = Figure.savefig

    def recording(fig, target, *args, **kwargs):
        figures[Path(str(target)).name] = fig
        return save(fig, target, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Figure, "savefig", recording)
        plot_study(study, tuning, trials, None, tmp / "plots")
    return figures, tuning, trials


@pytest.mark.slow  # about 5 s on an idle machine, most of it PED-ANOVA
def test_importances_of_few_trials_carry_a_caveat_and_fit_the_figure(twelve_trials):
    figure = twelve_trials[0]["importances.png"]
    assert "from 12 trials only" in figure.get_suptitle()
    assert inside_the_figure(figure) == []  # the x label was cut at "(PED-ANOVA, sums"


@pytest.mark.slow
def test_the_pareto_fronts_points_wear_their_choices_colour(twelve_trials):
    figures, tuning, trials = twelve_trials
    ax = figures["pareto.png"].axes[0]
    legend = dict(zip((t.get_text() for t in ax.get_legend().texts),
                      ax.get_legend().legend_handles, strict=True))  # fmt: skip
    x, y = (trials[o.column] for o in tuning.objectives)
    front = pareto_mask(np.c_[x, y], ["minimize", "maximize"])
    assert trials.hukou_min_degree[front].nunique() >= 2  # the test needs two colours on it
    ringed = [  # the front's points are ringed in black, the other trials are not
        c for c in ax.collections
        if len(c.get_offsets()) and np.allclose(c.get_edgecolor()[0][:3], 0.0)
    ]  # fmt: skip
    for px, py, choice in zip(x[front], y[front], trials.hukou_min_degree[front], strict=True):
        mine = [c for c in ringed if np.any(np.all(np.isclose(c.get_offsets(), [px, py]), axis=1))]
        assert len(mine) == 1, (px, py)
        wanted = legend[f"hukou_min_degree = {choice}"].get_facecolor()[0][:3]
        assert np.allclose(mine[0].get_facecolor()[0][:3], wanted), choice


# --------------------------------------------------------------------------- calibration


def test_convergence_counts_trials_and_rounds_in_whole_numbers(tmp_path, drawn):
    cities = ["beijing", "guiyang"]
    rounds = pd.DataFrame(
        {"round": [0, 1, 2], "stage": ["before", "before", "after"]}
        | {f"population@{c}": [1.0e6, 1.02e6, 1.01e6] for c in cities}
    )
    table = pd.DataFrame({"moment": "population_2010", "city": cities, "target": [1e6, 1e6]})
    calibration = SimpleNamespace(
        name="tiny", path=Path("tiny.yaml"), quick=True, study_id="abc", replications=1,
        spinup=SimpleNamespace(scale=20000, seed=1), policy=SimpleNamespace(scale=20000, seed=2),
        size=SimpleNamespace(trial_steps=3),
    )  # fmt: skip
    trials = pd.DataFrame({"trial": [0, 1, 2], "state": "COMPLETE", "distance": [3.0, 2.0, 2.5]})
    result = SimpleNamespace(trials=trials, rounds=rounds, table=table, calibration=calibration)
    convergence_figure(result, tmp_path / "convergence.png")
    fig = drawn["convergence.png"]
    left, right = fig.axes
    assert whole_ticks(left.xaxis) and whole_ticks(right.xaxis)


# --------------------------------------------------------------------------- comparison


def a_comparison(shares: dict[str, list[float]], spending: dict[str, list[float]]) -> Comparison:
    """Three scenarios whose every city reaches its target, at different margins."""
    arms, rows = [], []
    for k, name in enumerate(shares):
        summary = pd.DataFrame({"city": list(CITY_KEYS), "share_of_target": shares[name]})
        arms.append(
            Arm(name, "", "", pd.DataFrame(), summary, pd.DataFrame(), "2010-01", 12, 1, 3, None)
        )
        for i, city in enumerate(CITY_KEYS):
            rows.append(
                {
                    "city": city, "scenario": name, "reached_share": 1.0, "ghost_share": 0.0,
                    "target_note": "judged", "extra_talent_vs_first": 1e4 * (i - 6) * k,
                    "extra_spending_vs_first_yuan": spending[name][i],
                }
            )  # fmt: skip
    return Comparison(arms, pd.DataFrame(rows), pd.DataFrame())


def test_attainment_heatmap_shows_how_far_past_its_target_each_city_is():
    rng = np.random.default_rng(1)
    shares = {n: list(rng.uniform(1.0, 2.5, 13)) for n in ("a", "b", "c")}
    zero = {n: [0.0] * 13 for n in shares}
    fig = compare_report.attainment_heatmap(a_comparison(shares, zero))
    image = fig.axes[0].images[0]
    colours = image.cmap(image.norm(image.get_array()))
    # every city reaches its target in every replication: coloured by that, one colour
    assert len({tuple(np.round(c, 3)) for c in colours.reshape(-1, 4)}) > 13
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert f"{100 * shares['b'][4]:.0f} %\n100% reach" in texts


def test_spending_efficiency_separates_every_point_and_uses_the_page():
    shares = {n: [1.2] * 13 for n in ("a", "b", "c")}
    spending = {"a": [0.0] * 13, "b": [0.0] * 12 + [5e10], "c": [0.0] * 11 + [2e8, -3e9]}
    fig = compare_report.efficiency_figure(a_comparison(shares, spending))
    ax, strip = fig.axes[:2]
    points = [(c, s) for s in (ax, strip) for c in s.collections if len(c.get_offsets())]
    assert len(points) == 26  # 13 cities x the two scenarios after the first
    # unchanged spending goes to its own strip: nothing piles on the main plot's zero line
    assert all(c.get_offsets()[0][1] != 0 for c, s in points if s is ax)
    assert sum(s is strip for _c, s in points) == 23
    # the scenarios' markers are unlike (no circle beside a hexagon and an octagon)
    used = set(compare_report.SCENARIO_MARKERS[:2])
    assert used.isdisjoint({"h", "H", "8", "p"}) and len(used) == 2
    # a point's colour is its city's in every figure
    for c, _s in points:
        assert tuple(np.round(c.get_facecolor()[0][:3], 3)) in {
            tuple(np.round(to_rgb(h), 3)) for h in CITY_COLOURS
        }
    plotted = sum(a.get_position().width * a.get_position().height for a in (ax, strip))
    assert plotted > 0.5  # the axes fill over half the canvas (the legends went below)
