"""The ensemble file: round trip, finding it beside the fitted file, and its errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hubsim.cli import main
from hubsim.experiments.ensemble.members import (
    EnsembleError,
    ensemble_name,
    find_ensemble,
    load_ensemble,
    member_overrides,
    write_ensemble,
)
from hubsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[3]
COLUMNS = ["behaviour.migration.b_w", "cities.chengdu.amenity"]


def _members() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["final", "trial 7"],
            "behaviour.migration.b_w": [1.5148, 1.4012345],
            "cities.chengdu.amenity": [0.352, 0.2999],
            "implausibility_max": [1.2, 2.7],
            "worst_moment": ["a", "b"],
        }
    )


def test_round_trip_keeps_every_member_and_value(tmp_path):
    path = write_ensemble(_members(), COLUMNS, tmp_path / "ensemble.csv")
    table = load_ensemble(path, load_scenario(ROOT / "scenarios" / "baseline.yaml"))
    assert list(table.member) == [0, 1]
    assert list(table.columns) == ["member", "source", *COLUMNS, "implausibility_max",
                                   "worst_moment"]  # fmt: skip
    assert table["behaviour.migration.b_w"].tolist() == [1.5148, 1.40123]  # 6 significant digits
    assert member_overrides(table.iloc[1], COLUMNS) == (
        "behaviour.migration.b_w=1.40123",
        "cities.chengdu.amenity=0.2999",
    )


def test_the_ensemble_is_found_beside_the_fitted_file_through_extends(tmp_path):
    (tmp_path / "cal").mkdir()
    (tmp_path / "cal" / "fitted-x.yaml").write_text("behaviour: {migration: {b_w: 1.5}}\n")
    (tmp_path / "base.yaml").write_text("extends: cal/fitted-x.yaml\nname: base\n")
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nname: child\n")
    with pytest.raises(EnsembleError, match="no ensemble file beside it"):
        find_ensemble(tmp_path / "child.yaml")
    write_ensemble(_members(), COLUMNS, tmp_path / "cal" / "ensemble-x.csv")
    assert find_ensemble(tmp_path / "child.yaml") == tmp_path / "cal" / "ensemble-x.csv"
    assert ensemble_name(Path("r/fitted.yaml")) == Path("r/ensemble.csv")
    (tmp_path / "lone.yaml").write_text("name: lone\n")
    with pytest.raises(EnsembleError, match="extends no fitted file"):
        find_ensemble(tmp_path / "lone.yaml")


def test_the_shipped_baseline_finds_the_shipped_ensemble():
    found = find_ensemble(ROOT / "scenarios" / "baseline.yaml")
    assert found == ROOT / "scenarios" / "calibration" / "ensemble-pre2020.csv"
    table = load_ensemble(found)
    assert len(table) >= 2


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "ensemble file not found"),
        ("", "not a readable CSV table"),
        ("member,behaviour.migration.b_w\n0,abc\n", "not a number in member 0"),
        ("b_w\n1.0\n", "needs a 'member' column"),
        (
            "member,behaviour.migration.b_nope\n0,1.0\n",
            "column 'behaviour.migration.b_nope' cannot be applied",
        ),
    ],
)
def test_a_bad_ensemble_file_is_one_paragraph_without_traceback(tmp_path, capsys, content, said):
    path = tmp_path / "ensemble.csv"
    if content is not None:
        path.write_text(content)
    code = main(["run", str(ROOT / "scenarios" / "baseline.yaml"), "--months", "1",
                 "--scale", "50000", "--ensemble", "--ensemble-file", str(path),
                 "--out", str(tmp_path / "out"), "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert said in err and str(path) in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.parquet"))
