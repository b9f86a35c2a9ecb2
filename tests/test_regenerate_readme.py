"""tools/regenerate_readme.py: it finds every generated block, in the README and the docs, and
flags and rewrites a stale one wherever it stands."""

from __future__ import annotations

import importlib.util
import shutil
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
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("*.png"))
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "README", readme)
    monkeypatch.setattr(module, "DOCS", docs)
    return module


# Each part of the tool and the blocks it writes (a part's blocks come from one run).
PARTS = {
    "baseline": {"baseline-summary", "baseline-pool", "baseline-calibration", "run-figures"},
    "ensemble": {"baseline-ensemble"},
    "verdict": {"baseline-verdict"},
    "compare": {"compare-attainment"},
    "branches": {"secondary-offices-branches"},
    "sweep": {"sweep-means"},
    "explore": {"explore-example", "explore-figures"},
    "calibration": {"calibration-moments", "calibration-parameters"},
}


def test_every_generated_block_has_a_part_that_writes_it(tool) -> None:
    assert set(tool.PARTS) == set(PARTS)
    assert set(tool.present_blocks()) == set().union(*PARTS.values())


def test_a_block_shown_in_several_files_is_the_same_in_each(tool) -> None:
    present = tool.present_blocks()
    assert len(present["baseline-summary"]) >= 2  # the README and the docs' tour
    for key, texts in present.items():
        assert len(set(texts.values())) == 1, f"{key} differs between {sorted(texts)}"


def test_check_passes_on_the_same_block_and_fails_on_a_changed_one(tool, monkeypatch) -> None:
    page = tool.DOCS / "sweeps.md"
    text = page.read_text()
    current = next(m.group(2) for m in tool.MARKER.finditer(text) if m.group(1) == "sweep-means")
    monkeypatch.setitem(tool.PARTS, "sweep", lambda _work: ({"sweep-means": current}, {}))
    assert tool.main(["--check", "--only", "sweep"]) == 0
    changed = current.replace("0", "1", 1)
    monkeypatch.setitem(tool.PARTS, "sweep", lambda _work: ({"sweep-means": changed}, {}))
    assert tool.main(["--check", "--only", "sweep"]) == 1
    assert page.read_text() == text  # --check writes nothing
    assert tool.main(["--only", "sweep"]) == 0  # without --check the block is rewritten
    assert changed in page.read_text()


def test_a_block_in_the_readme_and_the_docs_is_rewritten_in_both(tool, monkeypatch) -> None:
    fresh = "city  talent\nxian  1.00"
    monkeypatch.setitem(tool.PARTS, "baseline", lambda _work: ({"baseline-summary": fresh}, {}))
    assert tool.main(["--only", "baseline"]) == 0
    for page in (tool.README, tool.DOCS / "index.md"):
        blocks = {m.group(1): m.group(2) for m in tool.MARKER.finditer(page.read_text())}
        assert blocks["baseline-summary"] == fresh + "\n", page


def test_a_block_no_file_holds_stops_the_tool(tool, monkeypatch) -> None:
    monkeypatch.setitem(tool.PARTS, "sweep", lambda _work: ({"no-such-block": "x"}, {}))
    with pytest.raises(SystemExit, match="no-such-block"):
        tool.main(["--check", "--only", "sweep"])


def test_an_empty_block_is_filled_at_its_marker_and_edits_made_meanwhile_are_kept(
    tool, monkeypatch
) -> None:
    page = tool.DOCS / "sweeps.md"
    text = page.read_text()
    emptied = tool.MARKER.sub(
        lambda m: (
            f"<!-- generated: {m.group(1)} -->\n```\n```"
            if m.group(1) == "sweep-means"
            else m.group(0)
        ),
        text,
    )
    page.write_text(emptied)

    def fresh(_work):  # the page is edited while the runs go on
        page.write_text(page.read_text() + "\nAn edit made meanwhile.\n")
        return {"sweep-means": "point  mean\na      1.0"}, {}

    monkeypatch.setitem(tool.PARTS, "sweep", fresh)
    assert tool.main(["--only", "sweep"]) == 0
    after = page.read_text()
    block = next(m.group(2) for m in tool.MARKER.finditer(after) if m.group(1) == "sweep-means")
    assert block == "point  mean\na      1.0\n"
    assert after.startswith(text[:200])  # nothing put in front of the file
    assert after.endswith("An edit made meanwhile.\n")


def test_the_explore_part_shows_the_most_balanced_event_or_none(tool) -> None:
    from types import SimpleNamespace

    def box(event: str, share: float, found: bool = True):
        return SimpleNamespace(event=event, share=share, found=found)

    boxes = [box("misses_goal@beijing", 0.9), box("ghost@xian", 0.3), box("a@b", 0.5, False)]
    assert tool.prim_shown(boxes).event == "ghost@xian"  # 0.3 is nearer one half than 0.9
    assert tool.prim_shown([box("a@b", 0.5, False)]) is None  # no box found: no figure
    assert tool.prim_shown([]) is None
    assert "explore" in tool.DEFAULT_PARTS.split(",")  # a few minutes idle: in the defaults
