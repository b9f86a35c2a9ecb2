"""Command line: user errors exit 2 with one paragraph on stderr and no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hubsim.cli import main

TINY = ["--months", "2", "--scale", "20000", "--no-plots", "--quiet"]
OK = "name: tiny\nmonths: 2\n"


def fails(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run main(argv) in-process; check exit 2, no traceback, one paragraph; return stderr."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.startswith("hubsim: ")
    assert err.count("\n") == 1 and err.endswith("\n"), err  # one paragraph, one line
    return err


def hubsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hubsim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


# --------------------------------------------------------------------------- positive


def test_validate_baseline(baseline: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(baseline)]) == 0
    out = capsys.readouterr().out
    assert "valid scenario 'baseline'" in out
    assert "sha256" in out


def test_schema_is_json_with_programmes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "programmes" in schema["properties"]


def test_help_returns_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--help"]) == 0
    assert "--set KEY=VALUE" in capsys.readouterr().out


SHARED = {  # command -> the options it takes from cli's parent parsers
    "run": ["--seed", "--months", "--scale", "--set", "--out", "--no-plots", "--quiet"],
    "validate": ["--set"],
    "compare": ["--seed", "--months", "--scale", "--out", "--quiet"],
    "calibrate": ["--trials", "--storage", "--workers", "--scheduler", "--out", "--no-plots"],
    "sweep": ["--workers", "--scheduler", "--out", "--no-plots", "--quiet"],
    "tune": ["--trials", "--storage", "--workers", "--scheduler", "--out", "--no-plots"],
}


@pytest.mark.parametrize("command", SHARED)
def test_each_command_lists_its_shared_options(command: str, capsys) -> None:
    """Options declared once in a parent parser still show in each command's --help."""
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    for option in SHARED[command]:
        assert f"  {option}" in text, (command, option)


def test_shared_options_parse_the_same_in_every_command() -> None:
    from hubsim.cli import _parser

    parser = _parser()
    for command, argv in [("sweep", ["s.yaml"]), ("tune", ["t.yaml"]), ("calibrate", ["c.yaml"])]:
        args = parser.parse_args([command, *argv, "--workers", "3", "--out", "o", "--quiet"])
        assert (args.workers, args.out, args.quiet, args.no_plots) == (3, "o", True, False)
    args = parser.parse_args(["compare", "a.yaml", "b.yaml", "--scale", "5000"])
    assert (args.scale, args.out, args.seed) == (5000.0, "results", None)


def test_validate_with_set(write, capsys: pytest.CaptureFixture[str]) -> None:
    path = write("tiny.yaml", OK)
    assert main(["validate", str(path), "--set", "months=7"]) == 0
    assert "7 months" in capsys.readouterr().out


# --------------------------------------------------------------------------- scenario mistakes


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("name: x\nbehaviour:\n  migration:\n    bw: 1\n", ["behaviour.migration.bw", "b_w"]),
        ("name: x\nseed: [1\n", ["YAML syntax error at line", "column"]),
        (
            "name: x\nprogrammes:\n  - {city: atlantis, start: 2017-01, instrument: hukou}\n",
            ["programmes.0.city", "atlantis"],
        ),
        (
            "name: x\ntargets:\n  atlantis: {by: 2020-01, gain_share: 0.1}\n",
            ["targets.atlantis"],
        ),
        ("name: x\ncities:\n  atlantis: {amenity: 1}\n", ["cities.atlantis"]),
        (
            "name: x\nprogrammes:\n  - {city: wuhan, start: 2017-01, instrument: cash,"
            " amount: -5}\n",
            ["programmes.0.amount", "-5"],
        ),
        (
            "name: x\nprogrammes:\n  - {city: wuhan, start: 2017-01, instrument: cash,"
            " budget_yuan_per_year: -1}\n",
            ["programmes.0.budget_yuan_per_year"],
        ),
        (
            "name: x\nprogrammes:\n  - {city: wuhan, start: 2017-05, end: 2017-01,"
            " instrument: hukou}\n",
            ["programmes.0.end", "2017-05"],
        ),
    ],
)
def test_scenario_mistakes(write, capsys, text: str, needles: list[str]) -> None:
    path = write("bad.yaml", text)
    err = fails(capsys, ["validate", str(path)])
    assert "bad.yaml" in err
    for needle in needles:
        assert needle in err


