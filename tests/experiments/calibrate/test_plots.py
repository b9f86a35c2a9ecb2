"""The calibration's convergence figure: trials and rounds counted in whole numbers."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from hubsim.experiments.calibrate.plots import convergence_figure


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
