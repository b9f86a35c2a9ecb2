"""Tuning incentives: `run_tune(path)` runs an Optuna study of a tuning file, resumably.

`run.py` drives a session; `file.py` reads the tuning file, `storage.py` opens the study,
`trials.py` runs its trials, `stats.py` scores them, `check.py` re-runs the best on fresh seeds,
`outputs.py` writes the folder, `text.py` the printed summary and `plots.py` the figures.

Names are imported on first use (the run modules load Optuna or matplotlib).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hubsim.experiments.exports import lazy_exports

if TYPE_CHECKING:
    from hubsim.experiments.tune.file import TuneError, Tuning, load_tuning
    from hubsim.experiments.tune.result import TuneResult
    from hubsim.experiments.tune.run import run_tune
    from hubsim.experiments.tune.text import summary_text

# module -> the names it exports; kept equal to the TYPE_CHECKING imports by a test
HOMES = {
    ".run": ("run_tune",),
    ".result": ("TuneResult",),
    ".text": ("summary_text",),
    ".file": (
        "TuneError",
        "Tuning",
        "load_tuning",
    ),
}
__all__ = ["TuneError", "TuneResult", "Tuning", "load_tuning", "run_tune", "summary_text"]
__getattr__ = lazy_exports(__name__, HOMES)
