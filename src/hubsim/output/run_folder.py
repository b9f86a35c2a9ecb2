"""Run folders: `results/<scenario>/<run-id>/`, written so that a folder is complete or marked.

While a run goes on it lives in `<run-id>.partial/` (finished replications saved as they end);
only a finished run is renamed to `<run-id>/`. An interrupted one keeps what it had written.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from hubsim.errors import HubsimError
from hubsim.output.result import RunResult
from hubsim.scenario import Scenario

MODEL_VERSION = "2"  # bump when a change makes old run folders incomparable
INCOMPLETE = "INCOMPLETE.txt"


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
    def create(cls, out: Path, scenario: Scenario) -> RunFolder:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_id = f"{stamp}-{scenario.digest()[:8]}-s{scenario.seed}"
        final = out / scenario.name / run_id
        partial = final.with_name(run_id + ".partial")
        try:
            (partial / "replications").mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            raise HubsimError(
                f"{partial}: a run with this id is being written; wait a second."
            ) from None
        except OSError as exc:
            raise HubsimError(
                f"--out {out}: cannot create the run folder {partial} ({exc.strerror}). Give "
                "--out a folder you can write to, e.g. --out results."
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
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "status": "running",
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
        for name in ("city_month", "flows_year"):
            tmp = folder / f"{name}_r{replication:03d}.parquet.tmp"
            part[name].to_parquet(tmp, index=False)
            os.replace(tmp, folder / f"{name}_r{replication:03d}.parquet")

    def mark_interrupted(self, reason: str) -> Path:
        self.manifest["status"] = f"incomplete: {reason}"
        self._write_json("manifest.json", self.manifest)
        return self.partial

    def finish(self, result: RunResult, plots: bool = True) -> Path:
        """Write the tables and plots, then rename the folder to its final name."""
        p = self.partial
        result.city_month.to_parquet(p / "city_month.parquet", index=False)
        result.flows_year.to_parquet(p / "flows_year.parquet", index=False)
        result.pool_year.to_parquet(p / "pool_year.parquet", index=False)
        result.summary.to_csv(p / "summary.csv", index=False)
        result.calibration.to_csv(p / "calibration.csv", index=False)
        result.replications.to_csv(p / "summary_by_replication.csv", index=False)
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


def load_run(folder: str | Path) -> dict:
    """Read a complete run folder: manifest and tables (for compare and notebooks)."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise HubsimError(f"{folder}: not a hubsim run folder (no manifest.json).")
    manifest = json.loads(manifest_path.read_text())
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
    return {
        "manifest": manifest,
        "city_month": pd.read_parquet(folder / "city_month.parquet"),
        "flows_year": pd.read_parquet(folder / "flows_year.parquet"),
        "summary": pd.read_csv(folder / "summary.csv"),
    }
