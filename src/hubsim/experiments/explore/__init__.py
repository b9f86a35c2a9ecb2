"""Sensitivity and scenario discovery: `run_explore(path)` runs an explore file resumably
(`run.py`); `file.py` reads and checks it, `defaults.py` holds the default inputs and outcomes,
`design.py` places the samples and computes the SALib indices, `discover.py` finds the PRIM
boxes, `plots.py` draws them and `report.py` writes the markdown report.

Names are imported on first use (the run modules load SALib, prim or matplotlib).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hubsim.experiments.exports import lazy_exports

if TYPE_CHECKING:
    from hubsim.experiments.explore.file import Explore, ExploreError, load_explore
    from hubsim.experiments.explore.result import ExploreResult
    from hubsim.experiments.explore.run import run_explore, summary_text

# module -> the names it exports; kept equal to the TYPE_CHECKING imports by a test
HOMES = {
    ".run": ("run_explore", "summary_text"),
    ".result": ("ExploreResult",),
    ".file": ("Explore", "ExploreError", "load_explore"),
}
__all__ = [
    "Explore",
    "ExploreError",
    "ExploreResult",
    "load_explore",
    "run_explore",
    "summary_text",
]
__getattr__ = lazy_exports(__name__, HOMES)
