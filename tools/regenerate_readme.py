"""Regenerate every table and figure the README and the docs show, from fresh runs (one command).

    python tools/regenerate_readme.py [--check] [--only baseline,ensemble,explore,...]
    python tools/regenerate_readme.py --only calibration   # the fit the baseline extends

Each generated block of README.md and docs/*.md follows a marker line `<!-- generated: NAME -->`
and is the fenced block right after it; the same block may stand in several files. Figures are
copied into docs/. With --check nothing is written: the script exits 1 if a block differs from
a fresh run (CI runs `--check --only baseline`). The prose around the blocks is not generated:
reread it after a run that moved the numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
SCENARIOS = ROOT / "scenarios"
MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->\n```[a-z]*\n(.*?)^```$", re.M | re.S)


def baseline(work: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """The baseline's summary, pool and calibration tables, its list of figures, and four of
    its figures."""
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
    blocks["run-figures"] = "\n".join(sorted(p.name for p in plots.glob("*.png")))
    figures = {
        "docs/baseline-talent.png": plots / "talent.png",
        "docs/baseline-net-migration.png": plots / "net_migration.png",
        "docs/baseline-sectors.png": plots / "sectors.png",
        "docs/baseline-branches.png": plots / "branches.png",
    }
    return blocks, figures


def compare(work: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """The comparison docs/compare.md quotes: baseline, no talent war, Guiyang's build-ahead."""
    from hubsim.experiments.compare import compare as run_compare
    from hubsim.experiments.compare.report import attainment_text

    names = ("baseline.yaml", "no-talent-war.yaml", "guiyang-big-data.yaml")
    comparison = run_compare(
        [SCENARIOS / n for n in names], replications=5, out=work, announce=lambda _m: None
    )
    plots = comparison.folder / "plots"
    figures = {
        "docs/compare-difference.png": _only(plots, "difference"),
        "docs/compare-attainment.png": _only(plots, "attainment"),
    }
    return {"compare-attainment": attainment_text(comparison)}, figures


BRANCH_CITIES = ("chengdu", "xian", "wuhan")


