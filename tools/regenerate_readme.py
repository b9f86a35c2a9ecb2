"""Regenerate every table and figure the README shows, from fresh runs (one command).

    python tools/regenerate_readme.py [--check] [--only baseline,compare,branches,sweep]

Each generated block of README.md follows a marker line `<!-- generated: NAME -->` and is the
fenced block right after it; figures are copied into docs/. With --check nothing is written:
the script exits 1 if a block differs from a fresh run (CI runs `--check --only baseline`).
The prose around the blocks is not generated: reread it after a run that moved the numbers.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SCENARIOS = ROOT / "scenarios"
MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->\n```[a-z]*\n(.*?)^```$", re.M | re.S)


def baseline(work: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """The baseline's summary and calibration tables, and two of its figures."""
    import hubsim
    from hubsim.output.report import summary_text

    result = hubsim.run(SCENARIOS / "baseline.yaml", out=work)
    lines = summary_text(result).split("\n")
    table_start = next(i for i, line in enumerate(lines) if line.startswith("city "))
    table_end = lines.index("", table_start)
    calibration = next(i for i, line in enumerate(lines) if line.startswith("quantity "))
    pool = next(i for i, line in enumerate(lines) if line.startswith("Pool account"))
    blocks = {
        "baseline-summary": "\n".join(lines[table_start:table_end]),
        "baseline-pool": "\n".join(lines[pool : lines.index("", pool)]),
        "baseline-calibration": "\n".join(lines[calibration:]),
    }
    plots = result.folder / "plots"
    figures = {
        "baseline-talent.png": plots / "talent.png",
        "baseline-net-migration.png": plots / "net_migration.png",
        "baseline-sectors.png": plots / "sectors.png",
        "baseline-branches.png": plots / "branches.png",
    }
    return blocks, figures


def compare(work: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """The comparison the README quotes: baseline, no talent war, Guiyang's build-ahead."""
    from hubsim.experiments.compare import compare as run_compare
    from hubsim.experiments.compare_report import attainment_text

    names = ("baseline.yaml", "no-talent-war.yaml", "guiyang-big-data.yaml")
    comparison = run_compare(
        [SCENARIOS / n for n in names], replications=5, out=work, announce=lambda _m: None
    )
    plots = comparison.folder / "plots"
    figures = {
        "compare-difference.png": _only(plots, "difference"),
        "compare-attainment.png": _only(plots, "attainment"),
    }
    return {"compare-attainment": attainment_text(comparison)}, figures


BRANCH_CITIES = ("chengdu", "xian", "wuhan")


def branches(work: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """secondary-offices.yaml paired against the baseline: branches in the three cities."""
    from hubsim.experiments.compare import compare as run_compare
    from hubsim.experiments.comparison import paired_branches

    names = ("baseline.yaml", "secondary-offices.yaml")
    comparison = run_compare(
        [SCENARIOS / n for n in names], replications=5, out=work, announce=lambda _m: None
    )
    lines = [
        "secondary offices (model units) of firms headquartered elsewhere: baseline mean, and "
        "secondary-offices - baseline paired by replication (mean [95 % interval], 5 replications)",
        f"{'date':8} {'city':8} {'baseline':>9} {'difference':>22}"
        f" {'of tier-1 firms':>16} {'difference':>22}",
    ]
    for date in ("2019-12-01", "2024-12-01", "2029-12-01"):
        table = paired_branches(comparison.arms, date).set_index(["city", "offices"])
        for city in BRANCH_CITIES:
            cells = []
            for kind in ("branches", "tier1_branches"):
                row = table.loc[(city, kind)]
                interval = f"{row.difference:+.1f} [{row.lo95:+.1f}, {row.hi95:+.1f}]"
                cells.append(f"{row.first_mean:>9.0f} {interval:>22}")
            line = f"{date[:7]:8} {city:8} {cells[0]} {cells[1][:9]:>16}{cells[1][9:]}"
            lines.append(line)
    return {"secondary-offices-branches": "\n".join(lines)}, {}


SWEEP_SHOWN = (  # the README shows some of the example sweep's outcomes
    "talent@chengdu@2025-12",
    "extra_talent@chengdu",
    "spending_yuan@chengdu",
    "cost_per_extra_talent_yuan@chengdu",
)


def sweep(work: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """The example sweep's table of outcome means per point, as `hubsim sweep` prints it."""
    from hubsim.experiments.sweep import _num, run_sweep, summary_text

    result = run_sweep(SCENARIOS / "sweeps" / "chengdu-rent.yaml", out=work, plots=False)
    columns = ["point", *(p.column for p in result.sweep.parameters), "runs", *SWEEP_SHOWN]
    table = result.summary[columns].to_string(index=False, float_format=_num)
    notes = [line for line in summary_text(result).split("\n") if line.startswith("extra_*")]
    return {"sweep-means": "\n".join([table, *notes])}, {}


def _only(folder: Path, word: str) -> Path:
    found = [p for p in sorted(folder.glob("*.png")) if word in p.name]
    if len(found) != 1:
        raise SystemExit(f"expected one figure with '{word}' in {folder}, found {found}")
    return found[0]


PARTS: dict[str, Callable[[Path], tuple[dict[str, str], dict[str, Path]]]] = {
    "baseline": baseline,
    "compare": compare,
    "branches": branches,
    "sweep": sweep,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a change")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    present = {m.group(1): m.group(2).rstrip("\n") for m in MARKER.finditer(text)}
    fresh_blocks: dict[str, str] = {}
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            print(f"running {name} ...", flush=True)
            blocks, figures = PARTS[name](Path(tmp) / name)
            for key, fresh in blocks.items():
                if key not in present:
                    raise SystemExit(f"README.md has no '<!-- generated: {key} -->' block")
                if present[key] != fresh.rstrip("\n"):
                    stale.append(key)
                    fresh_blocks[key] = fresh.rstrip("\n")
            if not args.check:
                for target, source in figures.items():
                    shutil.copyfile(source, ROOT / "docs" / target)
                    print(f"  docs/{target}")
    if args.check:
        for key in stale:
            print(f"README.md block {key!r} is stale; run tools/regenerate_readme.py")
        return 1 if stale else 0
    # Each block is replaced where its marker stands (an empty block included), and the
    # README is read again here: it may have been edited while the runs went on.
    text = MARKER.sub(
        lambda m: (
            m.group(0)
            if m.group(1) not in fresh_blocks
            else f"<!-- generated: {m.group(1)} -->\n```\n{fresh_blocks[m.group(1)]}\n```"
        ),
        README.read_text(encoding="utf-8"),
    )
    README.write_text(text, encoding="utf-8")
    print(f"updated blocks: {', '.join(stale) or 'none changed'}; reread the prose around them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