def test_missing_file(tmp_path: Path, capsys) -> None:
    err = fails(capsys, ["validate", str(tmp_path / "nope.yaml")])
    assert "nope.yaml" in err and "not found" in err


def test_extends_cycle_and_missing_parent(write, capsys) -> None:
    write("b.yaml", "extends: a.yaml\n")
    err = fails(capsys, ["validate", str(write("a.yaml", "extends: b.yaml\n"))])
    assert "a.yaml -> b.yaml -> a.yaml" in err and "'extends'" in err
    err = fails(capsys, ["validate", str(write("c.yaml", "extends: gone.yaml\n"))])
    assert "c.yaml" in err and "gone.yaml" in err


@pytest.mark.parametrize(
    ("item", "needles"),
    [
        ("behaviour.migration.nope=1", ["behaviour.migration.nope", "b_w"]),
        ("behaviour.migration.b_w", ["KEY=VALUE"]),
        ("behaviour.migration.b_w=abc", ["behaviour.migration.b_w", "must be a number", "abc"]),
        ("programmes.0.amount=1", ["'programmes' is a list of 0 entries"]),
    ],
)
def test_set_mistakes(write, capsys, item: str, needles: list[str]) -> None:
    path = write("tiny.yaml", OK)
    err = fails(capsys, ["validate", str(path), "--set", item])
    assert "tiny.yaml" in err
    for needle in needles:
        assert needle in err


TWO = (
    "name: two\nmonths: 2\nprogrammes:\n"
    "  - {city: shenzhen, start: 2017-01, instrument: cash, amount: 1000}\n"
    "  - {city: chengdu, start: 2017-01, instrument: cash, amount: 1000}\n"
    "  - {city: chengdu, start: 2018-01, instrument: rent, amount: 500}\n"
)


def test_set_with_a_selector(write, capsys) -> None:
    path = write("two.yaml", TWO)
    assert main(["validate", str(path), "--set", "programmes[city=shenzhen].amount=5"]) == 0
    assert "valid scenario 'two'" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("item", "needles"),
    [
        ("programmes[city=chengdu].amount=5", ["2 entries of 'programmes'", "tells them apart"]),
        ("programmes[city=xian].amount=5", ["no entry of 'programmes'", "city=xian"]),
    ],
)
def test_set_selector_mistakes(write, capsys, item: str, needles: list[str]) -> None:
    err = fails(capsys, ["validate", str(write("two.yaml", TWO)), "--set", item])
    for needle in ["two.yaml", *needles]:
        assert needle in err


def test_start_after_2019_and_doctorate_are_one_paragraph(write, capsys) -> None:
    path = write("late.yaml", "name: late\nstart: 2035-01\n")
    assert "key 'start'" in fails(capsys, ["validate", str(path)])
    path = write("doc.yaml", "name: doc\ncities:\n  chengdu: {hukou_min_degree: doctorate}\n")
    err = fails(capsys, ["validate", str(path)])
    assert "'phd' or 'nobody', but it is 'doctorate'" in err and "literal[" not in err


# --------------------------------------------------------------------------- run options


@pytest.mark.parametrize(
    ("option", "needle"),
    [
        (["--months", "0"], "--months"),
        (["--months", "1.5"], "whole number"),
        (["--replications", "-1"], "--replications"),
        (["--scale", "abc"], "--scale"),
        (["--scale", "0.5"], "at least 1"),
        (["--scale", "inf"], "finite"),
        (["--seed", "x"], "--seed"),
    ],
)
def test_bad_run_options(write, tmp_path: Path, capsys, option: list[str], needle: str) -> None:
    out = tmp_path / "out"
    err = fails(capsys, ["run", str(write("tiny.yaml", OK)), "--out", str(out), *option])
    assert needle in err
    assert "python -m hubsim run --help" in err
    assert not out.exists()


