"""The finite pool's data: graduate cohorts by level (2000-2023), the census stocks (2000, 2010)
by city and level.

Read from the packaged tables with their basis columns; the rules that fill their gaps are here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from hubsim.scenario import CITY_KEYS, DEGREES

# graduates_by_level.csv's level names, by degree index (none has no graduates).
LEVEL_ROWS = {
    "college": "junior_college(专科)",
    "bachelor": "bachelor_program(本科)",
    "master": "master",
    "phd": "doctor",
}
UNDERGRAD_TOTAL = "regular_undergrad_program_total(本专科)"
POSTGRAD_TOTAL = "postgraduate_total"


def read_table(name: str) -> pd.DataFrame:
    """A packaged data table (src/hubsim/data/), with its basis and source columns."""
    with resources.files("hubsim.data").joinpath(name).open(encoding="utf-8") as handle:
        return pd.read_csv(handle)


@dataclass(frozen=True)
class GraduateSchedule:
    """National graduates a year by degree (people), 2000-2023, and how each figure was got.

    `people[y, d]` is year `years[y]`'s cohort of degree d (column 0, none, is zero);
    `basis[y][d]` says 'data' or the ESTIMATE rule that filled the gap.
    """

    years: np.ndarray
    people: np.ndarray
    basis: tuple[tuple[str, ...], ...]

    @property
    def last_year(self) -> int:
        return int(self.years[-1])


def _share_filled(years: np.ndarray, part: pd.Series, total: pd.Series) -> np.ndarray:
    """part / total where both are known; between known years interpolated, held outside."""
    known = part.notna() & total.notna()
    share = (part[known] / total[known]).to_numpy()
    return np.interp(years, years[known.to_numpy()], share)


@functools.cache
def graduate_schedule() -> GraduateSchedule:
    """The cohort of each level and year from `graduates_by_level.csv`, its gaps filled.

    Rules (ESTIMATE where used): a year with the undergraduate total (benzhuanke) but no split
    takes the bachelor share of the nearest years with one (interpolated between them, held
    before the first); a year with the postgraduate total but no split takes the doctor share
    the same way; a level with no figure at all in a year (bachelor and college in 2022-2023)
    keeps its last figure.
    """
    table = read_table("graduates_by_level.csv").drop_duplicates(["year", "level"], keep="first")
    wide = table.pivot(index="year", columns="level", values="graduates").astype(float)
    years = wide.index.to_numpy()
    people = np.zeros((len(years), len(DEGREES)))
    basis = [["none"] + ["data"] * (len(DEGREES) - 1) for _ in years]
    for total, parts in (
        (UNDERGRAD_TOTAL, ("college", "bachelor")),
        (POSTGRAD_TOTAL, ("master", "phd")),
    ):
        upper = parts[1]
        share = _share_filled(years, wide[LEVEL_ROWS[upper]], wide[total])
        for y in range(len(years)):
            known = [wide[LEVEL_ROWS[p]].iloc[y] for p in parts]
            if not np.isnan(known).any():
                values = known
            elif not np.isnan(wide[total].iloc[y]):
                values = [wide[total].iloc[y] * (1 - share[y]), wide[total].iloc[y] * share[y]]
                for p in parts:
                    basis[y][DEGREES.index(p)] = f"ESTIMATE: {total} x {upper} share of near years"
            else:
                values = [people[y - 1, DEGREES.index(p)] for p in parts]
                for p in parts:
                    basis[y][DEGREES.index(p)] = "ESTIMATE: no figure; last year's held"
            for p, v in zip(parts, values, strict=True):
                people[y, DEGREES.index(p)] = v
    people.setflags(write=False)
    return GraduateSchedule(years, people, tuple(tuple(b) for b in basis))


@dataclass(frozen=True)
class EducationStock:
    """A census stock of people with a degree, all ages, by level (DEGREES columns).

    `year` is the census (2000 or 2010); `national[d]` for the whole country; `per_city[j, d]`
    for the 13 cities; `basis[j]` is the basis of city j's college-and-above rate (reported,
    DERIVED or the ESTIMATE rule).
    """

    year: int
    national: np.ndarray
    per_city: np.ndarray
    basis: tuple[str, ...]


# ESTIMATE: doctors among postgraduate degree holders, the 2008 graduates' ratio
# (43,759 of 344,825, graduates_by_level.csv); the census tabulation gives postgraduates only.
DOCTOR_SHARE_OF_POSTGRADUATES = 43_759 / 344_825
CENSUS_YEARS = (2000, 2010)  # the censuses a stock (and a world) can be built from


def national_value(quantity: str, year: int) -> float:
    """One figure of the packaged national.csv (`quantity` in `year`)."""
    table = read_table("national.csv")
    row = table[(table.quantity == quantity) & (table.year == year)]
    return float(row["value"].iloc[0])


def _census_levels_2010() -> np.ndarray:
    """The 2010 census tabulation's national college, bachelor, master, PhD holders (people)."""
    education = read_table("education_2000_2010.csv")
    national = education[(education.city == "national") & (education.census_year == 2010)]
    value = national.set_index("quantity")["value"].astype(float)
    postgraduates = value["postgraduate_count"]
    levels = np.zeros(len(DEGREES))
    levels[DEGREES.index("college")] = value["junior_college_count"]
    levels[DEGREES.index("bachelor")] = value["bachelor_count"]
    levels[DEGREES.index("master")] = postgraduates * (1 - DOCTOR_SHARE_OF_POSTGRADUATES)
    levels[DEGREES.index("phd")] = postgraduates * DOCTOR_SHARE_OF_POSTGRADUATES
    return levels


