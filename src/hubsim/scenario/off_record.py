"""Warnings for a scenario's values that are possible but far outside the record.

`scenario_warnings(scenario)`: one sentence each, naming the key and the recorded range.
"""

from __future__ import annotations

from typing import Any

from hubsim.scenario.records import (
    CALIBRATED_RANGES,
    FAR,
    FAR_FROM_CALIBRATION,
    city_wide_vacancy_on_record,
    largest_on_record,
)
from hubsim.scenario.schema import Scenario


def scenario_warnings(scenario: Scenario) -> list[str]:
    """One sentence per value far outside the record: the key, the value, the recorded range."""
    return _calibration_warnings(scenario) + _amount_warnings(scenario) + _ghost_warnings(scenario)


def _calibration_warnings(scenario: Scenario) -> list[str]:
    found = []
    for key, (low, high) in CALIBRATED_RANGES.items():
        value = _value_at(scenario, key)
        if value > high * FAR_FROM_CALIBRATION or value < low / FAR_FROM_CALIBRATION:
            found.append(
                f"key '{key}' is {value:g}, far outside the range the calibration searched "
                f"({low:g} to {high:g}, scenarios/calibration/fit-pre2020.yaml): the model was "
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


def _ghost_warnings(scenario: Scenario) -> list[str]:
    """A ghost threshold outside every city-wide vacancy on record: above the highest no hub
    the record calls over-built could be a ghost; below the lowest a working market is one."""
    (low, at_low), (high, at_high) = city_wide_vacancy_on_record()
    value = scenario.ghost.vacancy_above
    if value >= high:
        return [
            f"key 'ghost.vacancy_above' is {value:g}, above every city-wide office vacancy on "
            f"record (highest {high:g}, {at_high}, data/office_market.csv): no hub can be a "
            "ghost at this threshold unless it is emptier than any city ever was"
        ]
    if value < low:
        return [
            f"key 'ghost.vacancy_above' is {value:g}, below every city-wide office vacancy on "
            f"record (lowest {low:g}, {at_low}, data/office_market.csv): at this threshold "
            "even the tightest market on record counts as space left empty"
        ]
    return []


def _value_at(scenario: Scenario, dotted: str) -> float:
    node: Any = scenario
    for part in dotted.split("."):
        node = getattr(node, part)
    return float(node)
