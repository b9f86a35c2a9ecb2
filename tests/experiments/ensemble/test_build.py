"""The ensemble from a study: trials, the final point, a refinement wave that resumes; on an
in-memory Optuna study and a stand-in evaluation whose answer is known."""

from __future__ import annotations

import optuna
import pandas as pd
import pytest
from optuna.distributions import FloatDistribution

from hubsim.experiments.ensemble.build import build_ensemble
from hubsim.experiments.ensemble.members import load_ensemble
from hubsim.experiments.specfile import Variable, VariableSpec
from hubsim.scenario import CITY_KEYS

KEY = "behaviour.migration.b_w"
VARIABLES = [Variable(KEY, KEY, VariableSpec(low=0.8, high=2.5))]
AMENITIES = {c: 0.1 for c in CITY_KEYS}
WEIGHTS = {"m": 1.0}


def fit_at(b_w: float) -> dict:
    """The stand-in moment: z = (b_w - 1.5) / 0.1, so |b_w - 1.5| < 0.3 is kept."""
    return {"m": [(b_w - 1.5) / 0.1, 0.0]}


def study_with(values: list[float]) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study()
    for b_w in values:
        study.add_trial(
            optuna.trial.create_trial(
                params={KEY: b_w},
                distributions={KEY: FloatDistribution(0.8, 2.5)},
                value=abs(b_w - 1.5),
                user_attrs={"fit": fit_at(b_w), "amenities": AMENITIES},
            )
        )
    return study


def test_trials_and_the_final_point_are_matched_and_written(tmp_path):
    study = study_with([1.0, 1.4, 1.6, 2.2])
    final = ({KEY: 1.5}, AMENITIES, fit_at(1.5))
    report = build_ensemble(study, VARIABLES, WEIGHTS, final, tmp_path, seed=1)
    members = load_ensemble(tmp_path / "ensemble.csv")
    assert sorted(members[KEY]) == [1.4, 1.5, 1.6]
    assert set(members.source) == {"trial 1", "trial 2", "final"}
    band = report.identification.set_index("parameter").loc[KEY]
    assert (band["min"], band["max"]) == (1.4, 1.6)
    assert band.verdict == "pinned"  # 0.2 wide of a 1.7 range: under a quarter


def test_the_refinement_wave_runs_once_and_its_survivors_join(tmp_path):
    study = study_with([1.3, 1.7, 2.2])
    final = ({KEY: 1.5}, AMENITIES, fit_at(1.5))
    calls = []

    def evaluate(params: dict, amenities: dict):
        calls.append(params[KEY])
        assert amenities == AMENITIES  # the nearest survivor's, for the trial-like profiling
        return fit_at(params[KEY]), {c: 0.2 for c in CITY_KEYS}

    report = build_ensemble(
        study, VARIABLES, WEIGHTS, final, tmp_path, refine=5, evaluate=evaluate, seed=2
    )
    assert len(calls) == 5 and all(1.3 <= b <= 1.7 for b in calls)  # the survivors' box
    members = load_ensemble(tmp_path / "ensemble.csv")
    wave = members[members.source.str.startswith("refine")]
    expected = sum(abs(b - 1.5) < 0.3 - 1e-12 for b in calls)
    assert len(wave) == expected and report.refined == 5
    assert (wave[f"cities.{CITY_KEYS[0]}.amenity"] == 0.2).all()  # the profiled amenities
    again = build_ensemble(
        study, VARIABLES, WEIGHTS, final, tmp_path, refine=5, evaluate=evaluate, seed=2
    )
    assert len(calls) == 5  # resumed from the study: nothing evaluated twice
    pd.testing.assert_frame_equal(again.matched.candidates, report.matched.candidates)


@pytest.mark.parametrize("rounded", [1.500001, 1.5])
def test_the_final_point_is_not_counted_twice_beside_its_trial(tmp_path, rounded):
    study = study_with([rounded, 1.9])
    report = build_ensemble(study, VARIABLES, WEIGHTS, ({KEY: 1.5}, AMENITIES, fit_at(1.5)),
                            tmp_path)  # fmt: skip
    assert list(report.matched.candidates.source) == ["trial 1", "final"]
