"""Programme rules: who is eligible, how budgets pay, who was paid already, what a cap costs.

Arrays in, arrays out; the programme book (`engine.programmes`) applies them programme by programme.
"""

from __future__ import annotations

import numpy as np


def eligible(
    degree: np.ndarray,
    age_years: np.ndarray,
    months_since_graduation: np.ndarray,
    min_degree: int,
    max_age: float,
    graduated_within_months: float,
) -> np.ndarray:
    """Whether each worker belongs to a programme's eligible group."""
    return (
        (degree >= min_degree)
        & (age_years <= max_age)
        & (months_since_graduation <= graduated_within_months)
    )


def pay_in_order(requests_yuan: np.ndarray, remaining_yuan: float) -> np.ndarray:
    """Pay requests in the order given until the budget is spent; the rest are refused (0)."""
    requests_yuan = np.asarray(requests_yuan, float)
    if not np.isfinite(remaining_yuan):
        return requests_yuan.copy()
    within = np.cumsum(requests_yuan) <= remaining_yuan + 1e-9
    return np.where(within, requests_yuan, 0.0)


def pay_pro_rata(due_yuan: np.ndarray, remaining_yuan: float) -> np.ndarray:
    """Pay recurring dues in full while the budget lasts, else the same share to everyone."""
    due_yuan = np.asarray(due_yuan, float)
    total = due_yuan.sum()
    if total <= remaining_yuan or total == 0:
        return due_yuan.copy()
    return due_yuan * (max(remaining_yuan, 0.0) / total)


def already_received(received: np.ndarray, programme: int) -> np.ndarray:
    """Whether each worker has been paid by a programme (tracked for the first 63)."""
    if programme >= 63:
        return np.zeros(len(received), dtype=bool)
    return (received >> np.int64(programme)) & 1 == 1


def mark_received(received: np.ndarray, programme: int) -> np.ndarray:
    """`received` with programme's bit set (programmes from the 64th on are not tracked)."""
    if programme >= 63:
        return received
    return received | (np.int64(1) << np.int64(programme))


def cap_cost(
    population: np.ndarray, cap: np.ndarray, strength: float, start_share: float
) -> np.ndarray:
    """Utility cost of coming into a capped city: 0 below `start_share` of the cap, then rising
    smoothly, `strength` at the cap and never above twice it.

    With x = (population / cap - start_share) / (1 - start_share), the cost is
    strength * 2 x^2 / (1 + x^2): flat where it begins (no kink), steepest just below the
    cap, and bounded, so a city far above its cap still admits a few (caps were soft) and a
    cap that starts below a city's size slows it instead of emptying it.
    """
    share = np.asarray(population, float) / cap
    x = np.maximum(share - start_share, 0.0) / (1.0 - start_share)
    return strength * 2.0 * x**2 / (1.0 + x**2)


def admitted_share(cost: np.ndarray, logit_scale: float) -> np.ndarray:
    """Share of young entrants a capped city takes: the logit odds exp(-lambda cost)."""
    return np.exp(-logit_scale * np.asarray(cost, float))


def over_cap_removals(population: np.ndarray, cap: np.ndarray, rate_per_year: float) -> np.ndarray:
    """People displaced a month by housing removal: a share of residents, never below the cap."""
    excess = np.maximum(np.asarray(population, float) - cap, 0.0)
    return np.minimum(excess, population * rate_per_year / 12.0)
