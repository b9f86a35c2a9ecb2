"""Parameter sweeps: `run_sweep(path)` runs a sweep file resumably (`run.py`); `file.py`
reads and checks the file, `designs.py` places its points, `plots.py` draws the results.

Names are imported on first use (the run modules load Optuna or matplotlib).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hubsim.experiments.exports import lazy_exports

if TYPE_CHECKING:
    from hubsim.experiments.sweep.file import Sweep, SweepError, load_sweep
    from hubsim.experiments.sweep.run import SweepResult, run_sweep, summary_text

# module -> the names it exports; kept equal to the TYPE_CHECKING imports by a test
HOMES = {
    ".run": (
        "SweepResult",
        "run_sweep",
        "summary_text",
    ),
    ".file": (
        "Sweep",
        "SweepError",
        "load_sweep",
    ),
}
__all__ = ["Sweep", "SweepError", "SweepResult", "load_sweep", "run_sweep", "summary_text"]
__getattr__ = lazy_exports(__name__, HOMES)
