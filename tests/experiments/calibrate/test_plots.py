"""The calibration's figures: convergence counted in whole numbers; the fit by family."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from hubsim.experiments.calibrate.plots import convergence_figure, family, fit_figure


def test_convergence_counts_trials_and_rounds_in_whole_numbers(tmp_path, drawn, whole_ticks):
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


def test_the_fit_has_one_row_a_family_and_draws_any_target_even_zero_or_negative(
    tmp_path, drawn
) -> None:
    """A target of 0 or below (a count of wrong pairs, a fall in a share) broke the old
    percentage axis; the standardised error draws every row, and far errors sit at the edge."""
    assert family("office_vacancy_2015_q2") == "office_vacancy"
    assert family("population_growth_since_census_2013") == "population_growth_since_census"
    assert family("rent_growth_2010_2015_10") == "rent_growth_2010_2015_10"
    table = pd.DataFrame(
        {
            "moment": ["office_vacancy_2015_q2", "office_vacancy_2017_end", "liepin_wrong_pairs",
                       "share_change_2013_2018", "wage_2010"],
            "city": ["chengdu", "wuhan", "", "", "xian"],
            "target": [0.4, 0.27, 0.0, -0.072, 40000.0],
            "z": [-5.0, 0.5, 20.0, -1.8, 0.2],
            "weight": [1.0, 1.0, 1.0, 1.0, 0.0],
            "within_tolerance": pd.array([False, True, False, False, pd.NA], dtype="boolean"),
        }
    )  # fmt: skip
    calibration = SimpleNamespace(
        name="tiny", path=Path("tiny.yaml"), quick=True, study_id="abc", replications=1,
        spinup=SimpleNamespace(scale=20000, seed=1), policy=SimpleNamespace(scale=20000, seed=2),
    )  # fmt: skip
    fit_figure(SimpleNamespace(table=table, calibration=calibration), tmp_path / "fit.png")
    (ax,) = drawn["fit.png"].axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 4  # the two vacancy rows share a family
    assert labels[0] == "office_vacancy (1/2 within)"
    xs = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections if len(c.get_offsets())])
    assert np.isfinite(xs).all() and xs.max() == 8.0  # the 20-tolerance error at the edge
