"""`run --ensemble` and `compare --ensemble` on a tiny scenario (6 months, 50,000 people per
agent) and a synthetic two-member ensemble near the fitted values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from hubsim.cli import main
from hubsim.experiments.ensemble.answers import (
    compare_summary,
    fitted_shifts,
    run_over_ensemble,
    run_summary,
)
from hubsim.experiments.ensemble.members import load_ensemble, member_overrides, parameter_columns
from hubsim.experiments.replications import run

ROOT = Path(__file__).resolve().parents[3]
# Chengdu's talent at 2010-06 is about 1.1 M at this scale, so some runs reach it and some not.
TINY = """
extends: {baseline}
name: tiny
months: 6
scale: 50000
replications: 2
targets:
  chengdu: {{by: 2010-06, talent_people: 1100000, source: ASSUMPTION}}
"""
ENSEMBLE = """member,source,behaviour.migration.b_w,behaviour.migration.b_h,cities.chengdu.amenity
0,final,1.5148,0.20653,0.352
1,trial 3,1.40,0.25,0.30
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ensemble")
    scenario = folder / "tiny.yaml"
    scenario.write_text(TINY.format(baseline=ROOT / "scenarios" / "baseline.yaml"))
    other = folder / "richer.yaml"
    other.write_text(
        f"extends: {scenario}\nname: richer\n"
        "cities: {chengdu: {amenity: 0.5}}\n"  # moves a fitted value: kept as a shift
    )
    ensemble = folder / "ensemble.csv"
    ensemble.write_text(ENSEMBLE)
    return folder, scenario, other, ensemble


@pytest.mark.slow  # 5-8 s: the default run stays under 3 minutes; CI runs it
def test_run_over_two_members_gives_the_share_of_member_runs_and_resumes(tiny, capsys):
    folder, scenario, _, ensemble = tiny
    out = folder / "out"
    args = ["run", str(scenario), "--ensemble", "2", "--ensemble-file", str(ensemble),
            "--out", str(out), "--quiet", "--workers", "2"]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "over 2 parameter sets x 2 replications" in printed
    (summary_path,) = out.glob("tiny-ensemble/*/ensemble_summary.csv")
    summary = pd.read_csv(summary_path).set_index("city")

    # The same four runs, one member at a time through the ordinary `run --set` path.
    table = load_ensemble(ensemble)
    reached, talent = [], []
    for _, member in table.iterrows():
        plain = run(scenario, overrides=list(member_overrides(member, parameter_columns(table))))
        reps = plain.replications
        per_rep = reps[reps.city == "chengdu"].sort_values("replication")
        reached += list(per_rep.reached)
        talent += list(per_rep.talent_end)
    p = summary.loc["chengdu", "p_reach"]
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(np.mean(reached), abs=1e-12)
    assert summary.loc["chengdu", "judged_pairs"] == 4
    assert summary.loc["chengdu", "talent_end_p50"] == pytest.approx(np.median(talent))
    assert np.isnan(summary.loc["beijing", "p_reach"])  # its target date is not in the run
    assert ((summary.ghost_share.dropna() >= 0) & (summary.ghost_share.dropna() <= 1)).all()
    # The verdict over the same pairs, printed and written beside the summary.
    assert "Verdict over 2 parameter sets x 2 replications" in printed
    verdict = pd.read_csv(summary_path.with_name("verdict.csv")).set_index("city")
    assert verdict.loc["chengdu", "p_reach"] == pytest.approx(p, abs=1e-12)
    assert verdict.loc["chengdu", "pairs"] == 4
    assert verdict.vacancy_end_p05.le(verdict.vacancy_end_p95).all()

    again = run_over_ensemble([scenario], members=2, ensemble_file=ensemble, out=out, workers=2)
    assert (again.ran, again.before, again.failed) == (0, 4, 0)
    assert len(again.rows) == 4


def test_compare_over_the_ensemble_pairs_member_and_replication(tiny):
    folder, scenario, other, ensemble = tiny
    result = run_over_ensemble(
        [scenario, other], members=2, ensemble_file=ensemble, out=folder / "cmp", workers=2
    )
    rows = result.rows.set_index(["arm", "member", "replication"])
    diff = rows.loc[1]["talent_end@chengdu"] - rows.loc[0]["talent_end@chengdu"]
    table = compare_summary(result).set_index("city")
    assert table.loc["chengdu", "p_diff_talent_end_positive"] == pytest.approx((diff > 0).mean())
    assert table.loc["chengdu", "diff_talent_end_p50"] == pytest.approx(diff.median())
    # the richer arm keeps its higher amenity on top of each member's value
    shift = fitted_shifts(
        other, result.arms[1], ["cities.chengdu.amenity", "behaviour.migration.b_w"]
    )
    fitted = yaml.safe_load((ROOT / "scenarios/calibration/fitted-pre2020.yaml").read_text())
    chengdu = fitted["cities"]["chengdu"]["amenity"]
    assert shift == {"cities.chengdu.amenity": pytest.approx(0.5 - chengdu)}
    assert run_summary(result, arm=1).p_reach.dropna().between(0, 1).all()
