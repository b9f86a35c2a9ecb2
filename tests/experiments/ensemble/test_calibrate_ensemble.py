"""`hubsim calibrate` writes its ensemble: a tiny calibration (coarse scale, three trials, two
replications an evaluation) with a refinement wave of two points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
import yaml

from hubsim.experiments.calibrate import run_calibration
from hubsim.experiments.ensemble.members import find_ensemble, load_ensemble
from hubsim.experiments.study import open_storage

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow  # about a minute on a loaded machine; CI's slow step runs it
def test_a_calibration_writes_an_ensemble_beside_its_fitted_file(tmp_path) -> None:
    spec = {
        "name": "tiny",
        "spinup": str(ROOT / "scenarios/spinup-2000.yaml"),
        "policy": str(ROOT / "scenarios/baseline.yaml"),
        "quick": {"replications": 2, "trials": 3, "amenity_rounds": 0, "trial_steps": 1,
                  "startup_trials": 2, "scale": {"spinup": 40000, "policy": 20000}},
        "parameters": {"behaviour.migration.b_w": {"low": 1.0, "high": 2.2}},
    }  # fmt: skip
    path = tmp_path / "calibration.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    result = run_calibration(path, quick=True, workers=2, out=tmp_path / "out", plots=False,
                             refine=2)  # fmt: skip
    folder = result.folder
    assert folder / "ensemble.csv" in result.files
    # every trial recorded its standardised errors, with a standard error from two replications
    cal = result.calibration
    study = optuna.load_study(
        study_name=f"{cal.name}-{cal.study_id}", storage=open_storage(result.storage, ValueError)
    )
    fits = [t.user_attrs["fit"] for t in study.trials if t.state.name == "COMPLETE"]
    assert len(fits) == 3
    assert all(fit["population_2010@chengdu"][1] > 0 for fit in fits)  # se of two replications
    candidates = pd.read_csv(folder / "ensemble_candidates.csv")
    assert len(candidates) >= 3  # the trials (less a duplicate of the final) and the final point
    assert np.isfinite(candidates.implausibility_max).all()
    kept = candidates[candidates.kept]
    assert (kept.implausibility_kth < 3).all()
    assert (candidates[~candidates.kept].implausibility_kth >= 3).all()
    assert (candidates.implausibility_kth <= candidates.implausibility_max).all()
    # the file is a usable ensemble when anything is kept, found through fitted.yaml
    if len(kept):
        (tmp_path / "child.yaml").write_text(f"extends: {folder / 'fitted.yaml'}\n")
        assert find_ensemble(tmp_path / "child.yaml") == folder / "ensemble.csv"
        members = load_ensemble(folder / "ensemble.csv")
        assert len(members) == len(kept)
    report = pd.read_csv(folder / "ensemble_identification.csv")
    assert "behaviour.migration.b_w" in set(report.parameter)
    assert result.ensemble.refined == 2
