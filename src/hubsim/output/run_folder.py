"""Run folders: `results/<scenario>/<run-id>/`, written so that a folder is complete or marked.

While a run goes on it lives in `<run-id>.partial/` (finished replications saved as they end);
only a finished run is renamed to `<run-id>/`. An interrupted one keeps what it had written, and
the next run of the same scenario and seed resumes from it.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from hubsim.errors import HubsimError
from hubsim.output import verdict
from hubsim.output.result import RunResult
from hubsim.scenario import Scenario
from hubsim.scenario.off_record import scenario_warnings

MODEL_VERSION = "3"  # bump when a change makes old run folders incomparable (3: sectors)
INCOMPLETE = "INCOMPLETE.txt"
# What a finished replication leaves: every table `replications.simulate` returns, so that a
# resumed run assembles the kept replications as the uninterrupted run does.
PART_TABLES = ("city_month", "city_sector_month", "flows_year", "pool_year", "initial")
_NONE_FINISHED = "it had no finished replication"
TABLES = {  # the files of a complete run folder that compare reads -> the columns it needs
    "city_month.parquet": ("date", "city", "metric", "value", "replication"),
    "flows_year.parquet": ("year", "origin", "destination", "degree", "movers", "replication"),
    "city_sector_month.parquet": (
        "date",
        "city",
        "sector",
        "headquarters",
        "metric",
        "value",
        "replication",
    ),
    "summary.csv": ("city",),
    "summary_by_replication.csv": ("city", "replication"),
}
MANIFEST_KEYS = ("scenario", "seed", "replications", "status", "model_version")
SCENARIO_KEYS = ("name", "start", "months")


def versions() -> dict[str, str]:
    names = ("hubsim", "mesa", "numpy", "pandas", "pydantic", "pyarrow", "matplotlib")
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


@dataclass
class RunFolder:
    """A run folder being written."""

    final: Path
    partial: Path
    manifest: dict

    @classmethod
    def open(
        cls, out: Path, scenario: Scenario, announce: Callable[[str], None]
    ) -> tuple[RunFolder, list[dict[str, pd.DataFrame]]]:
        """A folder for a run of `scenario`, and the replications an interrupted run finished.

        A `<run-id>.partial/` folder of the same scenario (same SHA-256, so the same seed and
        replications) and model version is resumed: its finished replications are kept, as
        they would be computed again bit for bit. Other interrupted runs of this scenario name
        (or made by other code: another commit or package versions) are stale and removed. A
        partial folder whose run may still be going is left alone.
        """
        found = []
        parent = Path(out) / scenario.name
        for partial in sorted(parent.glob("*.partial")) if parent.is_dir() else []:
            manifest, why_stale = _partial_state(partial, scenario)
            if manifest is None and not why_stale:
                continue  # its run may still be going
            parts = [] if why_stale else _finished_parts(partial, scenario.replications)
            found.append((len(parts), partial, manifest, parts, why_stale or _NONE_FINISHED))
        best = max((f for f in found if f[0] > 0), default=None, key=lambda f: f[0])
        for kept, partial, _manifest, _parts, why_stale in found:
            if best is None or partial != best[1]:
                shutil.rmtree(partial, ignore_errors=True)
                why = why_stale if kept == 0 else "a fuller interrupted run of it is resumed"
                announce(f"removed the stale partial run folder {partial} ({why})")
        if best is None:
            return cls.create(out, scenario), []
        kept, partial, manifest, parts, _ = best
        folder = cls(partial.with_name(partial.name.removesuffix(".partial")), partial, manifest)
        for tmp in (partial / "replications").glob("*.tmp"):
            tmp.unlink()
        manifest.update(status="running", **_session())
        manifest["resumed"] = [*manifest.get("resumed", []), {"at": _now(), "kept": kept}]
        folder._write_json("manifest.json", manifest)
        announce(f"resuming: {kept} of {scenario.replications} replications kept from {partial}")
        return folder, parts

    @classmethod
    def create(cls, out: Path, scenario: Scenario) -> RunFolder:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        stem = out / scenario.name / f"{stamp}-{scenario.digest()[:8]}-s{scenario.seed}"
        try:
            final, partial = new_folder(stem)
            (partial / "replications").mkdir()
        except OSError as exc:
            raise HubsimError(
                f"--out {out}: cannot create the run folder {stem}.partial ({exc.strerror}). "
                "Give --out a folder you can write to, e.g. --out results."
            ) from None
        manifest = {
            "scenario_name": scenario.name,
            "scenario_sha256": scenario.digest(),
            "scenario": scenario.model_dump(mode="json"),
            "seed": scenario.seed,
            "seed_entropy": np.random.SeedSequence(scenario.seed).entropy,
            "replications": scenario.replications,
            "model_version": MODEL_VERSION,
            "versions": versions(),
            "git_commit": git_commit(),
            "started": _now(),
            "status": "running",
            "warnings": scenario_warnings(scenario),  # values far outside the record
            **_session(),
        }
        folder = cls(final, partial, manifest)
        folder._write_json("manifest.json", manifest)
        (partial / INCOMPLETE).write_text(
            "This run did not finish (it is still running, was interrupted or failed).\n"
            "Finished replications are in replications/; rerun the command for a complete run.\n"
        )
        return folder

    def _write_json(self, name: str, data: dict) -> None:
        tmp = self.partial / (name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, default=str))
        os.replace(tmp, self.partial / name)

    def save_replication(self, replication: int, part: dict[str, pd.DataFrame]) -> None:
        """Keep a finished replication on disk at once, so an interruption loses none."""
        folder = self.partial / "replications"
        for name in PART_TABLES:
            tmp = folder / f"{name}_r{replication:03d}.parquet.tmp"
            part[name].to_parquet(tmp, index=name == "initial")  # initial is indexed by node
            os.replace(tmp, folder / f"{name}_r{replication:03d}.parquet")

    def mark_interrupted(self, reason: str) -> Path:
        self.manifest["status"] = f"incomplete: {reason}"
        self._write_json("manifest.json", self.manifest)
        return self.partial

    def finish(self, result: RunResult, plots: bool = True) -> Path:
        """Write the tables and plots, then rename the folder to its final name."""
        p = self.partial
        result.city_month.to_parquet(p / "city_month.parquet", index=False)
        result.city_sector_month.to_parquet(p / "city_sector_month.parquet", index=False)
        result.flows_year.to_parquet(p / "flows_year.parquet", index=False)
        result.pool_year.to_parquet(p / "pool_year.parquet", index=False)
        result.summary.to_csv(p / "summary.csv", index=False)
        result.calibration.to_csv(p / "calibration.csv", index=False)
        result.replications.to_csv(p / "summary_by_replication.csv", index=False)
        verdict.write(verdict.run_verdict(result.scenario, result.replications), p)
        if plots:
            result.plot(p / "plots")
        for f in (p / "replications").iterdir():
            f.unlink()
        (p / "replications").rmdir()
        self.manifest.update(
            status="complete",
            finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            timings_s={k: round(v, 3) for k, v in result.timings.items()},
        )
        self._write_json("manifest.json", self.manifest)
        (p / INCOMPLETE).unlink()
        os.replace(p, self.final)
        return self.final


def new_folder(stem: Path) -> tuple[Path, Path]:
    """(final, partial) names of a folder not used yet, `<stem>.partial/` created: `-2`, `-3`
    ... are added to the stem for folders of one id started in the same second.

    Raises:
        OSError: `<stem>.partial` cannot be created.
        HubsimError: 99 folders of this id exist.
    """
    for number in range(1, 100):
        final = stem if number == 1 else stem.with_name(f"{stem.name}-{number}")
        partial = final.with_name(final.name + ".partial")
        if final.exists():
            continue
        try:
            partial.mkdir(parents=True)
        except FileExistsError:
            continue
        return final, partial
    raise HubsimError(f"{stem}: too many folders with this id; wait a second.")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _session() -> dict:
    """Who writes the folder: a later run can tell an interrupted run from a running one."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _partial_state(partial: Path, scenario: Scenario) -> tuple[dict | None, str]:
    """(manifest, '') for a partial run `scenario` can resume, (None, why) for a stale one and
    (None, '') for one that may still be running."""
    try:
        manifest = json.loads((partial / "manifest.json").read_text(encoding="utf-8"))
        status, host, pid = str(manifest["status"]), manifest.get("host"), manifest.get("pid")
        if "scenario_sha256" not in manifest:
            raise KeyError("scenario_sha256")
    except (OSError, ValueError, KeyError, TypeError):
        return None, "its manifest.json is missing or damaged"
    if status == "running" and (host != socket.gethostname() or _alive(pid)):
        return None, ""
    why = why_not_this_run(manifest, scenario)
    return (None, why) if why else (manifest, "")


