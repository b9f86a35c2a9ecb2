"""Recovery over the shipped ensemble: a parameter set drawn (fixed seed) inside the ensemble's
bands comes back from its own simulated moments, by the calibration's quick path started
elsewhere, within the ensemble's band width for every parameter the ensemble pins; and a set
simulated outside the bands does not pass the same check (the negative control).

What is fitted: the pinned parameters (those whose 5-95 % band over the shipped ensemble is
under a quarter of the search range) and the 13 amenities (the fixed point). The parameters
the ensemble leaves loose are held at the drawn truth: the ensemble says the moments do not
tell them apart, so asking the fit to find them too would test the sampler's luck in eight
dimensions, not the recovery of what the data pin.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from hubsim.experiments.calibrate.file import load_calibration
from hubsim.experiments.calibrate.run import run_calibration
from hubsim.experiments.ensemble.build import amenity_key
from hubsim.experiments.ensemble.matching import identification
from hubsim.experiments.ensemble.members import load_ensemble
from hubsim.scenario import CITY_KEYS

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "scenarios/calibration/fit-pre2020.yaml"
ENSEMBLE = ROOT / "scenarios/calibration/ensemble-pre2020.csv"
DRAW_SEED = 20261207
# Smaller than the shipped quick size so that the truth, the recovery and the control fit in
# a few minutes on 2 cores; coarser agents (more noise) only make the check harder to pass.
SIZE = {
    "replications": 1,
    "trials": 10,
    "trial_steps": 2,
    "amenity_rounds": 2,
    "startup_trials": 4,
    "scale": {"spinup": 20000, "policy": 10000},
}


def _shipped() -> tuple[dict, dict[str, tuple[float, float]], pd.DataFrame]:
    """The shipped calibration file, each parameter's search range, and the ensemble's report."""
    spec = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    bounds = {k: (float(v["low"]), float(v["high"])) for k, v in spec["parameters"].items()}
    members = load_ensemble(ENSEMBLE)
    report = identification(members, bounds, list(bounds)).set_index("parameter")
    return spec, bounds, report


def _draw(report: pd.DataFrame) -> tuple[dict[str, float], dict[str, float]]:
    """A parameter set inside the ensemble's 5-95 % bands and one member's amenities."""
    rng = np.random.default_rng(DRAW_SEED)
    params = {key: float(rng.uniform(row.p05, row.p95)) for key, row in report.iterrows()}
    members = load_ensemble(ENSEMBLE)
    member = members.iloc[int(rng.integers(len(members)))]
    return params, {c: float(member[amenity_key(c)]) for c in CITY_KEYS}


def _outside(truth: dict, report: pd.DataFrame, pinned: list[str], bounds: dict) -> dict:
    """The truth with each pinned parameter moved two band widths below its band (clipped to
    its search range): a point the ensemble rules out."""
    moved = dict(truth)
    for key in pinned:
        width = report.loc[key, "p95"] - report.loc[key, "p05"]
        moved[key] = max(bounds[key][0], float(report.loc[key, "p05"] - 2 * width))
    return moved


def _scenario(base: Path, held: dict[str, float], path: Path) -> Path:
    """A scenario extending `base` with the held parameters set (dotted keys nested)."""
    tree: dict = {"extends": str(base)}
    for dotted, value in held.items():
        node = tree
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    path.write_text(yaml.safe_dump(tree), encoding="utf-8")
    return path


def _recover(aim, tmp: Path, spec: dict, bounds: dict, pinned: list[str], truth: dict, amenities):
    """Simulate the moments at (truth, amenities), make them the targets, fit the pinned
    parameters and the amenities from the shipped file's start; the fitted parameters."""
    held = {k: v for k, v in truth.items() if k not in pinned}
    file = {
        "name": "recovery-ensemble",
        "spinup": str(_scenario(ROOT / "scenarios/spinup-2000.yaml", held, tmp / "spinup.yaml")),
        "policy": str(_scenario(ROOT / "scenarios/baseline.yaml", held, tmp / "policy.yaml")),
        "seed": spec["seed"],
        "quick": SIZE,
        "parameters": {k: {"low": bounds[k][0], "high": bounds[k][1]} for k in pinned},
        "start": {
            "parameters": {k: spec["start"]["parameters"][k] for k in pinned},
            "amenities": spec["start"]["amenities"],
        },
    }
    path = tmp / "recovery.yaml"
    path.write_text(yaml.safe_dump(file), encoding="utf-8")
    cal = load_calibration(path, quick=True)
    aim(path, file, cal, {k: truth[k] for k in pinned}, amenities)
    result = run_calibration(path, quick=True, workers=2, out=tmp / "out", plots=False)
    return result.parameters


def _misses(fitted: dict, truth: dict, report: pd.DataFrame, pinned: list[str]) -> dict:
    """Each pinned parameter's distance from the truth over the ensemble's band width."""
    return {
        key: abs(fitted[key] - truth[key]) / (report.loc[key, "p95"] - report.loc[key, "p05"])
        for key in pinned
    }


@pytest.fixture(scope="module")
def recoveries(tmp_path_factory, aim_at_simulated):
    spec, bounds, report = _shipped()
    pinned = list(report.index[report.verdict == "pinned"])
    if not pinned:
        # The refit of 2026-12-07 kept 48 sets and pinned nothing: a band of most of each
        # search range makes "within one band width" no test at all. Say so, do not pass.
        pytest.skip("the shipped ensemble pins no parameter: there is no band to recover within")
    truth, amenities = _draw(report)
    inside = _recover(
        aim_at_simulated, tmp_path_factory.mktemp("inside"), spec, bounds, pinned, truth, amenities
    )
    outside = _recover(
        aim_at_simulated,
        tmp_path_factory.mktemp("outside"),
        spec,
        bounds,
        pinned,
        _outside(truth, report, pinned, bounds),
        amenities,
    )
    return report, pinned, truth, inside, outside


@pytest.mark.slow  # a truth, a fit and a control: over 25 minutes under a load average of 15
@pytest.mark.xfail(
    strict=True,
    reason="not recovered at this size (2026-12-07): the fit's best trial had b_w 1.23 against "
    "a truth of 2.36 (3.1 band widths off) and the office share 0.377 against 0.309 (0.87); "
    "trials near the truth scored worse, the amenities (two fixed-point steps) trading off "
    "against b_w. An XPASS means the recovery now works: remove this mark.",
)
def test_pinned_parameters_come_back_within_the_ensembles_band(recoveries) -> None:
    """Tolerance: each pinned parameter within one 5-95 % band width of the drawn truth. The
    band is the spread the real moments leave (11 sets kept, a discrepancy of one tolerance), so
    a fit to the model's own moments, which have no discrepancy, should do at least as well; a
    miss of a whole band width would mean the fit cannot tell apart sets the ensemble calls
    distinguishable."""
    report, pinned, truth, inside, _ = recoveries
    assert pinned, "the shipped ensemble pins no parameter: nothing to recover"
    misses = _misses(inside, truth, report, pinned)
    assert max(misses.values()) <= 1.0, {k: round(v, 2) for k, v in misses.items()}


@pytest.mark.slow  # not yet run to the end: the session ran out of time under the load
def test_moments_from_outside_the_band_fail_the_same_check(recoveries) -> None:
    """The negative control: fitted to moments simulated with the pinned parameters two band
    widths below their bands, the fit lands away from the in-band truth, so the check above
    fails (some pinned parameter more than a band width off)."""
    report, pinned, truth, _, outside = recoveries
    misses = _misses(outside, truth, report, pinned)
    assert max(misses.values()) > 1.0, {k: round(v, 2) for k, v in misses.items()}
