"""tools/regenerate_readme.py: it finds every generated block and flags a stale one."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    spec = importlib.util.spec_from_file_location(
        "regenerate", ROOT / "tools" / "regenerate_readme.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(module, "README", readme)
    return module


def test_the_readme_has_every_generated_block(tool) -> None:
    found = {m.group(1) for m in tool.MARKER.finditer(tool.README.read_text())}
    assert found == {
        "baseline-summary",
        "baseline-pool",
        "baseline-calibration",
        "compare-attainment",
        "secondary-offices-branches",
        "sweep-means",
        "calibration-moments",
        "calibration-parameters",
    }


def test_check_passes_on_the_same_block_and_fails_on_a_changed_one(tool, monkeypatch) -> None:
    text = tool.README.read_text()
    current = next(m.group(2) for m in tool.MARKER.finditer(text) if m.group(1) == "sweep-means")
    monkeypatch.setitem(tool.PARTS, "sweep", lambda _work: ({"sweep-means": current}, {}))
    assert tool.main(["--check", "--only", "sweep"]) == 0
    changed = current.replace("0", "1", 1)
    monkeypatch.setitem(tool.PARTS, "sweep", lambda _work: ({"sweep-means": changed}, {}))
    assert tool.main(["--check", "--only", "sweep"]) == 1
    assert tool.README.read_text() == text  # --check writes nothing
    assert tool.main(["--only", "sweep"]) == 0  # without --check the block is rewritten
    assert changed in tool.README.read_text()


def test_an_empty_block_is_filled_at_its_marker_and_edits_made_meanwhile_are_kept(
    tool, monkeypatch
) -> None:
    text = tool.README.read_text()
    emptied = tool.MARKER.sub(
        lambda m: (
            f"<!-- generated: {m.group(1)} -->\n```\n```"
            if m.group(1) == "sweep-means"
            else m.group(0)
        ),
        text,
    )
    tool.README.write_text(emptied)

    def fresh(_work):  # the README is edited while the runs go on
        tool.README.write_text(tool.README.read_text() + "\nAn edit made meanwhile.\n")
        return {"sweep-means": "point  mean\na      1.0"}, {}

    monkeypatch.setitem(tool.PARTS, "sweep", fresh)
    assert tool.main(["--only", "sweep"]) == 0
    after = tool.README.read_text()
    block = next(m.group(2) for m in tool.MARKER.finditer(after) if m.group(1) == "sweep-means")
    assert block == "point  mean\na      1.0\n"
    assert after.startswith(text[:200])  # nothing put in front of the file
    assert after.endswith("An edit made meanwhile.\n")
