"""Parameter sweeps: `run_sweep(path)` runs every (point, replication) of a sweep file, resumably.

Runs go to local processes by default or to a Dask cluster; each finished run is a Parquet file.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from hubsim.errors import HubsimError, RunInterrupted
from hubsim.experiments import executors, paired
from hubsim.experiments.store import SweepFolder
from hubsim.experiments.sweep.file import Sweep, load_sweep


class SweepProgressFn(Protocol):
    def __call__(self, done: int, total: int, failed: int, before: int) -> None: ...


@dataclass
class SweepResult:
    """What a sweep left on disk, read back: rows, the per-point summary, failures, plots."""

    sweep: Sweep
    folder: Path
    rows: pd.DataFrame  # one row per finished (point, replication)
    summary: pd.DataFrame  # one row per point: mean and 95 % band of each outcome
    failures: pd.DataFrame  # point, replication, seed, error, traceback
    ran: int = 0  # runs finished by this call
    before: int = 0  # runs found on disk (skipped)
    plots: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def complete(self) -> bool:
        return len(self.rows) == self.sweep.total_runs


def run_sweep(
    path: str | Path,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    out: str | Path = "results",
    plots: bool = True,
    progress: SweepProgressFn | None = None,
    announce: Callable[[str], None] = print,
) -> SweepResult:
    """Run a sweep file; runs already in its folder are skipped, so calling again resumes.

    Args:
        path: the sweep YAML file.
        workers: local worker processes (default: all cores). With `scheduler`, the most runs
            in flight at once (default: twice the cluster's threads).
        scheduler: a Dask scheduler address (`tcp://HOST:PORT`) or a `distributed.Client`;
            None runs on local processes.
        out: results folder; the sweep goes to `out/<sweep-name>/<sweep-id>/`.
        plots: draw the figures into `plots/` when every run has been tried.
        progress: called after each run with (runs on disk, total, failed now, found on disk).
        announce: told, in one line each, about damaged run files set aside (to be redone).

    Raises:
        HubsimError: a bad sweep file, folder or scheduler (nothing is run).
        RunInterrupted: Ctrl-C; every finished run is on disk, rerun to finish.
    """
    if workers is not None and workers < 1:
        raise HubsimError(f"workers must be at least 1, not {workers}.")
    sweep = load_sweep(path)
    folder = SweepFolder.open(Path(out), sweep.name, sweep.sweep_id)
    with folder.lock():
        return _session(sweep, folder, workers, scheduler, plots, progress, announce)


def _session(sweep: Sweep, folder: SweepFolder, workers, scheduler, plots, progress, announce):
    """One call of run_sweep on its locked folder: run what is missing, then read it all back."""
    folder.tidy()
    folder.read_manifest()  # a damaged manifest stops the session before anything runs
    for line in folder.set_aside_damaged():
        announce(f"sweep {sweep.name}: {line}")
    before = folder.finished()
    todo = [key for key in sweep.run_keys() if key not in before]
    manifest = _manifest(sweep, folder, "dask" if scheduler is not None else "local", workers)
    folder.write_manifest(manifest)
    tally = {"ran": 0, "failed": 0}
    try:
        _run(sweep, folder, todo, workers, scheduler, progress, tally)
    except KeyboardInterrupt:
        folder.close_manifest(manifest, "interrupted", tally)
        raise RunInterrupted(_interrupted_message(sweep, folder)) from None
    except HubsimError as exc:  # e.g. an unreachable scheduler
        folder.close_manifest(manifest, f"stopped: {exc}", tally)
        raise
    finally:
        if progress is not None and hasattr(progress, "close"):
            progress.close()
    result = _collect(sweep, folder, tally, len(before), plots)
    status = "complete" if result.complete else f"incomplete: {result.failed} runs failed"
    folder.close_manifest(manifest, status, tally)
    return result


def _run(sweep: Sweep, folder, todo: list, workers, scheduler, progress, tally: dict) -> None:
    """Run the runs in `todo` locally or on Dask, writing each as it finishes."""
    if not todo:
        return
    tasks = (
        executors.RunTask(sweep.sweep_id, p, r, sweep.base, sweep.overrides(p), sweep.measured)
        for p, r in todo
    )
    if scheduler is None:
        records = executors.local_results(tasks, workers or executors.local_cores())
        _execute(sweep, folder, todo, records, progress, tally)
        return
    with executors.dask_client(scheduler) as client:
        records = executors.dask_results(tasks, client, workers)
        _execute(sweep, folder, todo, records, progress, tally)


def _execute(sweep, folder, todo, records, progress, tally) -> None:
    """Write each run as it finishes; a failed run leaves a record in failures/."""
    total, before = sweep.total_runs, sweep.total_runs - len(todo)
    if progress is not None:
        progress(before, total, 0, before)
    with closing(records):
        for record in records:
            if record.error is None:
                tally["ran"] += folder.save_row(record.key, run_row(sweep, record))
            else:
                tally["failed"] += 1
                folder.save_failed_run(record)
            if progress is not None:
                progress(before + tally["ran"], total, tally["failed"], before)


def run_row(sweep: Sweep, record: executors.RunRecord) -> pd.DataFrame:
    """One run as a one-row table: point, replication, seed, parameters, outcomes, run_seconds."""
    row = sweep.points.iloc[[record.point]].reset_index(drop=True)
    row.insert(0, "point", np.int64(record.point))
    row.insert(1, "replication", np.int64(record.replication))
    row.insert(2, "seed", np.int64(record.seed))
    for outcome in sweep.measured:
        row[outcome.text] = float(record.values[outcome.text])
    row["run_seconds"] = float(record.seconds)
    return row


def _collect(sweep: Sweep, folder: SweepFolder, tally: dict, before: int, plots: bool):
    rows = paired.add_paired(folder.read_rows(), sweep)
    summary = point_summary(rows, sweep)
    result = SweepResult(sweep, folder.root, rows, summary, folder.failure_records())
    result.ran, result.before = tally["ran"], before
    if not rows.empty:
        folder.write_table("summary.csv", summary)
    if plots and not rows.empty:
        from hubsim.experiments.sweep.plots import plot_sweep

        result.plots = plot_sweep(rows, sweep, folder.root / "plots")
    return result


def point_summary(rows: pd.DataFrame, sweep: Sweep) -> pd.DataFrame:
    """Per point: its parameters, runs finished, and each outcome's mean and 95 % band."""
    if rows.empty:
        return pd.DataFrame(columns=["point", *(p.column for p in sweep.parameters), "runs"])
    grouped = rows.groupby("point")
    table = sweep.points.loc[grouped.size().index].reset_index()
    table["runs"] = grouped.size().to_numpy()
    for column in summary_columns(sweep):
        values = grouped[column]
        table[column] = values.mean().to_numpy()
        table[column + "_lo"] = values.quantile(0.025).to_numpy()
        table[column + "_hi"] = values.quantile(0.975).to_numpy()
    for outcome in sweep.outcomes:
        if outcome.name == paired.COST:  # a ratio of the paired means, with no band of its own
            table[outcome.text] = paired.cost_per_point(rows, outcome).to_numpy()
            table[outcome.text + "_lo"] = table[outcome.text + "_hi"] = np.nan
    if sweep.reference_point is not None:
        table.insert(1, "reference", table["point"] == sweep.reference_point)
    return table


def summary_columns(sweep: Sweep) -> list[str]:
    """The outcomes of summary.csv: as written, each cost after the two differences it divides."""
    columns: list[str] = []
    for outcome in sweep.outcomes:
        if outcome.name == paired.COST:
            columns += [f"{name}@{outcome.city}" for name in paired.DIFFERENCES]
        columns.append(outcome.text)
    return list(dict.fromkeys(columns))


def _manifest(sweep: Sweep, folder: SweepFolder, executor: str, workers: int | None) -> dict:
    return {
        "sweep_name": sweep.name,
        "sweep_id": sweep.sweep_id,
        "sweep_file": str(sweep.path),
        "sweep": sweep.spec.model_dump(mode="json"),
        "base_scenario": sweep.base.model_dump(mode="json"),
        "base_sha256": sweep.base.digest(),
        "seed": sweep.base.seed,
        "seed_entropy": np.random.SeedSequence(sweep.base.seed).entropy,
        "replications": sweep.replications,
        "design": sweep.spec.design,
        "points": len(sweep.points),
        "runs_total": sweep.total_runs,
        "parameters": [
            {"key": p.key, "set_key": p.dotted, "column": p.column} for p in sweep.parameters
        ],
        "outcomes": [o.text for o in sweep.outcomes],
        **folder.session_fields(executor, workers),
    }


def _interrupted_message(sweep: Sweep, folder: SweepFolder) -> str:
    done = len(folder.finished())
    return (
        f"Sweep {sweep.name} interrupted: {done} of {sweep.total_runs} runs are on disk in "
        f"{folder.root}. Run the same command again to finish the other "
        f"{sweep.total_runs - done} (finished runs are skipped)."
    )


# --------------------------------------------------------------------------- terminal


def summary_text(result: SweepResult, max_points: int = 40) -> str:
    """The printed end of a sweep: counts, then each point's outcome means."""
    sweep = result.sweep
    lines = [
        f"Sweep {sweep.name} (id {sweep.sweep_id}): {sweep.spec.design} of {len(sweep.points)} "
        f"points x {sweep.replications} replications = {sweep.total_runs} runs",
        f"{len(result.rows)} on disk ({result.ran} run now, {result.before} before), "
        f"{result.failed} failed",
    ]
    if not result.summary.empty:
        columns = ["point", *(p.column for p in sweep.parameters), "runs"]
        columns += summary_columns(sweep)
        table = result.summary[columns].head(max_points)
        lines += ["", "Mean over replications:", table.to_string(index=False, float_format=_num)]
        if sweep.reference_point is not None:
            lines.append(
                f"extra_* and cost_per_extra_talent_yuan: against point {sweep.reference_point}"
                " on the same replication seeds (cost: mean extra spending / mean extra talent)"
            )
        if len(result.summary) > max_points:
            lines.append(f"... {len(result.summary) - max_points} more points in summary.csv")
    if result.failed:
        first = result.failures.iloc[0]
        runs = "1 run" if result.failed == 1 else f"{result.failed} runs"
        lines += [
            "",
            f"{runs} failed (records in {result.folder / 'failures'}); the first, "
            f"point {first.point} replication {first.replication}: {first.error}",
            "Run the same command again to retry failed runs.",
        ]
    return "\n".join(lines)


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
