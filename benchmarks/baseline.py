"""Benchmark: the baseline end to end (`python -m hubsim run scenarios/baseline.yaml`).

Prints wall time and peak memory of the whole command, plots included, in a child process.
Bounds (issue 2): under 60 s and under 2 GB on the 2-core reference machine.

    python benchmarks/baseline.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(out: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one baseline run with plots."""
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
    return wall, max(peak_kb, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    walls, peaks = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            wall, peak = run_once(Path(tmp) / str(i))
            walls.append(wall)
            peaks.append(peak)
            print(f"run {i + 1}: wall {wall:.1f} s, peak memory {peak:.0f} MB", flush=True)
    best = min(walls)
    ok = best < 60 and max(peaks) < 2048
    print(
        f"baseline_s={best:.1f} peak_mb={max(peaks):.0f} bounds(60 s, 2048 MB)="
        f"{'met' if ok else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
