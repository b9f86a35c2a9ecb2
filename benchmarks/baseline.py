"""Benchmark: the baseline end to end (`python -m hubsim run scenarios/baseline.yaml`).

Prints wall time and peak memory of the whole command, plots included, in a child process, and
its two parts from the run's manifest: the simulation and the six figures.
Bounds (issue 2): under 60 s and under 2 GB on the 2-core reference machine; figures (issue 14):
at most 2 s.

    python benchmarks/baseline.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(out: Path) -> tuple[float, float, dict[str, float]]:
    """Wall seconds, peak resident memory (MB) and the manifest's timings of one baseline run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "hubsim",
            "run",
            "scenarios/baseline.yaml",
            "--quiet",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    (manifest,) = out.glob("baseline/*/manifest.json")
    return wall, max(peak_kb, before) / 1024, json.loads(manifest.read_text())["timings_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    walls, peaks, simulated, drawn = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            wall, peak, timings = run_once(Path(tmp) / str(i))
            walls.append(wall)
            peaks.append(peak)
            simulated.append(timings["simulate_s"])
            drawn.append(timings["figures_s"])
            print(
                f"run {i + 1}: wall {wall:.1f} s (simulation {simulated[-1]:.1f} s, figures "
                f"{drawn[-1]:.1f} s), peak memory {peak:.0f} MB",
                flush=True,
            )
    best = min(walls)
    ok = best < 60 and max(peaks) < 2048 and min(drawn) <= 2.0
    print(
        f"baseline_s={best:.1f} simulation_s={min(simulated):.1f} figures_s={min(drawn):.2f} "
        f"peak_mb={max(peaks):.0f} bounds(60 s, 2048 MB, figures 2 s)="
        f"{'met' if ok else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
