"""Comparing scenarios: run what is missing on common random numbers, then tables and a report.

`compare(inputs)` takes scenario files and/or finished run folders; every scenario is run with
the same replication seeds, so differences between scenarios are paired replication by replication.
A scenario file whose run is already in `out` (a finished run folder that a resumed run would
keep: same resolved scenario, seed and code) is read from there instead of being run again.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pandas as pd

from hubsim.errors import HubsimError
from hubsim.experiments.compare import report as compare_report
from hubsim.experiments.compare.comparison import (
    Arm,
    Comparison,
    attainment_table,
    paired_branches,
    paired_differences,
    programmes_by_city,
)
from hubsim.experiments.compare.sources import talent_sources
from hubsim.experiments.replications import Progress, resolve, run
from hubsim.output.run_folder import finished_run, load_run, new_folder
from hubsim.scenario import Scenario


def compare(
    inputs: list[str | Path],
    *,
    replications: int | None = None,
    seed: int | None = None,
    months: int | None = None,
    scale: float | None = None,
    out: str | Path = "results",
    progress: Progress | None = None,
    announce=print,
    run_plots: bool = True,
) -> Comparison:
    """Run or load every input, check they are comparable, write `out/compare/<id>/`.

    `run_plots=False` skips each scenario run's own figures (its run folder keeps its tables);
    the comparison's figures are drawn either way.
    """
    if len(inputs) < 2:
        raise HubsimError(
            "compare needs at least two scenarios or run folders (got "
            f"{len(inputs)}); e.g. python -m hubsim compare scenarios/baseline.yaml "
            "scenarios/no-talent-war.yaml."
        )
    loaded = {str(i): _load_folder(Path(i)) for i in inputs if Path(i).is_dir()}
    seed = seed if seed is not None else _common(list(loaded.values()), "seed", None)
    replications = replications or _common(list(loaded.values()), "replications", None) or 5
    # Every input is read and checked before anything runs, so a mistake costs no runs.
    planned: dict[str, Scenario] = {}
    for item in inputs:
        if str(item) in loaded:
            continue
        scenario = resolve(item, seed=seed, replications=replications, months=months, scale=scale)
        seed = scenario.seed  # the first scenario's seed serves all that follow
        planned[str(item)] = scenario
    _check_comparable([loaded.get(str(i)) or _planned_arm(planned[str(i)], str(i)) for i in inputs])
    arms = []
    for item in inputs:
        if str(item) in loaded:
            arms.append(loaded[str(item)])
            continue
        scenario = planned[str(item)]
        reused = _reuse(scenario, str(item), Path(out), run_plots, announce)
        if reused is not None:
            arms.append(reused)
            continue
        announce(f"running {scenario.name} ({replications} replications, seed {seed})")
        result = run(scenario, out=out, progress=progress, announce=announce, plots=run_plots)
        arms.append(_arm_from_result(result, str(item)))
    attainment = attainment_table(arms)
    differences = paired_differences(arms)
    given = {"replications": replications, "months": months, "scale": scale}
    comparison = Comparison(
        arms, attainment, differences, paired_branches(arms), _sources(arms),
        stamp=_stamp(arms, given),
    )  # fmt: skip
    comparison.folder = _write(comparison, Path(out))
    return comparison


def _sources(arms: list[Arm]) -> pd.DataFrame:
    """Where each hub's extra talent came from (empty when an arm has no flows table)."""
    if any(a.flows_year.empty for a in arms):
        return pd.DataFrame()
    return talent_sources(arms)


def _stamp(arms: list[Arm], options: dict) -> str:
    """Scenarios (with the folders reused) and the options given, for the figures' footers."""
    names = [a.name + (" (run folder)" if a.folder is not None and Path(a.source).is_dir() else "")
             for a in arms]  # fmt: skip
    first = arms[0]
    given = " ".join(f"--{k} {v:g}" for k, v in options.items() if v is not None) or "none"
    return (
        f"compare {' vs '.join(names)}; {first.start} + {first.months} months, seed "
        f"{first.seed}, {first.replications} replications each; options: {given}"
    )


