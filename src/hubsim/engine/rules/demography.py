"""Demographic rules: the national graduate cohort of a year, and the ages the model assumes.

Cohorts interpolate the scenario's data points, then follow its trend and decline after them.
"""

from __future__ import annotations

import numpy as np

from hubsim.scenario import Demography

GRADUATION_AGE = np.array([16, 22, 25, 29])  # by degree: none (entering work), bachelor, ...
# ASSUMPTION: the outside node's reconsidering people, by degree, look like this worker.
OUTSIDE_AGE = np.array([30, 26, 27, 30])
OUTSIDE_MONTHS_SINCE_GRADUATION = np.array([10**6, 24, 24, 24])


def cohort_people(demography: Demography, year: int) -> float:
    """National graduates in a year: data points interpolated, then trend and decline."""
    points = sorted(demography.graduates_per_year.items())
    years = np.array([p[0] for p in points], dtype=float)
    values = np.array([p[1] for p in points], dtype=float)
    people = float(np.interp(year, years, values))
    if year > years[-1]:
        people *= (1.0 + demography.graduate_growth_after_last_year) ** (year - years[-1])
    start = demography.graduate_decline_from_year
    if start is not None and year >= start:
        people *= (1.0 - demography.graduate_decline_per_year) ** (year - start + 1)
    return people
