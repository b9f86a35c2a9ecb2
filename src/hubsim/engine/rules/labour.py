"""Labour-market rules: matches m(U, V), wage indices that follow tightness, the national trend.

docs/model.md#labour: matches m = mu U^a V^(1-a) per city; a wage index per city moves with V/U,
bounded.
"""

from __future__ import annotations

import numpy as np


def matches(unemployed: np.ndarray, vacancies: np.ndarray, mu: float, a: float) -> np.ndarray:
    """Expected matches m = mu U^a V^(1-a), never more than the seekers or the vacancies."""
    unemployed = np.asarray(unemployed, dtype=float)
    vacancies = np.asarray(vacancies, dtype=float)
    flow = mu * np.power(unemployed, a) * np.power(vacancies, 1.0 - a)
    return np.minimum(flow, np.minimum(unemployed, vacancies))


def wage_index_update(
    index: np.ndarray,
    vacancies: np.ndarray,
    unemployed: np.ndarray,
    target_tightness: np.ndarray,
    elasticity: float,
    max_change: float,
) -> np.ndarray:
    """Move each city's wage index with labour-market tightness V/U, by at most max_change."""
    tightness = (np.asarray(vacancies, float) + 1.0) / (np.asarray(unemployed, float) + 1.0)
    step = elasticity * np.log(tightness / target_tightness)
    return index * np.exp(np.clip(step, -max_change, max_change))


def wage_trend_by_month(
    growth_by_year: dict[int, float], first_month: int, months: int
) -> np.ndarray:
    """National nominal wage level for months 0..months relative to month 0.

    `growth_by_year` maps a year to the yearly growth from that year on; `first_month` is the
    start as months since year 0 (`scenario.month_index`). Growth compounds monthly.
    """
    schedule = sorted(growth_by_year.items())
    growth = np.zeros(months + 1)
    for m in range(months + 1):
        rates = [g for year, g in schedule if year <= (first_month + m) // 12] or [schedule[0][1]]
        growth[m] = rates[-1]
    return np.concatenate([[1.0], np.cumprod(np.power(1.0 + growth[:-1], 1.0 / 12.0))])