def test_no_command(capsys) -> None:
    err = fails(capsys, [])
    assert "`python -m hubsim --help`" in err


def test_bad_scenario_leaves_no_run_folder(write, tmp_path: Path, capsys) -> None:
    path = write("bad.yaml", "name: bad\nbehaviour:\n  migration: {bw: 1}\n")
    out = tmp_path / "out"
    err = fails(capsys, ["run", str(path), *TINY, "--out", str(out)])
    assert "behaviour.migration.bw" in err
    assert not out.exists()
    err = fails(capsys, ["run", str(path), *TINY, "--out", str(out), "--set", "seed=-1"])
    assert not out.exists()


def test_out_under_a_regular_file(write, tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    for out in (blocker, blocker / "sub"):
        err = fails(capsys, ["run", str(write("tiny.yaml", OK)), *TINY, "--out", str(out)])
        assert f"--out {out}" in err
    assert blocker.read_text() == "not a folder"


# --------------------------------------------------------------------------- end to end


def test_subprocess_unknown_key(write, tmp_path: Path) -> None:
    path = write("typo.yaml", "name: typo\nbehaviour:\n  migration:\n    bw: 1\n")
    done = hubsim("validate", str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "typo.yaml" in done.stderr and "behaviour.migration.bw" in done.stderr


def test_subprocess_missing_file(tmp_path: Path) -> None:
    done = hubsim("run", "missing.yaml", *TINY, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "missing.yaml" in done.stderr
    assert not (tmp_path / "results").exists()


def test_subprocess_unwritable_out(write, tmp_path: Path) -> None:
    path = write("tiny.yaml", OK)
    done = hubsim("run", str(path), *TINY, "--out", "/proc/forbidden", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "--out /proc/forbidden" in done.stderr


def test_subprocess_bad_option(write, tmp_path: Path) -> None:
    done = hubsim("run", str(write("tiny.yaml", OK)), "--months", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "usage:" not in done.stderr
    assert "--months" in done.stderr


def test_subprocess_tiny_run(write, tmp_path: Path) -> None:
    path = write("tiny.yaml", OK)
    out = tmp_path / "out"
    done = hubsim("run", str(path), *TINY, "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    folders = list((out / "tiny").iterdir())
    assert len(folders) == 1 and not folders[0].name.endswith(".partial")
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["scenario"]["months"] == 2
    assert f"results: {folders[0]}" in done.stdout


@pytest.mark.slow  # 13 s: the figures of a whole run; CI's slow step runs it
def test_cli_run_end_to_end_with_plots_and_tables(tmp_path: Path) -> None:
    """The README's run command on a small baseline: tables printed, every plot a PNG."""
    baseline = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    out = tmp_path / "out"
    done = hubsim(
        "run", str(baseline), "--months", "14", "--scale", "20000", "--out", str(out),
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "talent start" in done.stdout and "Calibration" in done.stdout
    assert "month 14/14" in done.stderr  # the progress bar
    (folder,) = (out / "baseline").iterdir()
    plots = sorted(p.name for p in (folder / "plots").iterdir())
    assert plots == [
        "attainment.png", "branches.png", "cohorts.png", "flows_heatmap.png", "net_migration.png",
        "office_vacancy.png", "rent_wage.png", "sectors.png", "spending.png", "talent.png",
    ]  # fmt: skip
    for name in plots:
        data = (folder / "plots" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_ctrl_c_then_the_same_command_resumes(write, tmp_path: Path, capsys, monkeypatch) -> None:
    from hubsim.experiments import replications

    real = replications.simulate

    def stop_at_second(scenario, seed, replication=0, progress=None):
        if replication == 1:
            raise KeyboardInterrupt
        return real(scenario, seed, replication, progress)

    argv = ["run", str(write("tiny.yaml", OK)), "--out", str(tmp_path), "--replications", "2"]
    monkeypatch.setattr(replications, "simulate", stop_at_second)
    assert main([*argv, *TINY]) == 130
    assert "Run the same command again to resume" in capsys.readouterr().err
    monkeypatch.undo()
    assert main([*argv, *TINY]) == 0
    err = capsys.readouterr().err
    assert "resuming: 1 of 2 replications kept from " in err and ".partial" in err
    (folder,) = (tmp_path / "tiny").iterdir()
    assert not folder.name.endswith(".partial")


# --------------------------------------------------------------------------- issue 23

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ROOT / "scenarios" / "sweeps" / "chengdu-rent.yaml"
TUNING = ROOT / "scenarios" / "tuning" / "chengdu-cheapest-package.yaml"
CALIBRATION = ROOT / "scenarios" / "calibration" / "fit-pre2020.yaml"


@pytest.mark.parametrize(
    ("command", "path", "kind", "takes"),
    [
        ("validate", SWEEP, "sweep", "sweep"),
        ("run", SWEEP, "sweep", "sweep"),
        ("run", TUNING, "tuning", "tune"),
        ("validate", CALIBRATION, "calibration", "calibrate"),
        ("sweep", ROOT / "scenarios" / "baseline.yaml", "scenario", "run"),
        ("tune", ROOT / "scenarios" / "baseline.yaml", "scenario", "run"),
        ("calibrate", ROOT / "scenarios" / "baseline.yaml", "scenario", "run"),
        ("sweep", TUNING, "tuning", "tune"),
        ("sweep", CALIBRATION, "calibration", "calibrate"),
        ("tune", SWEEP, "sweep", "sweep"),
        ("calibrate", TUNING, "tuning", "tune"),
    ],
)
def test_a_file_of_another_kind_gets_one_sentence_naming_its_command(
    capsys, tmp_path: Path, command: str, path: Path, kind: str, takes: str
) -> None:
    out = [] if command == "validate" else ["--out", str(tmp_path)]
    err = fails(capsys, [command, str(path), *out])
    assert f"is a {kind} file" in err
    assert f"`python -m hubsim {takes} {path}`" in err
    assert err.count(". ") == 0 and "not a " in err  # one sentence, no list of keys
    assert not list(tmp_path.iterdir())


def test_a_scenario_with_a_stray_key_of_another_kind_gets_the_usual_error(write, capsys) -> None:
    path = write("typo.yaml", "name: t\nmonths: 2\noutcomes: 3\n")
    err = fails(capsys, ["validate", str(path)])
    assert "key 'outcomes' is not a scenario key" in err


@pytest.mark.parametrize("scale", ["1e12", "100000000", "1000000"])
def test_a_scale_that_leaves_a_city_without_talent_agents_is_refused(
    capsys, tmp_path: Path, baseline: Path, scale: str
) -> None:
    for argv in (
        ["run", str(baseline), "--scale", scale, "--months", "12", "--out", str(tmp_path)],
        ["validate", str(baseline), "--set", f"scale={scale}"],
    ):
        err = fails(capsys, argv)
        assert f"{baseline}: key 'scale'" in err
        assert "leaves Xiamen without a single talent agent" in err
        assert "at most 314,075" in err  # Xiamen's 2010 talent: the smallest city's count
    assert not list(tmp_path.iterdir())


def test_the_largest_scale_allowed_builds_a_world(baseline: Path, capsys) -> None:
    assert main(["validate", str(baseline), "--set", "scale=314075"]) == 0
    assert fails(capsys, ["validate", str(baseline), "--set", "scale=314076"])


def test_a_warning_is_printed_and_kept_in_the_manifest(
    baseline: Path, tmp_path: Path, capsys
) -> None:
    argv = ["--set", "behaviour.migration.b_w=7", "--months", "1", "--scale", "50000"]
    assert main(["run", str(baseline), *argv, "--out", str(tmp_path), "--no-plots"]) == 0
    err = capsys.readouterr().err
    assert "hubsim: warning: " in err and "key 'behaviour.migration.b_w' is 7" in err
    assert "0.8 to 3" in err
    (folder,) = (tmp_path / "baseline").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    (kept,) = manifest["warnings"]
    assert "key 'behaviour.migration.b_w' is 7" in kept


def test_validate_prints_warnings_but_succeeds(baseline: Path, capsys) -> None:
    argv = ["validate", str(baseline), "--set", "programmes.0.amount=1000000"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "valid scenario" in captured.out
    assert "warning" in captured.err and "key 'programmes.0.amount'" in captured.err


def _tuning(tmp_path: Path, months: int, low: float, high: float) -> Path:
    base = tmp_path / "base.yaml"
    base.write_text(
        f"extends: {ROOT / 'scenarios' / 'tuning' / 'chengdu-package-base.yaml'}\n"
        f"months: {months}\nscale: 20000\ntargets: null\n"
    )
    path = tmp_path / "tuning.yaml"
    path.write_text(
        "name: t\nbase: base.yaml\nvariables:\n"
        f"  programmes[city=chengdu,instrument=rent].amount: {{low: {low}, high: {high}}}\n"
        "objectives: [{minimize: spending_yuan@chengdu}]\nreplications: 1\ntrials: 1\n"
    )
    return path


def test_a_tuning_variable_of_a_programme_after_the_horizon_is_refused(
    tmp_path: Path, capsys
) -> None:
    err = fails(capsys, ["tune", str(_tuning(tmp_path, 24, 0, 1000)), "--out", str(tmp_path)])
    assert "runs from 2018-01, outside the simulated months (2010-01 plus 24 months)" in err


def test_an_absurd_tuning_bound_is_refused(tmp_path: Path, capsys) -> None:
    err = fails(capsys, ["tune", str(_tuning(tmp_path, 24, 0, 1e18)), "--out", str(tmp_path)])
    assert "with value 1e+18 (a bound)" in err and "71,874,000 yuan" in err


def test_equal_tuning_bounds_say_there_is_nothing_to_tune(tmp_path: Path, capsys) -> None:
    err = fails(capsys, ["tune", str(_tuning(tmp_path, 200, 500, 500)), "--out", str(tmp_path)])
    assert "low and high are both 500" in err and "swap" not in err


def test_a_sweep_range_error_has_no_stray_comma(tmp_path: Path, capsys) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text(
        f"name: s\nbase: {ROOT / 'scenarios' / 'sweeps' / 'chengdu-rent-base.yaml'}\n"
        "parameters:\n  behaviour.migration.b_w: {range: {start: 2, stop: 1, step: 0.5}}\n"
        "outcomes: [talent@chengdu@2025-12]\n"
    )
    err = fails(capsys, ["sweep", str(path), "--out", str(tmp_path)])
    assert "parameter 'behaviour.migration.b_w', key 'range': stop (1) is below start" in err
    assert "',:" not in err


def test_a_talent_share_without_room_for_college_graduates_is_refused(baseline, capsys) -> None:
    assert main(["validate", str(baseline), "--set", "cities.guiyang.talent_share_2010=0.8"]) == 0
    err = fails(capsys, ["validate", str(baseline), "--set", "cities.guiyang.talent_share_2010=1"])
    assert "key 'cities.guiyang.talent_share_2010' is 1, but Guiyang's junior-college" in err
    assert "can be at most 0.825" in err  # 17.5 % are junior-college graduates


def test_a_country_smaller_than_its_cities_is_refused(baseline, capsys) -> None:
    key = "behaviour.demography.national_working_age_people"
    err = fails(capsys, ["validate", str(baseline), "--set", f"{key}=1000"])
    assert f"key '{key}' is 1,000" in err and "the rest of China would be empty" in err