def why_not_this_run(manifest: dict, scenario: Scenario) -> str:
    """Why the run folder of `manifest` does not hold what a run of `scenario` by this code
    computes, bit for bit; '' if it does. The one test of whether a run's replications may be
    kept: a resumed run and `compare` reuse only what passes it."""
    if manifest.get("model_version") != MODEL_VERSION:
        return f"it was made by model version {manifest.get('model_version')}"
    # The digest covers the resolved scenario: seed, replications, months and scale included.
    digest = manifest.get("scenario_sha256")
    if digest != scenario.digest() or manifest.get("seed") != scenario.seed:
        return "its scenario or seed differs from this run's"
    # Asked last: git_commit() starts a process, once per run folder of the scenario looked at.
    if manifest.get("versions") != versions() or manifest.get("git_commit") != git_commit():
        return "it was made by another hubsim commit or other package versions"
    return ""


def finished_run(out: str | Path, scenario: Scenario) -> Path | None:
    """The newest complete run folder of `scenario` in `out` that passes `why_not_this_run`
    (what this code would compute again, bit for bit), or None."""
    parent = Path(out) / scenario.name
    runs = sorted(parent.iterdir(), reverse=True) if parent.is_dir() else []
    for folder in runs:  # run ids begin with their start time: the newest first
        if folder.name.endswith(".partial") or (folder / INCOMPLETE).exists():
            continue
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not a run folder, or damaged: not one to reuse
        if not isinstance(manifest, dict) or manifest.get("status") != "complete":
            continue
        if not why_not_this_run(manifest, scenario):
            return folder
    return None


