"""Firm rules: productivity draws, desired headcount, agglomeration, where offices are worth it.

DESIGN s.3.2: L* = (theta z A / (w (1 - s)))^(1/(1-theta)), A_j(T) = A0_j (T/T0)^alpha.
"""

from __future__ import annotations

import numpy as np


def pareto_productivity(n: int, shape: float, rng: np.random.Generator) -> np.ndarray:
    """Pareto(shape) productivity draws with minimum 1, capped at the 99.9th percentile."""
    draws = 1.0 + rng.pareto(shape, size=n)
    return np.minimum(draws, np.power(1e-3, -1.0 / shape))


def desired_headcount(
    productivity: np.ndarray,
    city_productivity: np.ndarray,
    wage: np.ndarray,
    wage_subsidy_share: np.ndarray,
    theta: float,
) -> np.ndarray:
    """L* = (theta z A / (w (1 - s)))^(1/(1-theta)) for each office."""
    unit_cost = wage * (1.0 - wage_subsidy_share)
    return np.power(theta * productivity * city_productivity / unit_cost, 1.0 / (1.0 - theta))


def agglomeration(
    base: np.ndarray, talent: np.ndarray, base_talent: np.ndarray, alpha: float
) -> np.ndarray:
    """A_j(T) = A0_j (T/T0)^alpha."""
    return base * np.power(np.maximum(talent, 1.0) / base_talent, alpha)


def location_gain(
    city_productivity: np.ndarray, wage: np.ndarray, wage_subsidy: np.ndarray, theta: float
) -> np.ndarray:
    """Profit of the same firm across cities up to a factor: (A / (w (1-s))^theta)^(1/(1-theta))."""
    cost = wage * (1.0 - wage_subsidy)
    return np.power(city_productivity / np.power(cost, theta), 1.0 / (1.0 - theta))


def best_new_city(
    firms: np.ndarray,
    present: np.ndarray,
    gain: np.ndarray,
    hq_city: np.ndarray,
    open_to_offices: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For each firm the city without its office with the highest gain, and gain / HQ gain.

    `present` is the (firms, cities) mask of `FirmTable.presence`.
    """
    candidate_gain = np.where(present[firms] | ~open_to_offices[None, :], -np.inf, gain[None, :])
    best = candidate_gain.argmax(axis=1)
    ratio = candidate_gain[np.arange(len(firms)), best] / gain[hq_city[firms]]
    return best, ratio
