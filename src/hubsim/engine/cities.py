"""Cities: the packaged data tables and the static per-node parameters as arrays.

The 13 cities come from `data/cities_2010.csv` (with its source columns), taken to the start
year's census by `engine.census` (2010, or 2000 for the spin-up); the outside node last.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from hubsim.engine.census import StartCensus, start_census
from hubsim.engine.rules.offices import STOCK_YEAR_ENDS, stock_path
from hubsim.errors import ScenarioError
from hubsim.scenario import CITY_KEYS, DEGREES, SECTORS, TALENT_DEGREE, Scenario

OUTSIDE = "rest_of_china"
NODES = (*CITY_KEYS, OUTSIDE)
NOBODY = 99  # a minimum degree nobody reaches: hukou closed to everyone
# ASSUMPTION (docs/model.md#programmes): stringency 1 opens hukou to anyone, 2 to bachelor's,
# 3 to master's, 4 to PhDs, 5 to nobody (points systems).
HUKOU_MIN_DEGREE_BY_STRINGENCY = {
    1: 0,
    2: DEGREES.index("bachelor"),
    3: DEGREES.index("master"),
    4: DEGREES.index("phd"),
    5: NOBODY,
}
# The outside node stands for the rest of China. ASSUMPTION: placed near the population centre,
# national average wage (national.csv) and an estimated 2010 national new-home price.
OUTSIDE_ROW = {
    "city": OUTSIDE,
    "name": "Rest of China",
    "tier": 3,
    "lat": 32.0,
    "lon": 112.0,
    "avg_wage_2010_yuan": 37147.0,
    "new_home_price_2010_yuan_m2": 5000.0,
    "universities": 0,
    "hukou_stringency_1to5": 1,
}


def city_table() -> pd.DataFrame:
    """The packaged `cities_2010.csv` (with its source columns), indexed by city key."""
    with resources.files("hubsim.data").joinpath("cities_2010.csv").open() as handle:
        table = pd.read_csv(handle)
    return table.set_index("city").loc[list(CITY_KEYS)]


def census_table() -> pd.DataFrame:
    """The packaged `census_2000_2010.csv`, indexed by city key."""
    with resources.files("hubsim.data").joinpath("census_2000_2010.csv").open() as handle:
        return pd.read_csv(handle).set_index("city").loc[list(CITY_KEYS)]


def sector_mix_2010() -> np.ndarray:
    """(city, sector) shares of 2010 jobs, the packaged `sector_mix_2010.csv` (ESTIMATE rule
    of `tools/sector_mix.py` from the `tech_specialisation` column)."""
    with resources.files("hubsim.data").joinpath("sector_mix_2010.csv").open() as handle:
        table = pd.read_csv(handle)
    wide = table.pivot(index="city", columns="sector", values="job_share_2010")
    return wide.loc[list(CITY_KEYS), list(SECTORS)].to_numpy(float)


def office_stock_table() -> pd.DataFrame:
    """The packaged `office_stock.csv`: recorded grade-A / prime office stock (m2) by city and
    month ('YYYY-MM'), each row RECORD, DERIVED or ESTIMATE with its basis and source."""
    with resources.files("hubsim.data").joinpath("office_stock.csv").open() as handle:
        return pd.read_csv(handle)


def office_stock_by_year_end(growth_per_year: float) -> np.ndarray:
    """(node, year-end of `rules.offices.STOCK_YEAR_ENDS`) grade-A stock (m2) of the cities
    `office_stock.csv` records, by `rules.offices.stock_path` (linear between the table's
    dates, at `growth_per_year` before the first and after the last); NaN rows for the others."""
    table = office_stock_table()
    out = np.full((len(NODES), len(STOCK_YEAR_ENDS)), np.nan)
    for city, rows in table.groupby("city", sort=False):
        year, month = rows["as_of"].str.split("-", expand=True).astype(int).T.to_numpy()
        times = year + month / 12.0
        order = np.argsort(times)
        stock = rows["stock_m2"].to_numpy(float)[order]
        out[NODES.index(city)] = stock_path(times[order], stock, growth_per_year)
    return out


@dataclass
class CityArrays:
    """Static per-node parameters (13 cities and the outside node last).

    `census_year` is the census the start was built from (2010, or 2000 for the spin-up);
    `working_age_share` is its share of residents aged 15-59, which the agents stand for.
    """

    keys: tuple[str, ...]
    names: tuple[str, ...]
    tier: np.ndarray
    distance_1000km: np.ndarray
    amenity: np.ndarray
    base_wage_yuan: np.ndarray  # average wage at the start (yuan a year)
    base_rent_yuan_m2_month: np.ndarray
    supply_elasticity: np.ndarray
    universities: np.ndarray
    hukou_min_degree: np.ndarray
    hukou_max_age: np.ndarray
    census_year: int
    working_age_share: float
    native_share: np.ndarray  # share of each city's residents born there (cities only)
    working_age_people_start: np.ndarray
    degree_share_start: np.ndarray  # (node, degree): shares of working-age residents at the start
    capacity_growth_per_month: np.ndarray
    productivity_factor: np.ndarray
    sector_mix_2010: np.ndarray  # (node, sector): shares of 2010 jobs (outside node: zeros)
    # (node, year-end of rules.offices.STOCK_YEAR_ENDS): recorded grade-A stock (m2), NaN rows
    # where nothing is recorded (office_stock_by_year_end).
    office_stock_m2: np.ndarray

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def outside(self) -> int:
        return self.n - 1

    @property
    def talent_share_start(self) -> np.ndarray:
        """Bachelor-and-above share of each node's working-age residents at the start."""
        return self.degree_share_start[:, TALENT_DEGREE:].sum(axis=1)


