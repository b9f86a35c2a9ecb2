"""The tuning study's figures through plot_study: whole-number trial ticks, the importances'
minimum and caveat, the Pareto front's colours."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import optuna
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hubsim.experiments.tune.file import load_tuning
from hubsim.experiments.tune.outputs import trials_table
from hubsim.experiments.tune.plots import IMPORTANCE_MIN_TRIALS, pareto_mask, plot_study
from hubsim.experiments.tune.storage import distributions

ROOT = Path(__file__).resolve().parents[3]
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


def test_history_of_a_few_trials_counts_them_in_whole_numbers(tmp_path, drawn, whole_ticks):
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
