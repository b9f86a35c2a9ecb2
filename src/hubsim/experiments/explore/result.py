"""What an explore left on disk, read back: its samples, runs, indices and PRIM boxes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hubsim.experiments.explore.discover import Box
from hubsim.experiments.explore.file import Explore


@dataclass
class ExploreResult:
    """What an explore left on disk, read back."""

    explore: Explore
    folder: Path
    samples: pd.DataFrame  # one row per point: the inputs' values
    rows: pd.DataFrame  # one row per finished run
    indices: pd.DataFrame  # outcome, input, the method's indices and confidence half-widths
    skipped: dict[str, str]  # outcomes without indices, and why
    boxes: list[Box] = field(default_factory=list)
    failures: pd.DataFrame = field(default_factory=pd.DataFrame)
    ran: int = 0
    before: int = 0
    plots: list[Path] = field(default_factory=list)

    @property
    def total_runs(self) -> int:
        return len(self.samples) * self.explore.replications

    @property
    def complete(self) -> bool:
        return len(self.rows) == self.total_runs

    @property
    def failed(self) -> int:
        return len(self.failures)
