"""Running a scenario: replications from one SeedSequence, tidy tables, the `RunResult`.

`hubsim.run(path_or_scenario, **overrides)` is the one function a notebook user needs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hubsim import calibration, metrics
from hubsim.cities import NODES
from hubsim.errors import RunInterrupted
from hubsim.model import HubModel
from hubsim.scenario import DEGREES, Scenario, load_scenario, month_index, scenario_from_dict

Progress = Callable[[int, int, int, int], None]  # (replication, replications, month, months)


@dataclass
class RunResult:
    """Everything one run produced, as tidy DataFrames (the run folder holds the same)."""

    scenario: Scenario
    city_month: pd.DataFrame  # date, city, metric, value, replication
    flows_year: pd.DataFrame  # year, origin, destination, degree, movers, replication
    summary: pd.DataFrame  # one row per city
    calibration: pd.DataFrame  # quantity, simulated, target, source
    replications: pd.DataFrame  # per replication and city: the summary's raw outcomes
    folder: Path | None = None
    timings: dict = field(default_factory=dict)

    def plot(self, out_dir: str | Path | None = None) -> list[Path]:
        """Draw the run's figures into out_dir (default: the run folder's plots/)."""
        from hubsim.plots import plot_run

        if out_dir is None:
            if self.folder is None:
                raise ValueError("this result has no run folder; pass out_dir")
            out_dir = self.folder / "plots"
        return plot_run(self.city_month, self.flows_year, self.summary, Path(out_dir))


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
            from hubsim.scenario import _apply_override

            data = resolved.model_dump(mode="python")
            for item in overrides:
                _apply_override(data, item, Path("<scenario>"))
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
        "city_month": _tidy_city_month(model, replication),
        "flows_year": _tidy_flows(model, replication),
        "initial": pd.DataFrame(model.initial_metrics, index=list(NODES)).assign(
            replication=replication
        ),
    }


def _tidy_city_month(model: HubModel, replication: int) -> pd.DataFrame:
    """The DataCollector's monthly city metrics as a tidy table (metric, date, city order)."""
    values = np.array(model.datacollector.model_vars["metric_table"], dtype=float)
    months, n_metrics, n_nodes = values.shape
    dates = pd.date_range(model.params.start + "-01", periods=months, freq="MS")
    return pd.DataFrame(
        {
            "date": np.tile(np.repeat(dates.to_numpy(), n_nodes), n_metrics),
            "city": np.tile(np.array(NODES), months * n_metrics),
            "metric": np.repeat(np.array(metrics.METRICS), months * n_nodes),
            "value": values.transpose(1, 0, 2).ravel(),
            "replication": replication,
        }
    )


def _tidy_flows(model: HubModel, replication: int) -> pd.DataFrame:
    flows = model.flows_by_year * model.scale
    year0 = month_index(model.params.start) // 12
    y, o, d, g = np.nonzero(flows)
    return pd.DataFrame(
        {
            "year": (year0 + y).astype(int),
            "origin": np.array(NODES)[o],
            "destination": np.array(NODES)[d],
            "degree": np.array(DEGREES)[g],
            "movers": flows[y, o, d, g],
            "replication": replication,
        }
    )


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
) -> RunResult:
    """Run a scenario (file path, dict or Scenario) and return its tables.

    With `out`, the run folder `out/<scenario>/<run-id>/` is written (atomically) with plots.
    """
    from hubsim import results

    resolved = resolve(
        scenario,
        overrides=overrides,
        seed=seed,
        replications=replications,
        months=months,
        scale=scale,
    )
    folder = results.RunFolder.create(Path(out), resolved) if out is not None else None
    started = time.perf_counter()
    parts = []
    try:
        for r, child in enumerate(replication_seeds(resolved)):
            part = simulate(resolved, child, r, progress)
            parts.append(part)
            if folder is not None:
                folder.save_replication(r, part)
    except KeyboardInterrupt:
        where = folder.mark_interrupted("interrupted by the user") if folder else None
        kept = f"; {len(parts)} finished replications are kept in {where}" if where else ""
        raise RunInterrupted(
            f"Run of {resolved.name} interrupted after {len(parts)} of "
            f"{resolved.replications} replications{kept}. Run the command again to redo it."
        ) from None
    result = assemble(resolved, parts)
    result.timings["simulate_s"] = time.perf_counter() - started
    if folder is not None:
        result.folder = folder.finish(result, plots=plots)
    return result


def assemble(scenario: Scenario, parts: list[dict[str, pd.DataFrame]]) -> RunResult:
    city_month = pd.concat([p["city_month"] for p in parts], ignore_index=True)
    flows = pd.concat([p["flows_year"] for p in parts], ignore_index=True)
    initial = pd.concat([p["initial"] for p in parts])
    per_rep = pd.concat(
        [_summarize_one(scenario, p["city_month"], p["initial"]) for p in parts],
        keys=range(len(parts)),
        names=["replication", None],
    ).reset_index(level=0)
    summary = _aggregate(per_rep)
    table = calibration.calibration_table(scenario, city_month, flows, initial)
    return RunResult(scenario, city_month, flows, summary, table, per_rep)


def _summarize_one(scenario: Scenario, city_month: pd.DataFrame, initial: pd.DataFrame):
    cities = list(NODES[:-1])
    cm = city_month[city_month.city.isin(cities)]
    talent = cm[cm.metric == "talent"].pivot(index="date", columns="city", values="value")
    talent.index = talent.index.strftime("%Y-%m")
    first = pd.Timestamp(scenario.start + "-01") - pd.DateOffset(months=1)
    talent.loc[first.strftime("%Y-%m")] = initial.loc[cities, "talent"]
    talent = talent.sort_index()[cities]
    occupancy = cm[cm.metric == "office_occupancy"].pivot(
        index="date", columns="city", values="value"
    )
    spending = cm[cm.metric == "subsidy_spent"].groupby("city")["value"].sum()
    return metrics.summarize_replication(scenario, talent, occupancy.iloc[-1], spending)


def _aggregate(per_rep: pd.DataFrame) -> pd.DataFrame:
    from hubsim.cities import city_table

    table = city_table()
    grouped = per_rep.groupby("city", sort=False)
    summary = grouped.agg(
        talent_start=("talent_start", "mean"),
        talent_end=("talent_end", "mean"),
        talent_end_lo=("talent_end", lambda s: s.quantile(0.025)),
        talent_end_hi=("talent_end", lambda s: s.quantile(0.975)),
        target_talent=("target_talent", "mean"),
        target_date=("target_date", "first"),
        talent_at_target_date=("talent_at_target_date", "mean"),
        talent_at_target_lo=("talent_at_target_date", lambda s: s.quantile(0.025)),
        talent_at_target_hi=("talent_at_target_date", lambda s: s.quantile(0.975)),
        reached_share=("reached", "mean"),
        ghost_share=("ghost", "mean"),
        office_occupancy_end=("office_occupancy_end", "mean"),
        spending_yuan=("spending_yuan", "mean"),
        net_talent_gained=("net_talent_gained", "mean"),
    ).reset_index()
    summary.insert(1, "name", table.loc[summary.city, "name"].to_numpy())
    summary.insert(2, "tier", table.loc[summary.city, "tier"].to_numpy())
    gain = summary["net_talent_gained"]
    summary["spending_per_net_talent_yuan"] = np.where(
        gain > 0, summary["spending_yuan"] / gain.where(gain > 0, 1.0), np.nan
    )
    return summary
