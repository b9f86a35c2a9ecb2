"""The gap the amenity fixed point closes: the census decade and the 2010s, weighted."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.calibrate.run import (
    POLICY,
    SPINUP,
    amenity_gap,
    census_equivalent,
    fixed_point_parts,
)
from hubsim.scenario import CITY_KEYS

GROWTH = "population_growth_since_census_{}@{}"


def fake(weight: float) -> SimpleNamespace:
    """A calibration whose census targets are 100 everywhere and whose only communique rows
    are Xiamen's (2017: 1.2, 2018: 1.25)."""
    keys = [f"population_2010@{c}" for c in CITY_KEYS]
    keys += [GROWTH.format(2017, "xiamen"), GROWTH.format(2018, "xiamen")]
    targets = [100.0] * len(CITY_KEYS) + [1.2, 1.25]
    moments = pd.DataFrame({"key": keys, "target": targets})
    return SimpleNamespace(moments=moments, spec=SimpleNamespace(amenity_weight_2010s=weight))


def simulated(xiamen_2010: float, xiamen_2018: float) -> pd.Series:
    values = {f"population_2010@{c}": 100.0 for c in CITY_KEYS}
    values["population_2010@xiamen"] = xiamen_2010
    values[GROWTH.format(2017, "xiamen")] = 1.0  # not the last year: never read
    values[GROWTH.format(2018, "xiamen")] = xiamen_2018
    return pd.Series(values)


@pytest.mark.parametrize("weight", [0.0, 0.25, 0.75, 1.0])
def test_the_gap_weighs_the_census_and_the_last_communique_year(weight) -> None:
    gap = amenity_gap(fake(weight), simulated(80.0, 1.5))
    xiamen = list(CITY_KEYS).index("xiamen")
    census, decade = np.log(100 / 80), np.log(1.25 / 1.5)
    assert gap[xiamen] == pytest.approx((1 - weight) * census + weight * decade)
    others = np.delete(gap, xiamen)
    assert others == pytest.approx(np.zeros(len(CITY_KEYS) - 1))  # on the census, no rows


def test_a_run_without_the_2010_start_keeps_the_census_gap() -> None:
    moments = simulated(80.0, 1.5).drop([GROWTH.format(y, "xiamen") for y in (2017, 2018)])
    gap = amenity_gap(fake(0.75), moments)
    assert gap[list(CITY_KEYS).index("xiamen")] == pytest.approx(np.log(100 / 80))


def test_the_2010_start_runs_only_when_the_2010s_weigh() -> None:
    assert fixed_point_parts(fake(0.0)) == (SPINUP,)
    assert fixed_point_parts(fake(0.5)) == (SPINUP, POLICY)


def test_a_round_is_recorded_at_the_census_less_its_gap() -> None:
    gap = np.linspace(-0.2, 0.2, len(CITY_KEYS))
    levels = census_equivalent(fake(0.75), gap)
    assert np.log(100 / np.array([levels[c] for c in CITY_KEYS])) == pytest.approx(gap)
