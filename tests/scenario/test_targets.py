"""The baseline's targets: each city's published goal through a stated mapping, with its source;
the schema refuses a target without one."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hubsim.errors import HubsimError
from hubsim.output.summary import census_talent, summarize_replication, target_goal
from hubsim.scenario import load_scenario, scenario_from_dict

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def _goals() -> pd.DataFrame:
    with resources.files("hubsim.data").joinpath("talent_targets.csv").open() as handle:
        return pd.read_csv(handle).set_index(["city", "quantity"])


def _value(city: str, quantity: str) -> float:
    return float(_goals().loc[(city, quantity), "value"])


def test_every_baseline_target_has_a_source_and_every_sourced_one_its_mapping() -> None:
    targets = load_scenario(BASELINE).targets
    assert len(targets) == 13
    for city, target in targets.items():
        assert target.source.strip(), city
        assert target.goal.strip(), f"{city}: say what was published, or that nothing maps"
        if target.sourced:
            assert target.definition.strip() and target.mapping.strip(), city
    assert {c for c, t in targets.items() if t.sourced} == {"xian", "guangzhou", "wuhan"}


def test_a_target_with_an_empty_source_is_refused() -> None:
    """The negative control: the schema refuses a target whose source is empty."""
    with pytest.raises((HubsimError, ValueError), match="source is empty"):
        scenario_from_dict(
            {"name": "x", "targets": {"xian": {"by": "2020-12", "gain_share": 1.0, "source": " "}}}
        )


def test_xian_goal_is_its_plans_growth_ratio_over_the_same_years() -> None:
    target = load_scenario(BASELINE).targets["xian"]
    ratio = _value("xian", "talent_total_target") / _value("xian", "talent_total_base")
    assert 1 + target.gain_share == pytest.approx(ratio, abs=1e-4)  # 2009-2020 on both sides
    assert target.by == "2020-12" and target.measure == "talent"


def test_guangzhou_goal_is_its_yearly_growth_on_the_college_and_above_stock() -> None:
    scenario = load_scenario(BASELINE)
    target = scenario.targets["guangzhou"]
    ratio = _value("guangzhou", "college_plus_talent_total_target") / _value(
        "guangzhou", "college_plus_talent_total_base"
    )
    # 2008-2016 in the plan (8 years), the end of 2009 to 2016-12 in the model (7 years)
    assert 1 + target.gain_share == pytest.approx(ratio ** (7 / 8), abs=1e-4)
    assert target.measure == "college_and_above"
    base, goal = target_goal(scenario, "guangzhou")
    assert base == pytest.approx(census_talent(scenario, 2010, "college_and_above")["guangzhou"])
    assert base > census_talent(scenario)["guangzhou"]  # junior college counts too


def test_a_college_and_above_target_counts_junior_college_people_too() -> None:
    scenario = scenario_from_dict(
        {"name": "x", "targets": {"guangzhou": {"by": "2011-01", "talent_people": 1500.0,
                                                "measure": "college_and_above"}}}
    )  # fmt: skip
    months = ["2009-12", "2010-01", "2011-01"]
    talent = pd.DataFrame({"guangzhou": [900.0, 950.0, 1000.0]}, months)
    college = pd.DataFrame({"guangzhou": [400.0, 450.0, 600.0]}, months)
    row = summarize_replication(
        scenario, talent, pd.Series({"guangzhou": 1.0}), pd.Series(dtype=float), college=college
    ).iloc[0]
    assert row.target_measured == 1600.0 and row.reached == 1.0
    row = summarize_replication(  # bachelor and above alone would miss it
        scenario, talent, pd.Series({"guangzhou": 1.0}), pd.Series(dtype=float)
    ).iloc[0]
    assert np.isnan(row.target_measured)


def test_wuhan_goal_is_its_programmes_own_number() -> None:
    effects = pd.read_csv(resources.files("hubsim.data").joinpath("policy_effects.csv"))
    row = effects[effects.quantity == "graduates_retention_target_5yr"].iloc[0]
    target = load_scenario(BASELINE).targets["wuhan"]
    assert target.graduates_staying_people == row.value
    assert (target.start, target.by) == ("2017-01", "2021-12")  # five years from 2017


def test_the_goals_used_were_published_before_2020() -> None:
    """Every sourced target's source names its publication, and every year it names is before
    2020 (a goal published later may not enter)."""
    for city, target in load_scenario(BASELINE).targets.items():
        if not target.sourced:
            continue
        years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", target.source)]
        assert years, f"{city}: the source gives no date"
        assert max(years) < 2020, city


def test_the_docs_table_has_every_baseline_target() -> None:
    """docs/scenarios.md shows one row per target, with the model's number for sourced ones."""
    from hubsim.engine.cities import city_table

    page = (BASELINE.parents[1] / "docs" / "scenarios.md").read_text(encoding="utf-8")
    docs = page.split("### The baseline's targets", 1)[1].split("\n## ", 1)[0]
    names = city_table()["name"]
    for city, target in load_scenario(BASELINE).targets.items():
        rows = [line for line in docs.splitlines() if line.startswith(f"| {names[city]} |")]
        assert len(rows) == 1, city
        if target.sourced:
            amount = (f"{target.amount:g}", f"{target.amount:,.0f}")
            assert any(text in rows[0] for text in amount), city
        else:
            assert "ASSUMPTION" in rows[0], city
