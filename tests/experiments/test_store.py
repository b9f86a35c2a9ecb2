"""The one resumable-folder implementation (experiments.store) that sweeps, tuning studies and
calibrations share: creation, the manifest written whole and checked on resume, the status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hubsim.errors import HubsimError
from hubsim.experiments.store import ResumableFolder, SweepFolder
from hubsim.experiments.study import open_study_folder, study_folder


class ToolError(HubsimError):
    """Stands for a tool's own error class."""


def test_a_folder_is_created_once_and_reused(tmp_path: Path) -> None:
    first = ResumableFolder.open(tmp_path, "name", "id1", subfolders=("plots",))
    assert first.root == tmp_path / "name" / "id1" and (first.root / "plots").is_dir()
    first.write_manifest({"sessions": [{"n": 1}]})
    again = ResumableFolder.open(tmp_path, "name", "id1", subfolders=("plots",))
    assert again.sessions() == [{"n": 1}]


def test_the_manifest_is_written_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    folder = ResumableFolder.open(tmp_path, "n", "i")
    folder.write_manifest({"a": 1, "sessions": []})
    folder.write_manifest({"a": 2, "sessions": []})
    assert json.loads(folder.manifest.read_text()) == {"a": 2, "sessions": []}
    assert sorted(p.name for p in folder.root.iterdir()) == ["manifest.json"]


def test_set_status_keeps_the_rest_of_the_manifest(tmp_path: Path) -> None:
    folder = ResumableFolder.open(tmp_path, "n", "i")
    folder.write_manifest({"sessions": [{"n": 1}], "status": "running"})
    folder.set_status("interrupted")
    manifest = folder.read_manifest()
    assert manifest["status"] == "interrupted" and manifest["sessions"] == [{"n": 1}]
    assert "updated" in manifest


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "is not valid JSON (line 1)"),
        ("[1, 2]", "does not hold a mapping of keys"),
        ('{"sessions": 3}', "has a 'sessions' entry that is not a list"),
    ],
)
def test_a_damaged_manifest_stops_the_resume_with_what_is_kept(
    tmp_path: Path, content: str, problem: str
) -> None:
    study = ResumableFolder.open(tmp_path, "n", "study")
    sweep = SweepFolder.open(tmp_path, "n", "sweep")
    for folder, kept in ((study, "the trials in the study's storage"), (sweep, "finished runs")):
        folder.manifest.write_text(content)
        with pytest.raises(HubsimError) as info:
            folder.read_manifest()
        message = str(info.value)
        assert message.startswith(f"{folder.manifest} {problem}: the {folder.kind}'s record")
        assert kept in message and "run the same command again" in message


def test_a_sweep_folder_has_its_runs_and_failures(tmp_path: Path) -> None:
    folder = SweepFolder.open(tmp_path, "s", "id")
    assert folder.kind == "sweep" and folder.runs.is_dir() and folder.failures.is_dir()


def test_a_folder_that_cannot_be_made_is_the_tools_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(
        ToolError, match=r"--out .*: cannot create the study folder .* --out results"
    ):
        open_study_folder(blocker, "n", "i", ToolError)


def test_study_folder_is_the_path_of_the_opened_folder(tmp_path: Path) -> None:
    path = study_folder(tmp_path, "n", "i", ToolError)
    assert path == tmp_path / "n" / "i" and (path / "plots").is_dir()
