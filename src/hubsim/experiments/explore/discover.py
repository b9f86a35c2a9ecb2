"""Scenario discovery: PRIM boxes of the inputs in which an event (a hub misses its goal, a hub
is a ghost) happens, with their coverage, density and the peeling trade-off.

PRIM is the `prim` package (Project Platypus's standalone of EMA Workbench's PRIM, numpy and
pandas only). Coverage is the share of the runs with the event that fall in the box; density
the share of the runs in the box that have the event; mass the share of all runs in the box.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MIN_CASES = 2  # fewer runs with (or without) the event leave nothing to separate


@dataclass
class Box:
    """The PRIM result for one event of one city."""

    event: str  # e.g. "misses_goal@chengdu"
    what: str  # "chengdu misses its goal"
    share: float  # of all runs with the event
    trajectory: pd.DataFrame = field(default_factory=pd.DataFrame)  # coverage, density, mass..
    chosen: int | None = None  # the row of the trajectory the box is
    limits: pd.DataFrame = field(default_factory=pd.DataFrame)  # input, low, high (restricted)
    note: str = ""  # why there is no box

    @property
    def found(self) -> bool:
        return self.chosen is not None


def find_box(
    x: pd.DataFrame,
    happened: np.ndarray,
    event: str,
    what: str,
    mass_min: float = 0.05,
    min_coverage: float = 0.8,
) -> Box:
    """The first PRIM box of `happened` (one bool per run) over the inputs `x`.

    The box chosen on the peeling trajectory is the densest that keeps `min_coverage` of the
    runs with the event (EMA Workbench's usual reading of the trade-off curve).
    """
    happened = np.asarray(happened, dtype=bool)
    share = float(happened.mean()) if len(happened) else float("nan")
    box = Box(event, what, share)
    cases = int(happened.sum())
    if cases < MIN_CASES or len(happened) - cases < MIN_CASES:
        box.note = (
            f"{what} in {cases} of {len(happened)} runs: too few of one kind for a box"
            if len(happened)
            else "no runs"
        )
        return box
    import prim

    logging.getLogger("prim").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' FutureWarnings inside prim
        search = prim.Prim(
            x.astype(float).reset_index(drop=True),
            happened.astype(float),
            threshold=0.5,
            threshold_type=">",
            mass_min=mass_min,
        )
        found = search.find_box()
        trajectory = found.peeling_trajectory.astype(float).reset_index(drop=True)
        box.trajectory = trajectory.rename(columns={"res dim": "restricted_inputs"})
        box.chosen = choose(box.trajectory, min_coverage)
        found.select(box.chosen)
        box.limits = _limits(found, x)
    return box


def choose(trajectory: pd.DataFrame, min_coverage: float) -> int:
    """The densest step of the trajectory whose coverage is at least `min_coverage`."""
    kept = trajectory[trajectory.coverage >= min_coverage - 1e-12]
    if kept.empty:
        return 0
    return int(kept.density.idxmax())


def _limits(found, x: pd.DataFrame) -> pd.DataFrame:
    """The chosen box's bounds on the inputs it restricts (narrower than the sampled range)."""
    rows = []
    limits = found.limits
    for name in limits.index:
        low, high = float(limits.loc[name, "min"]), float(limits.loc[name, "max"])
        if low > x[name].min() or high < x[name].max():
            rows.append({"input": name, "low": low, "high": high,
                         "sampled_low": float(x[name].min()),
                         "sampled_high": float(x[name].max()),
                         "quasi_p": float(limits.loc[name, "qp values"])})  # fmt: skip
    return pd.DataFrame(
        rows, columns=["input", "low", "high", "sampled_low", "sampled_high", "quasi_p"]
    )


def box_rows(boxes: list[Box]) -> pd.DataFrame:
    """The chosen boxes as one tidy table: event, coverage, density, mass, input, bounds."""
    rows = []
    for box in boxes:
        head = {"event": box.event, "what": box.what, "share_of_runs": box.share}
        if not box.found:
            rows.append({**head, "note": box.note})
            continue
        stats = box.trajectory.iloc[box.chosen]
        head |= {k: float(stats[k]) for k in ("coverage", "density", "mass")}
        if box.limits.empty:
            rows.append({**head, "note": "no input restricted"})
        for limit in box.limits.itertuples(index=False):
            rows.append({**head, **limit._asdict(), "note": ""})
    columns = ["event", "what", "share_of_runs", "coverage", "density", "mass", "input", "low",
               "high", "sampled_low", "sampled_high", "quasi_p", "note"]  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=columns)


def tradeoff_rows(boxes: list[Box]) -> pd.DataFrame:
    """Every box's peeling trajectory: event, step, coverage, density, mass, inputs restricted."""
    tables = []
    for box in boxes:
        if box.found:
            table = box.trajectory[["coverage", "density", "mass", "restricted_inputs"]].copy()
            table.insert(0, "step", np.arange(len(table)))
            table.insert(0, "event", box.event)
            table["chosen"] = table.step == box.chosen
            tables.append(table)
    if not tables:
        return pd.DataFrame(
            columns=["event", "step", "coverage", "density", "mass", "restricted_inputs", "chosen"]
        )
    return pd.concat(tables, ignore_index=True)
