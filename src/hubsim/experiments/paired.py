"""Paired sweep outcomes: each run minus the reference point's run with the same replication seed.

`add_paired(rows, sweep)` adds `extra_talent@CITY`, `extra_spending_yuan@CITY` and
`cost_per_extra_talent_yuan@CITY` columns; `cost_per_point` gives a point's cost per extra talent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from hubsim.experiments.outcomes import Outcome

COST = "cost_per_extra_talent_yuan"
DIFFERENCES = {"extra_talent": "talent_end", "extra_spending_yuan": "spending_yuan"}


class Design(Protocol):
    """What pairing needs of a sweep: its outcomes and the point they are measured against."""

    @property
    def outcomes(self) -> Sequence[Outcome]: ...
    @property
    def reference_point(self) -> int | None: ...


def add_paired(rows: pd.DataFrame, sweep: Design) -> pd.DataFrame:
    """The rows with every paired outcome of the sweep (NaN where the reference run is missing).

    Replication r of every point uses the same seed (common random numbers), so the difference
    from the reference's replication r is the effect of the point's parameters on that draw. A
    cost outcome brings its two differences along: its per-point value is their ratio.
    """
    paired = [o for o in sweep.outcomes if o.paired]
    if not paired or rows.empty:
        return rows
    rows = rows.copy()
    reference = rows[rows.point == sweep.reference_point].set_index("replication")
    for outcome in paired:
        city = outcome.city
        for name, column in DIFFERENCES.items():
            if f"{name}@{city}" not in rows:
                base = rows.replication.map(reference[f"{column}@{city}"])
                rows[f"{name}@{city}"] = rows[f"{column}@{city}"] - base
        if outcome.name == COST:
            rows[outcome.text] = cost_per_extra_talent(
                rows[f"extra_spending_yuan@{city}"], rows[f"extra_talent@{city}"]
            )
    return rows


def cost_per_extra_talent(spent, talent) -> np.ndarray:
    """Extra spending / extra talent where both are positive, else NaN (no cost to state)."""
    spent, talent = np.asarray(spent, dtype=float), np.asarray(talent, dtype=float)
    ok = (spent > 0) & (talent > 0)
    return np.where(ok, spent / np.where(ok, talent, 1.0), np.nan)


def cost_per_point(rows: pd.DataFrame, outcome: Outcome, by: str = "point") -> pd.Series:
    """Per group of rows: mean extra spending / mean extra talent (a ratio of paired means)."""
    columns = [f"extra_spending_yuan@{outcome.city}", f"extra_talent@{outcome.city}"]
    means = rows.groupby(by)[columns].mean()
    return pd.Series(cost_per_extra_talent(means[columns[0]], means[columns[1]]), means.index)