def build_city_arrays(scenario: Scenario) -> CityArrays:
    """The per-node parameters of a scenario: the data table at its start's census, with its
    city overrides (wages and prices of 2000 are the 2010 ones times the national ratio)."""
    census = start_census(scenario)
    table = city_table().reset_index()
    table = pd.concat([table, pd.DataFrame([OUTSIDE_ROW])], ignore_index=True)
    beh = scenario.behaviour
    overrides = [scenario.cities.get(k) for k in CITY_KEYS]
    tier = table["tier"].to_numpy()
    eta_default = np.where(
        tier == 1, beh.housing.supply_elasticity_tier1, beh.housing.supply_elasticity_tier2
    )
    stringency = table["hukou_stringency_1to5"].to_numpy()
    min_degree = np.array([HUKOU_MIN_DEGREE_BY_STRINGENCY[int(s)] for s in stringency])
    working_age = np.append(census.residents, np.nan) * census.working_age_share
    working_age[-1] = census.national_working_age_people - working_age[:-1].sum()

    def per_city(attr: str, default: np.ndarray) -> np.ndarray:
        values = default.astype(float).copy()
        for i, city in enumerate(overrides):
            value = getattr(city, attr)
            if value is not None:
                values[i] = value
        return values

    for i, city in enumerate(overrides):
        if city.hukou_min_degree is not None:
            min_degree[i] = (
                NOBODY
                if city.hukou_min_degree == "nobody"
                else DEGREES.index(city.hukou_min_degree)
            )
    zeros = np.zeros(len(table))
    growth = per_city("office_capacity_growth_per_year", zeros)
    return CityArrays(
        keys=NODES,
        names=tuple(table["name"]),
        tier=tier,
        distance_1000km=great_circle_km(table["lat"].to_numpy(), table["lon"].to_numpy()) / 1000,
        amenity=per_city("amenity", zeros),
        base_wage_yuan=table["avg_wage_2010_yuan"].to_numpy(float) * census.wage_factor,
        base_rent_yuan_m2_month=table["new_home_price_2010_yuan_m2"].to_numpy(float)
        * census.price_factor
        * beh.housing.rent_yield_per_month,
        supply_elasticity=per_city("supply_elasticity", eta_default),
        universities=table["universities"].to_numpy(float),
        hukou_min_degree=min_degree,
        hukou_max_age=per_city("hukou_max_age", np.full(len(table), 99.0)),
        census_year=census.year,
        working_age_share=census.working_age_share,
        native_share=census.native_share,
        working_age_people_start=working_age,
        degree_share_start=degree_shares_start(scenario, census, working_age),
        capacity_growth_per_month=np.power(1 + growth, 1 / 12) - 1,
        productivity_factor=per_city("productivity_factor", np.ones(len(table))),
        sector_mix_2010=np.vstack([sector_mix_2010(), np.zeros(len(SECTORS))]),
        office_stock_m2=office_stock_by_year_end(beh.firms.office_stock_growth_per_year),
    )


