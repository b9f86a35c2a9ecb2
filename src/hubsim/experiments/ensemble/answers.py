"""Answers over the ensemble: scenarios run for each parameter set x each replication.

`run_over_ensemble(scenarios, ...)` runs every (scenario, member, replication) on the sweep's
executors (local processes, or Dask with a scheduler) into a sweep-style folder
`<out>/<name>-ensemble/<id>/runs/`, so that a second call runs only what is missing. Every
member runs on the same replication seeds (the scenario's), so members and scenarios are
compared on common random numbers.

A member's values are applied as `--set` overrides. A scenario that itself moves a fitted
value away from the fitted file keeps its change: the member's value is shifted by it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import yaml

from hubsim.errors import RunInterrupted
from hubsim.experiments import executors
from hubsim.experiments.ensemble.members import (
    EnsembleError,
    find_ensemble,
    first_members,
    load_ensemble,
    member_overrides,
    parameter_columns,
)
from hubsim.experiments.outcomes import parse_outcome
from hubsim.experiments.replications import resolve
from hubsim.experiments.store import SweepFolder, now
from hubsim.output import verdict
from hubsim.scenario import CITY_KEYS, Scenario

MEASURES = ("reached", "talent_end", "ghost", "spending_yuan", "office_vacancy_end")
BAND = (0.05, 0.5, 0.95)


@dataclass
class EnsembleFolder(SweepFolder):
    """The runs of scenarios over the parameter ensemble, named as such in messages."""

    kind: str = "ensemble run"
    TOOL: ClassVar[str] = "hubsim run/compare --ensemble"


@dataclass
class EnsembleRun:
    """Every (scenario, member, replication) run, read back from its folder."""

    arms: list[Scenario]
    labels: list[str]
    members: pd.DataFrame
    replications: int
    folder: Path
    ensemble_file: Path
    rows: pd.DataFrame  # arm, member, replication, seed, one column per outcome
    ran: int = 0
    before: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return len(self.arms) * len(self.members) * self.replications


def run_over_ensemble(
    inputs: Sequence[str | Path],
    *,
    members: int | None = None,
    ensemble_file: str | Path | None = None,
    overrides: list[str] | None = None,
    seed: int | None = None,
    replications: int | None = None,
    months: int | None = None,
    scale: float | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    out: str | Path = "results",
    progress: Callable[[int, int, int, int], None] | None = None,
) -> EnsembleRun:
    """Run each scenario file of `inputs` for the first `members` ensemble members (20 if None)
    x its replications; resumable. The ensemble is `ensemble_file`, or the file beside the
    fitted file the first scenario extends.

    Raises:
        EnsembleError: no usable ensemble file (nothing is run).
        RunInterrupted: Ctrl-C; finished runs are on disk, rerun to go on.
    """
    arms = []
    for item in inputs:
        if Path(item).is_dir():
            raise EnsembleError(
                f"{item}: a run folder cannot be run again over the ensemble; give the "
                "scenario file it was run from instead."
            )
        arm = resolve(
            item, overrides=overrides, seed=seed, replications=replications, months=months,
            scale=scale,
        )  # fmt: skip
        seed = arm.seed  # the first scenario's seed serves all that follow (common seeds)
        replications = arm.replications
        arms.append(arm)
    path = Path(ensemble_file) if ensemble_file else find_ensemble(inputs[0])
    table = first_members(load_ensemble(path, arms[0]), members)
    columns = parameter_columns(table)
    shifts = [fitted_shifts(item, arm, columns) for item, arm in zip(inputs, arms, strict=True)]
    name = arms[0].name if len(arms) == 1 else "-vs-".join(a.name for a in arms)
    folder = EnsembleFolder.open(Path(out), f"{name}-ensemble", _run_id(arms, table))
    outcomes = tuple(parse_outcome(f"{m}@{c}", arms[0]) for c in CITY_KEYS for m in MEASURES)
    result = EnsembleRun(
        arms, [str(i) for i in inputs], table, int(replications or 1), folder.root, path,
        pd.DataFrame(),
    )  # fmt: skip
    with folder.lock():
        folder.tidy()
        folder.set_aside_damaged()  # their runs are done again
        done = folder.finished()
        keys = [
            (a * len(table) + m, r)
            for a in range(len(arms))
            for m in range(len(table))
            for r in range(result.replications)
        ]
        todo = [k for k in keys if k not in done]
        result.before = len(keys) - len(todo)
        tasks = (
            executors.RunTask(
                folder.root.name, p, r, arms[p // len(table)],
                _overrides(table.iloc[p % len(table)], columns, shifts[p // len(table)]),
                outcomes,
            )
            for p, r in todo
        )  # fmt: skip
        try:
            _execute(folder, tasks, workers, scheduler, progress, result, len(keys))
        except KeyboardInterrupt:
            raise RunInterrupted(
                f"ensemble runs interrupted: {len(folder.finished())} of {len(keys)} are kept in "
                f"{folder.root}. Run the same command again to finish the rest."
            ) from None
    result.rows = _read(folder, len(table))
    return result


def _execute(folder, tasks, workers, scheduler, progress, result: EnsembleRun, total) -> None:
    def consume(records: executors.Records) -> None:
        with closing(records):
            for record in records:
                if record.error is None:
                    row = pd.DataFrame([{"point": record.point, "replication": record.replication,
                                         "seed": record.seed, **record.values,
                                         "run_seconds": record.seconds}])  # fmt: skip
                    result.ran += folder.save_row(record.key, row)
                else:
                    result.failed += 1
                    folder.save_failure(record.key, {
                        "point": record.point, "replication": record.replication,
                        "seed": record.seed, "error": record.error,
                        "traceback": record.traceback, "when": now(),
                    })  # fmt: skip
                if progress is not None:
                    progress(result.before + result.ran, total, result.failed, result.before)

    if progress is not None:
        progress(result.before, total, 0, result.before)
    if scheduler is None:
        consume(executors.local_results(tasks, workers or executors.local_cores()))
        return
    with executors.dask_client(scheduler) as client:
        consume(executors.dask_results(tasks, client, workers))


def _read(folder: SweepFolder, n_members: int) -> pd.DataFrame:
    rows = folder.read_rows()
    if rows.empty:
        return rows
    rows.insert(0, "arm", rows.point // n_members)
    rows.insert(1, "member", rows.point % n_members)
    return rows


def _run_id(arms: list[Scenario], table: pd.DataFrame) -> str:
    """The same scenarios, seeds, replications and members give the same folder (resumed)."""
    digest = hashlib.sha256()
    for arm in arms:
        digest.update(arm.digest().encode())
    digest.update(table.to_csv(index=False).encode())
    return digest.hexdigest()[:12]


def _overrides(row: pd.Series, columns: list[str], shift: dict[str, float]) -> tuple[str, ...]:
    if not shift:
        return member_overrides(row, columns)
    moved = row.copy()
    for key, delta in shift.items():
        moved[key] = float(moved[key]) + delta
    return member_overrides(moved, columns)


def fitted_shifts(item: str | Path, scenario: Scenario, columns: list[str]) -> dict[str, float]:
    """How far the scenario moves each ensemble key from the fitted file it extends."""
    fitted = _fitted_values(Path(item))
    if not fitted:
        return {}
    data = scenario.model_dump(mode="json")
    shifts = {}
    for key in columns:
        mine, base = _lookup(data, key), _lookup(fitted, key)
        if isinstance(mine, int | float) and isinstance(base, int | float) and mine != base:
            shifts[key] = float(mine) - float(base)
    return shifts


def _fitted_values(path: Path) -> dict:
    """The raw mapping of the fitted file `path` extends ({} if none)."""
    seen = set()
    while path.is_file() and path.resolve() not in seen:
        seen.add(path.resolve())
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, OSError):
            return {}
        if path.stem.startswith("fitted"):
            return raw if isinstance(raw, dict) else {}
        parent = raw.get("extends") if isinstance(raw, dict) else None
        if not isinstance(parent, str):
            return {}
        path = path.parent / parent
    return {}


def _lookup(data: Any, dotted: str) -> Any:
    node = data
    for part in dotted.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


# --------------------------------------------------------------------------- summaries


def _band(values: pd.Series, prefix: str) -> dict[str, float]:
    values = values.dropna()
    if values.empty:
        return {f"{prefix}_p{int(q * 100):02d}": np.nan for q in BAND}
    return {f"{prefix}_p{int(q * 100):02d}": float(values.quantile(q)) for q in BAND}


def run_summary(result: EnsembleRun, arm: int = 0) -> pd.DataFrame:
    """Per city over (member x replication): the probability of reaching the target (share of
    the pairs whose target is judged), the band of talent at the horizon, the ghost share, the
    band of spending."""
    rows = result.rows[result.rows.arm == arm]
    out = []
    for city in CITY_KEYS:
        reached = rows[f"reached@{city}"].dropna()
        row = {
            "city": city,
            "pairs": len(rows),
            "judged_pairs": len(reached),
            "p_reach": float(reached.mean()) if len(reached) else np.nan,
        }
        row.update(_band(rows[f"talent_end@{city}"], "talent_end"))
        ghost = rows[f"ghost@{city}"].dropna()
        row["ghost_share"] = float(ghost.mean()) if len(ghost) else np.nan
        row.update(_band(rows[f"spending_yuan@{city}"], "spending_yuan"))
        out.append(row)
    return pd.DataFrame(out)


def compare_summary(result: EnsembleRun) -> pd.DataFrame:
    """Per other scenario and city: the band of the paired difference against the first
    scenario (same member, same replication) and the probability that it is positive, for
    talent at the horizon and spending; and each scenario's probability of reaching the target."""
    rows = result.rows.set_index(["arm", "member", "replication"])
    out = []
    for arm in range(1, len(result.arms)):
        for city in CITY_KEYS:
            row: dict[str, Any] = {"scenario": result.arms[arm].name, "city": city}
            for measure in ("talent_end", "spending_yuan"):
                diff = rows.loc[arm][f"{measure}@{city}"] - rows.loc[0][f"{measure}@{city}"]
                diff = diff.dropna()
                row.update(_band(diff, f"diff_{measure}"))
                row[f"p_diff_{measure}_positive"] = (
                    float((diff > 0).mean()) if len(diff) else np.nan
                )
            for i in (0, arm):
                reached = rows.loc[i][f"reached@{city}"].dropna()
                name = "reference" if i == 0 else "scenario"
                row[f"p_reach_{name}"] = float(reached.mean()) if len(reached) else np.nan
            row["pairs"] = int(len(rows.loc[arm]))
            out.append(row)
    return pd.DataFrame(out)


