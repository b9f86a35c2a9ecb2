"""History matching: which evaluated parameter sets the moments do not rule out.

Every parameter set the calibration evaluated (its trials, its final point, an optional
refinement wave) carries, for each moment, the standardised error z of the replications' mean
(the moment's own error scale, ln(sim / target) / tolerance or (sim - target) / tolerance) and
the standard error of z over the replications. Its implausibility for the moment is

    I = |z| / sqrt(1 + d^2 + se^2)

that is |simulated - target| / sqrt(tolerance^2 + discrepancy^2 + variance of the simulated
mean), all on the moment's error scale: the tolerance stands for the data's error, d for the
model's discrepancy (how far the model's structure may sit from the world, in tolerances:
DISCREPANCY, an ASSUMPTION of one tolerance), the replications' variance for the simulator's
own noise. A set is kept when its k-th largest
implausibility over the weighted moments is below CUT (3, Pukelsheim's three-sigma rule, as in
Vernon, Goldstein & Bower 2010), with k = 1 + EXCEED_SHARE x the moments judged: with a hundred
and more moments, judging the single worst rules out every set for one noisy row, so (as
history matching does with its second and third largest implausibility when outputs are many)
a set may miss up to 5 % of the moments.

Moments that no evaluated set brings below the cut are a misfit of the model, not of the
parameters: they rule every set out alike and so say nothing about which to keep. They are
set aside from the cut (and listed, `misfit`), so that the ensemble is read as "the sets as
consistent with the moments as the model can be".

Why this method: it needs no likelihood and no emulator, it reuses the calibration's own
evaluations (the trials are already run), and it is cheap; ABC-SMC (pyabc) or an emulator
(emukit) would add heavy dependencies and many more runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

CUT = 3.0  # the implausibility a kept set stays below on all but a few weighted moments
EXCEED_SHARE = 0.05  # the share of judged moments a kept set may miss the cut on
DISCREPANCY = 1.0  # ASSUMPTION: the model's structural error, in tolerances of each moment
PINNED_SHARE = 0.25  # a parameter whose 5-95 % band is narrower than this share of its range
MIN_MEMBERS = 2  # fewer survivors than this: the ensemble is reported as not found


def standardised(by_replication: pd.DataFrame, error_fn: Callable[[pd.Series], pd.Series]):
    """{moment: [z of the mean, standard error of z]} of one evaluation.

    `by_replication` holds the moments (columns) of each replication (rows); `error_fn` turns a
    Series of simulated moments into standardised errors (the calibration's `errors`). The
    standard error is the spread of the replications' own errors over sqrt(replications), 0 with
    one replication (no spread to measure).
    """
    z = error_fn(by_replication.mean())
    reps = len(by_replication)
    if reps > 1:
        each = pd.DataFrame([error_fn(row) for _, row in by_replication.iterrows()])
        se = each.std(ddof=1) / np.sqrt(reps)
    else:
        se = pd.Series(0.0, index=z.index)
    return {
        str(k): [float(z[k]), float(se.get(k, 0.0)) if np.isfinite(se.get(k, 0.0)) else 0.0]
        for k in z.index
    }


@dataclass
class Matched:
    """The candidates with their implausibility, and the outcome of the cut."""

    candidates: pd.DataFrame  # source, parameters, implausibility_max, kept
    misfit: list[str]  # weighted moments no candidate matches (set aside from the cut)
    cut: float

    @property
    def members(self) -> pd.DataFrame:
        return self.candidates[self.candidates.kept].reset_index(drop=True)


def implausibility(
    fits: Sequence[Mapping[str, list[float]]], discrepancy: float = DISCREPANCY
) -> pd.DataFrame:
    """Each candidate's (rows) implausibility for each moment (columns)."""
    z = pd.DataFrame([{k: v[0] for k, v in f.items()} for f in fits])
    se = pd.DataFrame([{k: v[1] for k, v in f.items()} for f in fits]).reindex_like(z)
    return z.abs() / np.sqrt(1.0 + discrepancy**2 + se.fillna(0.0) ** 2)


def match(
    parameters: pd.DataFrame,
    fits: Sequence[Mapping[str, list[float]]],
    weights: Mapping[str, float],
    cut: float = CUT,
    discrepancy: float = DISCREPANCY,
) -> Matched:
    """The history-matching cut over candidate sets.

    `parameters` holds one row per candidate (a `source` column and one column per parameter);
    `fits[i]` is candidate i's {moment: [z, se]}; only moments of positive weight are judged.
    A candidate missing a weighted moment (NaN) is ruled out.
    """
    table = implausibility(fits, discrepancy)
    judged = [k for k, w in weights.items() if w > 0 and k in table.columns]
    table = table.reindex(columns=judged)
    matched_somewhere = (table < cut).any(axis=0)
    misfit = [k for k in judged if not matched_somewhere[k]]
    used = [k for k in judged if k not in misfit]
    out = parameters.reset_index(drop=True).copy()
    judged_table = table[used].fillna(np.inf)
    worst = judged_table.max(axis=1) if used else pd.Series(0.0, index=table.index)
    out["implausibility_max"] = worst.to_numpy()
    out["worst_moment"] = judged_table.idxmax(axis=1).to_numpy() if used else ""
    k = kth(len(used))
    ordered = -np.sort(-judged_table.to_numpy(float), axis=1)  # each row, largest first
    out["implausibility_kth"] = ordered[:, k - 1] if used else 0.0
    out["kept"] = out.implausibility_kth < cut
    return Matched(out, misfit, cut)


def refinement_points(
    members: pd.DataFrame, columns: list[str], n: int, seed: int, bounds: Mapping[str, tuple]
) -> pd.DataFrame:
    """`n` Latin-hypercube points in the survivors' bounding box (within each parameter's search
    bounds where given), for a refinement wave. Randomness from a SeedSequence of `seed`."""
    if n < 1 or members.empty:
        return pd.DataFrame(columns=columns)
    low = members[columns].min().to_numpy(float, copy=True)
    high = members[columns].max().to_numpy(float, copy=True)
    for i, key in enumerate(columns):
        if key in bounds:
            low[i], high[i] = max(low[i], bounds[key][0]), min(high[i], bounds[key][1])
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(25,)))
    unit = qmc.LatinHypercube(d=len(columns), seed=rng).random(n)
    points = low + unit * (high - low)
    return pd.DataFrame(points, columns=columns)


