"""Phase 6, housing: rents move toward R0 (N/N0)^(1/eta) with partial adjustment.

Housing-supply programmes multiply a city's supply elasticity while they are in force.
"""

from __future__ import annotations

from hubsim.engine.rules.housing import rent_update
from hubsim.engine.state import State


def run(state: State) -> None:
    """Each city's rent takes a step toward the rent its population calls for."""
    elasticity = state.cities.supply_elasticity.copy()
    for p in state.book.of("housing_supply"):
        elasticity[state.book.city[p]] *= state.book.supply_factor[p]
    state.rent[:-1] = rent_update(
        state.rent,
        state.cities.base_rent_yuan_m2_month,
        state.counts["population"],
        state.population_start,
        elasticity,
        state.behaviour.housing.rent_adjustment_per_month,
    )[:-1]