def ensemble_verdict(result: EnsembleRun, arm: int = 0) -> pd.DataFrame:
    """The verdict table of one scenario over (parameter set x replication) pairs."""
    rows = result.rows[result.rows.arm == arm]
    basis = headline(result).removeprefix("over ")
    return verdict.verdict_table(verdict.pairs_from_ensemble(rows), result.arms[arm], basis)


def write_summary(result: EnsembleRun) -> Path:
    """ensemble_summary.csv in the run's folder: the run's table, or the comparison's."""
    table = compare_summary(result) if len(result.arms) > 1 else run_summary(result)
    path = result.folder / "ensemble_summary.csv"
    tmp = path.with_name(".ensemble_summary.csv.tmp")
    table.to_csv(tmp, index=False)
    tmp.replace(path)
    return path


def headline(result: EnsembleRun) -> str:
    sets, reps = len(result.members), result.replications
    return (
        f"over {sets} parameter set{'s' * (sets != 1)} x {reps} replication{'s' * (reps != 1)} "
        f"({result.ensemble_file})"
    )


def summary_text(result: EnsembleRun) -> str:
    """The terminal table of a run or a comparison over the ensemble."""
    if result.rows.empty:
        return f"no run over the ensemble finished ({result.failed} failed; see {result.folder})"
    names = " vs ".join(a.name for a in result.arms)
    lines = [f"{names} {headline(result)}:"]
    lines += _run_lines(result) if len(result.arms) == 1 else _compare_lines(result)
    if result.failed:
        lines.append(f"{result.failed} runs failed (records in {result.folder / 'failures'}); "
                     "run the same command again to retry them")  # fmt: skip
    return "\n".join(lines)


