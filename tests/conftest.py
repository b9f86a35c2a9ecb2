"""Shared fixtures: scenario files written into tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Compile (the first time) and cache the engine's kernels once, in the main process,
    before pytest-xdist starts its workers: they then load the cache instead of compiling the
    same files at once."""
    if not hasattr(config, "workerinput"):
        from hubsim.engine import kernels

        kernels.load()


@pytest.fixture
def baseline() -> Path:
    """The shipped baseline scenario."""
    return Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """write(name, yaml_text) -> path of a scenario file in tmp_path (text is dedented)."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write
