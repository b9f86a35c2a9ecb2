"""Speed and memory of the hubsim engine against the per-agent Mesa reference, in one run.

Every measurement runs in its own child process pinned to one core; the last line sums it up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SINGLE_THREAD = {
    name: "1"
    for name in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    )
}
BOTH_SIZES = (1_000, 10_000, 100_000)
ENGINE_ONLY_SIZES = (1_000_000, 10_000_000)
USAGE = """
  python benchmarks/run.py            1k/10k/100k both, engine 1M and 10M, baseline end to end
  python benchmarks/run.py --quick    without the 10M run (memory then from the 1M run)
  python benchmarks/run.py --profile  cProfile of the engine, 12 months at 1M workers

The last line is `ratio_vs_mesa=<x> worker_steps_per_s_1m=<y> bytes_per_worker=<z> baseline_s=<t>`:
x is engine / reference worker-steps per second at 100k workers, y the engine's rate at 1M, z the
engine's peak resident memory growth per worker at 10M workers x 12 months (1M with --quick) and
t the wall time of `python -m hubsim run scenarios/baseline.yaml --quiet` (plots included).
"""


# ------------------------------------------------------------------------ child processes
def scenario_for(workers: int, months: int):
    """The baseline with `scale` chosen so that the 13 cities start with about `workers` agents."""
    from hubsim.engine.cities import build_city_arrays
    from hubsim.experiments.replications import resolve

    base = resolve(BASELINE)
    working_age = build_city_arrays(base).working_age_people_start[:-1].sum()
    return resolve(base, scale=float(working_age / workers), months=months)


def resident_bytes() -> int:
    """Current resident set size of this process."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_resident_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def measure_engine(workers: int, months: int) -> dict:
    """Build the engine at `workers` agents and time `months` steps; memory from the RSS."""
    from hubsim.engine import HubModel, kernels

    scenario = scenario_for(workers, months)
    # The compiled kernels' code is loaded like the imports (a one-off per process, about 30 MB
    # of the compiler's runtime): before the memory baseline, so it is not charged per worker.
    kernels.load()
    before = resident_bytes()
    started = time.perf_counter()
    model = HubModel(scenario)
    build_s = time.perf_counter() - started
    start_workers = int((model.state.workers.city >= 0).sum())
    worker_steps, step_s, step_times, step_workers = 0, 0.0, [], []
    for _ in range(months):
        step_workers.append(int((model.state.workers.city >= 0).sum()))
        worker_steps += step_workers[-1]
        started = time.perf_counter()
        model.step()
        step_times.append(time.perf_counter() - started)
        step_s += step_times[-1]
    return {
        "workers": start_workers,
        "steps": months,
        "build_s": build_s,
        "step_s": step_s,
        "step_times": step_times,
        "step_workers": step_workers,
        "worker_steps_per_s": worker_steps / step_s,
        "peak_growth_bytes_per_worker": (peak_resident_bytes() - before) / start_workers,
        "table_bytes_per_row": model.state.workers.nbytes_per_row(),
        "firms": int(model.state.firms.n_firms),
    }


