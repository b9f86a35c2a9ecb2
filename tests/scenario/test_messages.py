"""Scenario mistakes a new user hit (issue 14): each is one paragraph naming the key and the fix."""

from __future__ import annotations

import pytest

from hubsim.errors import ScenarioError
from hubsim.scenario import load_scenario, scenario_from_dict
from hubsim.scenario.checking import Strict, describe_validation

CASH = {"city": "chengdu", "start": "2017-01", "instrument": "cash", "amount": 1000}
INTERNALS = ("literal[", "union[", "pydantic", "Input should be", "[type=", "<class")


def refused(data: dict) -> str:
    """The one-line message of the ScenarioError that `data` raises, free of pydantic internals."""
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"name": "t", **data})
    message = str(info.value)
    assert "\n" not in message
    assert not [word for word in INTERNALS if word in message], message
    return message


# --------------------------------------------------------------------------- start


@pytest.mark.parametrize("start", ["2020-01", "2035-01"])
def test_a_start_after_2019_is_refused_with_the_fix(start: str) -> None:
    message = refused({"start": start})
    assert "key 'start'" in message
    assert start in message
    assert "2010 census" in message  # why
    assert "months" in message  # the fix: start earlier and run longer


@pytest.mark.parametrize("start", ["2000-01", "2000-12", "2010-01", "2019-12"])
def test_starts_in_2000_and_in_2010_to_2019_are_accepted(start: str) -> None:
    assert scenario_from_dict({"name": "t", "start": start, "months": 12}).start == start


@pytest.mark.parametrize("start", ["2001-01", "2005-06", "2009-12"])
def test_a_start_between_the_censuses_is_refused_with_the_fix(start: str) -> None:
    message = refused({"start": start})
    assert "key 'start'" in message
    assert start in message
    assert "2000 census" in message and "2010 census" in message  # why
    year = int(start[:4])
    months = 12 * (year - 2000 + 1)
    assert f"start: 2000-01) and reach {year} with months: (2000-01 plus {months}" in message


def test_a_start_before_2000_is_refused() -> None:
    message = refused({"start": "1995-01"})
    assert "key 'start'" in message and "start: 2000-01" in message


def test_a_2010_talent_share_is_refused_for_a_2000_start() -> None:
    message = refused({"start": "2000-01", "cities": {"wuhan": {"talent_share_2010": 0.1}}})
    assert "key 'cities.wuhan.talent_share_2010'" in message
    assert "2000 census" in message and "remove talent_share_2010" in message


# --------------------------------------------------------------------------- targets


def test_gain_share_above_one_suggests_gain_people() -> None:
    target = {"by": "2020-12", "gain_share": 5}
    message = refused({"targets": {"chengdu": target}})
    assert "key 'targets.chengdu.gain_share'" in message
    assert "0.3 means 30 %" in message
    assert "gain_people" in message
    assert "0.05" in message  # the per-cent reading


def test_gain_shares_up_to_a_quadrupling_are_accepted() -> None:
    for share in (1, 2, 3):
        target = {"by": "2020-12", "gain_share": share}
        scenario = scenario_from_dict({"name": "t", "targets": {"chengdu": target}})
        assert scenario.targets["chengdu"].gain_share == share


# --------------------------------------------------------------------------- allowed values


def test_unknown_hukou_degree_lists_the_allowed_values() -> None:
    message = refused({"cities": {"chengdu": {"hukou_min_degree": "doctorate"}}})
    assert message == (
        "<dict>: key 'cities.chengdu.hukou_min_degree' must be one of 'none', 'college', "
        "'bachelor', 'master', 'phd' or 'nobody', but it is 'doctorate'; change the value."
    )


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        ({"programmes": [{**CASH, "instrument": "loan"}]}, ["programmes.0.instrument", "'rent'"]),
        (
            {"programmes": [{**CASH, "eligibility": {"min_degree": "doc"}}]},
            ["programmes.0.eligibility.min_degree", "'phd'", "'doc'"],
        ),
        (
            {"programmes": [{**CASH, "amount_by_degree": {"doc": 3}}]},
            ["key 'programmes.0.amount_by_degree' has the key 'doc'", "'phd'"],
        ),
        (
            {"behaviour": {"labour": {"degree_wage_premium": {"doc": 3}}}},
            ["key 'behaviour.labour.degree_wage_premium' has the key 'doc'", "'master'"],
        ),
        (
            {"behaviour": {"labour": {"nominal_wage_growth_by_year": {"soon": 0.1}}}},
            ["has the key 'soon', which must be a whole number"],
        ),
        ({"cities": {"chengdu": {"hukou_min_degree": 3}}}, ["'nobody'", "but it is 3"]),
        ({"cities": {"chengdu": {"talent_share_2010": "x"}}}, ["must be a number"]),
        ({"programmes": [{**CASH, "end": 5}]}, ["programmes.0.end"]),
    ],
)
def test_every_literal_and_optional_field_names_its_key(data: dict, needles: list[str]) -> None:
    message = refused(data)
    for needle in needles:
        assert needle in message, message


def test_a_union_of_choices_is_one_sentence_with_every_choice() -> None:
    from pathlib import Path
    from typing import Literal

    from pydantic import ValidationError

    class Model(Strict):
        level: Literal["a", "b"] | Literal["c"] | None = None

    with pytest.raises(ValidationError) as info:
        Model.model_validate({"level": "q"})
    message = describe_validation(info.value, Path("f.yaml"), {"level": "q"}, Model)
    assert (
        message
        == "f.yaml: key 'level' must be one of 'a', 'b' or 'c', but it is 'q'; change the value."
    )


# --------------------------------------------------------------------------- programmes


def test_an_empty_city_list_is_an_error_not_a_dropped_programme() -> None:
    message = refused({"programmes": [CASH, {**CASH, "city": []}]})
    assert "key 'programmes.1.city' is an empty list" in message
    assert "delete the programme" in message


def test_an_empty_city_list_in_a_file(write) -> None:
    path = write(
        "empty.yaml",
        "name: e\nadd_programmes:\n  - {city: [], start: 2017-01, instrument: hukou}\n",
    )
    with pytest.raises(ScenarioError, match=r"empty\.yaml: key 'programmes\.0\.city' is an empty"):
        load_scenario(path)


def test_a_scenario_that_is_not_a_mapping() -> None:
    with pytest.raises(ScenarioError, match="must be a mapping"):
        scenario_from_dict(["name", "t"])  # type: ignore[arg-type]


def test_an_unknown_key_with_a_newline_is_shown_on_one_line() -> None:
    message = refused({"behaviour": {"migration": {"b_w\n": 1}}})
    assert "key 'behaviour.migration.b_w\\n' is not a scenario key" in message
