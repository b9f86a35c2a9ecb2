"""`--set` with selectors: a list entry named by its fields, as in sweep files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubsim.errors import ScenarioError
from hubsim.scenario import load_scenario

TWO_IN_CHENGDU = """
name: small
months: 12
programmes:
  - {city: wuhan, start: 2017-10, instrument: cash, amount: 5000}
  - {city: chengdu, start: 2017-07, instrument: cash, amount: 1000}
  - {city: chengdu, start: 2018-01, instrument: rent, amount: 500, months: 36}
"""


@pytest.fixture
def small(write) -> Path:
    return write("small.yaml", TWO_IN_CHENGDU)


def refused(path: Path, item: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, [item])
    message = str(info.value)
    assert message.startswith(f"{path}: --set ") and "\n" not in message
    return message


def test_a_selector_picks_the_entry_by_its_fields(small: Path) -> None:
    scenario = load_scenario(small, ["programmes[city=wuhan].amount=7"])
    assert [p.amount for p in scenario.programmes] == [7, 1000, 500]


def test_several_fields_and_a_selector_below_the_top(small: Path) -> None:
    scenario = load_scenario(
        small,
        [
            "programmes[city=chengdu,instrument=rent].amount=800",
            "programmes[city=chengdu,start=2017-07].eligibility.max_age=35",
        ],
    )
    assert scenario.programmes[2].amount == 800
    assert scenario.programmes[1].eligibility.max_age == 35
    assert scenario.programmes[1].amount == 1000


def test_a_selector_value_may_hold_dots_and_the_value_an_equals_sign(small: Path) -> None:
    scenario = load_scenario(small, ["programmes[amount=500.0].source=a=b"])
    assert scenario.programmes[2].source == "a=b"


def test_an_ambiguous_selector_says_how_to_tell_the_entries_apart(small: Path) -> None:
    message = refused(small, "programmes[city=chengdu].amount=5")
    assert "2 entries of 'programmes' have city=chengdu (positions [1, 2])" in message
    assert "add a field that tells them apart" in message


def test_an_unmatched_selector_names_the_fields(small: Path) -> None:
    message = refused(small, "programmes[city=xian].amount=5")
    assert "no entry of 'programmes' in the scenario has city=xian" in message
    assert "base scenario" not in message


def test_a_selector_on_a_mapping(small: Path) -> None:
    message = refused(small, "behaviour[x=1].b_w=5")
    assert "'behaviour' is not a list of the scenario" in message


def test_the_value_after_a_selector_is_still_checked(small: Path) -> None:
    with pytest.raises(ScenarioError, match=r"key 'programmes\.0\.amount' must be 0 or more"):
        load_scenario(small, ["programmes[city=wuhan].amount=-1"])


@pytest.mark.parametrize(
    ("item", "needle"),
    [
        ("programmes.\u00b2.amount=1", "'programmes' is a list of 3 entries"),  # a digit, not int
        ("behaviour.mig\nration.b_w=1", "no key 'behaviour.mig\\nration'"),  # shown on one line
    ],
)
def test_odd_characters_in_a_key_are_a_message_on_one_line(small: Path, item, needle) -> None:
    assert needle in refused(small, item)
