"""Sweeps: designs, sweep-file errors, local and Dask runs, resume, failures and a killed worker.

Runs are tiny (6-36 months, 20,000-50,000 people per agent); the Dask cluster is on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import hubsim
from hubsim.cli import main
from hubsim.experiments import load_sweep, run_sweep
from hubsim.experiments.sweep import designs
from hubsim.output import run_folder

BASELINE = Path(__file__).resolve().parents[3] / "scenarios" / "baseline.yaml"
TINY = {"months": 6, "scale": 50000}
META = ["run_seconds"]  # differs between runs of the same row


def tiny(**changes) -> dict:
    """A 2 x 2 grid with 2 replications: 8 runs of about 0.1 s."""
    spec = {
        "name": "tiny",
        "base": str(BASELINE),
        "set": dict(TINY),
        "parameters": {
            "behaviour.migration.b_w": [1.4, 1.8],
            # Shenzhen's cash programme starts in 2016: no effect in 6 months, by design
            "programmes[city=shenzhen,instrument=cash].amount": {
                "values": [15000, 30000],
                "column": "shenzhen_cash_yuan",
            },
        },
        "replications": 2,
        "outcomes": ["talent@chengdu@2010-06", "net_migration@shenzhen@end", "reached@wuhan"],
    }
    spec.update(changes)
    return spec


@pytest.fixture
def sweep_file(tmp_path: Path) -> Callable[..., Path]:
    """sweep_file(spec dict or YAML text, name) -> path of a sweep file in tmp_path."""

    def _write(spec: dict | str, name: str = "sweep.yaml") -> Path:
        path = tmp_path / name
        path.write_text(spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False))
        return path

    return _write


def rows_of(folder: Path) -> pd.DataFrame:
    rows = pd.read_parquet(folder / "runs")
    return rows.sort_values(["point", "replication"], ignore_index=True)


def assert_each_run_once(rows: pd.DataFrame, points: int, replications: int) -> None:
    assert len(rows) == points * replications
    assert not rows.duplicated(["point", "replication"]).any()
    assert set(zip(rows.point, rows.replication, strict=True)) == {
        (p, r) for p in range(points) for r in range(replications)
    }


# --------------------------------------------------------------------------- designs


def test_a_range_includes_its_stop_and_keeps_decimals_clean() -> None:
    assert designs.range_values(0, 2000, 500) == [0, 500, 1000, 1500, 2000]
    assert designs.range_values(0.1, 0.5, 0.1) == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert designs.range_values(1, 2, 0.4) == [1.0, 1.4, 1.8]


def test_grid_varies_the_first_parameter_slowest_and_paired_zips() -> None:
    a = designs.Axis("a", (1, 2))
    b = designs.Axis("b", ("x", "y", "z"))
    grid = designs.design_points([a, b], "grid")
    assert list(zip(grid.a, grid.b, strict=True))[:4] == [(1, "x"), (1, "y"), (1, "z"), (2, "x")]
    assert len(grid) == 6 and grid.index.name == "point"
    paired = designs.design_points([a, designs.Axis("c", (0.5, 0.7))], "paired")
    assert paired.to_dict("list") == {"a": [1, 2], "c": [0.5, 0.7]}


@pytest.mark.parametrize("design", ["latin_hypercube", "sobol"])
def test_sampled_designs_are_seeded_and_stay_in_bounds(design: str) -> None:
    axes = [
        designs.Axis("u", distribution="uniform", low=1.0, high=2.0),
        designs.Axis("g", distribution="loguniform", low=0.01, high=100.0),
        designs.Axis("k", (10, 20, 30, 40)),
    ]
    points = designs.design_points(axes, design, 16, seed=7)
    assert points.equals(designs.design_points(axes, design, 16, seed=7))
    assert not points.equals(designs.design_points(axes, design, 16, seed=8))
    assert points.u.between(1, 2).all() and points.g.between(0.01, 100).all()
    assert set(points.k) == {10, 20, 30, 40}  # 16 stratified draws reach every level
    # space-filling: one draw in each sixteenth of u, and of log g
    assert sorted(np.floor((points.u - 1) * 16).astype(int)) == list(range(16))
    assert sorted(np.floor((np.log10(points.g) + 2) / 4 * 16).astype(int)) == list(range(16))


def test_a_selector_names_the_programme_it_matches(sweep_file) -> None:
    sweep = load_sweep(sweep_file(tiny()))
    dotted = sweep.parameters[1].dotted
    index = int(dotted.split(".")[1])
    programme = sweep.base.programmes[index]
    assert (programme.city, programme.instrument) == ("shenzhen", "cash")
    assert sweep.overrides(3) == ("behaviour.migration.b_w=1.8", f"{dotted}=30000")
    assert sweep.total_runs == 8 and sweep.base.months == 6


def test_the_sweep_id_follows_the_content_only(sweep_file, tmp_path: Path) -> None:
    first = load_sweep(sweep_file(tiny(), "a.yaml")).sweep_id
    assert load_sweep(sweep_file(tiny(), "b.yaml")).sweep_id == first
    assert load_sweep(sweep_file(tiny(replications=3), "c.yaml")).sweep_id != first


# --------------------------------------------------------------------------- bad sweep files

BAD = {
    "unknown key": (
        tiny(replicates=3),
        "key 'replicates' is not a sweep key; did you mean 'replications'?",
    ),
    "unknown parameter key": (
        tiny(parameters={"seed": {"valus": [1, 2]}}),
        "parameter 'seed', key 'valus', is not a sweep key; did you mean 'values'?",
    ),
    "no outcomes": (
        {k: v for k, v in tiny().items() if k != "outcomes"},
        "key 'outcomes' is missing",
    ),
    "outcome city": (tiny(outcomes=["talent@chengu@end"]), "did you mean 'chengdu'?"),
    "outcome month": (
        tiny(outcomes=["talent@chengdu@2012-01"]),
        "2012-01 is outside the simulated months (from 2010-01 to 2010-06)",
    ),
    "outcome form": (tiny(outcomes=["talent"]), "write outcomes as METRIC@CITY@YYYY-MM"),
    "grid of a distribution": (
        tiny(parameters={"seed": {"uniform": {"low": 1, "high": 2}}}),
        "a grid design cannot enumerate",
    ),
    "paired lengths": (
        tiny(design="paired", parameters={"seed": [1, 2], "behaviour.migration.b_w": [1, 2, 3]}),
        "a paired design needs the same number of values",
    ),
    "sobol count": (
        tiny(design="sobol", samples=10),
        "sobol needs samples a power of two (e.g. 8 or 16)",
    ),
    "selector": (
        tiny(parameters={"programmes[city=guiyang,instrument=rent].amount": [1, 2]}),
        "no entry of 'programmes' in the base scenario has city=guiyang and instrument=rent",
    ),
    "scenario key": (
        tiny(parameters={"behaviour.migration.b_x": [1, 2]}),
        "parameter 'behaviour.migration.b_x' with value 1",
    ),
    "scenario value": (
        tiny(parameters={"programmes.0.amount": [100, -5]}),
        "must be 0 or more",
    ),
    "set": (tiny(set={"monts": 6}), "key 'set': monts: the scenario has no key 'monts'"),
    "base": (tiny(base="nowhere.yaml"), "key 'base' names nowhere.yaml, which does not exist"),
    "yaml": ("name: x\nparameters: [\n", "YAML syntax error"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_sweep_file_stops_with_exit_2_and_says_what_to_fix(
    case: str, sweep_file, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec, expected = BAD[case]
    code = main(["sweep", str(sweep_file(spec)), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("hubsim: ") and err.count("\n") == 1 and "Traceback" not in err
    assert expected in " ".join(err.split()), err
    assert not (tmp_path / "out").exists()  # nothing is written for a bad file


def test_a_missing_sweep_file_or_scheduler_is_a_user_error(
    sweep_file, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweep", str(tmp_path / "none.yaml")]) == 2
    assert "sweep file not found" in capsys.readouterr().err
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    argv = ["sweep", str(sweep_file(tiny())), "--out", str(tmp_path / "o")]
    assert main([*argv, "--scheduler", f"tcp://127.0.0.1:{port}"]) == 2
    assert "cannot reach a Dask scheduler" in capsys.readouterr().err
    assert main([*argv, "--scheduler", "nonsense"]) == 2
    assert "give it as tcp://HOST:PORT" in capsys.readouterr().err


def test_a_second_session_on_the_same_sweep_is_refused(
    sweep_file, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sweep_file(tiny())
    folder = tmp_path / "out" / "tiny" / load_sweep(path).sweep_id
    folder.mkdir(parents=True)
    (folder / "LOCK").write_text(f"{socket.gethostname()} {os.getppid()}")  # a live process
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "another `hubsim sweep` session (pid" in capsys.readouterr().err
    assert not (folder / "runs").exists() or not any((folder / "runs").iterdir())


# --------------------------------------------------------------------------- local processes


@pytest.mark.slow  # over 8 s: the slow CI step runs it
def test_a_local_sweep_writes_each_run_once_and_a_rerun_skips_them(
    sweep_file, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sweep_file(tiny())
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--workers", "2", "--out", str(out)]) == 0
    folder = out / "tiny" / load_sweep(path).sweep_id
    rows = rows_of(folder)
    assert_each_run_once(rows, points=4, replications=2)
    assert list(rows.columns) == [
        "point", "replication", "seed", "behaviour.migration.b_w", "shenzhen_cash_yuan",
        "talent@chengdu@2010-06", "net_migration@shenzhen@end", "reached@wuhan", "run_seconds",
    ]  # fmt: skip
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs_done"] == 8
    assert {p.name for p in (folder / "plots").iterdir()} >= {"talent_chengdu_2010-06.png"}
    assert "8 on disk (8 run now, 0 before), 0 failed" in capsys.readouterr().out

    stamps = {f.name: f.stat().st_mtime_ns for f in (folder / "runs").iterdir()}
    assert main(["sweep", str(path), "--out", str(out), "--no-plots"]) == 0
    assert "8 on disk (0 run now, 8 before)" in capsys.readouterr().out
    assert {f.name: f.stat().st_mtime_ns for f in (folder / "runs").iterdir()} == stamps


@pytest.mark.slow  # 4-8 s: the default run stays under 3 minutes; CI runs it
def test_points_share_replication_seeds_like_hubsim_run(sweep_file, tmp_path: Path) -> None:
    path = sweep_file(tiny())
    result = run_sweep(path, workers=2, out=tmp_path, plots=False)
    rows = result.rows
    # the cash amount acts only from 2016: same seeds give the same outcomes (common numbers)
    by_cash = rows.pivot_table(
        index=["behaviour.migration.b_w", "replication"],
        columns="shenzhen_cash_yuan",
        values="talent@chengdu@2010-06",
    )
    assert (by_cash[15000] == by_cash[30000]).all()
    # replication r of a point is replication r of `hubsim run` with the point's overrides
    sweep = result.sweep
    alone = hubsim.run(
        BASELINE, overrides=list(sweep.overrides(3)), replications=2, plots=False, **TINY
    )
    cm = alone.city_month
    talent = cm[(cm.metric == "talent") & (cm.city == "chengdu") & (cm.replication == 1)]
    row = rows[(rows.point == 3) & (rows.replication == 1)].iloc[0]
    assert row["talent@chengdu@2010-06"] == talent.value.iloc[-1]
    assert row.seed == alone.scenario.seed


def test_a_failing_run_is_recorded_and_the_others_finish(
    sweep_file, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "programmes[city=nanjing,instrument=hukou,end=2020-03]"
    spec = tiny(
        design="paired",
        replications=1,
        parameters={f"{key}.start": ["2018-03", "2020-01"], f"{key}.end": ["2019-01", "2018-06"]},
    )  # each value is valid alone; point 1 ends before it starts
    path = sweep_file(spec)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--no-plots"]) == 1
    assert "1 run failed" in capsys.readouterr().out
    folder = out / "tiny" / load_sweep(path).sweep_id
    assert rows_of(folder).point.tolist() == [0]
    record = json.loads((folder / "failures" / "p000001-r0000.json").read_text())
    assert "ends (2018-06) before it starts (2020-01)" in record["error"]
    assert main(["sweep", str(path), "--out", str(out), "--no-plots", "--quiet"]) == 1
    assert len(rows_of(folder)) == 1  # retried, failed again, nothing duplicated


def hubsim_cli(*args: str) -> subprocess.Popen:
    """`python -m hubsim ...` in its own session, so a signal reaches it and its workers."""
    return subprocess.Popen(
        [sys.executable, "-m", "hubsim", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    """Ctrl-C as in a terminal: a shell running the tests in the background (as CI may) starts
    them with SIGINT ignored, and Python then never turns SIGINT into KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for_runs(folder: Path, count: int, process: subprocess.Popen | None = None) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = len(list(folder.glob("runs/*.parquet")))
        if found >= count:
            return found
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the sweep ended early: {process.communicate()}")
        time.sleep(0.02)
    raise AssertionError(f"fewer than {count} runs after 120 s")


