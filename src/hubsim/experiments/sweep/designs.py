"""Sweep designs: the points of a sweep from its parameters (grid, paired, Latin hypercube, Sobol).

Pure functions: parameter specifications in, a table of points (one row per point) out.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import qmc

Design = Literal["grid", "paired", "latin_hypercube", "sobol"]
DESIGNS: tuple[str, ...] = ("grid", "paired", "latin_hypercube", "sobol")
SAMPLED: tuple[str, ...] = ("latin_hypercube", "sobol")
Scalar = bool | int | float | str
# Design draws get their own stream of the sweep seed, apart from the replication children
# (spawn keys 0, 1, ...), so adding replications never moves the sampled points.
DESIGN_STREAM = 2**31


@dataclass(frozen=True)
class Axis:
    """One swept parameter as the design sees it: discrete values or a distribution."""

    column: str
    values: tuple[Scalar, ...] | None = None  # discrete: a list or an expanded range
    distribution: Literal["uniform", "loguniform"] | None = None
    low: float = 0.0
    high: float = 1.0

    @property
    def discrete(self) -> bool:
        return self.values is not None


def range_values(start: float, stop: float, step: float) -> list[int | float]:
    """start, start + step, ... up to and including stop (when stop falls on the grid).

    Values are rounded to 12 significant digits so that 0.1 steps give 0.3, not
    0.30000000000000004; whole-number ranges give integers.
    """
    count = math.floor((stop - start) / step + 1e-9) + 1
    values = [float(f"{start + i * step:.12g}") for i in range(count)]
    if all(float(v).is_integer() for v in (start, stop, step)):
        return [int(v) for v in values]
    return values


def design_points(
    axes: Sequence[Axis], design: Design, samples: int | None = None, seed: int = 0
) -> pd.DataFrame:
    """The points of a design: one row per point (index 0..n-1), one column per axis.

    Args:
        axes: the swept parameters, in the order of the sweep file.
        design: `grid` (every combination, the first parameter varying slowest), `paired`
            (the i-th values of every list together), `latin_hypercube` or `sobol`.
        samples: number of points for `latin_hypercube` and `sobol` (a power of two for Sobol).
        seed: root seed; the sampled designs draw from a stream of it of their own.
    """
    if design == "grid":
        rows = list(itertools.product(*(axis.values for axis in axes)))
        return _frame(axes, [list(column) for column in zip(*rows, strict=True)])
    if design == "paired":
        return _frame(axes, [list(axis.values) for axis in axes])
    unit = _unit_sample(len(axes), design, samples or 1, seed)
    return _frame(axes, [_from_unit(axis, unit[:, i]) for i, axis in enumerate(axes)])


def _unit_sample(dimensions: int, design: Design, samples: int, seed: int) -> np.ndarray:
    """`samples` points in the unit hypercube, scrambled with the design stream of `seed`."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,)))
    if design == "sobol":
        return qmc.Sobol(dimensions, scramble=True, rng=rng).random_base2(int(math.log2(samples)))
    return qmc.LatinHypercube(dimensions, rng=rng).random(samples)


def _from_unit(axis: Axis, u: np.ndarray) -> list[Scalar]:
    """Unit-interval draws mapped onto an axis: equal-width cells for lists, else the quantile."""
    if axis.discrete:
        index = np.minimum((u * len(axis.values)).astype(int), len(axis.values) - 1)
        return [axis.values[i] for i in index]
    if axis.distribution == "loguniform":
        log_low, log_high = math.log(axis.low), math.log(axis.high)
        return list(np.exp(log_low + u * (log_high - log_low)))
    return list(axis.low + u * (axis.high - axis.low))


def _frame(axes: Sequence[Axis], columns: list[list[Scalar]]) -> pd.DataFrame:
    data = {axis.column: _column(values) for axis, values in zip(axes, columns, strict=True)}
    frame = pd.DataFrame(data)
    frame.index.name = "point"
    return frame


def _column(values: list[Scalar]) -> pd.Series:
    """One dtype per parameter, so that every run's file has the same schema."""
    if all(isinstance(v, bool) for v in values):
        return pd.Series(values, dtype=bool)
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="int64")
    if all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values):
        return pd.Series(values, dtype="float64")
    return pd.Series([str(v) for v in values], dtype=object)
