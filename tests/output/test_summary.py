"""Per-city summaries (output.summary): the ghost-hub rule and targets, on hand-made tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hubsim
from hubsim.output.report import summary_text
from hubsim.output.summary import aggregate, is_ghost, summarize_replication
from hubsim.scenario import scenario_from_dict
from hubsim.scenario.schema import GhostRule

RULE = GhostRule(occupancy_below=0.6, target_share_below=0.5)


@pytest.mark.parametrize(
    ("judged", "occupancy", "share", "ghost"),
    [
        (True, 0.40, 0.20, True),  # empty seats and little of the target: a ghost hub
        (True, 0.40, 0.80, False),  # most of the target won: not a ghost, however empty
        (True, 0.90, 0.20, False),  # seats filled: a missed target alone is no ghost
        (True, 0.60, 0.20, False),  # thresholds are strict: exactly 0.6 occupancy is not below
        (True, 0.40, 0.50, False),
        (False, 0.10, np.nan, False),  # no judged target: never a ghost
    ],
)
def test_ghost_rule_examples(judged, occupancy, share, ghost) -> None:
    assert is_ghost(judged, occupancy, share, RULE) is ghost


def test_summary_flags_the_hub_that_built_ahead_and_stayed_empty() -> None:
    """Two hand-made cities with the same target; only the empty, far-off one is a ghost."""
    scenario = scenario_from_dict(
        {
            "name": "ghosts",
            "targets": {
                "guiyang": {"start": "2010-01", "by": "2012-01", "gain_people": 100.0},
                "chengdu": {"start": "2010-01", "by": "2012-01", "gain_people": 100.0},
            },
        }
    )
    months = ["2009-12", "2010-01", "2011-01", "2012-01"]
    talent = pd.DataFrame(
        {"guiyang": [1000.0, 1000.0, 1010.0, 1020.0], "chengdu": [1000.0, 1000.0, 1060.0, 1120.0]},
        index=months,
    )
    occupancy = pd.Series({"guiyang": 0.3, "chengdu": 0.3})
    table = summarize_replication(scenario, talent, occupancy, pd.Series(dtype=float))
    by_city = table.set_index("city")
    assert by_city.loc["guiyang", "target_share_achieved"] == pytest.approx(0.2)
    assert bool(by_city.loc["guiyang", "ghost"]) is True
    assert by_city.loc["chengdu", "reached"] == 1.0
    assert bool(by_city.loc["chengdu", "ghost"]) is False


def per_replication_with_own_targets() -> pd.DataFrame:
    """Three replications of one city, each above its own target, targets differing by draw."""
    scenario = scenario_from_dict(
        {
            "name": "targets",
            "targets": {"wuhan": {"start": "2010-01", "by": "2012-01", "gain_share": 0.1}},
        }
    )
    months = ["2009-12", "2010-01", "2011-01", "2012-01"]
    occupancy = pd.Series({"wuhan": 0.9})
    spending = pd.Series({"wuhan": 5e6})
    parts = []
    for rep, start in enumerate([900.0, 1000.0, 1100.0]):
        talent = pd.DataFrame({"wuhan": [start, start, start * 1.05, start * 1.1 + 1]}, months)
        table = summarize_replication(scenario, talent, occupancy, spending)
        parts.append(table.assign(replication=rep))
    return pd.concat(parts, ignore_index=True)


def test_attainment_range_is_each_replication_against_its_own_target() -> None:
    per_rep = per_replication_with_own_targets()
    assert (per_rep.reached == 1.0).all()
    row = aggregate(per_rep).set_index("city").loc["wuhan"]
    # against the mean target the lowest replication (991 of 1100) would read 90 %
    assert row.talent_at_target_lo / row.target_talent < 0.95
    assert row.share_of_target_lo >= 1.0
    assert row.share_of_target_lo <= row.share_of_target <= row.share_of_target_hi


def test_single_runs_state_no_spending_per_net_talent() -> None:
    summary = aggregate(per_replication_with_own_targets())
    assert not [c for c in summary.columns if "per_net_talent" in c]
    assert summary.spending_yuan.iloc[0] == 5e6


def test_a_target_due_after_the_horizon_says_so() -> None:
    scenario = scenario_from_dict(
        {
            "name": "short",
            "targets": {"wuhan": {"start": "2010-01", "by": "2022-12", "gain_people": 100.0}},
        }  # fmt: skip
    )
    talent = pd.DataFrame({"wuhan": [1000.0, 1000.0, 1010.0]}, ["2009-12", "2010-01", "2010-02"])
    table = summarize_replication(scenario, talent, pd.Series({"wuhan": 0.9}), pd.Series())
    row = table.iloc[0]
    assert np.isnan(row.target_talent)
    assert row.target_note == "not judged: due 2022-12, after the horizon (2010-02)"


def test_the_printed_summary_has_spending_but_no_cost_per_talent() -> None:
    baseline = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
    result = hubsim.run(baseline, months=6, scale=50000, plots=False)
    text = summary_text(result)
    assert "per net talent" not in text
    assert "spent a year" in text
    assert "python -m hubsim compare" in text
