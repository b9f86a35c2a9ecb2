"""Sampling rules: unbiased rounding, Bernoulli events by geometric gaps, thinning, group draws.

They make the work of a month proportional to the number of events, not to the number of agents.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def stochastic_round(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round down and add one with probability equal to the fraction (unbiased)."""
    values = np.asarray(values, dtype=float)
    floor = np.floor(values)
    return (floor + (rng.random(values.shape) < values - floor)).astype(np.int64)


def bernoulli_positions(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Positions of the successes among n Bernoulli(p) trials, in increasing order.

    Drawn as geometric gaps between successes, so the cost is proportional to n p, not n.
    """
    if n <= 0 or p <= 0:
        return np.zeros(0, dtype=np.int64)
    if p >= 0.25:
        return np.flatnonzero(rng.random(n) < p)
    expected = n * p
    positions = np.cumsum(geometric(p, int(expected + 6 * np.sqrt(expected) + 16), rng)) - 1
    while positions[-1] < n - 1:  # rare: more successes than drawn for
        more = np.cumsum(geometric(p, int(expected) + 16, rng)) + positions[-1]
        positions = np.concatenate([positions, more])
    return positions[positions < n]


def geometric(p: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """`rng.geometric(p, size)` for p < 1/3: the same draws, computed as numpy's Generator
    does (by inversion, ceil(-E / log1p(-p)) of standard exponentials E) but vectorised; numpy
    takes the logarithm again for every draw, which costs as much as the rest."""
    # From p = 1e-9 a draw (an exponential is below 800) stays far below int64's limit, at
    # which numpy saturates; smaller or larger p are left to numpy.
    if not 1e-9 <= p < 1.0 / 3.0:
        return rng.geometric(p, size=size)
    # math.log1p is the C library's, as numpy's.
    return np.ceil(-rng.standard_exponential(size) / math.log1p(-p)).astype(np.int64)


def sample_by_hazard(
    candidates: np.ndarray | int,
    hazard_of: Callable[[np.ndarray], np.ndarray] | None,
    max_hazard: float,
    rng: np.random.Generator,
    thin: Callable[[np.ndarray, np.ndarray, float], np.ndarray] | None = None,
) -> np.ndarray:
    """Rows among `candidates` (an index array, or n for rows 0..n-1) that fire with their hazard.

    Each candidate is first picked with probability max_hazard (geometric gaps, see
    `bernoulli_positions`), then kept with probability hazard / max_hazard (thinning), so the
    work is proportional to the events, not to the number of candidates.
    `hazard_of(rows)` returns the hazard of the given rows (0 for rows that cannot fire). Or
    `thin(picked, uniforms, max_hazard)` does the thinning itself: it returns the picked rows
    whose uniform x max_hazard is below their hazard (a compiled kernel, see `engine.kernels`).
    """
    n = candidates if isinstance(candidates, int) else len(candidates)
    picked = bernoulli_positions(n, min(max_hazard, 1.0), rng)
    if not isinstance(candidates, int):
        picked = candidates[picked]
    if len(picked) == 0:
        return picked
    uniform = rng.random(len(picked))
    if thin is not None:
        return thin(picked, uniform, max_hazard)
    return picked[uniform * max_hazard < hazard_of(picked)]


def first_k_per_group(
    items: np.ndarray,
    group: np.ndarray,
    k: np.ndarray,
    rng: np.random.Generator,
    sizes: np.ndarray | None = None,
) -> np.ndarray:
    """A uniform random choice of k[g] items from each group g, returned grouped by g ascending.

    `sizes`, the number of items in each group (`np.bincount(group, minlength=len(k))`), may
    be given when the caller has counted them already.
    """
    if len(items) == 0:
        return items
    order = rng.permutation(len(items))
    # A stable sort on a 16-bit key is a radix sort: shuffled, then grouped, in linear time.
    key = group[order]
    order = order[np.argsort(key if key.itemsize <= 2 else key.astype(np.int16), kind="stable")]
    if sizes is None:
        sizes = np.bincount(group, minlength=len(k))
    take = np.minimum(k, sizes)
    # Positions of the first take[g] of each group g in the grouped order.
    skip = np.cumsum(sizes) - sizes - (np.cumsum(take) - take)
    return items[order[np.arange(take.sum()) + np.repeat(skip, take)]]
