"""Paired outcomes (experiments.paired): each run minus the reference point's run on the same
seed, and the cost per extra talent as a ratio of paired means."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from hubsim.experiments.paired import add_paired, cost_per_extra_talent, cost_per_point


def test_each_run_is_paired_with_the_reference_run_of_its_replication() -> None:
    rows = pd.DataFrame(
        {
            "point": [0, 0, 1, 1],
            "replication": [0, 1, 0, 1],
            "talent_end@chengdu": [100.0, 110.0, 130.0, 150.0],
            "spending_yuan@chengdu": [0.0, 0.0, 3000.0, 8000.0],
        }
    )
    cost = SimpleNamespace(paired=True, city="chengdu", name="cost_per_extra_talent_yuan",
                           text="cost_per_extra_talent_yuan@chengdu")  # fmt: skip
    paired = add_paired(rows, SimpleNamespace(outcomes=[cost], reference_point=0))
    assert paired["extra_talent@chengdu"].tolist() == [0.0, 0.0, 30.0, 40.0]
    assert paired["extra_spending_yuan@chengdu"].tolist() == [0.0, 0.0, 3000.0, 8000.0]
    np.testing.assert_allclose(paired[cost.text], [np.nan, np.nan, 100.0, 200.0])
    # per point: mean extra spending over mean extra talent, 5500 / 35, not the mean of ratios
    assert cost_per_point(paired, cost).loc[1] == 5500 / 35


def test_no_cost_is_stated_without_extra_spending_and_extra_talent() -> None:
    np.testing.assert_array_equal(
        cost_per_extra_talent([100.0, 0.0, 100.0], [10.0, 10.0, -5.0]), [10.0, np.nan, np.nan]
    )
