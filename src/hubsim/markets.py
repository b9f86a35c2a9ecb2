"""Pure market rules: matching, wage and rent updates, location utility and logit choice.

Arrays in, arrays out; no randomness except through a Generator passed in, no model state.
"""

from __future__ import annotations

import numpy as np


def matches(unemployed: np.ndarray, vacancies: np.ndarray, mu: float, a: float) -> np.ndarray:
    """Expected matches m = mu U^a V^(1-a), never more than the seekers or the vacancies."""
    unemployed = np.asarray(unemployed, dtype=float)
    vacancies = np.asarray(vacancies, dtype=float)
    flow = mu * np.power(unemployed, a) * np.power(vacancies, 1.0 - a)
    return np.minimum(flow, np.minimum(unemployed, vacancies))


def stochastic_round(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round down and add one with probability equal to the fraction (unbiased)."""
    values = np.asarray(values, dtype=float)
    floor = np.floor(values)
    return (floor + (rng.random(values.shape) < values - floor)).astype(np.int64)


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


def rent_update(
    rent: np.ndarray,
    base_rent: np.ndarray,
    population: np.ndarray,
    base_population: np.ndarray,
    supply_elasticity: np.ndarray,
    speed: float,
) -> np.ndarray:
    """Partial adjustment of ln R toward ln(R0 (N/N0)^(1/eta))."""
    ratio = np.maximum(np.asarray(population, float), 1.0) / np.asarray(base_population, float)
    target = np.log(base_rent) + np.log(ratio) / supply_elasticity
    return np.exp(np.log(rent) + speed * (target - np.log(rent)))


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


def agglomeration(base: np.ndarray, talent: np.ndarray, base_talent: np.ndarray, alpha: float):
    """A_j(T) = A0_j (T/T0)^alpha."""
    return base * np.power(np.maximum(talent, 1.0) / base_talent, alpha)


def logit_weights(utility: np.ndarray, logit_scale: float) -> np.ndarray:
    """Row-wise exp(lambda (V - max V)): the logit probabilities up to each row's sum."""
    scaled = logit_scale * np.asarray(utility, float)
    scaled -= scaled.max(axis=-1, keepdims=True)
    return np.exp(scaled)


def logit_probabilities(utility: np.ndarray, logit_scale: float) -> np.ndarray:
    """Row-wise softmax(lambda V): choice probabilities with Gumbel noise of scale 1/lambda."""
    weights = logit_weights(utility, logit_scale)
    return weights / weights.sum(axis=-1, keepdims=True)


def draw_choices(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One categorical draw per row by inverting the cumulative probabilities.

    Rows need not sum to one (`logit_weights` will do): each is scaled by its own total.
    """
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random(probabilities.shape[0]) * cumulative[:, -1]
    choice = (cumulative < u[:, None]).sum(axis=1)
    return np.minimum(choice, probabilities.shape[1] - 1)


def location_utility(
    log_income: np.ndarray,
    log_rent: np.ndarray,
    amenity: np.ndarray,
    hukou: np.ndarray,
    subsidy_10k_yuan: np.ndarray,
    moving_cost: np.ndarray,
    b_w: float,
    b_r: float,
    b_h: float,
    b_s: float,
) -> np.ndarray:
    """V_ij = b_w ln(w e) - b_r ln R + a + b_h H + b_s S - C (all arrays broadcast to (n, J))."""
    return (
        b_w * log_income
        - b_r * log_rent
        + amenity
        + b_h * hukou
        + b_s * subsidy_10k_yuan
        - moving_cost
    )


def moving_cost(
    current: np.ndarray,
    origin: np.ndarray,
    distance_1000km: np.ndarray,
    fixed: float,
    per_1000km: float,
    leaving_origin: float,
) -> np.ndarray:
    """C_ij: zero for staying; fixed + distance + extra when leaving one's origin city."""
    n_dest = distance_1000km.shape[1]
    dest = np.arange(n_dest)[None, :]
    moving = dest != current[:, None]
    leaving_home = (current == origin)[:, None] & moving
    cost = fixed + per_1000km * distance_1000km[current] + leaving_origin * leaving_home
    return np.where(moving, cost, 0.0)


def great_circle_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Pairwise great-circle distances in km."""
    phi, lam = np.radians(lat), np.radians(lon)
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    h = np.sin(dphi / 2) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(dlam / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def wage_trend_by_month(growth_by_year: dict[int, float], first_month: int, months: int):
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