def degree_shares_start(
    scenario: Scenario, census: StartCensus, working_age_people: np.ndarray
) -> np.ndarray:
    """(node, degree) shares of working-age residents at the start from the census stock.

    The census counts degree holders of all ages; the agents stand for ages 15-59, so each
    count is scaled by `educated_working_age_share` (ESTIMATE). The outside node holds the
    national stock less the 13 cities'. A city's `talent_share_2010` (a 2010 start only)
    rescales its bachelor, master and PhD shares to that total.
    """
    demo = scenario.behaviour.demography
    stock = census.stock
    people = np.vstack([stock.per_city, stock.national - stock.per_city.sum(axis=0)])
    people = people * demo.educated_working_age_share
    shares = people / working_age_people[:, None]
    for i, key in enumerate(CITY_KEYS):
        wanted = scenario.cities[key].talent_share_2010
        if wanted is not None:
            talent = shares[i, TALENT_DEGREE:]
            shares[i, TALENT_DEGREE:] = talent * wanted / talent.sum()
    shares[:, 0] = 0.0
    shares[:, 0] = 1.0 - shares.sum(axis=1)
    return shares


def great_circle_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Pairwise great-circle distances in km."""
    phi, lam = np.radians(lat), np.radians(lon)
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    h = np.sin(dphi / 2) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(dlam / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def check_buildable(scenario: Scenario, cities: CityArrays, where: str) -> None:
    """Refuse a world with a city that starts without talent agents or with degree shares
    that cannot add up; `where` names the file (or scenario) in the message."""
    talent_people = cities.working_age_people_start[:-1] * cities.talent_share_start[:-1]
    shares = cities.degree_share_start[:-1]
    for j in np.flatnonzero(shares[:, 0] < 0):
        key = CITY_KEYS[j]
        if scenario.cities[key].talent_share_2010 is None:
            raise ScenarioError(
                f"{where}: {cities.names[j]}'s census degree holders outnumber its working-age "
                "residents; check behaviour.demography's working_age_share and "
                "educated_working_age_share (the 2010 census gives 0.7014 and 0.96)."
            )
        room = 1.0 - shares[j, 1:TALENT_DEGREE].sum()
        raise ScenarioError(
            f"{where}: key 'cities.{key}.talent_share_2010' is "
            f"{scenario.cities[key].talent_share_2010:g}, but {cities.names[j]}'s junior-college "
            f"graduates already make {1 - room:.1%} of its working-age residents (2010 census), "
            f"so the talent share can be at most {room:.3f}; lower it."
        )
    outside = cities.working_age_people_start[-1]
    if outside <= 0:
        raise ScenarioError(
            f"{where}: key 'behaviour.demography.national_working_age_people' is "
            f"{scenario.behaviour.demography.national_working_age_people:,.0f}, but the 13 "
            f"cities alone hold {cities.working_age_people_start[:-1].sum():,.0f} working-age "
            "people, so the rest of China would be empty; give the country's figure (939,700,000"
            " in 2010)."
        )
    fewest = int(np.argmin(talent_people))
    if talent_people[fewest] / scenario.scale < 1.0:
        raise ScenarioError(
            f"{where}: key 'scale' is {scenario.scale:g} people per agent, which leaves "
            f"{cities.names[fewest]} without a single talent agent at the start: its "
            f"{talent_people[fewest]:,.0f} working-age residents with a bachelor's degree or "
            f"more ({cities.census_year} census) make {talent_people[fewest] / scenario.scale:.2f}"
            f" agents. Use a scale of at most {np.floor(talent_people[fewest]):,.0f} (the "
            "baseline's is 500; 20000 runs in seconds)."
        )
