"""Wall time of a Morris screening: `inputs` inputs x `trajectories` trajectories on the baseline.

The bound (issue 27): 10 inputs with 20 trajectories, (10 + 1) x 20 = 220 runs, on the baseline
at the calibration's scale (2,500 people per agent) in at most 15 minutes on this 2-core machine.

    python benchmarks/explore.py                                  # the bound's full size
    python benchmarks/explore.py --trajectories 2 --months 96     # a reduced version

The explore file is written to a temporary folder (the first `inputs` of the default inputs,
ensemble parameters first); the runs go to local processes (`--workers`, default every core).
The wall time is from the `run_explore` call to its return (start-up, the runs, the indices,
PRIM, the figures and the report). It prints the runs, wall time, mean run time inside the
workers and the load average; then it times one full baseline run's CPU in this process (the
cost of a run on an idle core), and prints `explore_s=<wall> runs=<n> run_s=<mean run time>
full_estimate_s=<wall scaled to 220 runs and 240 months> cpu_run_s=<CPU of one run>
idle_estimate_s=<220 runs x CPU of one run / cores>`.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # one core per run, in this process and its workers

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402

from hubsim.experiments.explore import load_explore, run_explore  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FULL_RUNS, FULL_MONTHS, BOUND_S = 220, 240, 15 * 60


def write_explore(folder: Path, inputs: int, trajectories: int, months: int, scale: float) -> Path:
    """The default inputs of the baseline, cut to the first `inputs`."""
    base = ROOT / "scenarios" / "baseline.yaml"
    spec = {
        "name": "benchmark",
        "base": str(base),
        "set": {"months": months, "scale": scale},
        "method": "morris",
        "samples": trajectories,
        "inputs": "default",
    }
    path = folder / "benchmark.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    spec["inputs"] = _default_inputs(path, inputs)
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def _default_inputs(path: Path, count: int) -> dict:
    """The first `count` default inputs, written back as the file's `inputs:` section."""
    explore = load_explore(path)
    chosen = {}
    for item in explore.inputs[:count]:
        kind = "uniform" if item.factor is None else "factor"
        chosen[item.name] = {"keys": list(item.keys), kind: {"low": item.low, "high": item.high}}
    return chosen


def cpu_per_run(scale: float, months: int) -> float:
    """CPU seconds of one baseline run in this process (what a run costs on an idle core; on
    a shared machine the wall time of a run is longer, its CPU time is not)."""
    from hubsim.experiments.replications import replication_seeds, resolve, simulate

    scenario = resolve(ROOT / "scenarios" / "baseline.yaml", scale=scale, months=months)
    simulate(scenario, replication_seeds(scenario)[0])  # the first run loads the kernels
    started = time.process_time()
    simulate(scenario, replication_seeds(scenario)[0])
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10)
    parser.add_argument("--trajectories", type=int, default=20)
    parser.add_argument("--months", type=int, default=FULL_MONTHS)
    parser.add_argument("--scale", type=float, default=2500)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hubsim-explore-bench-") as tmp:
        path = write_explore(Path(tmp), args.inputs, args.trajectories, args.months, args.scale)
        started = time.perf_counter()
        result = run_explore(path, out=Path(tmp) / "out", workers=args.workers, announce=print)
        wall = time.perf_counter() - started
    runs = len(result.rows)
    run_s = float(result.rows.run_seconds.mean())
    estimate = wall * (FULL_RUNS / runs) * (FULL_MONTHS / args.months)
    print(
        f"{runs} runs ({args.inputs} inputs x {args.trajectories} trajectories, {args.months} "
        f"months, scale {args.scale:g}) in {wall:.0f} s; a run {run_s:.1f} s in its worker; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    verdict = "within" if estimate <= BOUND_S else "over"
    print(f"scaled to 220 runs of 240 months: {estimate / 60:.1f} min ({verdict} the 15-min bound)")
    cpu = cpu_per_run(args.scale, FULL_MONTHS)
    cores = args.workers or len(os.sched_getaffinity(0))
    print(
        f"one baseline run of 240 months at scale {args.scale:g}: {cpu:.1f} s of CPU; "
        f"220 of them on {cores} idle cores: {FULL_RUNS * cpu / cores / 60:.1f} min"
    )
    print(
        f"explore_s={wall:.1f} runs={runs} run_s={run_s:.2f} full_estimate_s={estimate:.0f} "
        f"cpu_run_s={cpu:.2f} idle_estimate_s={FULL_RUNS * cpu / cores:.0f}"
    )


if __name__ == "__main__":
    main()