def assert_no_process_left(group: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes of the killed sweep (group {group}) still run after 30 s")


@pytest.mark.slow  # 5-17 s: the default run stays under 3 minutes; CI runs it
def test_ctrl_c_and_a_killed_sweep_resume_to_exactly_every_row(sweep_file, tmp_path: Path) -> None:
    # 48 runs of about 0.15 s each: an idle machine must not finish them all between the third
    # run landing and the signal (12-month runs at 50,000 people an agent did, in 2 s).
    spec = tiny(
        set={"months": 48, "scale": 20000},
        parameters={"behaviour.migration.b_w": [1.3, 1.5, 1.7, 1.9]},
        replications=12,
    )
    path, out = sweep_file(spec), tmp_path / "out"
    folder = out / "tiny" / load_sweep(path).sweep_id
    argv = ("sweep", str(path), "--workers", "2", "--out", str(out), "--no-plots")

    first = hubsim_cli(*argv)
    wait_for_runs(folder, 3, first)
    os.killpg(first.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    assert "Run the same command again to finish" in err
    kept = len(rows_of(folder))
    assert 3 <= kept < 48

    second = hubsim_cli(*argv)
    wait_for_runs(folder, kept + 3, second)
    second.kill()  # SIGKILL, to the sweep's own process only: no goodbye at all
    second.wait(timeout=60)
    assert_no_process_left(second.pid)  # its worker processes notice and exit
    second.communicate(timeout=60)
    assert len(rows_of(folder)) < 48

    third = hubsim_cli(*argv)
    stdout, err = third.communicate(timeout=120)
    assert third.returncode == 0, err
    assert_each_run_once(rows_of(folder), points=4, replications=12)
    assert "48 on disk" in stdout


# --------------------------------------------------------------------------- Dask


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """A Dask scheduler and two one-thread workers on 127.0.0.1, as `dask` commands start them."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{free_port()}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    dask = [sys.executable, "-m", "dask"]
    scheduler = subprocess.Popen(
        [*dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
         "--no-dashboard"], **quiet,
    )  # fmt: skip
    workers = [
        subprocess.Popen(
            [
                *dask,
                "worker",
                address,
                "--host",
                "127.0.0.1",
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--name",
                f"w{i}",
            ],
            **quiet,
        )  # fmt: skip
        for i in range(2)
    ]
    try:
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for process in [*workers, scheduler]:
            process.kill()
            process.wait(timeout=30)


@pytest.mark.slow  # 5-17 s: the default run stays under 3 minutes; CI runs it
def test_dask_gives_the_same_rows_as_the_local_pool(dask_cluster, sweep_file, tmp_path) -> None:
    address, _ = dask_cluster
    path = sweep_file(tiny())
    on_dask = run_sweep(path, scheduler=address, out=tmp_path / "dask", plots=False)
    local = run_sweep(path, workers=2, out=tmp_path / "local", plots=False)
    assert on_dask.folder.name == local.folder.name and on_dask.failed == 0
    pd.testing.assert_frame_equal(on_dask.rows.drop(columns=META), local.rows.drop(columns=META))


@pytest.mark.slow  # 5-17 s: the default run stays under 3 minutes; CI runs it
def test_a_dask_worker_killed_mid_sweep_is_replaced_and_no_row_doubles(
    dask_cluster, sweep_file, tmp_path: Path
) -> None:
    address, workers = dask_cluster
    spec = tiny(
        set={"months": 36, "scale": 20000},
        parameters={"behaviour.migration.b_w": [1.3, 1.45, 1.6, 1.75, 1.9]},
        replications=6,
    )
    path, out = sweep_file(spec), tmp_path / "out"
    folder = out / "tiny" / load_sweep(path).sweep_id
    done: dict = {}
    sweeping = threading.Thread(
        target=lambda: done.update(result=run_sweep(path, scheduler=address, out=out))
    )
    sweeping.start()
    on_disk = wait_for_runs(folder, 4)
    workers[0].kill()  # SIGKILL: its runs in flight are lost with it
    workers[0].wait(timeout=30)
    sweeping.join(timeout=180)
    assert on_disk < 30, "the worker died after the sweep had finished"
    result = done["result"]
    assert result.failed == 0 and result.complete
    assert_each_run_once(rows_of(folder), points=5, replications=6)
    assert len(list((folder / "runs").iterdir())) == 30


# --------------------------------------------------------------------------- damaged folders


def test_a_damaged_run_file_is_set_aside_and_its_run_done_again(
    sweep_file, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = sweep_file(tiny(parameters={"behaviour.migration.b_w": [1.4, 1.8]}))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--workers", "1", "--out", str(out), "--no-plots"]) == 0
    folder = out / "tiny" / load_sweep(path).sweep_id
    good = rows_of(folder)
    broken = folder / "runs" / "p000001-r0000.parquet"
    broken.write_bytes(broken.read_bytes()[:40])  # cut short, as by a full disk
    (folder / "failures" / "p000000-r0001.json").write_text("{not json")
    capsys.readouterr()

    assert main(["sweep", str(path), "--workers", "1", "--out", str(out), "--no-plots"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        "sweep tiny: set aside runs/p000001-r0000.parquet (not readable Parquet: damaged or "
        "cut short) as damaged/p000001-r0000.parquet.damaged; its run will be done again" in err
    )
    assert "failures/p000000-r0001.json (not readable JSON)" in err
    assert (folder / "damaged" / "p000001-r0000.parquet.damaged").exists()
    again = rows_of(folder)
    assert_each_run_once(again, points=2, replications=2)
    pd.testing.assert_frame_equal(again.drop(columns=META), good.drop(columns=META))


@pytest.mark.parametrize("content", ["{cut", "[1, 2]", '{"sessions": 3}'])
def test_a_damaged_sweep_manifest_is_one_paragraph_with_the_fix(
    sweep_file, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = sweep_file(tiny(parameters={"behaviour.migration.b_w": [1.4]}, replications=1))
    out = tmp_path / "out"
    folder = out / "tiny" / load_sweep(path).sweep_id
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(content)
    assert main(["sweep", str(path), "--workers", "1", "--out", str(out), "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert f"{folder / 'manifest.json'} " in err
    assert "delete it" in err and "run the same command again" in err
    assert not list((folder / "runs").iterdir())  # nothing ran
    assert not (folder / "LOCK").exists()


# --------------------------------------------------------------------------- paired outcomes


def paired_spec(**changes) -> dict:
    """Shenzhen's cash (from 2016) over 36 months from 2014: 3 amounts x 2 replications."""
    spec = tiny(
        set={"months": 36, "scale": 50000, "start": "2014-01"},
        parameters={"programmes[city=shenzhen,instrument=cash].amount": [0, 15000, 60000]},
        outcomes=[
            "talent_end@shenzhen",
            "extra_talent@shenzhen",
            "extra_spending_yuan@shenzhen",
            "cost_per_extra_talent_yuan@shenzhen",
        ],
    )
    spec.update(changes)
    return spec


@pytest.mark.slow  # 4-8 s: the default run stays under 3 minutes; CI runs it
def test_paired_outcomes_differ_from_the_reference_run_on_the_same_seed(
    sweep_file, tmp_path: Path
) -> None:
    # the baseline pays Shenzhen 15,000 yuan: the base scenario is point 1, not an added run
    path = sweep_file(paired_spec())
    sweep = load_sweep(path)
    assert sweep.reference_point == 1 and len(sweep.points) == 3
    result = run_sweep(path, workers=2, out=tmp_path, plots=True)
    rows = result.rows.set_index(["point", "replication"])
    for point in range(3):
        for rep in range(2):
            talent = rows.loc[(point, rep), "talent_end@shenzhen"]
            extra = talent - rows.loc[(1, rep), "talent_end@shenzhen"]
            assert rows.loc[(point, rep), "extra_talent@shenzhen"] == extra
    assert (rows.loc[1, "extra_talent@shenzhen"] == 0).all()
    summary = result.summary.set_index("point")
    assert summary.reference.tolist() == [False, True, False]
    more = summary.loc[2]  # 60,000 yuan against 15,000: more spending
    assert more["extra_spending_yuan@shenzhen"] > 0
    cost = more["cost_per_extra_talent_yuan@shenzhen"]
    if more["extra_talent@shenzhen"] > 0:  # a ratio of the paired means, not a mean of ratios
        assert cost == more["extra_spending_yuan@shenzhen"] / more["extra_talent@shenzhen"]
    else:
        assert np.isnan(cost)
    assert np.isnan(summary.loc[1, "cost_per_extra_talent_yuan@shenzhen"])
    assert (result.folder / "plots" / "cost_per_extra_talent_yuan_shenzhen.png").exists()


def test_a_named_reference_point_is_added_when_no_point_has_its_values(
    sweep_file, tmp_path: Path
) -> None:
    spec = paired_spec(
        parameters={"programmes[city=shenzhen,instrument=cash].amount": [30000, 60000]},
        reference={"programmes[city=shenzhen,instrument=cash].amount": 0},
        replications=1,
        set=dict(TINY),
    )
    sweep = load_sweep(sweep_file(spec))
    assert sweep.reference_point == 2
    assert sweep.points.iloc[:, 0].tolist() == [30000, 60000, 0]
    rows = run_sweep(sweep.path, workers=2, out=tmp_path, plots=False).rows
    assert sorted(rows.point) == [0, 1, 2]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"outcomes": ["spending_per_net_talent_yuan@chengdu"]}, "cost_per_extra_talent_yuan"),
        ({"reference": {"behaviour.migration.b_w": 1.4}}, "only used by paired outcomes"),
    ],
)
def test_spending_per_net_talent_is_gone_and_a_stray_reference_is_refused(
    sweep_file, changes, message
) -> None:
    with pytest.raises(hubsim.errors.HubsimError, match=message):
        load_sweep(sweep_file(tiny(**changes)))


