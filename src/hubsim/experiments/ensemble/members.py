"""The ensemble file: one parameter set per row, written beside the fitted file it goes with.

`ensemble.csv` (or `ensemble-<suffix>.csv` beside `fitted-<suffix>.yaml`) has the columns
member, source, one per dotted scenario key (the fitted parameters and every city's amenity),
implausibility_max and worst_moment. A member is applied to a scenario as `--set KEY=VALUE`
overrides, so the keys are those of the scenario schema.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import yaml

from hubsim.errors import HubsimError, ScenarioError
from hubsim.experiments.replications import resolve
from hubsim.experiments.specfile import reword, yaml_text
from hubsim.scenario import Scenario

META = ("member", "source", "implausibility_max", "worst_moment")
DEFAULT_MEMBERS = 20  # members used by --ensemble without a number


class EnsembleError(HubsimError):
    """An ensemble file that cannot be found or used; the message names the fix."""


def ensemble_name(fitted: Path) -> Path:
    """The ensemble file beside a fitted file: fitted.yaml -> ensemble.csv,
    fitted-pre2020.yaml -> ensemble-pre2020.csv."""
    return fitted.with_name("ensemble" + fitted.stem.removeprefix("fitted") + ".csv")


def write_ensemble(members: pd.DataFrame, columns: list[str], path: Path) -> Path:
    """Write the members (the kept candidates) with their parameters as `path`."""
    table = members.reset_index(drop=True).copy()
    table.insert(0, "member", range(len(table)))
    keep = ["member", "source", *columns, "implausibility_max", "worst_moment"]
    table.reindex(columns=keep).to_csv(path, index=False, float_format="%.6g")
    return path


def find_ensemble(scenario_path: str | Path) -> Path:
    """The ensemble file beside the fitted file the scenario extends (following `extends:`)."""
    path = Path(scenario_path)
    seen: list[Path] = []
    while path.is_file() and path.resolve() not in seen:
        seen.append(path.resolve())
        if path.stem.startswith("fitted"):
            found = ensemble_name(path)
            if found.is_file():
                return found
            raise EnsembleError(
                f"{scenario_path}: it extends the fitted file {path}, but there is no ensemble "
                f"file beside it ({found}). Run `hubsim calibrate` on its calibration file (it "
                "writes ensemble.csv beside fitted.yaml), or give one with --ensemble-file."
            )
        try:
            parent = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("extends")
        except (yaml.YAMLError, OSError, AttributeError):
            parent = None
        if not isinstance(parent, str):
            break
        path = path.parent / parent
    raise EnsembleError(
        f"{scenario_path}: this scenario extends no fitted file (fitted*.yaml), so there is no "
        "ensemble beside one. Give the ensemble with --ensemble-file PATH (e.g. "
        "scenarios/calibration/ensemble-pre2020.csv)."
    )


def load_ensemble(path: str | Path, scenario: Scenario | None = None) -> pd.DataFrame:
    """The ensemble file checked: members with numeric, finite values; with `scenario`, every
    parameter column must be a key `--set` accepts on it (tried with the first member)."""
    path = Path(path)
    fix = (
        "Regenerate it with `hubsim calibrate CALIBRATION_FILE` (ensemble.csv beside "
        "fitted.yaml), or point --ensemble-file at a good one."
    )
    if not path.is_file():
        raise EnsembleError(f"{path}: ensemble file not found. {fix}")
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split())[:160] or "empty"
        raise EnsembleError(f"{path}: not a readable CSV table ({reason}). {fix}") from None
    if "member" not in table.columns or table.empty:
        raise EnsembleError(
            f"{path}: an ensemble file needs a 'member' column and at least one row (found "
            f"columns {', '.join(map(str, table.columns[:6])) or 'none'}). {fix}"
        )
    columns = parameter_columns(table)
    if not columns:
        raise EnsembleError(f"{path}: no parameter columns besides {', '.join(META)}. {fix}")
    for key in columns:
        values = pd.to_numeric(table[key], errors="coerce")
        bad = [i for i, v in enumerate(values) if not math.isfinite(v)]
        if bad:
            raise EnsembleError(
                f"{path}: column '{key}' has a value that is not a number in member "
                f"{table.member.iloc[bad[0]]} ({table[key].iloc[bad[0]]!r}). {fix}"
            )
        table[key] = values
    if scenario is not None:
        for key in columns:
            try:
                resolve(scenario, overrides=list(member_overrides(table.iloc[0], [key])))
            except ScenarioError as exc:
                raise EnsembleError(
                    f"{path}: column '{key}' cannot be applied to {scenario.name} "
                    f"({reword(str(exc)).rstrip('.')}). Each parameter column must be a dotted "
                    f"scenario key that --set accepts. {fix}"
                ) from None
    return table


def parameter_columns(table: pd.DataFrame) -> list[str]:
    return [str(c) for c in table.columns if c not in META]


def member_overrides(row: pd.Series, columns: list[str]) -> tuple[str, ...]:
    """A member as `--set` overrides (floats written with every digit)."""
    return tuple(f"{key}={yaml_text(float(row[key]))}" for key in columns)


def first_members(table: pd.DataFrame, n: int | None) -> pd.DataFrame:
    """The members used: the first `n` (DEFAULT_MEMBERS if None), in file order."""
    return table.head(n or DEFAULT_MEMBERS).reset_index(drop=True)