def measure_reference(workers: int, months: int, budget_s: float) -> dict:
    """Time the Mesa reference like the engine; stop early when the run would exceed budget_s."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from reference_mesa import ReferenceModel, Worker

    scenario = scenario_for(workers, months)
    before = resident_bytes()
    started = time.perf_counter()
    model = ReferenceModel(scenario)
    build_s = time.perf_counter() - started
    start_workers = len(model.agents_by_type[Worker])
    worker_steps, step_s, steps, step_times, step_workers = 0, 0.0, 0, [], []
    while steps < months:
        step_workers.append(len(model.agents_by_type[Worker]))
        worker_steps += step_workers[-1]
        started = time.perf_counter()
        model.step()
        step_times.append(time.perf_counter() - started)
        step_s += step_times[-1]
        steps += 1
        if steps >= 2 and build_s + step_s / steps * months > budget_s:
            break
    return {
        "workers": start_workers,
        "steps": steps,
        "build_s": build_s,
        "step_s": step_s,
        "step_times": step_times,
        "step_workers": step_workers,
        "projected_run_s": build_s + step_s / steps * months,
        "worker_steps_per_s": worker_steps / step_s,
        "peak_growth_bytes_per_worker": (peak_resident_bytes() - before) / start_workers,
    }


def profile_engine(workers: int, months: int, top: int) -> None:
    """Print the engine's top functions by cumulative time over `months` steps."""
    import cProfile
    import pstats

    from hubsim.engine import HubModel

    model = HubModel(scenario_for(workers, months))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(months):
        model.step()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def run_child(args: argparse.Namespace) -> None:
    """Entry point of a child process: pin to one core, measure, print one JSON line."""
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    if args.child == "engine":
        print(json.dumps(measure_engine(args.workers, args.months)))
    elif args.child == "reference":
        print(json.dumps(measure_reference(args.workers, args.months, args.budget_s)))
    else:
        profile_engine(args.workers, args.months, top=25)