def _census_levels_2000() -> np.ndarray:
    """National college, bachelor, master, PhD holders at the 2000 census (people).

    The total is the census's: 3,611 college-and-above residents per 100,000
    (education_2000_2010.csv) of 1,265,825,048 (national.csv). Its split is an ESTIMATE (the
    project data have no 2000 tabulation by level), rule: the 2010 levels less the regular
    graduates of 2000-2009 of each level (`graduate_schedule`), rescaled to the 2000 total.
    The 2010 census counts adult-education graduates and students too, so only the shape of
    this difference is used, not its size.
    """
    education = read_table("education_2000_2010.csv")
    national = education[(education.city == "national") & (education.census_year == 2000)]
    rate = float(national.set_index("quantity")["value"]["college_plus_per_100k"]) / 1e5
    total = rate * national_value("population", 2000)
    schedule = graduate_schedule()
    decade = (schedule.years >= 2000) & (schedule.years < 2010)
    before = np.maximum(_census_levels_2010() - schedule.people[decade].sum(axis=0), 0.0)
    return before / before.sum() * total


def _city_rates_2000(rates_2010: pd.DataFrame) -> tuple[np.ndarray, tuple[str, ...]]:
    """Per 100,000 college-and-above residents of the 13 cities in 2000, and their basis.

    A city whose 2010 bulletin gives its 2000 figure (education_2000_2010.csv) keeps it; the
    others (ESTIMATE) take their 2010 rate times the national ratio 2000/2010 (3,611 / 8,930).
    """
    education = read_table("education_2000_2010.csv")
    rows = education[education.quantity == "college_plus_per_100k"]
    rate = rows.set_index(["city", "census_year"])["value"].astype(float)
    ratio = rate[("national", 2000)] / rate[("national", 2010)]
    basis = rows.set_index(["city", "census_year"])["basis"]
    values, bases = [], []
    for city in CITY_KEYS:
        if (city, 2000) in rate.index:
            values.append(rate[(city, 2000)])
            bases.append(str(basis[(city, 2000)]))
        else:
            values.append(rates_2010.loc[city, "college_plus_per_100k"] * ratio)
            of_2010 = str(rates_2010.loc[city, "basis"]).split(":")[0].split(" (")[0]
            bases.append(
                f"ESTIMATE: 2010 rate ({of_2010}) x national 2000/2010 ratio {ratio:.4f} "
                "(3611 / 8930)"
            )
    return np.array(values, float), tuple(bases)


@functools.cache
def education_stock(year: int) -> EducationStock:
    """College, bachelor, master and PhD holders at the census of `year` (2000 or 2010).

    National levels for 2010 are the census tabulation's (education_2000_2010.csv, RECALLED);
    for 2000, `_census_levels_2000`. Each city's college-and-above count is its census rate
    (2010: education_2010_by_city.csv, reported where the city's bulletin gives it, else the
    ESTIMATE rule stated there; 2000: `_city_rates_2000`) times its residents that year,
    split into levels in the national proportions (ESTIMATE: no city split is in the data).
    """
    if year not in CENSUS_YEARS:
        raise ValueError(f"no census stock for {year}; the data have {CENSUS_YEARS}")
    rates = read_table("education_2010_by_city.csv").set_index("city").loc[list(CITY_KEYS)]
    if year == 2010:
        levels = _census_levels_2010()
        residents = read_table("cities_2010.csv").set_index("city").loc[list(CITY_KEYS)]
        college_plus = rates["college_plus_per_100k"].to_numpy(float) / 1e5
        college_plus *= residents["population_2010"].to_numpy(float)
        basis = tuple(rates["basis"])
    else:
        levels = _census_levels_2000()
        residents = read_table("census_2000_2010.csv").set_index("city").loc[list(CITY_KEYS)]
        per_100k, basis = _city_rates_2000(rates)
        college_plus = per_100k / 1e5 * residents["population_2000"].to_numpy(float)
    per_city = college_plus[:, None] * (levels / levels.sum())[None, :]
    levels.setflags(write=False)
    per_city.setflags(write=False)
    return EducationStock(year, levels, per_city, basis)


def education_stock_2010() -> EducationStock:
    """The 2010 census stock (`education_stock(2010)`): the base of gain targets."""
    return education_stock(2010)
