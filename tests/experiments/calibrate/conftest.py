"""What the calibration's recovery tests share: a calibration file aimed at simulated moments."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hubsim.experiments.calibrate.moments import load_moments
from hubsim.experiments.calibrate.run import simulated_moments


def _aim(path: Path, spec: dict, cal, params: dict, amenities: dict) -> Path:
    """Simulate the moments of `cal` at `params` and `amenities`, write them as the targets
    (`truth.csv` beside `path`) and point the calibration file `path` (holding `spec`) at them.
    """
    simulated = simulated_moments(cal, params, amenities, workers=2)
    table = load_moments()
    table["target"] = simulated.mean().reindex(table.key).to_numpy()
    # a simulated truth is a point, not a bound: every moment is charged both ways
    table["error"] = table.error.replace("log_upper", "log")
    table.drop(columns="key").to_csv(path.parent / "truth.csv", index=False)
    path.write_text(yaml.safe_dump({**spec, "moments": "truth.csv"}), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def aim_at_simulated():
    """`aim(path, spec, cal, params, amenities)`: the calibration file aimed at the moments
    simulated at `params` and `amenities` (see `_aim`)."""
    return _aim
