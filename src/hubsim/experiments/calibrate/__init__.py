"""Calibration: `run_calibration(path)` fits the free parameters and the amenities to the
moments (`run.py`); `file.py` reads the calibration file, `moments.py` computes the moments,
`plots.py` draws convergence and fit.

Names are imported on first use (the run modules load Optuna or matplotlib).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hubsim.experiments.exports import lazy_exports

if TYPE_CHECKING:
    from hubsim.experiments.calibrate.file import Calibration, CalibrationError, load_calibration
    from hubsim.experiments.calibrate.run import (
        CalibrationResult,
        fitted_text,
        run_calibration,
        summary_text,
    )

# module -> the names it exports; kept equal to the TYPE_CHECKING imports by a test
HOMES = {
    ".run": (
        "CalibrationResult",
        "fitted_text",
        "run_calibration",
        "summary_text",
    ),
    ".file": (
        "Calibration",
        "CalibrationError",
        "load_calibration",
    ),
}
__all__ = [
    "Calibration",
    "CalibrationError",
    "CalibrationResult",
    "fitted_text",
    "load_calibration",
    "run_calibration",
    "summary_text",
]
__getattr__ = lazy_exports(__name__, HOMES)
