"""Experiments drive the engine: replications (`hubsim.run`), compare, calibrate, sweeps, tuning.

The modules here are the core the tools share (replications, executors, the Optuna study
session, spec-file helpers, the resumable folder, outcomes, paired designs); each tool is a
sub-package (`compare/`, `sweep/`, `calibrate/`, `tune/`) that imports the core, never another
tool.

`run_sweep(path)` runs a sweep file resumably on local processes or a Dask cluster;
`load_sweep(path)` only checks it. Names are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hubsim.experiments.exports import lazy_exports

if TYPE_CHECKING:
    from hubsim.experiments.sweep import Sweep, SweepError, SweepResult, load_sweep, run_sweep
    from hubsim.output.progress import SweepProgress

# module -> the names it exports; kept equal to the TYPE_CHECKING imports by a test
HOMES = {
    "hubsim.output.progress": ("SweepProgress",),
    "hubsim.experiments.sweep": ("Sweep", "SweepError", "SweepResult", "load_sweep", "run_sweep"),
}
__all__ = ["Sweep", "SweepError", "SweepProgress", "SweepResult", "load_sweep", "run_sweep"]
__getattr__ = lazy_exports(__name__, HOMES)
