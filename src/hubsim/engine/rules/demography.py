"""Demographic rules: the national graduate cohort of a year by degree, and the ages assumed.

Cohorts are the data's (graduates_by_level.csv); after its last year, the scenario's trend.
"""

from __future__ import annotations

import numpy as np

from hubsim.scenario import Demography

# By degree (none, college, bachelor, master, phd): age on entering work, years of study in
# the university city before graduating (ASSUMPTION), and the outside node's reconsidering
# person (ASSUMPTION).
GRADUATION_AGE = np.array([16, 21, 22, 25, 29])
STUDY_YEARS = np.array([0, 3, 4, 6, 6])
OUTSIDE_AGE = np.array([30, 26, 26, 27, 30])
OUTSIDE_MONTHS_SINCE_GRADUATION = np.array([10**6, 24, 24, 24, 24])
# ASSUMPTION: the oldest holder of the degree below who can be a postgraduate of this degree
# (a master's from a bachelor aged up to 35, a PhD from a master aged up to 40; none for
# the degrees no one upgrades to).
UPGRADE_MAX_AGE = np.array([0, 0, 0, 35, 40])
# ASSUMPTION: the ages at which a resident without a degree can gain an adult or online degree.
ADULT_DEGREE_AGES = (20, 45)


def cohort_by_degree(
    demography: Demography, year: int, years: np.ndarray, people: np.ndarray
) -> np.ndarray:
    """National graduates of each degree in a year (people; `none` is 0).

    Args:
        demography: the scenario's trend after the data, decline and cohort factor.
        year: the calendar year of the July cohort.
        years: the data's years (`engine.pool.graduate_schedule`).
        people: the data's cohorts by degree, one row per year of `years`.

    Before the first data year the first year's cohort is used; after the last, the last
    year's grows at `graduate_growth_after_last_year`; a decline from
    `graduate_decline_from_year` and `graduate_cohort_factor` apply on top.
    """
    row = int(np.clip(year - years[0], 0, len(years) - 1))
    cohort = people[row].astype(float)
    if year > years[-1]:
        cohort = cohort * (1.0 + demography.graduate_growth_after_last_year) ** (year - years[-1])
    start = demography.graduate_decline_from_year
    if start is not None and year >= start:
        cohort = cohort * (1.0 - demography.graduate_decline_per_year) ** (year - start + 1)
    return cohort * demography.graduate_cohort_factor
