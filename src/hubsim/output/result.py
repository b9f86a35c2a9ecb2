"""`RunResult`: everything one run produced, as tidy DataFrames (the run folder holds the same).

`hubsim.run` returns one; `RunResult.plot` draws its figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hubsim.scenario import Scenario


@dataclass
class RunResult:
    """Everything one run produced, as tidy DataFrames (the run folder holds the same)."""

    scenario: Scenario
    city_month: pd.DataFrame  # date, city, metric, value, replication
    flows_year: pd.DataFrame  # year, origin, destination, degree, movers, replication
    summary: pd.DataFrame  # one row per city
    calibration: pd.DataFrame  # quantity, simulated, target, source
    replications: pd.DataFrame  # per replication and city: the summary's raw outcomes
    pool_year: pd.DataFrame = field(default_factory=pd.DataFrame)  # the pool account
    folder: Path | None = None
    timings: dict = field(default_factory=dict)

    def plot(self, out_dir: str | Path | None = None) -> list[Path]:
        """Draw the run's figures into out_dir (default: the run folder's plots/)."""
        from hubsim.output.plots import plot_run  # matplotlib only when figures are asked for

        if out_dir is None:
            if self.folder is None:
                raise ValueError("this result has no run folder; pass out_dir")
            out_dir = self.folder / "plots"
        return plot_run(
            self.city_month, self.flows_year, self.summary, Path(out_dir), self.pool_year
        )