def kth(judged: int, share: float = EXCEED_SHARE) -> int:
    """Which largest implausibility the cut reads: 1 (the worst) for up to 19 moments, then one
    more for every further 20 (5 %), so a kept set may miss the cut on that share of them."""
    return 1 + int(share * judged) if judged else 1


def identification(
    members: pd.DataFrame,
    bounds: Mapping[str, tuple[float, float]],
    columns: list[str],
    share: float = PINNED_SHARE,
) -> pd.DataFrame:
    """Per parameter: the ensemble's band (min, 5 %, 95 %, max) against its search range; pinned
    when the 5-95 % band is narrower than `share` of the range. Parameters without a search range
    (the amenities, fitted by a fixed point) get the band only."""
    rows = []
    for key in columns:
        values = members[key].to_numpy(float)
        low, high = bounds.get(key, (np.nan, np.nan))
        q05, q95 = np.quantile(values, [0.05, 0.95]) if len(values) else (np.nan, np.nan)
        width = (q95 - q05) / (high - low) if np.isfinite(low) else np.nan
        if not len(values):
            verdict = "no members"
        elif not np.isfinite(width):
            verdict = "no search range (fixed point)"
        elif width < share:
            verdict = "pinned"
        else:
            verdict = "not pinned"
        rows.append(
            {
                "parameter": key,
                "min": float(np.min(values)) if len(values) else np.nan,
                "p05": float(q05),
                "p95": float(q95),
                "max": float(np.max(values)) if len(values) else np.nan,
                "range_low": low,
                "range_high": high,
                "band_share_of_range": width,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)
