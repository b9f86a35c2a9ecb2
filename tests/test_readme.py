"""The README's examples: what they write must land where git does not track it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python_snippets() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_from_python_snippet_writes_figures_under_an_ignored_folder() -> None:
    paths = [m for code in python_snippets() for m in re.findall(r"\.plot\(\"([^\"]+)\"\)", code)]
    assert paths, "the README shows result.plot(...) with a folder"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    for path in paths:
        assert path.startswith("results/") and "/results/*" in ignored, path
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("no git checkout to ask")
    for path in paths:
        done = subprocess.run(
            ["git", "check-ignore", "-q", path + "talent.png"], cwd=ROOT, check=False
        )
        assert done.returncode == 0, f"{path} is not ignored by git"
