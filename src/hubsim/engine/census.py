"""The census a world starts from: 2010 for a start in 2010-2019, 2000 for the spin-up.

Residents, working-age people, education stock, wage and price levels of the start year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hubsim.engine.pool import EducationStock, education_stock, national_value, read_table
from hubsim.scenario import CITY_KEYS, SPINUP_YEAR, Scenario


@dataclass(frozen=True)
class StartCensus:
    """What the start year's census (and the national series) say, for the 13 cities.

    Attributes:
        year: the census year, 2010 or 2000.
        residents: the 13 cities' census residents (people).
        working_age_share: share of residents aged 15-59 (the agents), from the scenario.
        national_working_age_people: the country's working-age people that year.
        wage_factor: national average wage that year / 2010's (1 for 2010; 2000: DERIVED,
            9,371 / 37,147, national.csv): the cities' 2010 wages times it.
        price_factor: national new-home price that year / 2010's (1 for 2010; 2000: DERIVED,
            2,112 / 5,032, national.csv): the cities' 2010 prices, and so rents, times it.
        native_share: share of each city's residents born there. ASSUMPTION: the 2000/2010
            census ratio for either start (the data have no 1990 census; a 2000 start takes
            the 2000s growth for the 1990s').
        stock: the census's degree holders by level, national and per city.
    """

    year: int
    residents: np.ndarray
    working_age_share: float
    national_working_age_people: float
    wage_factor: float
    price_factor: float
    native_share: np.ndarray
    stock: EducationStock


def census_year(start: str) -> int:
    """The census a start month ('YYYY-MM') is built from: 2000 for the spin-up, else 2010."""
    return SPINUP_YEAR if int(start[:4]) == SPINUP_YEAR else 2010


def start_census(scenario: Scenario) -> StartCensus:
    """The census of the scenario's start, with the scenario's demography applied."""
    year = census_year(scenario.start)
    demo = scenario.behaviour.demography
    census = read_table("census_2000_2010.csv").set_index("city").loc[list(CITY_KEYS)]
    native = census["population_2000"].to_numpy() / census["population_2010"].to_numpy()
    if year == 2010:
        cities = read_table("cities_2010.csv").set_index("city").loc[list(CITY_KEYS)]
        return StartCensus(
            year=year,
            residents=cities["population_2010"].to_numpy(float),
            working_age_share=demo.working_age_share,
            national_working_age_people=demo.national_working_age_people,
            wage_factor=1.0,
            price_factor=1.0,
            native_share=native,
            stock=education_stock(year),
        )
    share = demo.working_age_share_2000
    return StartCensus(
        year=year,
        residents=census["population_2000"].to_numpy(float),
        working_age_share=share,
        national_working_age_people=national_value("population", year) * share,
        wage_factor=_ratio_to_2010("urban_nonprivate_avg_wage", year),
        price_factor=_ratio_to_2010("new_home_avg_price_yuan_m2", year),
        native_share=native,
        stock=education_stock(year),
    )


def _ratio_to_2010(quantity: str, year: int) -> float:
    """A national.csv series in `year` over its 2010 value (DERIVED)."""
    return national_value(quantity, year) / national_value(quantity, 2010)
