"""Housing rule: rents move part way toward R0 (N/N0)^(1/eta) each month (docs/model.md#housing)."""

from __future__ import annotations

import numpy as np


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