def _run_lines(result: EnsembleRun) -> list[str]:
    header = ["city", "P(target)", "talent at the end, 5/50/95 %", "ghost",
              "spending, 5/50/95 % (bn yuan)"]  # fmt: skip
    cells = [
        [r.city, _p(r.p_reach), _band_text(r, "talent_end", 1e6, "M"), _p(r.ghost_share),
         _band_text(r, "spending_yuan", 1e9, "")]
        for _, r in run_summary(result).iterrows()
    ]  # fmt: skip
    note = ("P(target): share of (parameter set x replication) pairs reaching it; '-': no "
            "target judged in the run")  # fmt: skip
    return [*_aligned([header, *cells], (-10, 9, 32, 6, 30)), note]


def _compare_lines(result: EnsembleRun) -> list[str]:
    header = ["scenario", "city", "extra talent at the end, 5/50/95 %", "P(>0)",
              "P(target) ref -> scen"]  # fmt: skip
    cells = [
        [r.scenario[:18], r.city, _band_text(r, "diff_talent_end", 1e3, "k"),
         _p(r.p_diff_talent_end_positive), f"{_p(r.p_reach_reference)} -> "
         f"{_p(r.p_reach_scenario)}"]
        for _, r in compare_summary(result).iterrows()
    ]  # fmt: skip
    note = "differences paired on the same parameter set and replication seeds"
    return [*_aligned([header, *cells], (-18, -10, 36, 6, 22)), note]


def _aligned(rows: list[list[str]], widths: tuple[int, ...]) -> list[str]:
    """Rows of cells padded to `widths` (negative: left-aligned)."""
    return [
        " ".join(f"{c:<{-w}s}" if w < 0 else f"{c:>{w}s}" for c, w in zip(row, widths, strict=True))
        for row in rows
    ]


def _p(value: float) -> str:
    return "-" if not np.isfinite(value) else f"{value:.2f}"


def _band_text(row: pd.Series, prefix: str, unit: float, suffix: str) -> str:
    values = [row[f"{prefix}_p{int(q * 100):02d}"] / unit for q in BAND]
    if not all(np.isfinite(values)):
        return "-"
    return " / ".join(f"{v:.2f}{suffix}" for v in values)
