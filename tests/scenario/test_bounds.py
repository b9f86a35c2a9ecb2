"""Bounds that follow from what a value means (errors) and ranges on record (warnings), issue 23.

Each error is one paragraph naming the file, the key and the fix; each warning names the key
and the recorded range. The ceilings and ranges come from the packaged data, not from the tests.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from hubsim.errors import ScenarioError
from hubsim.scenario import load_scenario, scenario_from_dict
from hubsim.scenario.off_record import scenario_warnings
from hubsim.scenario.records import (
    CALIBRATED_RANGES,
    FAR,
    FAR_FROM_CALIBRATION,
    NATIONAL_POPULATION_2010,
    city_wide_vacancy_on_record,
    largest_on_record,
    max_yuan_per_person,
)
from hubsim.scenario.schema import Migration, Programme

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
INTERNALS = ("literal[", "union[", "pydantic", "Input should be", "[type=", "<class")


def index_of(city: str, instrument: str) -> int:
    """The position of the baseline's first programme of `city` and `instrument`."""
    programmes = load_scenario(BASELINE).programmes
    return next(
        i for i, p in enumerate(programmes) if p.city == city and p.instrument == instrument
    )


def refused(overrides: list[str], path: Path = BASELINE) -> str:
    """The one-line message of the ScenarioError the overrides raise, free of internals."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert not [word for word in INTERNALS if word in message], message
    return message


def programme(instrument: str, amount: float) -> dict:
    return {"city": "guiyang", "start": "2012-01", "instrument": instrument, "amount": amount}


def refused_programme(**fields) -> str:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"name": "t", "programmes": [fields]})
    return str(info.value)


# --------------------------------------------------------------------------- NaN and infinity


@pytest.mark.parametrize("text", ["nan", ".nan", "inf", ".inf", "-.inf", "1e400"])
def test_nan_and_infinity_through_set_are_refused(text: str) -> None:
    message = refused([f"behaviour.migration.b_w={text}"])
    assert "key 'behaviour.migration.b_w' must be a finite number" in message
    assert "change the value" in message


def test_nan_in_a_yaml_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nan.yaml"
    path.write_text(f"extends: {BASELINE}\ncities:\n  guiyang: {{amenity: .nan}}\n")
    with pytest.raises(ScenarioError, match=r"nan\.yaml: key 'cities\.guiyang\.amenity' must be a"):
        load_scenario(path)


# --------------------------------------------------------------------------- bounds (errors)


@pytest.mark.parametrize("value", ["-0.01", "-5"])
def test_a_negative_wage_weight_is_refused(value: str) -> None:
    message = refused([f"behaviour.migration.b_w={value}"])
    assert f"key 'behaviour.migration.b_w' must be 0 or more, but it is {value}" in message


def test_a_zero_wage_weight_is_the_rosen_roback_limit_with_a_warning() -> None:
    scenario = load_scenario(BASELINE, ["behaviour.migration.b_w=0"])
    (warning,) = scenario_warnings(scenario)
    assert "key 'behaviour.migration.b_w' is 0" in warning


def test_the_wage_weight_description_says_what_is_an_error_and_what_a_warning() -> None:
    text = Migration.model_fields["b_w"].description
    low, high = CALIBRATED_RANGES["behaviour.migration.b_w"]
    far = f"warning below {low / FAR_FROM_CALIBRATION:g} or above {high * FAR_FROM_CALIBRATION:g}"
    assert "error below 0" in text and far in text


def test_a_population_cap_of_zero_is_refused() -> None:
    message = refused(["programmes[city=beijing,instrument=population_cap].amount=0"])
    index = index_of("beijing", "population_cap")
    assert f"key 'programmes.{index}.amount'" in message and "must be more than 0" in message


def test_a_population_cap_above_the_country_is_refused() -> None:
    message = refused_programme(**programme("population_cap", NATIONAL_POPULATION_2010 + 1))
    assert "more than China's population" in message


def test_an_absurd_cash_amount_is_refused_with_the_ceiling(tmp_path: Path) -> None:
    path = tmp_path / "guiyang.yaml"
    added = [programme("cash", 1e15)]
    path.write_text(yaml.safe_dump({"extends": str(BASELINE), "add_programmes": added}))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    index = len(load_scenario(BASELINE).programmes)  # the added one comes last
    assert message.startswith(f"{path}: key 'programmes.{index}.amount': 1e+15 yuan")
    assert f"{max_yuan_per_person():,.0f} yuan" in message


def test_the_yuan_ceiling_is_a_thousand_years_of_the_best_paid_wage() -> None:
    assert max_yuan_per_person() == 1000 * 71874  # Shanghai, cities_2010.csv


def test_a_rent_is_refused_when_its_months_add_up_past_the_ceiling() -> None:
    monthly = max_yuan_per_person() / 36 * 1.01
    assert Programme(**programme("rent", monthly), months=35)  # within the ceiling
    message = refused_programme(**programme("rent", monthly), months=36)
    assert "a month for 36 months" in message


def test_an_absurd_amount_by_degree_is_refused() -> None:
    message = refused_programme(**programme("cash", 1000), amount_by_degree={"phd": 1e12})
    assert "key 'programmes.0.amount_by_degree.phd'" in message


def test_an_amount_on_a_hukou_programme_is_refused() -> None:
    message = refused(["programmes[city=chengdu,instrument=hukou].amount=5000"])
    index = index_of("chengdu", "hukou")
    assert f"key 'programmes.{index}.amount': a hukou programme has no amount" in message


def test_the_same_set_key_twice_is_refused() -> None:
    message = refused(["behaviour.migration.b_w=1.2", "behaviour.migration.b_w=1.3"])
    assert "set the same key 'behaviour.migration.b_w'" in message


def test_the_same_entry_by_selector_and_by_number_is_refused() -> None:
    index = index_of("nanjing", "rent")
    message = refused(
        ["programmes[city=nanjing,instrument=rent].amount=700", f"programmes.{index}.amount=9"]
    )
    assert f"set the same key 'programmes.{index}.amount'" in message


def test_different_set_keys_are_accepted() -> None:
    scenario = load_scenario(
        BASELINE, ["behaviour.migration.b_w=1.2", "behaviour.migration.b_h=0.3"]
    )
    assert scenario.behaviour.migration.b_w == 1.2


# --------------------------------------------------------------------------- warnings


def test_the_baseline_and_shipped_scenarios_have_no_warnings() -> None:
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        assert scenario_warnings(load_scenario(path)) == [], path


def test_a_ghost_threshold_outside_every_city_wide_vacancy_on_record_is_a_warning() -> None:
    (low, at_low), (high, at_high) = city_wide_vacancy_on_record()
    assert (low, at_low, high, at_high) == (0.033, "Beijing 2018", 0.407, "Chengdu 2013")
    for inside in (low, 0.2, 0.4):
        assert scenario_warnings(load_scenario(BASELINE, [f"ghost.vacancy_above={inside}"])) == []
    (above,) = scenario_warnings(load_scenario(BASELINE, ["ghost.vacancy_above=0.97"]))
    assert "key 'ghost.vacancy_above' is 0.97, above every city-wide" in above
    assert "highest 0.407, Chengdu 2013" in above
    (below,) = scenario_warnings(load_scenario(BASELINE, ["ghost.vacancy_above=0.01"]))
    assert "below every city-wide office vacancy on record (lowest 0.033, Beijing 2018" in below


def test_a_cash_amount_far_above_the_record_is_a_warning() -> None:
    record = largest_on_record()["cash"]
    assert record == 15000  # Shenzhen 2016, the largest cash amount of talent_policies
    near = load_scenario(BASELINE, [f"programmes.0.amount={FAR * record}"])
    assert scenario_warnings(near) == []
    far = load_scenario(BASELINE, [f"programmes.0.amount={FAR * record + 1}"])
    (warning,) = scenario_warnings(far)
    assert "key 'programmes.0.amount' (shenzhen cash) is 150,001 yuan once" in warning
    assert "largest cash programme on record (15,000" in warning


def test_a_monthly_rent_far_above_the_record_is_a_warning() -> None:
    assert largest_on_record()["rent"] == pytest.approx(10000 / 12)  # Hangzhou, yuan a year
    far = load_scenario(BASELINE, ["programmes[city=nanjing,instrument=rent].amount=9000"])
    (warning,) = scenario_warnings(far)
    index = index_of("nanjing", "rent")
    assert f"key 'programmes.{index}.amount' (nanjing rent) is 9,000 yuan a month" in warning


@pytest.mark.parametrize(
    ("value", "warned"), [(0.39, True), (0.4, False), (6.0, False), (6.1, True)]
)
def test_a_wage_weight_far_outside_the_calibrated_range_is_a_warning(value, warned) -> None:
    warnings = scenario_warnings(load_scenario(BASELINE, [f"behaviour.migration.b_w={value}"]))
    assert bool(warnings) == warned
    if warned:
        assert "key 'behaviour.migration.b_w'" in warnings[0] and "0.8 to 3" in warnings[0]


def test_the_calibrated_ranges_are_the_calibration_files() -> None:
    fit = yaml.safe_load((ROOT / "scenarios" / "calibration" / "fit-pre2020.yaml").read_text())
    searched = {key: (b["low"], b["high"]) for key, b in fit["parameters"].items()}
    assert searched == CALIBRATED_RANGES


# ------------------------------------------- values the mutant sweep found crashing a short run

RESOLVED = load_scenario(BASELINE).model_dump(mode="python")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("behaviour", "labour", "degree_wage_premium", "phd"), 1e300),
        (("behaviour", "labour", "degree_wage_premium", "none"), -1e9),
        (("behaviour", "labour", "nominal_wage_growth_by_year", 2010), -1e9),
        (("behaviour", "labour", "initial_unemployment"), 1.0),
        (("behaviour", "firms", "local_services_population_elasticity"), 1e300),
        (("behaviour", "firms", "entry_profit_elasticity"), 1e300),
        (("behaviour", "firms", "branch_fit_sigma"), 1e300),
        (("behaviour", "firms", "branch_local_productivity_share"), 0.0),
        (("behaviour", "demography", "working_age_share"), 0.0),
        (("behaviour", "demography", "national_working_age_people"), 1e300),
        (("cities", "beijing", "productivity_factor"), 1e300),
        (("cities", "beijing", "office_capacity_growth_per_year"), -1e9),
        (("replications",), 10**15),
    ],
)
def test_values_that_crashed_a_run_are_refused_naming_their_key(path: tuple, value) -> None:
    data = copy.deepcopy(RESOLVED)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    with pytest.raises(ScenarioError, match=re.escape(".".join(map(str, path)))):
        scenario_from_dict(data)


def test_a_partial_wage_premium_keeps_the_other_degrees() -> None:
    labour = {"degree_wage_premium": {"phd": 2.5}}
    scenario = scenario_from_dict({"name": "t", "behaviour": {"labour": labour}})
    assert scenario.behaviour.labour.degree_wage_premium == {
        "none": 0.85, "college": 1.05, "bachelor": 1.3, "master": 1.6, "phd": 2.5,
    }  # fmt: skip
