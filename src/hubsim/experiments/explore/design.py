"""The samples of an explore and the sensitivity indices of its outcomes, through SALib.

Inputs are sampled on the unit cube (each input's range mapped to [0, 1]), so Morris effects
are in outcome units per full range of an input, comparable across inputs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

# The design draws from a stream of the explore's seed of its own, apart from the replication
# children (spawn keys 0, 1, ...), as the sweep's sampled designs do.
DESIGN_STREAM = 2**31
ANALYSIS_STREAM = 2**31 + 1
MORRIS_COLUMNS = ("mu_star", "mu_star_conf", "mu", "sigma")
SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")


def problem(names: list[str]) -> dict:
    """SALib's problem on the unit cube."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def stream_seed(seed: int, stream: int) -> int:
    """A 32-bit seed for SALib from one stream of the explore's SeedSequence."""
    return int(np.random.SeedSequence(seed, spawn_key=(stream,)).generate_state(1)[0])


def unit_samples(method: str, names: list[str], samples: int, levels: int, seed: int) -> np.ndarray:
    """The design on the unit cube: Morris trajectories ((k + 1) x samples rows) or Saltelli's
    Sobol scheme without second order ((k + 2) x samples rows)."""
    rng_seed = stream_seed(seed, DESIGN_STREAM)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem(names), samples, num_levels=levels, seed=rng_seed)
    from SALib.sample import sobol

    return sobol.sample(problem(names), samples, calc_second_order=False, seed=rng_seed)


def indices(
    method: str, names: list[str], unit: np.ndarray, y: np.ndarray, levels: int, seed: int
) -> pd.DataFrame:
    """One outcome's indices, one row per input, with 95 % confidence half-widths (bootstrap)."""
    rng_seed = stream_seed(seed, ANALYSIS_STREAM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns on constant or tiny samples: said in report
        if method == "morris":
            from SALib.analyze import morris

            found = morris.analyze(
                problem(names), unit, y, num_levels=levels, conf_level=0.95, seed=rng_seed
            )
            columns = MORRIS_COLUMNS
        else:
            from SALib.analyze import sobol

            found = sobol.analyze(
                problem(names), y, calc_second_order=False, conf_level=0.95, seed=rng_seed
            )
            columns = SOBOL_COLUMNS
    table = pd.DataFrame({c: np.asarray(found[c], dtype=float) for c in columns})
    table.insert(0, "input", names)
    return table


def all_indices(
    method: str,
    names: list[str],
    unit: np.ndarray,
    means: pd.DataFrame,
    levels: int,
    seed: int,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Indices of every outcome column of `means` (one row per point, in design order); and,
    for the outcomes left out, why."""
    tables, skipped = [], {}
    for outcome in means.columns:
        y = means[outcome].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            skipped[outcome] = "some runs give no value (not judged, or failed)"
            continue
        if np.ptp(y) == 0:
            skipped[outcome] = f"the same in every run ({y[0]:g}): no input moves it"
            continue
        table = indices(method, names, unit, y, levels, seed)
        table.insert(0, "outcome", outcome)
        tables.append(table)
    columns = ["outcome", "input", *(MORRIS_COLUMNS if method == "morris" else SOBOL_COLUMNS)]
    found = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
    return found, skipped


def ranked(table: pd.DataFrame, method: str, outcomes: list[str]) -> pd.DataFrame:
    """The indices with the outcomes in the file's order, most influential input first."""
    key = "mu_star" if method == "morris" else "ST"
    order = table.outcome.map({text: i for i, text in enumerate(outcomes)})
    table = table.assign(_order=order)
    table = table.sort_values(["_order", key], ascending=[True, False], ignore_index=True)
    return table.drop(columns="_order")
