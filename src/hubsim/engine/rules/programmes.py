"""Programme rules: who is eligible, how budgets pay, who was paid already, how near a cap is.

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


def cap_pressure(population: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """How far a city is into its cap's last 10 %: 0 below 90 % of the cap, 1 at the cap."""
    return np.maximum(0.0, (population / cap - 0.9) / 0.1)
