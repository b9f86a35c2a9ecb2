"""Location choice rules: utility V_ij, moving costs and the logit (docs/model.md#migration).

V_ij = b_w ln(w_j e_j) - b_r ln R_j + a_j + b_h H_ij + b_s S_ij - C_ij + eps_ij (Gumbel, 1/lambda).
"""

from __future__ import annotations

import numpy as np


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
    place = place_utility(log_income, log_rent, amenity, b_w, b_r)
    return chooser_utility(place, hukou, subsidy_10k_yuan, moving_cost, b_h, b_s)


def place_utility(
    log_income: np.ndarray, log_rent: np.ndarray, amenity: np.ndarray, b_w: float, b_r: float
) -> np.ndarray:
    """b_w ln(w e) - b_r ln R + a: the first terms of V_ij, left to right as in
    `location_utility`; for a table of (degree, node) incomes it is V's part that depends on the
    chooser only through the degree."""
    return b_w * log_income - b_r * log_rent + amenity


def chooser_utility(
    place: np.ndarray,
    hukou: np.ndarray,
    subsidy_10k_yuan: np.ndarray,
    moving_cost: np.ndarray,
    b_h: float,
    b_s: float,
) -> np.ndarray:
    """V_ij from its `place_utility` part: + b_h H + b_s S - C, left to right."""
    return place + b_h * hukou + b_s * subsidy_10k_yuan - moving_cost


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
