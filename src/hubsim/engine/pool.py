"""The finite pool's data: graduate cohorts by level (2000-2023), the 2010 stock by city and level.

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


def _read(name: str) -> pd.DataFrame:
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
    table = _read("graduates_by_level.csv").drop_duplicates(["year", "level"], keep="first")
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
    """The 2010 census stock of people with a degree, all ages, by level (DEGREES columns).

    `national[d]` for the whole country; `per_city[j, d]` for the 13 cities; `basis[j]` is the
    basis of city j's college-and-above rate (reported, DERIVED or the ESTIMATE rule).
    """

    national: np.ndarray
    per_city: np.ndarray
    basis: tuple[str, ...]


# ESTIMATE: doctors among postgraduate degree holders, the 2008 graduates' ratio
# (43,759 of 344,825, graduates_by_level.csv); the census tabulation gives postgraduates only.
DOCTOR_SHARE_OF_POSTGRADUATES = 43_759 / 344_825


@functools.cache
def education_stock_2010() -> EducationStock:
    """College, bachelor, master and PhD holders in 2010, national and per city (people).

    National levels are the census tabulation's (education_2000_2010.csv, RECALLED). Each city's
    college-and-above count is its census rate (education_2010_by_city.csv: reported where the
    city's bulletin gives it, else the ESTIMATE rule stated there) times its 2010 residents,
    split into levels in the national proportions (ESTIMATE: no city split is in the data).
    """
    education = _read("education_2000_2010.csv")
    national = education[(education.city == "national") & (education.census_year == 2010)]
    value = national.set_index("quantity")["value"].astype(float)
    postgraduates = value["postgraduate_count"]
    levels = np.zeros(len(DEGREES))
    levels[DEGREES.index("college")] = value["junior_college_count"]
    levels[DEGREES.index("bachelor")] = value["bachelor_count"]
    levels[DEGREES.index("master")] = postgraduates * (1 - DOCTOR_SHARE_OF_POSTGRADUATES)
    levels[DEGREES.index("phd")] = postgraduates * DOCTOR_SHARE_OF_POSTGRADUATES
    rates = _read("education_2010_by_city.csv").set_index("city").loc[list(CITY_KEYS)]
    cities = _read("cities_2010.csv").set_index("city").loc[list(CITY_KEYS)]
    college_plus = rates["college_plus_per_100k"].to_numpy(float) / 1e5
    college_plus *= cities["population_2010"].to_numpy(float)
    per_city = college_plus[:, None] * (levels / levels.sum())[None, :]
    levels.setflags(write=False)
    per_city.setflags(write=False)
    return EducationStock(levels, per_city, tuple(rates["basis"]))
