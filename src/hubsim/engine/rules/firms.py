"""Firm rules: productivity draws, desired headcount, agglomeration, where a branch pays.

docs/model.md#firms-and-offices: L* = (theta z A / (w (1 - s)))^(1/(1-theta)), with
A_js = A0_js (T_js/T0_js)^alpha_loc (N_j/N0_j)^alpha_urb for tradable sectors. An office's
profit at its best headcount is proportional to (z A / c^theta)^(1/(1-theta)) (`profit_index`),
c the unit wage cost net of grants. A branch of a firm headquartered in h, in city j, has
productivity A_hs^(1-omega) A_js^omega exp(-kappa d_hj) fit_fj (`branch_productivity`): the
firm brings part of its home productivity, loses some of it with distance (coordination), and
fits some cities better than others. It opens where its profit beats the headquarters office's by
a hurdle (`branch_ratio`, `best_branch_city`).
"""

from __future__ import annotations

import numpy as np


def pareto_productivity(n: int, shape: float, rng: np.random.Generator) -> np.ndarray:
    """Pareto(shape) productivity draws with minimum 1, capped at the 99.9th percentile."""
    draws = 1.0 + rng.pareto(shape, size=n)
    return np.minimum(draws, np.power(1e-3, -1.0 / shape))


def pareto_weight_mean(shape: float, power: float, draws: int = 200_000) -> float:
    """E[z^power] of `pareto_productivity` draws (the cap keeps it finite), by quadrature."""
    u = (np.arange(draws) + 0.5) / draws
    z = np.minimum(np.power(1.0 - u, -1.0 / shape), np.power(1e-3, -1.0 / shape))
    return float(np.power(z, power).mean())


def desired_headcount(
    productivity: np.ndarray,
    office_productivity: np.ndarray,
    wage: np.ndarray,
    wage_subsidy_share: np.ndarray,
    theta: float,
) -> np.ndarray:
    """L* = (theta z A / (w (1 - s)))^(1/(1-theta)) for each office."""
    unit_cost = wage * (1.0 - wage_subsidy_share)
    return np.power(theta * productivity * office_productivity / unit_cost, 1.0 / (1.0 - theta))


def agglomeration(
    base: np.ndarray,
    sector_talent: np.ndarray,
    sector_talent_start: np.ndarray,
    population: np.ndarray,
    population_start: np.ndarray,
    alpha_loc: float,
    alpha_urb: float,
) -> np.ndarray:
    """A_js = A0_js (T_js/T0_js)^alpha_loc (N_j/N0_j)^alpha_urb, arrays (city, sector).

    T is the talent employed in the city's sector (localisation), N the city's population
    (urbanisation); both floored at one agent.
    """
    localisation = np.power(np.maximum(sector_talent, 1.0) / sector_talent_start, alpha_loc)
    urbanisation = np.power(np.maximum(population, 1.0) / population_start, alpha_urb)
    return base * localisation * urbanisation[:, None]


def local_services_productivity(
    base: np.ndarray,
    population: np.ndarray,
    population_start: np.ndarray,
    unit_cost: np.ndarray,
    unit_cost_start: np.ndarray,
    theta: float,
    elasticity: float = 1.0,
) -> np.ndarray:
    """A of the non-tradable sector: demand grows with the city's population and income.

    A = A0 (N/N0)^(elasticity (1-theta)) c/c0, so that desired headcount
    (theta z A / c)^(1/(1-theta)) grows as (N/N0)^elasticity: spending on local services rises
    with population and with income (wages, hence c), and their cost rises with the same wages.
    """
    growth = np.maximum(population, 1.0) / population_start
    return base * np.power(growth, elasticity * (1.0 - theta)) * unit_cost / unit_cost_start


def profit_index(productivity: np.ndarray, unit_cost: np.ndarray, theta: float) -> np.ndarray:
    """An office's profit at its best headcount, up to the firm's factor z^(1/(1-theta)).

    max_L z A L^theta - c L = (1 - theta) theta^(theta/(1-theta)) (z A / c^theta)^(1/(1-theta)).
    """
    return np.power(productivity / np.power(unit_cost, theta), 1.0 / (1.0 - theta))


def branch_productivity(
    home: np.ndarray,
    local: np.ndarray,
    distance_1000km: np.ndarray,
    fit: np.ndarray,
    omega: float,
    kappa: float,
) -> np.ndarray:
    """A branch's productivity: A_home^(1-omega) A_local^omega exp(-kappa d) fit (broadcasts)."""
    return (
        np.power(home, 1.0 - omega)
        * np.power(local, omega)
        * np.exp(-kappa * distance_1000km)
        * fit
    )


def branch_ratio(
    home_productivity: np.ndarray,
    home_cost: np.ndarray,
    local_productivity: np.ndarray,
    local_cost: np.ndarray,
    distance_1000km: np.ndarray,
    fit: np.ndarray,
    omega: float,
    kappa: float,
    theta: float,
) -> np.ndarray:
    """Profit of a branch over the profit of the firm's headquarters office (broadcasts).

    With equal productivity and wages it is (exp(-kappa d) fit)^(1/(1-theta)): under one for a
    firm of average fit, so no branch opens; local wages 40 % lower multiply it by
    (1/0.6)^(theta/(1-theta)).
    """
    branch = branch_productivity(
        home_productivity, local_productivity, distance_1000km, fit, omega, kappa
    )
    return profit_index(branch, local_cost, theta) / profit_index(
        home_productivity, home_cost, theta
    )


def best_branch_city(
    ratio: np.ndarray, present: np.ndarray, open_to_offices: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each row (a firm) the city without its office with the highest ratio, and the ratio.

    `ratio` and `present` are (firms, cities); `open_to_offices` masks the cities that take new
    offices (seats not full).
    """
    candidate = np.where(present | ~open_to_offices[None, :], -np.inf, ratio)
    best = candidate.argmax(axis=1)
    return best, candidate[np.arange(len(best)), best]


def shifted_shares(base: np.ndarray, shift: np.ndarray | float) -> np.ndarray:
    """Shares moved together on the log-odds scale: logistic(logit(base) + shift)."""
    base = np.clip(base, 1e-6, 1 - 1e-6)
    return 1.0 / (1.0 + np.exp(-(np.log(base / (1.0 - base)) + shift)))


def fit_talent_shares(
    jobs: np.ndarray, sector_share: np.ndarray, talent_jobs: np.ndarray
) -> np.ndarray:
    """(city, sector) talent shares of jobs: the sectors' shares shifted per city (log-odds)
    so that each city's jobs x shares sum to its `talent_jobs` (bisection on the shift)."""
    low = np.full(len(jobs), -20.0)
    high = np.full(len(jobs), 20.0)
    for _ in range(60):
        mid = (low + high) / 2
        got = (jobs * shifted_shares(sector_share[None, :], mid[:, None])).sum(axis=1)
        low = np.where(got < talent_jobs, mid, low)
        high = np.where(got < talent_jobs, high, mid)
    return shifted_shares(sector_share[None, :], ((low + high) / 2)[:, None])
