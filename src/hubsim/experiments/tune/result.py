"""What a tuning session returns: the study's trials, the best package and its check."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from optuna.trial import FrozenTrial

from hubsim.experiments.tune.file import Tuning


@dataclass
class Check:
    """The best package on fresh seeds: each constraint's share and each objective's value."""

    trial: int
    first_replication: int
    replications: int
    shares: list[dict] = field(default_factory=list)  # name, reached, runs, share, lo, hi, verdict
    objectives: list[dict] = field(default_factory=list)  # column, study, fresh, lo, hi
    failed: int = 0


@dataclass
class TuneResult:
    """What a study holds after this call: trials, the best, the check, files written."""

    tuning: Tuning
    folder: Path
    storage: str
    trials: pd.DataFrame  # one row per trial, as trials.csv
    best: FrozenTrial | None
    check: Check | None
    ran: int = 0
    failed: int = 0
    before: int = 0
    abandoned: list[int] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
