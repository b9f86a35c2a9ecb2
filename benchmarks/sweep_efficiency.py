"""Parallel efficiency of a sweep on every core: local process pool and Dask LocalCluster.

Efficiency = (serial time of the runs) / (wall time x workers); the target is 85 % or more.

    python benchmarks/sweep_efficiency.py              # 24 runs of about 1 s each
    python benchmarks/sweep_efficiency.py --runs 48    # longer, closer to a real sweep

Serial time is the same runs one after another in this process (after one warm-up run). The
local pool is timed from the `run_sweep` call, so its start-up (a forkserver importing hubsim)
counts. The Dask cluster (one one-thread worker process per core, on 127.0.0.1) is started and
its workers have imported hubsim before the clock starts: a cluster outlives one sweep.
The last line is `local_efficiency=<x> dask_efficiency=<y> run_s=<mean serial run time>`.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # one core per run, in this process and its workers

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from hubsim.experiments import executors, load_sweep, run_sweep  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.85


def write_sweep(folder: Path, runs: int, months: int, scale: float) -> Path:
    """`runs` points of one replication each, differing in b_w (so no two runs are alike)."""
    spec = {
        "name": "efficiency",
        "base": str(ROOT / "scenarios" / "baseline.yaml"),
        "set": {"months": months, "scale": scale},
        "parameters": {
            "behaviour.migration.b_w": [round(float(v), 4) for v in np.linspace(1.4, 1.8, runs)]
        },
        "outcomes": ["talent@chengdu@end", "reached@chengdu"],
    }
    path = folder / "efficiency.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def serial_seconds(path: Path) -> tuple[float, list[float]]:
    """Every run of the sweep, one after another in this process."""
    sweep = load_sweep(path)
    tasks = [
        executors.RunTask(sweep.sweep_id, p, r, sweep.base, sweep.overrides(p), sweep.outcomes)
        for p, r in sweep.run_keys()
    ]
    executors.run_task(tasks[0])  # warm-up: first-call costs are not the runs' own
    times = []
    for task in tasks:
        started = time.perf_counter()
        record = executors.run_task(task)
        times.append(time.perf_counter() - started)
        assert record.error is None, record.error
    return sum(times), times


def timed_sweep(path: Path, out: Path, **where) -> tuple[float, float]:
    """Wall time of the sweep and the mean time of a run inside the workers."""
    started = time.perf_counter()
    result = run_sweep(path, out=out, plots=False, **where)
    wall = time.perf_counter() - started
    assert result.complete and result.ran == result.sweep.total_runs, "not every run ran"
    return wall, float(result.rows.run_seconds.mean())


def dask_wall(path: Path, out: Path, workers: int) -> tuple[float, float]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: __import__("hubsim.experiments.executors"))  # warm the workers
        return timed_sweep(path, out, scheduler=client)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24)
    parser.add_argument("--months", type=int, default=156, help="about 1 s a run at scale 2000")
    parser.add_argument("--scale", type=float, default=2000.0)
    args = parser.parse_args()
    workers = executors.local_cores()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_sweep(Path(tmp), args.runs, args.months, args.scale)
        serial, times = serial_seconds(path)
        local = timed_sweep(path, Path(tmp) / "local", workers=workers)
        dask = dask_wall(path, Path(tmp) / "dask", workers)
    print(
        f"{args.runs} runs of {np.mean(times):.2f} s (min {min(times):.2f}, max "
        f"{max(times):.2f}) on {workers} cores; serial total {serial:.1f} s"
    )
    efficiencies = {}
    for name, (wall, run_s) in (("local", local), ("dask", dask)):
        efficiencies[name] = serial / (wall * workers)
        verdict = "ok" if efficiencies[name] >= TARGET else f"below the {TARGET:.0%} target"
        print(
            f"{name:<6} wall {wall:6.1f} s  efficiency {efficiencies[name]:6.1%}  {verdict}"
            f"  (a run took {run_s:.2f} s inside a worker)"
        )
    print(
        f"local_efficiency={efficiencies['local']:.3f} dask_efficiency={efficiencies['dask']:.3f} "
        f"run_s={np.mean(times):.3f}"
    )


if __name__ == "__main__":
    main()
