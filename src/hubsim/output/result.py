"""`RunResult`: everything one run produced, as tidy DataFrames (the run folder holds the same).

`hubsim.run` returns one; `RunResult.plot` draws its figures.
"""

from __future__ import annotations

import time
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
    # date, city, sector, headquarters, metric, value, replication (output.tables)
    city_sector_month: pd.DataFrame = field(default_factory=pd.DataFrame)
    folder: Path | None = None
    timings: dict = field(default_factory=dict)
    overrides: tuple[str, ...] = ()  # as given on the command line: "--set KEY=VALUE", "--months N"

    @property
    def stamp(self) -> str:
        """What was run, for the foot of each figure: scenario, seed, replications, overrides."""
        s = self.scenario
        given = " ".join(self.overrides) if self.overrides else "none"
        return (
            f"scenario {s.name}, {s.start} + {s.months} months, seed {s.seed}, "
            f"{s.replications} replication(s), scale {s.scale:g}; overrides: {given}"
        )

    def plot(self, out_dir: str | Path | None = None) -> list[Path]:
        """Draw the run's figures into out_dir (default: the run folder's plots/)."""
        from hubsim.output.plots import plot_run  # matplotlib only when figures are asked for

        if out_dir is None:
            if self.folder is None:
                raise ValueError("this result has no run folder; pass out_dir")
            out_dir = self.folder / "plots"
        started = time.perf_counter()
        paths = plot_run(
            self.city_month,
            self.flows_year,
            self.summary,
            Path(out_dir),
            stamp=self.stamp,
            pool_year=self.pool_year,
            city_sector_month=self.city_sector_month,
        )
        self.timings["figures_s"] = time.perf_counter() - started
        return paths
