"""The packaged city tables and geography (engine.state.cities)."""

from __future__ import annotations

from pathlib import Path

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


def test_the_packaged_sector_mix_is_what_its_stated_rule_gives():
    """data/sector_mix_2010.csv (ESTIMATE) is made by tools/sector_mix.py from the
    tech_specialisation column: the file and the rule must not drift apart."""
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("sector_mix", root / "tools" / "sector_mix.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    packaged = (root / "src" / "hubsim" / "data" / "sector_mix_2010.csv").read_text()
    assert packaged == tool.table_text()
    # The rule's effect: a city's named sectors hold more of its jobs than the base mix.
    from hubsim.engine.cities import sector_mix_2010
    from hubsim.scenario import CITY_KEYS, SECTORS

    mix = sector_mix_2010()
    guiyang, data = CITY_KEYS.index("guiyang"), SECTORS.index("data")
    assert mix[guiyang, data] > 2 * tool.BASE_MIX["data"]
    np.testing.assert_allclose(mix.sum(axis=1), 1.0, atol=1e-3)
