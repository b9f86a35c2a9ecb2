"""Compare scenarios on the same seeds: `compare(scenarios)` runs or reuses each arm,
pairs them and writes the report (`report.py`); `comparison.py` holds the paired tables.

Names are imported on first use (the run modules load Optuna or matplotlib).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hubsim.experiments.exports import lazy_exports

if TYPE_CHECKING:
    from hubsim.experiments.compare.comparison import Arm, Comparison
    from hubsim.experiments.compare.report import attainment_text, write_report
    from hubsim.experiments.compare.run import compare

# module -> the names it exports; kept equal to the TYPE_CHECKING imports by a test
HOMES = {
    ".run": ("compare",),
    ".comparison": (
        "Arm",
        "Comparison",
    ),
    ".report": (
        "attainment_text",
        "write_report",
    ),
}
__all__ = ["Arm", "Comparison", "attainment_text", "compare", "write_report"]
__getattr__ = lazy_exports(__name__, HOMES)
