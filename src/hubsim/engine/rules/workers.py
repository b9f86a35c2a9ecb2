"""Worker rules: ages and elapsed months on the workers' clock, and the hazard of reconsidering.

Ages and dates are months since 1900-01 (`engine.calendar.Calendar.now`), as the tables store them.
"""

from __future__ import annotations

import numpy as np

from hubsim.scenario import Hazards


def age_years(birth: np.ndarray, month: int) -> np.ndarray:
    """Age in whole years at `month` (months since 1900-01)."""
    return (month - birth.astype(np.int32)) // 12


def months_since(event: np.ndarray, month: int) -> np.ndarray:
    """Months since an event month; never-happened events (NO_GRADUATION) give a huge number."""
    return month - event.astype(np.int32)


def reconsider_levels(hazards: Hazards) -> tuple[np.ndarray, np.ndarray]:
    """The four yearly hazards of reconsidering (base, young, unemployed, new graduate, in that
    order) and their monthly probabilities, as `reconsider_hazard_per_month` gives them."""
    yearly = np.array(
        [
            hazards.base_per_year,
            hazards.young_per_year,
            hazards.unemployed_per_year,
            hazards.new_graduate_per_year,
        ]
    )
    return yearly, 1.0 - np.exp(-yearly / 12.0)


def reconsider_hazard_per_month(
    age: np.ndarray,
    unemployed: np.ndarray,
    months_since_graduation: np.ndarray,
    hazards: Hazards,
) -> np.ndarray:
    """Monthly probability of reconsidering one's city: the largest yearly hazard that applies."""
    yearly = np.full(len(age), hazards.base_per_year)
    yearly = np.where(age <= hazards.young_age_max, hazards.young_per_year, yearly)
    yearly = np.maximum(yearly, np.where(unemployed, hazards.unemployed_per_year, 0.0))
    new_graduate = (months_since_graduation >= 0) & (months_since_graduation < 12)
    yearly = np.maximum(yearly, np.where(new_graduate, hazards.new_graduate_per_year, 0.0))
    return 1.0 - np.exp(-yearly / 12.0)
