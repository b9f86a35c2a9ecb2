"""A tuned package judged over the ensemble, on a synthetic table of member runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hubsim.experiments.ensemble.answers import EnsembleRun
from hubsim.experiments.ensemble.package import Promise, check_text, judge


def _result(reached: list[list[float]]) -> EnsembleRun:
    """reached[member][replication] for Chengdu (NaN: no target judged in that run)."""
    rows = [
        {"member": m, "replication": r, "reached@chengdu": v}
        for m, reps in enumerate(reached)
        for r, v in enumerate(reps)
    ]
    members = pd.DataFrame({"member": range(len(reached))})
    return EnsembleRun(
        [], [], members, len(reached[0]), Path("."), Path("e.csv"), pd.DataFrame(rows)
    )


def test_a_package_meeting_its_constraint_only_at_the_point_estimate_says_so():
    result = _result([[1, 1, 1, 1], [1, 0, 0, 0], [1, 1, 0, np.nan]])
    promise = Promise("reached@chengdu>=0.8", "chengdu", 0.8, point_share=0.9)
    table = judge(result, [promise]).iloc[0]
    assert table.ensemble_share == 7 / 12  # an unjudged run counts as not reached
    assert (table.members_meeting, table.members) == (1, 3)
    assert table.verdict == "meets it only at the point estimate"
    assert "only at the point estimate" in check_text(result, judge(result, [promise]))


def test_verdicts_over_the_ensemble_and_without_the_point():
    result = _result([[1, 1], [1, 1], [1, 0]])
    met = judge(result, [Promise("c", "chengdu", 0.8, 0.5)]).iloc[0]
    assert met.ensemble_share == 5 / 6 and met.verdict == "meets it over the ensemble"
    missed = judge(result, [Promise("c", "chengdu", 0.9, 0.5)]).iloc[0]
    assert missed.verdict == "does not meet it"