def process_alive(pid: int) -> bool:
    """Whether the process `pid` of this machine still runs (one we may not signal counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return True  # unknown: assume the run may still be going
    return process_alive(pid)


def _finished_parts(partial: Path, replications: int) -> list[dict[str, pd.DataFrame]]:
    """The finished replications 0, 1, ... of a partial run, up to the first missing one."""
    parts = []
    for replication in range(replications):
        files = {
            n: partial / "replications" / f"{n}_r{replication:03d}.parquet" for n in PART_TABLES
        }
        try:
            parts.append({name: pd.read_parquet(path) for name, path in files.items()})
        except Exception:  # missing, or cut short by the interruption: redo from here
            break
    return parts


def load_run(folder: str | Path) -> dict:
    """Read a complete run folder: manifest and tables (for compare and notebooks).

    Raises:
        HubsimError: the folder is not a run, is incomplete or from another model version, or
            one of its files is missing or damaged (the message names the file and the fix).
    """
    folder = Path(folder)
    manifest = _read_manifest(folder)
    if (folder / INCOMPLETE).exists() or manifest.get("status") != "complete":
        raise HubsimError(
            f"{folder}: this run is incomplete ({manifest.get('status')}). Run the scenario "
            "again to get a complete folder."
        )
    if manifest.get("model_version") != MODEL_VERSION:
        raise HubsimError(
            f"{folder}: made by model version {manifest.get('model_version')}, this hubsim is "
            f"version {MODEL_VERSION}; rerun the scenario."
        )
    tables = {name: _read_table(folder, name, manifest) for name in TABLES}
    return {
        "manifest": manifest,
        "city_month": tables["city_month.parquet"],
        "flows_year": tables["flows_year.parquet"],
        "city_sector_month": tables["city_sector_month.parquet"],
        "summary": tables["summary.csv"],
        "summary_by_replication": tables["summary_by_replication.csv"],
    }


def _damaged(folder: Path, name: str, problem: str, manifest: dict | None = None) -> HubsimError:
    """One paragraph: which file of which run folder, what is wrong, how to get a good one."""
    manifest = manifest or {}
    scenario = manifest.get("scenario")
    named = scenario.get("name") if isinstance(scenario, dict) else None
    again = "run its scenario again (python -m hubsim run SCENARIO_FILE)"
    if named:
        given = {**scenario, **manifest}
        options = "".join(
            f" --{key} {given[key]:g}" if key == "scale" else f" --{key} {given[key]}"
            for key in ("seed", "replications", "months", "scale")
            if key in given
        )
        again = (
            f"run the scenario again (python -m hubsim run scenarios/{named}.yaml{options}, "
            "or the file it came from)"
        )
    return HubsimError(
        f"{folder / name} {problem}, so the run folder {folder} cannot be used. The folder is "
        f"damaged or was not written by hubsim: {again} and use the new folder, or give the "
        "scenario file instead of the folder (compare then runs it)."
    )


def _read_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.exists():
        if not folder.exists():
            raise HubsimError(f"{folder}: no such folder. Give a run folder or a scenario file.")
        runs = sorted(p.name for p in folder.iterdir() if (p / "manifest.json").is_file())
        if runs:  # e.g. results/baseline, the folder of a scenario's runs
            raise HubsimError(
                f"{folder}: this folder holds run folders ({', '.join(runs[-3:])}"
                f"{', ...' if len(runs) > 3 else ''}), it is not one itself. Give one of them, "
                f"e.g. {folder / runs[-1]} (the newest), or the scenario file."
            )
        raise _damaged(folder, "manifest.json", "is missing (every hubsim run folder has one)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise _damaged(folder, "manifest.json", f"is not valid JSON (line {exc.lineno})") from None
    except (UnicodeDecodeError, OSError) as exc:
        why = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise _damaged(folder, "manifest.json", f"cannot be read ({why})") from None
    if not isinstance(manifest, dict):
        raise _damaged(folder, "manifest.json", "does not hold a mapping of keys")
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    scenario = manifest.get("scenario")
    if not missing and not isinstance(scenario, dict):
        missing = ["scenario (a mapping)"]
    elif not missing:
        missing = [f"scenario.{key}" for key in SCENARIO_KEYS if key not in scenario]
    if missing:
        raise _damaged(folder, "manifest.json", f"lacks the key {', '.join(missing)}", manifest)
    return manifest


def _read_table(folder: Path, name: str, manifest: dict) -> pd.DataFrame:
    path = folder / name
    if not path.exists():
        raise _damaged(folder, name, "is missing", manifest)
    try:
        table = pd.read_parquet(path) if name.endswith(".parquet") else pd.read_csv(path)
    except Exception:  # pyarrow and pandas raise many kinds of error for damaged bytes
        kind = "Parquet" if name.endswith(".parquet") else "CSV"
        problem = f"is not a readable {kind} file (damaged, cut short or overwritten)"
        raise _damaged(folder, name, problem, manifest) from None
    missing = [column for column in TABLES[name] if column not in table.columns]
    if missing or table.empty:
        what = f"lacks the column {', '.join(missing)}" if missing else "holds no rows"
        raise _damaged(folder, name, what, manifest)
    return table