def branches(work: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """secondary-offices.yaml paired against the baseline: branches in the three cities."""
    from hubsim.experiments.compare import compare as run_compare
    from hubsim.experiments.compare.comparison import paired_branches

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


SWEEP_SHOWN = (  # docs/sweeps.md shows some of the example sweep's outcomes
    "talent@chengdu@2025-12",
    "extra_talent@chengdu",
    "spending_yuan@chengdu",
    "cost_per_extra_talent_yuan@chengdu",
)


def sweep(work: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """The example sweep's table of outcome means per point, as `hubsim sweep` prints it."""
    from hubsim.experiments.sweep import run_sweep, summary_text
    from hubsim.experiments.sweep.run import _num

    result = run_sweep(SCENARIOS / "sweeps" / "chengdu-rent.yaml", out=work, plots=False)
    columns = ["point", *(p.column for p in result.sweep.parameters), "runs", *SWEEP_SHOWN]
    table = result.summary[columns].to_string(index=False, float_format=_num)
    notes = [line for line in summary_text(result).split("\n") if line.startswith("extra_*")]
    return {"sweep-means": "\n".join([table, *notes])}, {}


CALIBRATION = SCENARIOS / "calibration" / "fit-pre2020.yaml"
CALIBRATION_OUT = ROOT / "results" / "readme-calibration"  # kept: a rerun resumes the studies
REFINE = 8  # the ensemble's refinement wave (docs/calibration.md#the-ensemble)


def calibration(work: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """The full calibration with its ensemble (`hubsim calibrate ... --refine 8`, about half an
    hour the first time; its study is kept in results/readme-calibration/, so a rerun with
    nothing changed reads it back): the moments table, the fitted parameters with their
    ensemble band and identification, the two figures, the fitted file the baseline extends
    and the ensemble beside it."""
    from hubsim.experiments.calibrate import fitted_text, run_calibration

    result = run_calibration(
        CALIBRATION.relative_to(ROOT), out=CALIBRATION_OUT, refine=REFINE, plots=True
    )
    t = result.table
    lines = [
        f"{'moment':34} {'city':9} {'simulated':>11} {'sd':>9} {'target':>11} {'error':>8}"
        f"  {'judged':8} sample"
    ]
    for _, row in t.iterrows():
        judged = "shown" if row.weight == 0 else ("within" if row.within_tolerance else "OUTSIDE")
        sample = "2010s" if row["sample"].startswith("2010 start") else "2000s"
        bound = " (upper bound)" if row.error == "log_upper" else ""
        lines.append(
            f"{row.moment:34} {row.city or '-':9} {row.simulated:>11.4g} "
            f"{row.simulated_sd:>9.2g} {row.target:>11.4g} {row.error_pct:>+7.1f}%"
            f"  {judged:8} {sample}{bound}"
        )
    lines.append(f"distance {result.objective:.2f} (the weighted mean of squared errors)")
    band = result.ensemble.identification.set_index("parameter")
    report = result.identification.set_index("parameter")
    params = [
        f"{'parameter':48} {'fitted':>9} {'ens. 5%':>9} {'ens. 95%':>9}  {'ensemble':12}"
        f"  locally identified (noise floor {report.seed_noise_z.iloc[0]:.2f})"
    ]
    for key, value in result.parameters.items():
        row = report.loc[key]
        verdict = "yes" if row.identified else "no"
        noise = "above the noise" if row.above_seed_noise else "not above the noise"
        verdict += f" (moves {row.moments_moved_z:.2f}; {noise})"
        params.append(
            f"{key:48} {value:>9.4g} {band.loc[key, 'p05']:>9.4g} {band.loc[key, 'p95']:>9.4g}"
            f"  {band.loc[key, 'verdict']:12}  {verdict}"
        )
    for city in result.amenities:
        key = f"cities.{city}.amenity"
        params.append(
            f"{key:48} {result.amenities[city]:>9.4g} {band.loc[key, 'p05']:>9.4g} "
            f"{band.loc[key, 'p95']:>9.4g}"
        )
    params.append(f"ensemble: {result.ensemble.size} parameter sets kept")
    fitted = work / "fitted-pre2020.yaml"
    fitted.parent.mkdir(parents=True, exist_ok=True)
    fitted.write_text(FITTED_HEADER + fitted_text(result), encoding="utf-8")
    plots = result.folder / "plots"
    figures = {
        "docs/calibration-fit.png": plots / "fit.png",
        "docs/calibration-convergence.png": plots / "convergence.png",
        "scenarios/calibration/fitted-pre2020.yaml": fitted,
        # the parameter ensemble of the same study (docs/calibration.md#the-ensemble)
        "scenarios/calibration/ensemble-pre2020.csv": result.folder / "ensemble.csv",
    }
    blocks = {"calibration-moments": "\n".join(lines), "calibration-parameters": "\n".join(params)}
    return blocks, figures


FITTED_HEADER = """\
# The fitted parameters baseline.yaml runs on (`extends: calibration/fitted-pre2020.yaml`),
# written by `python tools/regenerate_readme.py --only calibration` from the fit in
# docs/calibration.md. Do not edit by hand: change fit-pre2020.yaml or the moments table,
# and rerun it.
"""


ENSEMBLE_MEMBERS = 8  # the headline's parameter sets (docs/calibration.md#the-ensemble)


def ensemble(work: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """The baseline over the parameter ensemble: the headline answer as probabilities and
    bands over (parameter set x replication) pairs."""
    from hubsim.experiments.ensemble.answers import run_over_ensemble, summary_text

    result = run_over_ensemble([SCENARIOS / "baseline.yaml"], members=ENSEMBLE_MEMBERS, out=work)
    text = summary_text(result).replace(str(ROOT) + "/", "")
    return {"baseline-ensemble": text}, {}


def verdict(work: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """The baseline's verdict over the same ensemble runs as part `ensemble` (its folder is
    shared, so after that part nothing runs again): per hub P(goal), P(ghost), vacancy at the
    horizon and the goal's source, and the paragraph that answers the question."""
    from hubsim.experiments.ensemble.answers import ensemble_verdict, run_over_ensemble
    from hubsim.output.verdict import verdict_text

    result = run_over_ensemble(
        [SCENARIOS / "baseline.yaml"], members=ENSEMBLE_MEMBERS, out=work.parent / "ensemble"
    )
    text = verdict_text(ensemble_verdict(result), result.arms[0])
    return {"baseline-verdict": text.replace(str(ROOT) + "/", "")}, {}


EXPLORE = SCENARIOS / "explore" / "baseline-screen.yaml"


def explore(work: Path) -> tuple[dict[str, str], dict[str, Path]]:
    """The example explore of docs/explore.md, run as the docs show it (from a fresh clone, so
    every run is new): what it prints, its Morris figure of the hubs' attainment and the PRIM
    figure of one event (the one nearest to half the runs; none if no event happened)."""
    from hubsim.experiments.explore import run_explore, summary_text

    # figures name the file as a user types it, not this machine's path
    with contextlib.chdir(ROOT):
        result = run_explore(EXPLORE.relative_to(ROOT), out=work, announce=lambda _m: None)
    # as the command prints it with the default --out results
    printed = (
        summary_text(result) + f"\nresults: {Path('results') / result.folder.relative_to(work)}"
    )
    plots = result.folder / "plots"
    figures = {"docs/explore-morris.png": plots / f"{result.explore.method}_1.png"}
    box = prim_shown(result.boxes)
    if box is None:
        caption = "docs/explore-prim.png: not redrawn (no event happened in any run)"
    else:
        figures["docs/explore-prim.png"] = plots / f"prim_{box.event.replace('@', '_')}.png"
        caption = f"docs/explore-prim.png: {box.what} ({box.event})"
    captions = [f"docs/explore-morris.png: {result.explore.method}_1.png", caption]
    return {"explore-example": printed, "explore-figures": "\n".join(captions)}, figures


def prim_shown(boxes: list[Any]) -> Any | None:
    """The found PRIM box whose event happened in the share of runs nearest to one half (the
    most balanced, so the most telling), the first such in the explore's order; None if none."""
    found = [b for b in boxes if b.found]
    return min(found, key=lambda b: abs(b.share - 0.5)) if found else None


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
    "ensemble": ensemble,
    "verdict": verdict,
    "explore": explore,
    "calibration": calibration,
}
# calibration: by name only (about half an hour the first time); explore took 1.5 min (load 2)
DEFAULT_PARTS = "baseline,ensemble,verdict,compare,branches,sweep,explore"


def pages() -> list[Path]:
    """The files that may hold generated blocks: the README and every page of the docs."""
    return [README, *sorted(DOCS.rglob("*.md"))]


def present_blocks() -> dict[str, dict[Path, str]]:
    """Each generated block's name -> the files it stands in -> its text there."""
    present: dict[str, dict[Path, str]] = {}
    for page in pages():
        for m in MARKER.finditer(page.read_text(encoding="utf-8")):
            present.setdefault(m.group(1), {})[page] = m.group(2).rstrip("\n")
    return present


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a change")
    parser.add_argument(
        "--only", default=DEFAULT_PARTS, help=f"comma-separated parts of {', '.join(PARTS)}"
    )
    args = parser.parse_args(argv)
    present = present_blocks()
    fresh_blocks: dict[str, str] = {}
    stale: list[tuple[Path, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            print(f"running {name} ...", flush=True)
            blocks, figures = PARTS[name](Path(tmp) / name)
            for key, fresh in blocks.items():
                if key not in present:
                    raise SystemExit(
                        f"no '<!-- generated: {key} -->' block in README.md or docs/*.md"
                    )
                for page, text in present[key].items():
                    if text != fresh.rstrip("\n"):
                        stale.append((page, key))
                        fresh_blocks[key] = fresh.rstrip("\n")
            if not args.check:
                for target, source in figures.items():
                    shutil.copyfile(source, ROOT / target)
                    print(f"  {target}")
    if args.check:
        for page, key in stale:
            print(
                f"{page.relative_to(ROOT)} block {key!r} is stale; run tools/regenerate_readme.py"
            )
        return 1 if stale else 0
    for page in sorted({page for page, _key in stale}):
        _rewrite(page, fresh_blocks)
    changed = ", ".join(f"{key} ({page.relative_to(ROOT)})" for page, key in stale)
    print(f"updated blocks: {changed or 'none changed'}; reread the prose around them")
    return 0


def _rewrite(page: Path, fresh_blocks: dict[str, str]) -> None:
    """Replace each fresh block where its marker stands (an empty block included). The file is
    read again here: it may have been edited while the runs went on."""
    text = MARKER.sub(
        lambda m: (
            m.group(0)
            if m.group(1) not in fresh_blocks
            else f"<!-- generated: {m.group(1)} -->\n```\n{fresh_blocks[m.group(1)]}\n```"
        ),
        page.read_text(encoding="utf-8"),
    )
    page.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
