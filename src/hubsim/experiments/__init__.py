"""Experiments drive the engine: replications (`hubsim.run`), compare, calibrate and sweeps.

`run_sweep(path)` runs a sweep file resumably on local processes or a Dask cluster;
`load_sweep(path)` only checks it. Names are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Sweep", "SweepError", "SweepProgress", "SweepResult", "load_sweep", "run_sweep"]
_HOMES = {
    "SweepProgress": "hubsim.output.progress",
    "SweepResult": "hubsim.experiments.sweep",
    "run_sweep": "hubsim.experiments.sweep",
    "Sweep": "hubsim.experiments.sweep_file",
    "SweepError": "hubsim.experiments.sweep_file",
    "load_sweep": "hubsim.experiments.sweep_file",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'hubsim.experiments' has no attribute {name!r}")
