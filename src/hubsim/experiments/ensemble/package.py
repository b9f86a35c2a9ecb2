"""A tuned package checked over the ensemble: does it meet its constraints for every plausible
parameter set, or only at the point estimate the study tuned it on?

`tune --ensemble` runs the study's best package (its `best.yaml`) for each member x replication
(`answers.run_over_ensemble`) and judges each constraint ("city reaches its target in at least a
share p of runs") on the shares over all (member x replication) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hubsim.experiments.ensemble.answers import EnsembleRun, headline, run_over_ensemble
from hubsim.experiments.ensemble.members import find_ensemble


@dataclass(frozen=True)
class Promise:
    """A constraint of the tuning: `city` reaches its target in at least `at_least` of runs;
    `point_share` is the share the study measured at the point estimate (None if unknown)."""

    name: str
    city: str
    at_least: float
    point_share: float | None


def check_package(
    best_file: Path,
    base_file: Path,
    promises: list[Promise],
    *,
    members: int | None = None,
    ensemble_file: str | Path | None = None,
    **options,
) -> tuple[EnsembleRun, pd.DataFrame]:
    """Run `best_file` over the ensemble (found beside the fitted file `base_file` extends unless
    given) and judge each promise; `options` go to `run_over_ensemble` (workers, out, ...)."""
    path = Path(ensemble_file) if ensemble_file else find_ensemble(base_file)
    result = run_over_ensemble([best_file], members=members, ensemble_file=path, **options)
    return result, judge(result, promises)


def judge(result: EnsembleRun, promises: list[Promise]) -> pd.DataFrame:
    """Per promise: the share over all pairs, how many members meet it alone, the verdict."""
    rows = []
    for promise in promises:
        column = result.rows[f"reached@{promise.city}"].fillna(0.0)  # unjudged: not reached
        share = float(column.mean()) if len(column) else np.nan
        by_member = column.groupby(result.rows.member).mean()
        point = promise.point_share
        if share >= promise.at_least:
            verdict = "meets it over the ensemble"
        elif point is not None and point >= promise.at_least:
            verdict = "meets it only at the point estimate"
        else:
            verdict = "does not meet it"
        rows.append(
            {
                "constraint": promise.name,
                "city": promise.city,
                "promised": promise.at_least,
                "point_share": point,
                "ensemble_share": share,
                "members_meeting": int((by_member >= promise.at_least).sum()),
                "members": int(len(by_member)),
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def check_text(result: EnsembleRun, table: pd.DataFrame) -> str:
    lines = [f"the best package {headline(result)}:"]
    for _, r in table.iterrows():
        point = "?" if r.point_share is None or pd.isna(r.point_share) else f"{r.point_share:.2f}"
        lines.append(
            f"  {r.constraint}: share {r.ensemble_share:.2f} over the ensemble (point estimate "
            f"{point}); {r.members_meeting} of {r.members} parameter sets meet it alone: "
            f"{r.verdict}"
        )
    return "\n".join(lines)