def _reuse(scenario: Scenario, source: str, out: Path, run_plots: bool, announce) -> Arm | None:
    """The arm of `scenario` read from its finished run folder in `out`, if there is one that
    `run` would compute again bit for bit (None: it has to be run)."""
    folder = finished_run(out, scenario)
    if folder is None:
        return None
    try:
        arm = _load_folder(folder, source)
    except HubsimError as exc:  # damaged since it finished: run the scenario again
        announce(f"not reusing {folder}: {exc}")
        return None
    bare = run_plots and not (folder / "plots").is_dir()
    announce(
        f"reused {folder} for {scenario.name} (the same scenario, seed and replications, "
        f"run by this code){'; it has no figures of its own' if bare else ''}"
    )
    return arm


def _load_folder(folder: Path, source: str | None = None) -> Arm:
    """The arm of a finished run folder; `source` is the input it stands for (the folder)."""
    run_data = load_run(folder)
    manifest = run_data["manifest"]
    scenario = manifest["scenario"]  # load_run checked its keys
    return Arm(
        name=scenario["name"],
        question=scenario.get("question", ""),
        source=source or str(folder),
        city_month=run_data["city_month"],
        summary=run_data["summary"],
        per_replication=run_data["summary_by_replication"],
        start=scenario["start"],
        months=scenario["months"],
        seed=manifest["seed"],
        replications=manifest["replications"],
        folder=folder,
        city_sector_month=run_data["city_sector_month"],
        programmes=programmes_by_city(scenario.get("programmes", [])),
        flows_year=run_data["flows_year"],
    )


def _planned_arm(s: Scenario, source: str) -> Arm:
    """An arm not yet run: enough to check that it is comparable with the others."""
    empty = pd.DataFrame()
    return Arm(
        s.name, s.question, source, empty, empty, empty,
        s.start, s.months, s.seed, s.replications, None, empty, programmes_by_city(s.programmes),
    )  # fmt: skip


def _arm_from_result(result, source: str) -> Arm:
    s = result.scenario
    return Arm(
        s.name, s.question, source, result.city_month, result.summary, result.replications,
        s.start, s.months, s.seed, s.replications, result.folder, result.city_sector_month,
        programmes_by_city(s.programmes), result.flows_year,
    )  # fmt: skip


def _common(arms: list[Arm], attr: str, default):
    values = {getattr(a, attr) for a in arms}
    return values.pop() if len(values) == 1 else default


def _check_comparable(arms: list[Arm]) -> None:
    first = arms[0]
    for arm in arms[1:]:
        if (arm.start, arm.months) != (first.start, first.months):
            raise HubsimError(
                f"{arm.source}: its horizon ({arm.start} + {arm.months} months) differs from "
                f"{first.source} ({first.start} + {first.months} months). Compare runs over the "
                "same months: pass --months N (it applies to every scenario file) or give run "
                "folders with the same horizon."
            )
        if (arm.seed, arm.replications) != (first.seed, first.replications):
            raise HubsimError(
                f"{arm.source}: seed {arm.seed} with {arm.replications} replications, but "
                f"{first.source} used seed {first.seed} with {first.replications}. Paired "
                "comparisons need the same seeds: pass --seed and --replications to match."
            )
    names = [a.name for a in arms]
    if len(set(names)) < len(names):
        raise HubsimError(
            f"two inputs are the same scenario name ({', '.join(names)}); give each scenario "
            "its own `name:` so the comparison can tell them apart."
        )


def _write(comparison: Comparison, out: Path) -> Path:
    key = "|".join(f"{a.name}:{a.source}" for a in comparison.arms)
    digest = hashlib.sha256(key.encode()).hexdigest()[:8]
    stem = out / "compare" / f"{time.strftime('%Y%m%d-%H%M%S')}-{digest}"
    try:  # a comparison of reused runs can finish in the second the last one did
        folder, partial = new_folder(stem)
    except OSError as exc:
        raise HubsimError(
            f"--out {out}: cannot create {stem}.partial ({exc.strerror}); give a writable --out."
        ) from None
    comparison.attainment.to_csv(partial / "attainment.csv", index=False)
    comparison.differences.to_csv(partial / "differences.csv", index=False)
    if not comparison.sources.empty:
        comparison.sources.to_csv(partial / "talent_sources.csv", index=False)
    compare_report.write_report(comparison, partial)
    partial.rename(folder)
    return folder
