"""What the record says a value can be: the absurd ceilings (errors) and the ranges on record
(warnings), from the packaged data tables and the calibration's search ranges.

`scenario_warnings(scenario)` lists the values that are possible but far outside the record.
"""

from __future__ import annotations

import csv
import functools
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hubsim.scenario.schema import Scenario

# A single payment to one person is absurd beyond this many years of the best-paid city's 2010
# average wage (cities_2010.csv): no programme pays a newcomer a millennium's salary.
ABSURD_YEARS_OF_WAGE = 1000
# The 2010 census's national population (bulletin No. 1): a population cap or a build-out of
# office seats above it cannot mean anything in one city.
NATIONAL_POPULATION_2010 = 1_339_724_852
# "Far outside the record": a factor beyond the largest amount on record, or beyond the edges
# of a calibrated range; a value within it is plausible even if never seen.
FAR = 10.0
FAR_FROM_CALIBRATION = 2.0
# The ranges the calibration searched (scenarios/calibration/fit-2000s.yaml, `parameters:`;
# a test keeps them equal): the fitted values lie inside, and nothing outside was ever fitted.
CALIBRATED_RANGES = {
    "behaviour.migration.b_w": (0.8, 2.5),
    "behaviour.migration.b_h": (0.0, 2.0),
    "behaviour.migration.b_s_per_10k_yuan": (0.0, 0.4),
    "behaviour.migration.moving_cost_per_1000km": (0.1, 1.0),
    "behaviour.labour.matching_efficiency_per_month": (0.15, 0.8),
    "behaviour.migration.hazards.base_per_year": (0.005, 0.06),
}
# Units of the talent_policies table's yuan amounts, as yuan per payment of the schema's unit.
_PER_MONTH = {"yuan per month": 1.0, "yuan per year": 1 / 12}


def _table(name: str) -> list[dict[str, str]]:
    with resources.files("hubsim.data").joinpath(name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@functools.cache
def max_yuan_per_person() -> float:
    """The error ceiling of what one person can be paid by one programme (yuan)."""
    wages = [float(row["avg_wage_2010_yuan"]) for row in _table("cities_2010.csv")]
    return ABSURD_YEARS_OF_WAGE * max(wages)


@functools.cache
def largest_on_record() -> dict[str, float]:
    """The largest cash (yuan once) and rent (yuan a month) amount of the packaged
    talent_policies_2016_2021.csv."""
    largest = {"cash": 0.0, "rent": 0.0}
    for row in _table("talent_policies_2016_2021.csv"):
        if row["instrument"] == "cash" and row["amount"]:
            largest["cash"] = max(largest["cash"], float(row["amount"]))
        if row["instrument"] == "rent" and row["amount"]:
            per_month = float(row["amount"]) * _PER_MONTH[row["unit"]]
            largest["rent"] = max(largest["rent"], per_month)
    return largest


def scenario_warnings(scenario: Scenario) -> list[str]:
    """One sentence per value far outside the record: the key, the value, the recorded range."""
    return _calibration_warnings(scenario) + _amount_warnings(scenario)


def _calibration_warnings(scenario: Scenario) -> list[str]:
    found = []
    for key, (low, high) in CALIBRATED_RANGES.items():
        value = _value_at(scenario, key)
        if value > high * FAR_FROM_CALIBRATION or value < low / FAR_FROM_CALIBRATION:
            found.append(
                f"key '{key}' is {value:g}, far outside the range the calibration searched "
                f"({low:g} to {high:g}, scenarios/calibration/fit-2000s.yaml): the model was "
                "never fitted there, read its results as a stress test"
            )
    return found


def _amount_warnings(scenario: Scenario) -> list[str]:
    found = []
    units = {"cash": "yuan once", "rent": "yuan a month"}
    for number, programme in enumerate(scenario.programmes):
        record = largest_on_record().get(programme.instrument)
        if not record:
            continue
        amounts = {"amount": programme.amount}
        amounts |= {f"amount_by_degree.{d}": a for d, a in programme.amount_by_degree.items()}
        for key, amount in amounts.items():
            if amount > FAR * record:
                found.append(
                    f"key 'programmes.{number}.{key}' ({programme.city} "
                    f"{programme.instrument}) is {amount:,.0f} {units[programme.instrument]}, "
                    f"over {FAR:g} times the largest {programme.instrument} programme on record "
                    f"({record:,.0f}, data/talent_policies_2016_2021.csv)"
                )
    return found


def _value_at(scenario: Scenario, dotted: str) -> float:
    node = scenario
    for part in dotted.split("."):
        node = getattr(node, part)
    return float(node)
