"""The rent rule (engine.rules.housing) on hand-made arrays."""

from __future__ import annotations

import numpy as np

from hubsim.engine.rules import housing


def test_rent_update_moves_toward_target_and_stays_at_base():
    base = np.array([50.0, 20.0, 10.0])
    eta = np.array([0.6, 2.0, 2.0])
    pop0 = np.array([1000.0, 500.0, 300.0])
    # At N = N0 and R = R0 rents stay put.
    np.testing.assert_allclose(housing.rent_update(base, base, pop0, pop0, eta, 0.05), base)
    # Population doubles: target R0 2^(1/eta); the rent moves a share `speed` of the log gap.
    rent = base.copy()
    target = base * 2.0 ** (1.0 / eta)
    new = housing.rent_update(rent, base, 2 * pop0, pop0, eta, 0.05)
    assert np.all(new > rent) and np.all(new < target)
    np.testing.assert_allclose(np.log(new / rent), 0.05 * np.log(target / rent), rtol=1e-12)
    # Repeated updates converge to the target.
    for _ in range(2000):
        rent = housing.rent_update(rent, base, 2 * pop0, pop0, eta, 0.05)
    np.testing.assert_allclose(rent, target, rtol=1e-9)
    # Full speed jumps straight to the target; from above, rents fall.
    np.testing.assert_allclose(housing.rent_update(3 * base, base, pop0, pop0, eta, 1.0), base)
    assert np.all(housing.rent_update(3 * base, base, pop0, pop0, eta, 0.1) < 3 * base)