def test_a_sweep_without_paired_outcomes_keeps_its_id(sweep_file) -> None:
    # sweep ids of files written before `reference` existed must not move (resume keeps working)
    sweep = load_sweep(sweep_file(tiny()))
    assert sweep.reference_point is None
    written = {k: v for k, v in sweep.spec.model_dump(mode="json").items() if k != "reference"}
    content = {
        "sweep": written,
        "base_sha256": sweep.base.digest(),
        "model_version": run_folder.MODEL_VERSION,
    }
    text = json.dumps(content, sort_keys=True).encode()
    assert sweep.sweep_id == hashlib.sha256(text).hexdigest()[:12]


def test_a_heatmap_of_a_constant_or_missing_outcome_draws_without_warning(
    sweep_file, tmp_path: Path
) -> None:
    from hubsim.experiments.sweep import plots as sweep_plots

    sweep = load_sweep(sweep_file(tiny()))
    rows = sweep.points.reset_index().assign(replication=0)
    rows["reached@wuhan"] = np.nan  # 6 months: no target date inside the run
    rows["talent@chengdu@2010-06"] = 5.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for outcome in sweep.outcomes[::2]:
            path = sweep_plots._heatmap(rows, sweep, outcome, tmp_path / f"{outcome.name}.png")
            assert path.read_bytes()[:4] == b"\x89PNG"


def test_axis_units_write_every_tick_exactly() -> None:
    """Ticks 0.25M apart read 0.25M, 0.75M (not a rounded 0.2M, 0.8M)."""
    from matplotlib.figure import Figure

    from hubsim.experiments.sweep.plots import _axis_units

    ax = Figure().subplots()
    ax.set_ylim(0, 2e6)
    ax.set_yticks([0, 0.25e6, 0.5e6, 0.75e6, 1e6])
    _axis_units(ax.yaxis)
    formatter = ax.yaxis.get_major_formatter()
    labels = [formatter(v, i) for i, v in enumerate(ax.get_yticks())]
    assert labels == ["0.00M", "0.25M", "0.50M", "0.75M", "1.00M"]