# ------------------------------------------------------------------------ the parent
def child(kind: str, workers: int, months: int, budget_s: float = 60.0) -> dict:
    """Run one measurement in a fresh single-threaded process and return its JSON result."""
    command = [sys.executable, __file__, "--child", kind, "--workers", str(workers)]
    command += ["--months", str(months), "--budget-s", str(budget_s)]
    done = subprocess.run(
        command, env={**os.environ, **SINGLE_THREAD}, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def baseline_seconds() -> float:
    """Wall time of the baseline end to end, plots included (into a temporary folder)."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "hubsim", "run", str(BASELINE), "--quiet", "--out", out]
        started = time.perf_counter()
        subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, **SINGLE_THREAD},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - started


def machine() -> str:
    import mesa
    import numpy

    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    return (
        f"machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"{memory_gb:.0f} GB; python {platform.python_version()}, numpy {numpy.__version__}, "
        f"mesa {mesa.__version__}; each measurement in a child pinned to one core, 1 thread"
    )


def fastest(runs: list[dict], months_asked: int) -> dict:
    """The runs of one model and size combined month by month: each month's fastest time.

    The runs are replicates (same seed, same workers each month), so each month's minimum over
    the runs is its time least disturbed by other work on the machine (the usual minimum-of-
    repeats convention, applied per month so that a long run, the reference, gets the same
    benefit as a short one, the engine). The sum is a composite, faster than any single run.
    Build time and peak memory are those of the run with the least step time; the rate of the
    median run is kept too.
    """
    months = min(len(run["step_times"]) for run in runs)
    for run in runs[1:]:
        if run["step_workers"][:months] != runs[0]["step_workers"][:months]:
            raise RuntimeError("benchmark runs of one size differ: not replicates of one seed")
    best = [min(run["step_times"][m] for run in runs) for m in range(months)]
    combined = dict(min(runs, key=lambda run: run["step_s"]))
    if "projected_run_s" in combined:  # a reference run may have been stopped early
        combined["projected_run_s"] = combined["build_s"] + sum(best) / months * months_asked
    combined["steps"] = months
    combined["step_s"] = sum(best)
    combined["worker_steps_per_s"] = sum(runs[0]["step_workers"][:months]) / sum(best)
    combined["median_run_worker_steps_per_s"] = statistics.median(
        run["worker_steps_per_s"] for run in runs
    )
    return combined


def compare_sizes(months: int, budget_s: float, rounds: int) -> dict[int, tuple[dict, dict]]:
    """Engine and reference at 1k, 10k and 100k workers, each month the fastest of `rounds` runs.

    A 12-month engine run at 100k takes about 35 ms, so one run is at the mercy of whatever
    else the shared machine does; both models get the same number of fresh runs, combined
    the same way (see `fastest`).
    """
    print(
        f"\n(each model: {rounds} runs, each in a fresh child process; each month's fastest time "
        "is kept; in brackets the ratio of the median runs)"
    )
    print(f"{'workers':>10} {'engine w-steps/s':>17} {'Mesa w-steps/s':>15} {'ratio':>7}  note")
    results = {}
    for workers in BOTH_SIZES:
        engine = fastest([child("engine", workers, months) for _ in range(rounds)], months)
        reference = fastest(
            [child("reference", workers, months, budget_s) for _ in range(rounds)], months
        )
        ratio = engine["worker_steps_per_s"] / reference["worker_steps_per_s"]
        median_ratio = (
            engine["median_run_worker_steps_per_s"] / reference["median_run_worker_steps_per_s"]
        )
        if reference["steps"] == months:
            note = f"reference ran all {months} months ({reference['step_s']:.1f} s)"
        else:
            note = (
                f"reference timed over {reference['steps']} of {months} months and "
                f"extrapolated ({reference['projected_run_s']:.0f} s projected > {budget_s:.0f} s)"
            )
        print(
            f"{engine['workers']:>10,} {engine['worker_steps_per_s']:>17,.0f} "
            f"{reference['worker_steps_per_s']:>15,.0f} {ratio:>6.0f}x  "
            f"({median_ratio:.0f}x) {note}",
            flush=True,
        )
        results[workers] = (engine, reference)
    return results


def engine_only(sizes: tuple[int, ...], months: int) -> dict[int, dict]:
    results = {}
    for workers in sizes:
        engine = child("engine", workers, months)
        print(
            f"{engine['workers']:>10,} {engine['worker_steps_per_s']:>17,.0f} {'-':>15} {'':>7}  "
            f"engine only: {months} months in {engine['step_s']:.1f} s (+{engine['build_s']:.1f} s "
            f"build), peak RSS growth {engine['peak_growth_bytes_per_worker']:.0f} B/worker",
            flush=True,
        )
        results[workers] = engine
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="skip the 10M-worker engine run")
    parser.add_argument("--profile", action="store_true", help="profile the engine at 1M only")
    parser.add_argument("--months", type=int, default=12, help="steps timed per measurement")
    parser.add_argument("--budget-s", type=float, default=60.0, help="reference run time limit")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="runs per model and size up to 100k (each month's fastest time kept)",
    )
    parser.add_argument("--child", choices=["engine", "reference", "profile"], help="internal")
    parser.add_argument("--workers", type=int, default=1_000_000, help="internal")
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    if args.profile:
        command = [sys.executable, __file__, "--child", "profile", "--months", str(args.months)]
        subprocess.run(command, env={**os.environ, **SINGLE_THREAD}, check=True)
        return
    print(machine())
    both = compare_sizes(args.months, args.budget_s, args.rounds)
    engine = engine_only(ENGINE_ONLY_SIZES[:1] if args.quick else ENGINE_ONLY_SIZES, args.months)
    report(both, engine, baseline_seconds())


def report(both: dict, engine: dict, baseline_s: float) -> None:
    """Memory lines, the baseline time and the summary line."""
    largest = max(engine)
    memory = engine[largest]
    reference_100k = both[100_000][1]
    print(
        f"\nmemory: WorkerTable {memory['table_bytes_per_row']} B/row; engine peak RSS growth "
        f"{memory['peak_growth_bytes_per_worker']:.0f} B/worker at {memory['workers']:,} workers x "
        f"{memory['steps']} months; Mesa reference "
        f"{reference_100k['peak_growth_bytes_per_worker']:.0f} B/worker at 100k"
    )
    print(f"baseline end to end (python -m hubsim run ... --quiet, plots): {baseline_s:.1f} s")
    ratio = both[100_000][0]["worker_steps_per_s"] / reference_100k["worker_steps_per_s"]
    rate_1m = engine[1_000_000]["worker_steps_per_s"]
    print(
        f"ratio_vs_mesa={ratio:.0f} worker_steps_per_s_1m={rate_1m:.3g} "
        f"bytes_per_worker={memory['peak_growth_bytes_per_worker']:.0f} baseline_s={baseline_s:.1f}"
    )


if __name__ == "__main__":
    main()
