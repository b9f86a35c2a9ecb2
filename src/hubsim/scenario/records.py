"""What the record says a value can be: the absurd ceilings (errors) and the ranges on record
(warnings), from the packaged data tables and the calibration's search ranges.

The schema reads the ceilings; `hubsim.scenario.off_record` turns the ranges into warnings.
"""

from __future__ import annotations

import csv
import functools
from importlib import resources

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
# The ranges the calibration searched (scenarios/calibration/fit-pre2020.yaml, `parameters:`;
# a test keeps them equal): the fitted values lie inside, and nothing outside was ever fitted.
CALIBRATED_RANGES = {
    "behaviour.migration.b_w": (0.8, 3.0),
    "behaviour.migration.b_h": (0.0, 2.0),
    "behaviour.migration.b_s_per_10k_yuan": (0.01, 0.15),
    "behaviour.migration.moving_cost_per_1000km": (0.1, 1.0),
    "behaviour.labour.matching_efficiency_per_month": (0.15, 0.8),
    "behaviour.migration.hazards.base_per_year": (0.005, 0.06),
    "behaviour.migration.population_cap_cost": (0.0, 5.0),
    "behaviour.migration.population_cap_talent_share": (0.0, 1.0),
    "behaviour.firms.office_upgrading_per_year": (0.05, 0.2),
}
# Quantities of office_market.csv that count one submarket, not a whole city.
SUBMARKETS = ("cbd", "decentralised", "qianhai", "pazhou", "rd_property")
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


def vacancy_definition(quantity: str) -> str:
    """What an office_market.csv quantity counts: a city-wide rate, one submarket,
    availability, or unstated."""
    q = quantity.lower()
    if "availability" in q:
        return "availability"
    if any(s in q for s in SUBMARKETS):
        return "submarket"
    if q.startswith("office_vacancy"):
        return "unstated"
    return "city-wide"


@functools.cache
def city_wide_vacancy_on_record() -> tuple[tuple[float, str], tuple[float, str]]:
    """The lowest and the highest city-wide grade-A or prime vacancy of one city in the
    packaged office_market.csv, each with its city and year."""
    found = [
        (float(row["value"]), f"{row['city'].title()} {row['year']}")
        for row in _table("office_market.csv")
        if row["unit"].lower().startswith("share")
        and "vacancy" in row["quantity"]
        and vacancy_definition(row["quantity"]) == "city-wide"
        and row["city"] not in ("national", "tier1")
    ]
    return min(found), max(found)
