"""Per-city summaries (output.summary): the ghost-hub rule and targets, on hand-made tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hubsim
from hubsim.output.ghost import built_ahead, empty_years, is_ghost
from hubsim.output.report import summary_text
from hubsim.output.summary import (
    aggregate,
    census_talent,
    summarize_replication,
    target_goal,
)
from hubsim.scenario import scenario_from_dict
from hubsim.scenario.schema import GhostRule

RULE = GhostRule(vacancy_above=0.2, empty_years=3)


@pytest.mark.parametrize(
    ("judged", "built", "years", "reached", "ghost"),
    [
        (True, True, 3, False, True),  # built ahead, 3 empty years, target missed: ghost
        (True, True, 5, True, False),  # target reached: not a ghost, however empty
        (True, True, 2, False, False),  # empty 2 years only: a glut, not yet a ghost
        (False, True, 10, False, False),  # no judged target: never a ghost
        # Built nothing ahead: never a ghost, however empty and far from its target.
        (True, False, 10, False, False),
    ],
)
def test_ghost_rule_examples(judged, built, years, reached, ghost) -> None:
    assert is_ghost(judged, built, years, reached, RULE) is ghost


def test_empty_years_count_whole_years_back_from_the_horizon() -> None:
    months = 12 * 4 + 5  # a partial year at the start is not counted
    vacancy = pd.Series(np.full(months, 0.3))
    assert empty_years(vacancy, 0.2) == 4
    vacancy.iloc[-12:] = 0.1  # the last year is full again: the streak is broken at once
    assert empty_years(vacancy, 0.2) == 0
    vacancy = pd.Series(np.r_[np.full(24, 0.05), np.full(24, 0.25)])
    assert empty_years(vacancy, 0.2) == 2
    assert empty_years(vacancy, 0.25) == 0  # strictly above the share
    assert empty_years(pd.Series(dtype=float), 0.2) == 0


def test_built_ahead_reads_the_recorded_stock_and_programmes() -> None:
    scenario = scenario_from_dict({"name": "ahead"})
    ahead = built_ahead(scenario)
    # the six cities with a recorded grade-A stock that grew (office_stock.csv)
    assert set(ahead) == {"chengdu", "xian", "nanjing", "hangzhou", "wuhan", "xiamen"}
    assert "recorded stock" in ahead["xian"]
    programme = {"city": "guiyang", "start": "2016-01", "instrument": "office_capacity",
                 "amount": 1000, "months": 12}  # fmt: skip
    ahead = built_ahead(scenario_from_dict({"name": "ahead", "programmes": [programme]}))
    assert ahead["guiyang"] == "programme: 1,000 seats from 2016-01"
    assert "beijing" not in ahead  # built to demand: nothing ahead


def _two_cities(targets: dict) -> tuple:
    """Guiyang (no recorded stock) and Xi'an (a recorded stock that grew) over four months."""
    scenario = scenario_from_dict({"name": "ghosts", "targets": targets})
    months = ["2009-12", "2010-01", "2011-01", "2012-01"]
    talent = pd.DataFrame(
        {"guiyang": [1000.0, 1000.0, 1010.0, 1020.0], "xian": [1000.0, 1000.0, 1060.0, 1120.0]},
        index=months,
    )
    return scenario, talent


def _empty(share: float, years: int) -> pd.DataFrame:
    return pd.DataFrame({"guiyang": np.full(12 * years, share), "xian": np.full(12 * years, share)})


