"""The packaged city tables and geography (engine.state.cities)."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine import cities
from hubsim.engine.cities import city_table


def test_great_circle_km():
    table = city_table()
    km = cities.great_circle_km(table["lat"].to_numpy(), table["lon"].to_numpy())
    keys = list(table.index)
    b, s = keys.index("beijing"), keys.index("shanghai")
    gz, sz = keys.index("guangzhou"), keys.index("shenzhen")
    assert km[b, s] == pytest.approx(1070, abs=20)  # about 1,068 km
    assert km[gz, sz] == pytest.approx(105, abs=15)  # about 104 km
    assert np.all(np.diag(km) == 0)
    np.testing.assert_allclose(km, km.T)
    # A quarter of the equator.
    quarter = cities.great_circle_km(np.array([0.0, 0.0]), np.array([0.0, 90.0]))[0, 1]
    assert quarter == pytest.approx(np.pi / 2 * 6371.0, rel=1e-12)
