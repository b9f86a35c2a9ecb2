"""Resumable experiment folders `<out>/<name>/<id>/`, one implementation for every tool.

`ResumableFolder` is what sweeps, tuning studies and calibrations share: the folder made once
and reused by every session, a manifest written atomically (aside, then moved into place) and
checked before a session resumes, the sessions it records and the status of the last one.
`SweepFolder` adds a sweep's runs/ and failures/ (no run is ever written twice) and its lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import pandas as pd

from hubsim.errors import HubsimError
from hubsim.output import run_folder
from hubsim.output.run_folder import process_alive

RUN_FILE = re.compile(r"^p(\d{6})-r(\d{4})\.(parquet|json)$")
Key = tuple[int, int]  # (point, replication)


def run_name(key: Key, suffix: str = "parquet") -> str:
    return f"p{key[0]:06d}-r{key[1]:04d}.{suffix}"


@dataclass
class ResumableFolder:
    """The folder of one experiment id, shared by every session that runs it."""

    root: Path
    kind: str = "study"  # what the folder holds, for messages: "sweep", "study"
    SUBFOLDERS: ClassVar[tuple[str, ...]] = ()  # made in every folder of the class

    @classmethod
    def open(
        cls,
        out: Path,
        name: str,
        folder_id: str,
        *,
        subfolders: tuple[str, ...] = (),
        error: type[Exception] = HubsimError,
    ) -> Self:
        """The folder `out/name/folder_id/` with its `subfolders`, created if new, reused
        (resumed) if not; `error` (the tool's error class) if it cannot be created."""
        folder = cls(Path(out) / name / folder_id)
        try:
            folder.root.mkdir(parents=True, exist_ok=True)
            for sub in (*cls.SUBFOLDERS, *subfolders):
                (folder.root / sub).mkdir(exist_ok=True)
        except OSError as exc:
            raise error(
                f"--out {out}: cannot create the {folder.kind} folder {folder.root} "
                f"({exc.strerror}). Give --out a folder you can write to, e.g. --out results."
            ) from None
        return folder

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    def write_manifest(self, manifest: dict) -> None:
        """Replace the manifest whole: a reader never sees half of one."""
        self._write_json(self.manifest, manifest)

    def read_manifest(self) -> dict:
        """The manifest of earlier sessions ({} if none); a damaged one is a user error.

        Call it before a session runs anything: that is the resume check.
        """
        path = self.manifest
        if not path.exists():
            return {}
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            problem = "" if isinstance(manifest, dict) else "does not hold a mapping of keys"
            if not problem and not isinstance(manifest.get("sessions", []), list):
                problem = "has a 'sessions' entry that is not a list"
        except json.JSONDecodeError as exc:
            problem = f"is not valid JSON (line {exc.lineno})"
        except (UnicodeDecodeError, OSError) as exc:
            problem = f"cannot be read ({getattr(exc, 'strerror', None) or 'not UTF-8 text'})"
        if problem:
            raise HubsimError(
                f"{path} {problem}: the {self.kind}'s record of its sessions is damaged "
                f"({self.kept()} are not). Move it away or delete it (a new one is written; "
                "the history of earlier sessions is lost) and run the same command again: "
                f"{self.resumed()}"
            )
        return manifest

    def kept(self) -> str:
        """What a damaged manifest leaves whole (for its error message)."""
        return f"the trials in the {self.kind}'s storage"

    def resumed(self) -> str:
        """What the next session does with it (for the same message)."""
        return "the finished trials are kept and the study goes on."

    def sessions(self) -> list[dict]:
        """The sessions earlier calls recorded in the manifest, oldest first."""
        return list(self.read_manifest().get("sessions", []))

    def set_status(self, status: str) -> None:
        """Record how the last session ended ("complete", "interrupted", ...) in the manifest."""
        manifest = self.read_manifest()
        manifest.update(status=status, updated=now())
        self.write_manifest(manifest)

    def write_table(self, name: str, table: pd.DataFrame) -> Path:
        path = self.root / name
        tmp = path.with_name(f".{name}.tmp")
        table.to_csv(tmp, index=False)
        os.replace(tmp, path)
        return path

    @staticmethod
    def _write_json(path: Path, data: dict) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=2, default=str))
        os.replace(tmp, path)