def test_summary_flags_only_the_hub_that_built_ahead_stayed_empty_and_missed() -> None:
    """Two hand-made cities with the same target and 3 empty years; only one that built ahead
    and missed its target is a ghost."""
    goal = {"by": "2012-01", "talent_people": 1100.0}
    scenario, talent = _two_cities({"guiyang": goal, "xian": goal})
    occupancy = pd.Series({"guiyang": 0.7, "xian": 0.7})
    table = summarize_replication(
        scenario, talent, occupancy, pd.Series(dtype=float), vacancy=_empty(0.3, 3)
    ).set_index("city")
    assert table.loc["guiyang", "target_share_achieved"] == pytest.approx(1020 / 1100)
    assert table.loc["xian", "reached"] == 1.0
    assert table.loc["xian", "empty_years"] == 3
    assert table.loc["xian", "office_vacancy_end"] == pytest.approx(0.3)
    assert bool(table.loc["xian", "built_ahead"]) and not table.loc["guiyang", "built_ahead"]
    assert not table.ghost.any()  # Xi'an reached its goal; Guiyang built nothing ahead
    far = {"by": "2012-01", "talent_people": 5000.0}
    scenario, talent = _two_cities({"guiyang": far, "xian": far})
    table = summarize_replication(
        scenario, talent, occupancy, pd.Series(dtype=float), vacancy=_empty(0.3, 3)
    )
    ghosts = table.set_index("city").ghost
    assert bool(ghosts["xian"]) is True
    assert bool(ghosts["guiyang"]) is False  # built nothing ahead: never a ghost
    # Seats built by a programme make Guiyang's space built ahead too.
    built = pd.Series({"guiyang": 400_000.0, "xian": 0.0})
    table = summarize_replication(
        scenario, talent, occupancy, pd.Series(dtype=float), built, vacancy=_empty(0.3, 3)
    )
    assert table.ghost.all()
    # Two empty years are a glut the market may work off, not a ghost.
    table = summarize_replication(
        scenario, talent, occupancy, pd.Series(dtype=float), built, vacancy=_empty(0.3, 2)
    )
    assert not table.ghost.any()


def test_gain_targets_count_from_the_census_not_the_simulated_start() -> None:
    scenario, talent = _two_cities({"xian": {"by": "2012-01", "gain_share": 1.0}})
    base = census_talent(scenario)["xian"]
    assert target_goal(scenario, "xian") == pytest.approx((base, 2 * base))
    # The simulated start (1,000 people here) does not move the goal.
    table = summarize_replication(scenario, talent * 3, pd.Series({"guiyang": 1, "xian": 1}),
                                  pd.Series(dtype=float)).set_index("city")  # fmt: skip
    assert table.loc["xian", "target_goal"] == pytest.approx(2 * base)
    assert table.loc["xian", "target_source"] == "ASSUMPTION"
    assert np.isnan(table.loc["guiyang", "target_goal"])  # no target: not judged


def test_graduates_staying_target_counts_newcomers_from_start_to_date() -> None:
    target = {"start": "2011-01", "by": "2012-01", "graduates_staying_people": 50.0,
              "within_years": 3, "source": "policy_effects.csv"}  # fmt: skip
    scenario, talent = _two_cities({"xian": target})
    months = ["2010-01", "2011-01", "2012-01"]
    newcomers = pd.DataFrame({"guiyang": [0.0, 0.0, 0.0], "xian": [100.0, 20.0, 25.0]}, months)
    occupancy = pd.Series({"guiyang": 1.0, "xian": 1.0})
    row = (
        summarize_replication(
            scenario, talent, occupancy, pd.Series(dtype=float), newcomers={3: newcomers}
        )
        .set_index("city")
        .loc["xian"]
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
    assert "sourced targets: guangzhou, wuhan, xian" in text  # the scenario's, judged or not
    assert "relabelled" not in text
    late = hubsim.run(baseline, months=1, scale=50000, plots=False, overrides=["start=2016-01"])
    assert "built from the 2010 census and relabelled 2016-01" in summary_text(late)


def test_built_ahead_names_a_plan_and_leaves_demand_built_cities_out() -> None:
    # A plan (seats growing on top of demand) counts; Shenzhen and Guiyang, whose seats only
    # follow demand, built nothing ahead (the negative control).
    ahead = built_ahead(scenario_from_dict({"name": "t", "cities": {
        "beijing": {"office_capacity_growth_per_year": 0.02}}}))  # fmt: skip
    assert ahead["beijing"].startswith("plan: seats grow 2% a year")
    assert "recorded stock" in ahead["chengdu"]
    assert "shenzhen" not in ahead and "guiyang" not in ahead
