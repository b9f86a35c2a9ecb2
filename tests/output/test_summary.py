"""Per-city summaries (output.summary): the ghost-hub rule and targets, on hand-made tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hubsim
from hubsim.output.report import summary_text
from hubsim.output.summary import (
    aggregate,
    census_talent,
    is_ghost,
    summarize_replication,
    target_goal,
)
from hubsim.scenario import scenario_from_dict
from hubsim.scenario.schema import GhostRule

RULE = GhostRule(occupancy_below=0.6, target_share_below=0.5)


@pytest.mark.parametrize(
    ("judged", "built", "occupancy", "share", "ghost"),
    [
        (True, True, 0.40, 0.20, True),  # built ahead, empty seats, little of the target: ghost
        (True, True, 0.40, 0.80, False),  # most of the target won: not a ghost, however empty
        (True, True, 0.90, 0.20, False),  # seats filled: a missed target alone is no ghost
        (True, True, 0.60, 0.20, False),  # thresholds are strict: exactly 0.6 is not below
        (True, True, 0.40, 0.50, False),
        (False, True, 0.10, np.nan, False),  # no judged target: never a ghost
        # Built nothing: never a ghost, however empty and far from its target.
        (True, False, 0.40, 0.20, False),
        (True, False, 0.00, 0.00, False),
    ],
)
def test_ghost_rule_examples(judged, built, occupancy, share, ghost) -> None:
    assert is_ghost(judged, built, occupancy, share, RULE) is ghost


def _two_cities(targets: dict) -> tuple:
    scenario = scenario_from_dict({"name": "ghosts", "targets": targets})
    months = ["2009-12", "2010-01", "2011-01", "2012-01"]
    talent = pd.DataFrame(
        {"guiyang": [1000.0, 1000.0, 1010.0, 1020.0], "chengdu": [1000.0, 1000.0, 1060.0, 1120.0]},
        index=months,
    )
    return scenario, talent


def test_summary_flags_only_the_hub_that_built_ahead_and_stayed_empty() -> None:
    """Two hand-made cities with the same target and empty seats; only the one that built
    seats by a programme and won little of its target is a ghost."""
    goal = {"by": "2012-01", "talent_people": 1100.0}
    scenario, talent = _two_cities({"guiyang": goal, "chengdu": goal})
    occupancy = pd.Series({"guiyang": 0.3, "chengdu": 0.3})
    built = pd.Series({"guiyang": 400_000.0, "chengdu": 0.0})
    table = summarize_replication(scenario, talent, occupancy, pd.Series(dtype=float), built)
    by_city = table.set_index("city")
    assert by_city.loc["guiyang", "target_share_achieved"] == pytest.approx(1020 / 1100)
    assert by_city.loc["chengdu", "reached"] == 1.0
    assert not by_city.ghost.any()  # 93 % of the target: no ghost either
    far = {"by": "2012-01", "talent_people": 5000.0}
    scenario, talent = _two_cities({"guiyang": far, "chengdu": far})
    table = summarize_replication(scenario, talent, occupancy, pd.Series(dtype=float), built)
    ghosts = table.set_index("city").ghost
    assert bool(ghosts["guiyang"]) is True
    assert bool(ghosts["chengdu"]) is False  # built nothing: never a ghost
    # Without seats built anywhere, nobody is a ghost.
    table = summarize_replication(scenario, talent, occupancy, pd.Series(dtype=float))
    assert not table.ghost.any()


def test_gain_targets_count_from_the_census_not_the_simulated_start() -> None:
    scenario, talent = _two_cities({"chengdu": {"by": "2012-01", "gain_share": 1.0}})
    base = census_talent(scenario)["chengdu"]
    assert target_goal(scenario, "chengdu") == pytest.approx((base, 2 * base))
    # The simulated start (1,000 people here) does not move the goal.
    table = summarize_replication(scenario, talent * 3, pd.Series({"guiyang": 1, "chengdu": 1}),
                                  pd.Series(dtype=float)).set_index("city")  # fmt: skip
    assert table.loc["chengdu", "target_goal"] == pytest.approx(2 * base)
    assert table.loc["chengdu", "target_source"] == "ASSUMPTION"
    assert np.isnan(table.loc["guiyang", "target_goal"])  # no target: not judged


def test_graduates_staying_target_counts_newcomers_from_start_to_date() -> None:
    target = {"start": "2011-01", "by": "2012-01", "graduates_staying_people": 50.0,
              "within_years": 3, "source": "policy_effects.csv"}  # fmt: skip
    scenario, talent = _two_cities({"chengdu": target})
    months = ["2010-01", "2011-01", "2012-01"]
    newcomers = pd.DataFrame({"guiyang": [0.0, 0.0, 0.0], "chengdu": [100.0, 20.0, 25.0]}, months)
    occupancy = pd.Series({"guiyang": 1.0, "chengdu": 1.0})
    row = (
        summarize_replication(
            scenario, talent, occupancy, pd.Series(dtype=float), newcomers={3: newcomers}
        )
        .set_index("city")
        .loc["chengdu"]
    )
    assert row.target_measured == 45.0  # 2011-01 and 2012-01, not 2010-01
    assert row.reached == 0.0
    assert row.target_share_achieved == pytest.approx(0.9)
    assert np.isnan(row.target_talent)  # the goal is graduates, not talent


def per_replication_with_own_targets() -> pd.DataFrame:
    """Three replications of one city, each above the (absolute) target by a different margin."""
    scenario = scenario_from_dict(
        {
            "name": "targets",
            "targets": {"wuhan": {"by": "2012-01", "talent_people": 950.0}},
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
    assert row.share_of_target_lo >= 1.0  # every replication reached it: no bar below 100 %
    assert row.share_of_target_lo <= row.share_of_target <= row.share_of_target_hi


def test_single_runs_state_no_spending_per_net_talent() -> None:
    summary = aggregate(per_replication_with_own_targets())
    assert not [c for c in summary.columns if "per_net_talent" in c]
    assert summary.spending_yuan.iloc[0] == 5e6


def test_a_target_due_after_the_horizon_says_so() -> None:
    scenario = scenario_from_dict(
        {
            "name": "short",
            "targets": {"wuhan": {"by": "2022-12", "talent_people": 1100.0}},
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


def test_a_run_with_no_target_due_says_so_and_a_late_start_is_noted() -> None:
    baseline = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
    text = summary_text(hubsim.run(baseline, months=1, scale=50000, plots=False))
    assert "No target is judged in this run" in text and "0 of 0" not in text
    assert "sourced targets: wuhan" in text  # the sources are the scenario's, judged or not
    assert "relabelled" not in text
    late = hubsim.run(baseline, months=1, scale=50000, plots=False, overrides=["start=2016-01"])
    assert "built from the 2010 census and relabelled 2016-01" in summary_text(late)
