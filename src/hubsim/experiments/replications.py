"""Running a scenario: replications from one SeedSequence, tidy tables, the `RunResult`.

`hubsim.run(path_or_scenario, **overrides)` is the one function a notebook user needs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from hubsim.engine import HubModel
from hubsim.errors import RunInterrupted
from hubsim.output import summary, tables
from hubsim.output.fit import calibration_table
from hubsim.output.result import RunResult
from hubsim.output.run_folder import RunFolder
from hubsim.scenario import Scenario, apply_override, load_scenario, scenario_from_dict

Progress = Callable[[int, int, int, int], None]  # (replication, replications, month, months)


def resolve(
    scenario: str | Path | Scenario | dict,
    *,
    overrides: list[str] | None = None,
    seed: int | None = None,
    replications: int | None = None,
    months: int | None = None,
    scale: float | None = None,
) -> Scenario:
    """A validated scenario from a path, dict or Scenario, with command-line style overrides."""
    if isinstance(scenario, Scenario):
        resolved = scenario
        if overrides:
            data = resolved.model_dump(mode="python")
            for item in overrides:
                apply_override(data, item, Path("<scenario>"))
            resolved = scenario_from_dict(data)
    elif isinstance(scenario, dict):
        resolved = scenario_from_dict(scenario)
    else:
        resolved = load_scenario(scenario, overrides)
    updates = {
        "seed": seed,
        "replications": replications,
        "months": months,
        "scale": scale,
    }
    data = resolved.model_dump(mode="python")
    data.update({k: v for k, v in updates.items() if v is not None})
    return scenario_from_dict(data, source=f"{resolved.name} (command-line options)")


def replication_seeds(scenario: Scenario) -> list[np.random.SeedSequence]:
    """One child SeedSequence per replication: the same for every scenario with the same seed."""
    return np.random.SeedSequence(scenario.seed).spawn(scenario.replications)


def simulate(
    scenario: Scenario,
    seed: np.random.SeedSequence,
    replication: int = 0,
    progress: Progress | None = None,
) -> dict[str, pd.DataFrame]:
    """Run one replication; returns its city_month and flows_year tables and extras."""
    model = HubModel(scenario, seed)
    for month in range(scenario.months):
        model.step()
        if progress is not None:
            progress(replication, scenario.replications, month + 1, scenario.months)
    return {
        "city_month": tables.city_month(model, replication),
        "city_sector_month": tables.city_sector_month(model, replication),
        "flows_year": tables.flows_year(model, replication),
        "pool_year": tables.pool_year(model, replication),
        "initial": tables.initial(model, replication),
    }


def run(
    scenario: str | Path | Scenario | dict,
    *,
    overrides: list[str] | None = None,
    seed: int | None = None,
    replications: int | None = None,
    months: int | None = None,
    scale: float | None = None,
    out: str | Path | None = None,
    plots: bool = True,
    progress: Progress | None = None,
    announce: Callable[[str], None] = print,
) -> RunResult:
    """Run a scenario (file path, dict or Scenario) and return its tables.

    With `out`, the run folder `out/<scenario>/<run-id>/` is written (atomically) with plots.
    An interrupted run of the same scenario and seed in `out` is resumed from its finished
    replications (the result is the same, bit for bit); `announce` is told so in one line.
    """
    resolved = resolve(
        scenario,
        overrides=overrides,
        seed=seed,
        replications=replications,
        months=months,
        scale=scale,
    )
    folder, parts = (None, []) if out is None else RunFolder.open(Path(out), resolved, announce)
    started = time.perf_counter()
    try:
        for r, child in enumerate(replication_seeds(resolved)):
            if r < len(parts):  # kept from an interrupted run
                continue
            part = simulate(resolved, child, r, progress)
            parts.append(part)
            if folder is not None:
                folder.save_replication(r, part)
    except KeyboardInterrupt:
        where = folder.mark_interrupted("interrupted by the user") if folder else None
        kept = f"; {len(parts)} finished replications are kept in {where}" if where else ""
        raise RunInterrupted(
            f"Run of {resolved.name} interrupted after {len(parts)} of "
            f"{resolved.replications} replications{kept}. Run the same command again to resume "
            "from them."
        ) from None
    result = assemble(resolved, parts)
    result.timings["simulate_s"] = time.perf_counter() - started
    result.overrides = given_overrides(overrides, seed, replications, months, scale)
    if folder is not None:
        result.folder = folder.finish(result, plots=plots)
    return result


def given_overrides(
    overrides: list[str] | None, seed, replications, months, scale
) -> tuple[str, ...]:
    """The overrides of a run in command-line form, e.g. ('--set a.b=1', '--months 120')."""
    given = [f"--set {item}" for item in overrides or []]
    options = {"seed": seed, "replications": replications, "months": months, "scale": scale}
    given += [f"--{k} {v:g}" if isinstance(v, float) else f"--{k} {v}"
              for k, v in options.items() if v is not None]  # fmt: skip
    return tuple(given)


def assemble(scenario: Scenario, parts: list[dict[str, pd.DataFrame]]) -> RunResult:
    city_month = pd.concat([p["city_month"] for p in parts], ignore_index=True)
    flows = pd.concat([p["flows_year"] for p in parts], ignore_index=True)
    initial = pd.concat([p["initial"] for p in parts])
    per_rep = pd.concat(
        [summary.summarize(scenario, p["city_month"], p["initial"]) for p in parts],
        keys=range(len(parts)),
        names=["replication", None],
    ).reset_index(level=0)
    table = calibration_table(scenario, city_month, flows, initial)
    # Every part has every table: one that lacked one would leave its replication out unseen.
    pool = pd.concat([p["pool_year"] for p in parts], ignore_index=True)
    sectors = pd.concat([p["city_sector_month"] for p in parts], ignore_index=True)
    return RunResult(
        scenario,
        city_month,
        flows,
        summary.aggregate(per_rep),
        table,
        per_rep,
        pool_year=pool,
        city_sector_month=sectors,
    )
