"""`run_explore(path)`: run every (point, replication) of an explore's design, resumably, then
compute the sensitivity indices and the PRIM boxes and write the tables, figures and report.

Runs go to local processes by default or to a Dask cluster (the sweep's executors); each
finished run is a Parquet file in runs/, so a second call runs only what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from hubsim.errors import HubsimError, RunInterrupted
from hubsim.experiments import executors
from hubsim.experiments.explore import defaults, design, discover
from hubsim.experiments.explore.file import Explore, input_table, load_explore
from hubsim.experiments.explore.result import ExploreResult
from hubsim.experiments.store import SweepFolder

Runner = Callable[[Iterable[executors.RunTask], int], Iterator[executors.RunRecord]]


@dataclass
class ExploreFolder(SweepFolder):
    """An explore's folder: a sweep's runs/ and failures/, named as an explore in messages."""

    kind: str = "explore"
    TOOL: ClassVar[str] = "hubsim explore"


class ExploreProgressFn(Protocol):
    def __call__(self, done: int, total: int, failed: int, before: int) -> None: ...


def run_explore(
    path: str | Path,
    *,
    method: str | None = None,
    samples: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    out: str | Path = "results",
    plots: bool = True,
    progress: ExploreProgressFn | None = None,
    announce: Callable[[str], None] = print,
    runner: Runner | None = None,
) -> ExploreResult:
    """Run an explore file; runs already in its folder are skipped, so calling again resumes.

    Args:
        path: the explore YAML file.
        method: morris or sobol (default: the file's).
        samples: Morris trajectories or Sobol base samples (default: the file's).
        workers: local worker processes (default: all cores); with `scheduler`, runs in flight.
        scheduler: a Dask scheduler address or `distributed.Client`; None: local processes.
        out: results folder; the explore goes to `out/<name>/<explore-id>/`.
        plots: draw the figures into `plots/` once every run is in.
        progress: called after each run with (runs on disk, total, failed now, found on disk).
        announce: told about damaged run files set aside (to be redone).
        runner: instead of the executors, a function (tasks, workers) -> records (tests).

    Raises:
        HubsimError: a bad explore file, folder or scheduler (nothing is run).
        RunInterrupted: Ctrl-C; every finished run is on disk, rerun to finish.
    """
    if workers is not None and workers < 1:
        raise HubsimError(f"workers must be at least 1, not {workers}.")
    explore = load_explore(path, method=method, samples=samples)
    unit = design.unit_samples(
        explore.method, [i.name for i in explore.inputs], explore.samples,
        explore.spec.levels, explore.base.seed,
    )  # fmt: skip
    table = input_table(explore, unit)
    folder = ExploreFolder.open(Path(out), explore.name, explore.explore_id)
    with folder.lock():
        session = _Session(explore, folder, unit, table)
        return session.run(workers, scheduler, plots, progress, announce, runner)


@dataclass
class _Session:
    explore: Explore
    folder: SweepFolder
    unit: np.ndarray
    samples: pd.DataFrame

    @property
    def total(self) -> int:
        return len(self.samples) * self.explore.replications

    def keys(self) -> list[tuple[int, int]]:
        reps, points = self.explore.replications, len(self.samples)
        return [(p, r) for r in range(reps) for p in range(points)]

    def run(self, workers, scheduler, plots, progress, announce, runner) -> ExploreResult:
        folder = self.folder
        folder.tidy()
        folder.read_manifest()  # a damaged manifest stops the session before anything runs
        for line in folder.set_aside_damaged():
            announce(f"explore {self.explore.name}: {line}")
        before = folder.finished()
        todo = [key for key in self.keys() if key not in before]
        manifest = self._manifest("dask" if scheduler is not None else "local", workers)
        folder.write_manifest(manifest)
        folder.write_table("samples.csv", self.samples.reset_index())
        tally = {"ran": 0, "failed": 0}
        try:
            self._run(todo, workers, scheduler, progress, tally, runner)
        except KeyboardInterrupt:
            self._close(manifest, "interrupted", tally)
            done = len(folder.finished())
            raise RunInterrupted(
                f"Explore {self.explore.name} interrupted: {done} of {self.total} runs are on "
                f"disk in {folder.root}. Run the same command again to finish the other "
                f"{self.total - done} (finished runs are skipped)."
            ) from None
        except HubsimError as exc:
            self._close(manifest, f"stopped: {exc}", tally)
            raise
        finally:
            if progress is not None and hasattr(progress, "close"):
                progress.close()
        result = self._collect(tally, len(before), plots)
        status = "complete" if result.complete else f"incomplete: {result.failed} runs failed"
        self._close(manifest, status, tally)
        return result

    def _tasks(self, todo: list[tuple[int, int]]) -> Iterator[executors.RunTask]:
        explore = self.explore
        for point, replication in todo:
            row = self.samples.iloc[point]
            overrides = tuple(o for i in explore.inputs for o in i.overrides(row[i.name]))
            yield executors.RunTask(
                explore.explore_id, point, replication, explore.base, overrides, explore.outcomes
            )

    def _run(self, todo, workers, scheduler, progress, tally, runner) -> None:
        if not todo:
            return
        tasks = self._tasks(todo)
        count = workers or executors.local_cores()
        if runner is not None:
            self._write(todo, runner(tasks, count), progress, tally)
        elif scheduler is None:
            self._write(todo, executors.local_results(tasks, count), progress, tally)
        else:
            with executors.dask_client(scheduler) as client:
                records = executors.dask_results(tasks, client, workers)
                self._write(todo, records, progress, tally)

    def _write(self, todo, records, progress, tally) -> None:
        before = self.total - len(todo)
        if progress is not None:
            progress(before, self.total, 0, before)
        with closing(records) if hasattr(records, "close") else nullcontext():
            for record in records:
                if record.error is None:
                    tally["ran"] += self.folder.save_row(record.key, self._row(record))
                else:
                    tally["failed"] += 1
                    self.folder.save_failed_run(record)
                if progress is not None:
                    progress(before + tally["ran"], self.total, tally["failed"], before)

    def _row(self, record: executors.RunRecord) -> pd.DataFrame:
        row = self.samples.iloc[[record.point]].reset_index(drop=True)
        row.insert(0, "point", np.int64(record.point))
        row.insert(1, "replication", np.int64(record.replication))
        row.insert(2, "seed", np.int64(record.seed if record.seed is not None else -1))
        for outcome in self.explore.outcomes:
            row[outcome.text] = float(record.values[outcome.text])
        row["run_seconds"] = float(record.seconds)
        return row

    def _collect(self, tally: dict, before: int, plots: bool) -> ExploreResult:
        explore, folder = self.explore, self.folder
        rows = folder.read_rows()
        result = ExploreResult(
            explore, folder.root, self.samples, rows, pd.DataFrame(), {},
            failures=folder.failure_records(), ran=tally["ran"], before=before,
        )  # fmt: skip
        if rows.empty:
            return result
        folder.write_table("outcomes.csv", tidy_outcomes(rows, explore))
        if not result.complete:
            result.skipped = {"*": "the design is incomplete (runs failed): rerun to finish"}
            return result
        analyse(result, self.unit)
        folder.write_table("indices.csv", result.indices)
        folder.write_table("prim_boxes.csv", discover.box_rows(result.boxes))
        folder.write_table("prim_tradeoff.csv", discover.tradeoff_rows(result.boxes))
        if plots:
            from hubsim.experiments.explore.plots import plot_explore

            result.plots = plot_explore(result, folder.root / "plots")
        from hubsim.experiments.explore.report import write_report

        write_report(result, folder.root / "report.md")
        return result

    def _manifest(self, executor: str, workers: int | None) -> dict:
        explore = self.explore
        return {
            "explore_name": explore.name,
            "explore_id": explore.explore_id,
            "explore_file": str(explore.path),
            "explore": explore.spec.model_dump(mode="json"),
            "method": explore.method,
            "samples": explore.samples,
            "base_scenario": explore.base.model_dump(mode="json"),
            "base_sha256": explore.base.digest(),
            "seed": explore.base.seed,
            "replications": explore.replications,
            "points": len(self.samples),
            "runs_total": self.total,
            "inputs": [
                {
                    "name": i.name,
                    "keys": list(i.keys),
                    "low": i.low,
                    "high": i.high,
                    "factor_of": None if i.factor is None else list(i.factor),
                }
                for i in explore.inputs
            ],  # fmt: skip
            "outcomes": [o.text for o in explore.outcomes],
            **self.folder.session_fields(executor, workers),
        }

    def _close(self, manifest: dict, status: str, tally: dict) -> None:
        self.folder.close_manifest(manifest, status, tally)


def tidy_outcomes(rows: pd.DataFrame, explore: Explore) -> pd.DataFrame:
    """The runs' outcomes in long form: point, replication, outcome, value."""
    texts = [o.text for o in explore.outcomes]
    long = rows.melt(["point", "replication"], texts, var_name="outcome", value_name="value")
    return long.sort_values(["point", "replication", "outcome"], ignore_index=True)


def point_means(rows: pd.DataFrame, explore: Explore, points: int) -> pd.DataFrame:
    """Each outcome's mean over replications, one row per point in design order."""
    texts = [o.text for o in explore.outcomes]
    return rows.groupby("point")[texts].mean().reindex(range(points))


def analyse(result: ExploreResult, unit: np.ndarray) -> None:
    """Fill in the indices of every outcome and the PRIM boxes of every hub's events."""
    explore = result.explore
    names = [i.name for i in explore.inputs]
    means = point_means(result.rows, explore, len(result.samples))
    found, skipped = design.all_indices(
        explore.method, names, unit, means, explore.spec.levels, explore.base.seed
    )
    texts = [o.text for o in explore.outcomes]
    result.indices, result.skipped = design.ranked(found, explore.method, texts), skipped
    result.boxes = find_boxes(result.rows, explore)


def find_boxes(rows: pd.DataFrame, explore: Explore) -> list[discover.Box]:
    """A PRIM box per hub and event whose outcome column the explore recorded (run by run)."""
    names = [i.name for i in explore.inputs]
    measured = {o.text for o in explore.outcomes}
    settings = explore.spec.discover
    boxes = []
    for city in defaults.hubs(explore.base):
        for event in defaults.EVENTS:
            column = f"{event.column}@{city}"
            if column not in measured:
                continue
            values = rows[column]
            judged = values.notna().to_numpy()
            happened = event.happened(values[judged]).to_numpy()
            boxes.append(
                discover.find_box(
                    rows.loc[judged, names],
                    happened,
                    f"{event.name}@{city}",
                    event.what.format(city=city),
                    mass_min=settings.mass_min,
                    min_coverage=settings.min_coverage,
                )
            )
    return boxes


# --------------------------------------------------------------------------- terminal


def summary_text(result: ExploreResult, top: int = 3) -> str:
    """The printed end of an explore: counts, each hub's attainment's most influential inputs
    (every outcome's are in report.md), the PRIM boxes."""
    explore = result.explore
    lines = [
        f"Explore {explore.name} (id {explore.explore_id}): {explore.method} over "
        f"{len(explore.inputs)} inputs, {len(result.samples)} points x {explore.replications} "
        f"replications = {result.total_runs} runs",
        f"{len(result.rows)} on disk ({result.ran} run now, {result.before} before), "
        f"{result.failed} failed",
    ]
    key = "mu_star" if explore.method == "morris" else "ST"
    shown = result.indices[result.indices.outcome.str.startswith(defaults.ATTAINMENT + "@")]
    if not shown.empty:
        lines += ["", f"Most influential inputs ({key}; every outcome's in report.md):"]
        for outcome, table in shown.groupby("outcome", sort=False):
            best = ", ".join(
                f"{r.input} {getattr(r, key):.3g}" for r in table.head(top).itertuples()
            )
            lines.append(f"  {outcome}: {best}")
    found = [b for b in result.boxes if b.found]
    if found:
        lines += ["", "PRIM boxes (coverage / density):"]
        for box in found:
            stats = box.trajectory.iloc[box.chosen]
            inputs = ", ".join(box.limits.input) or "no input restricted"
            lines.append(f"  {box.what}: {stats.coverage:.2f} / {stats.density:.2f} ({inputs})")
    if result.failed:
        lines += ["", f"{result.failed} runs failed (records in {result.folder / 'failures'}); "
                  "run the same command again to retry them."]  # fmt: skip
    return "\n".join(lines)
