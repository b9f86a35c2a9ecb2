"""tools/mypy_baseline.py: mypy's error count may only shrink (on hand-written mypy output)."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = """\
src/hubsim/a.py:10: error: Item "None" of "X | None" has no attribute "y"  [union-attr]
src/hubsim/a.py:10: note: See https://mypy.readthedocs.io
src/hubsim/a.py:30: error: Item "None" of "X | None" has no attribute "y"  [union-attr]
src/hubsim/b.py:5: error: Name "f" already defined on line 2  [no-redef]
Found 3 errors in 2 files (checked 2 source files)
"""


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("baseline", ROOT / "tools" / "mypy_baseline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_errors_are_kept_without_line_numbers_and_counted(tool) -> None:
    keys = tool.error_keys(OUTPUT)
    assert keys == Counter(
        {
            'src/hubsim/a.py: [union-attr] Item "None" of "X | None" has no attribute "y"': 2,
            'src/hubsim/b.py: [no-redef] Name "f" already defined on line N': 1,
        }
    )
    moved = OUTPUT.replace(":10:", ":14:").replace("line 2", "line 3")
    assert tool.error_keys(moved) == keys  # lines added above an error do not make it new


def test_a_new_error_fails_and_a_fixed_one_asks_for_a_shorter_baseline(tool) -> None:
    baseline = tool.error_keys(OUTPUT)
    assert tool.compare(baseline, baseline) == ([], [])
    third = OUTPUT.replace("Found", 'src/hubsim/a.py:50: error: Item "None" of "X | None" has '
                           'no attribute "y"  [union-attr]\nFound')  # fmt: skip
    new, fixed = tool.compare(tool.error_keys(third), baseline)
    assert new == ['src/hubsim/a.py: [union-attr] Item "None" of "X | None" has no attribute "y"']
    assert fixed == []
    new, fixed = tool.compare(tool.error_keys(OUTPUT.split("src/hubsim/b.py")[0]), baseline)
    assert new == [] and fixed == ['src/hubsim/b.py: [no-redef] Name "f" already defined on line N']


def test_the_checked_in_baseline_is_sorted_and_parses(tool) -> None:
    lines = tool.BASELINE.read_text().splitlines()
    entries = [line for line in lines if not line.startswith("#")]
    assert entries == sorted(entries)
    assert all(": [" in line and line.startswith("src/hubsim/") for line in entries)
