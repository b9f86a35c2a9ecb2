"""Experiments over many runs: parameter sweeps on local processes or a Dask cluster.

`run_sweep(path)` runs a sweep file resumably; `load_sweep(path)` only checks it.
"""

from hubsim.experiments.sweep import SweepProgress, SweepResult, run_sweep
from hubsim.experiments.sweep_file import Sweep, SweepError, load_sweep

__all__ = ["Sweep", "SweepError", "SweepProgress", "SweepResult", "load_sweep", "run_sweep"]