@dataclass
class SweepFolder(ResumableFolder):
    """A sweep's folder: its runs/ and failures/, each run a file written once."""

    kind: str = "sweep"
    SUBFOLDERS: ClassVar[tuple[str, ...]] = ("runs", "failures")
    TOOL: ClassVar[str] = "hubsim sweep"  # the command whose sessions take the lock

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def failures(self) -> Path:
        return self.root / "failures"

    @property
    def damaged(self) -> Path:
        return self.root / "damaged"

    def kept(self) -> str:
        return f"the finished runs in {self.runs}"

    def resumed(self) -> str:
        return "the runs on disk are kept and only the missing ones run."

    def finished(self) -> set[Key]:
        """(point, replication) of every run on disk: what a resumed sweep skips."""
        return _keys(self.runs, "parquet")

    def failed(self) -> set[Key]:
        """Runs with a failure record and no row (a later success removes the record)."""
        return _keys(self.failures, "json") - self.finished()

    def save_row(self, key: Key, row: pd.DataFrame) -> bool:
        """Write one finished run; False (and nothing written) if it is already on disk."""
        final = self.runs / run_name(key)
        if final.exists():
            return False
        tmp = self.runs / f".{final.name}.{os.getpid()}.tmp"  # readers skip dot files
        with open(tmp, "wb") as handle:
            row.to_parquet(handle, index=False)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, final)  # fails if another writer got there first: never twice
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links
            if final.exists():
                return False
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        (self.failures / run_name(key, "json")).unlink(missing_ok=True)
        return True

    def save_failure(self, key: Key, record: dict) -> None:
        """Keep the error of a failed run (the latest attempt's) for the user and the summary."""
        self._write_json(self.failures / run_name(key, "json"), record)

    def save_failed_run(self, record: Any) -> None:
        """Keep a failed run's record (an `executors.RunRecord` with an error)."""
        self.save_failure(
            record.key,
            {
                "point": record.point,
                "replication": record.replication,
                "seed": record.seed,
                "error": record.error,
                "traceback": record.traceback,
                "when": now(),
            },
        )

    def session_fields(self, executor: str, workers: int | None) -> dict:
        """The manifest's versions and session history, with a new session started now."""
        old = self.read_manifest()
        return {
            "model_version": run_folder.MODEL_VERSION,
            "versions": run_folder.versions(),
            "git_commit": run_folder.git_commit(),
            "created": old.get("created", now()),
            "sessions": [
                *old.get("sessions", []),
                {"started": now(), "executor": executor, "workers": workers},
            ],
            "status": "running",
        }

    def close_manifest(self, manifest: dict, status: str, tally: dict) -> None:
        """Record how a session ended: its runs and failures, the folder's counts, `status`."""
        manifest["sessions"][-1].update(finished=now(), ran=tally["ran"], failed=tally["failed"])
        manifest.update(
            status=status,
            updated=now(),
            runs_done=len(self.finished()),
            runs_failed=len(self.failed()),
        )
        self.write_manifest(manifest)

    def failure_records(self) -> pd.DataFrame:
        rows = [
            json.loads((self.failures / run_name(key, "json")).read_text())
            for key in sorted(self.failed())
        ]
        return pd.DataFrame(rows, columns=["point", "replication", "seed", "error", "traceback"])

    def read_rows(self) -> pd.DataFrame:
        """Every finished run, sorted by point and replication (what pandas.read_parquet reads)."""
        if not self.finished():
            return pd.DataFrame()
        rows = pd.read_parquet(self.runs)
        return rows.sort_values(["point", "replication"], ignore_index=True)

    def set_aside_damaged(self) -> list[str]:
        """Move unreadable run and failure files to damaged/, so their runs are done again.

        Returns one line per file moved, for the terminal.
        """
        said = []
        for key in sorted(self.finished()):
            problem = _damaged_row(self.runs / run_name(key), key)
            if problem:
                said.append(self._set_aside(self.runs / run_name(key), problem))
        for key in sorted(_keys(self.failures, "json")):
            path = self.failures / run_name(key, "json")
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                said.append(self._set_aside(path, "not readable JSON"))
        return said

    def _set_aside(self, path: Path, problem: str) -> str:
        self.damaged.mkdir(exist_ok=True)
        aside = self.damaged / f"{path.name}.damaged"
        if aside.exists():  # damaged twice: keep both
            aside = aside.with_name(f"{path.name}.{time.strftime('%Y%m%d-%H%M%S')}.damaged")
        os.replace(path, aside)
        return (
            f"set aside {path.parent.name}/{path.name} ({problem}) as "
            f"{aside.parent.name}/{aside.name}; its run will be done again"
        )

    def tidy(self) -> None:
        """Remove temporary files that a killed session left (readers skip them anyway)."""
        for tmp in [*self.runs.glob(".*.tmp"), *self.failures.glob(".*.tmp")]:
            tmp.unlink(missing_ok=True)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One session at a time per sweep folder (a second would redo the same runs).

        A lock left by a session that died on this machine is taken over.
        """
        path = self.root / "LOCK"
        tmp = self.root / f".LOCK.{os.getpid()}.tmp"
        tmp.write_text(f"{socket.gethostname()} {os.getpid()}")
        try:
            for _ in range(3):
                try:
                    os.link(tmp, path)  # appears whole, and only if no session holds it
                    break
                except FileExistsError:
                    _clear_stale_lock(path, self.TOOL, self.kind)
            else:
                raise HubsimError(
                    f"{path}: cannot take the {self.kind}'s lock; delete it and retry."
                )
        finally:
            tmp.unlink(missing_ok=True)
        try:
            yield
        finally:
            path.unlink(missing_ok=True)


def _clear_stale_lock(path: Path, tool: str = "hubsim sweep", kind: str = "sweep") -> None:
    """Remove `path` if the session it names is gone; raise (naming the `tool` and the `kind`
    of folder) if that session still runs."""
    try:
        host, pid = path.read_text().split()
    except (FileNotFoundError, ValueError):
        path.unlink(missing_ok=True)
        return
    if host == socket.gethostname() and not process_alive(int(pid)):
        path.unlink(missing_ok=True)
        return
    raise HubsimError(
        f"{path.parent}: another `{tool}` session (pid {pid} on {host}) is running this "
        f"{kind}. Wait for it to finish, or stop it; if it is gone for good (e.g. its machine "
        f"crashed), delete {path} and run the command again."
    )


def _damaged_row(path: Path, key: Key) -> str:
    """Why the run file at `path` cannot be used, or '' if it is a good row of run `key`."""
    try:
        row = pd.read_parquet(path)
    except Exception:  # pyarrow raises many kinds of error for damaged bytes
        return "not readable Parquet: damaged or cut short"
    if len(row) != 1 or not {"point", "replication"} <= set(row.columns):
        return "not one row with point and replication"
    if (int(row.point.iloc[0]), int(row.replication.iloc[0])) != key:
        return "its row is of another run"
    return ""


def _keys(folder: Path, suffix: str) -> set[Key]:
    keys = set()
    for entry in os.scandir(folder):
        match = RUN_FILE.match(entry.name)
        if match and match.group(3) == suffix:
            keys.add((int(match.group(1)), int(match.group(2))))
    return keys


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
