"""Wall time of `hubsim calibrate` on the shipped file: --quick (bound 3 minutes) and the full
size (bound 30 minutes), each from an empty output folder, on all local cores.

    python benchmarks/calibrate.py [--quick-only] [--keep DIR]

Prints one line per size and then `calibrate_quick_s=<s> calibrate_full_s=<s>`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE = ROOT / "scenarios" / "calibration" / "fit-pre2020.yaml"
BOUNDS_S = {"quick": 180.0, "full": 1800.0}


def timed(quick: bool, keep: Path | None) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        out = str(keep / ("quick" if quick else "full")) if keep else scratch
        if keep and Path(out).exists():
            sys.exit(f"{out} exists: --keep needs an empty folder (a resumed study is not timed)")
        command = [sys.executable, "-m", "hubsim", "calibrate", str(FILE), "--out", out, "--quiet"]
        if quick:
            command.append("--quick")
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick-only", action="store_true")
    parser.add_argument("--keep", type=Path, help="write the calibrations here (else discarded)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; file {FILE.relative_to(ROOT)}")
    figures = {}
    for size in ("quick",) if args.quick_only else ("quick", "full"):
        seconds = timed(size == "quick", args.keep)
        figures[size] = seconds
        verdict = "within" if seconds <= BOUNDS_S[size] else "OVER"
        print(f"{size:6s} {seconds:8.1f} s  ({verdict} the {BOUNDS_S[size] / 60:.0f}-minute bound)")
    print(" ".join(f"calibrate_{k}_s={v:.0f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
