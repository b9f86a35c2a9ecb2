"""Hold mypy's errors to a checked-in baseline that may only shrink.

    python tools/mypy_baseline.py            # CI: exit 1 on a new error or a stale baseline
    python tools/mypy_baseline.py --update   # after fixing errors: rewrite the baseline

mypy runs with the configuration in pyproject.toml. Each error is kept as
`file: [code] message`, without its line number, so that editing a file above an error does not
move it; an error that occurs twice in a file is listed twice. The check fails when an error is
not in the baseline (fix it, never add it) and when the baseline lists an error mypy no longer
reports (run --update, so the fixed error cannot come back unseen).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tools" / "mypy-baseline.txt"
HEADER = "# mypy errors left, one per line (tools/mypy_baseline.py); may only shrink.\n"
ERROR = re.compile(
    r"^(?P<file>[^:\s]+\.py):\d+(?::\d+)?: error: (?P<message>.*?)\s+\[(?P<code>[a-z-]+)\]$"
)


def error_keys(mypy_output: str) -> Counter[str]:
    """`file: [code] message` of each error line (notes and the summary are left out)."""
    keys: Counter[str] = Counter()
    for line in mypy_output.splitlines():
        found = ERROR.match(line.strip())
        if found:
            message = re.sub(r"\bline \d+", "line N", found["message"])
            keys[f"{found['file']}: [{found['code']}] {message}"] += 1
    return keys


def compare(current: Counter[str], baseline: Counter[str]) -> tuple[list[str], list[str]]:
    """(errors beyond the baseline, baseline entries mypy no longer reports), each sorted."""
    new = sorted((current - baseline).elements())
    fixed = sorted((baseline - current).elements())
    return new, fixed


def read_baseline(path: Path = BASELINE) -> Counter[str]:
    lines = path.read_text().splitlines() if path.exists() else []
    return Counter(line for line in lines if line and not line.startswith("#"))


def run_mypy() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):  # 2: mypy itself failed (configuration, crash)
        sys.exit(f"mypy failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the baseline")
    args = parser.parse_args(argv)
    current = error_keys(run_mypy())
    if args.update:
        BASELINE.write_text(HEADER + "".join(f"{k}\n" for k in sorted(current.elements())))
        print(f"{BASELINE.relative_to(ROOT)}: {current.total()} errors")
        return 0
    new, fixed = compare(current, read_baseline())
    for key in new:
        print(f"new mypy error: {key}")
    if fixed:
        print(
            f"{len(fixed)} error(s) of the baseline are fixed: run "
            "`python tools/mypy_baseline.py --update` and commit the shorter baseline."
        )
    if not new and not fixed:
        print(f"mypy: {current.total()} errors, as in the baseline")
    return 1 if new or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
