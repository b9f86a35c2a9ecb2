"""Terminal output: the printed summary and calibration tables (progress bars: `progress`).

Tables are plain text, one row per city, with units in the headers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hubsim.engine.census import census_year
from hubsim.output.fit import AT_2010
from hubsim.output.result import RunResult
from hubsim.scenario import SPINUP_YEAR
from hubsim.scenario.schema import is_sourced

COST_NOTE = (
    "Spending is not divided by talent gained: a city grows with or without its programmes.\n"
    "Cost per extra talent needs a counterfactual run on the same seeds: python -m hubsim "
    "compare SCENARIO.yaml COUNTERFACTUAL.yaml\n(e.g. scenarios/baseline.yaml "
    "scenarios/no-talent-war.yaml)."
)


def _share(x: float) -> str:
    return "-" if pd.isna(x) else f"{x:.2f}"


def _millions(x: float) -> str:
    return "-" if pd.isna(x) else f"{x / 1e6:.2f}"


# What a target's goal counts: talent at its date, or graduates choosing the city.
TARGET_OF = {
    "talent_people": "talent",
    "gain_people": "talent",
    "gain_share": "talent",
    "graduates_staying_people": "stayers",
}


def _basis(source: str) -> str:
    """The target's source, shortened for the table; ASSUMPTION where it has none."""
    if not is_sourced(source):
        return "ASSUMPTION"
    text = str(source).strip()
    return text if len(text) <= 48 else text[:45] + "..."


def pool_lines(pool: pd.DataFrame) -> list[str]:
    """The pool account in a few lines: national talent, and where bachelor+ cohorts went."""
    if pool is None or pool.empty:
        return []
    mean = pool.groupby(["year", "quantity", "node"], as_index=False)["value"].mean()
    national = mean[mean.node == "national"].pivot(index="year", columns="quantity", values="value")
    went = mean[(mean.quantity == "cohort_talent_went") & (mean.node != "national")]
    went = went.pivot(index="year", columns="node", values="value")
    share_13 = 1 - went.get("rest_of_china", 0.0) / went.sum(axis=1).where(went.sum(axis=1) > 0)
    lines = [
        "Pool account (national, million people): talent at year end = start + bachelor+ "
        "graduates entering + adult degrees - retirements",
        f"{'year':<6} {'start':>7} {'graduates':>9} {'adult':>6} {'retired':>8} {'end':>7} "
        f"{'to the 13':>9}",
    ]
    for year, row in national.iterrows():
        to13 = share_13.get(year, np.nan)
        adult = row.get("adult_talent", 0.0)
        lines.append(
            f"{year:<6} {row.talent_start / 1e6:>7.2f} {row.cohort_talent / 1e6:>9.2f} "
            f"{adult / 1e6:>6.2f} {row.retired_talent / 1e6:>8.2f} {row.talent_end / 1e6:>7.2f} "
            f"{'-' if pd.isna(to13) else f'{to13:.0%}':>9}"
        )
    return lines


def _start_note(scenario) -> str:
    """What a start after January of its census year means: the census state, relabelled."""
    year = census_year(scenario.start)
    if scenario.start == f"{year}-01":
        return ""
    if year == SPINUP_YEAR:
        return (
            f"the world is built from the {year} census and relabelled {scenario.start}: the "
            f"spin-up is meant to start in {year}-01."
        )
    return (
        f"the world is built from the 2010 census and relabelled {scenario.start}: a later "
        "start is a quick look at the later programmes, not the state of that year."
    )


def summary_text(result: RunResult) -> str:
    """The per-city summary, the pool account and the calibration table, printed after a run."""
    s = result.summary
    reps = result.scenario.replications
    lines = [
        f"Scenario {result.scenario.name}: {result.scenario.start} + {result.scenario.months} "
        f"months, {reps} replication(s), scale {result.scenario.scale:g} people per agent",
        "",
        f"{'city':<10} {'talent start':>12} {'talent end':>10} {'target':>8} {'of':>8} "
        f"{'by':>8} {'reached':>8} {'ghost':>6} {'occupancy':>9} {'spent':>9} "
        f"{'spent a year':>12}  target source",
        f"{'':<10} {'(M people)':>12} {'(M)':>10} {'(M)':>8} {'':>8} {'':>8} "
        f"{'(share)':>8} {'':>6} {'(end)':>9} {'(bn yuan)':>9} {'(bn yuan)':>12}",
    ]
    years = result.scenario.months / 12
    for row in s.itertuples():
        of = TARGET_OF.get(row.target_kind, "-") if pd.notna(row.target_goal) else "-"
        basis = "-" if not row.target_kind else _basis(row.target_source)
        lines.append(
            f"{row.city:<10} {_millions(row.talent_start):>12} {_millions(row.talent_end):>10} "
            f"{_millions(row.target_goal):>8} {of:>8} {row.target_date or '-':>8} "
            f"{_share(row.reached_share):>8} {row.ghost_share:>6.2f} "
            f"{row.office_occupancy_end:>9.2f} {row.spending_yuan / 1e9:>9.2f} "
            f"{row.spending_yuan / 1e9 / years:>12.2f}  {basis}"
        )
    lines += ["", COST_NOTE, "", *target_lines(result.scenario)]
    unjudged = sorted(set(result.scenario.targets) - set(s.city[s.target_goal.notna()]))
    if unjudged:
        lines += [
            "",
            f"Targets not judged (the run does not cover their start and date): "
            f"{', '.join(unjudged)}.",
        ]
    judged = s[s.target_goal.notna()]
    reached = judged[judged.reached_share >= 0.5]
    given = s[s.target_kind.fillna("") != ""]
    sourced = [c for c, src in zip(given.city, given.target_source, strict=True) if is_sourced(src)]
    sources = (
        f"sourced targets: {', '.join(sourced) or 'none'}; every other target is an ASSUMPTION."
    )
    if len(judged):
        verdict = f"{len(reached)} of {len(judged)} judged targets reached in most replications; "
    elif not result.scenario.targets:
        verdict, sources = "The scenario sets no targets.", ""
    else:
        verdict = "No target is judged in this run (none falls due inside it); "
    lines += [
        "",
        verdict + sources,
        *([f"Note: {note}"] if (note := _start_note(result.scenario)) else []),
        "",
        *pool_lines(result.pool_year),
    ]
    lines += ["", *calibration_lines(result.calibration)]
    return "\n".join(lines)


NOT_JUDGED = "not judged"


def target_lines(scenario) -> list[str]:
    """Each target's published goal, what the city's count counts, how it maps to the model,
    and its source (or ASSUMPTION)."""
    if not scenario.targets:
        return []
    lines = ["Targets: the goal as published, what it counts, its mapping to the model, source"]
    for city, t in scenario.targets.items():
        parts = [("goal", t.goal or "-")]
        if t.definition:
            parts.append(("counts", t.definition))
        if t.mapping:
            parts.append(("mapping", t.mapping))
        parts.append(("source", t.source if is_sourced(t.source) else f"{t.source.strip()}"))
        for i, (key, text) in enumerate(parts):
            lines.append(f"{city if i == 0 else '':<10} {key + ':':<8} {text}")
    return lines


def calibration_lines(table: pd.DataFrame) -> list[str]:
    """Headline figures beside their targets and sources, then the census growth fit.

    A figure the run cannot give (NaN: e.g. the run does not cover the 2010-2015 fit window)
    is printed as "not judged", never as nan.
    """
    growth = table[table.city != ""]
    growth = growth[growth.quantity.str.startswith("population growth")]
    at_2010 = table[table.quantity.str.endswith(AT_2010)]
    headline = table.drop(growth.index).drop(at_2010.index)
    lines = ["Calibration: each simulated figure beside the figure it should match", ""]
    lines.append(f"{'quantity':<42} {'simulated':>10} {'target':>10}  source")
    for row in headline.itertuples():
        simulated = NOT_JUDGED if np.isnan(row.simulated) else f"{row.simulated:.3f}"
        lines.append(f"{row.quantity:<42} {simulated:>10} {row.target:>10}  {row.source}")
    window = growth.quantity.iloc[0].rsplit(" ", 1)[-1] if len(growth) else ""
    if growth.simulated.isna().all():
        return [
            *lines,
            "",
            f"Population growth {window}: {NOT_JUDGED} (the run does not cover the fit window, "
            "so there is no simulated growth to set beside the 2000-2010 census growth)",
            *census_2010_lines(at_2010),
        ]
    lines += [
        "",
        f"Population growth {window} (simulated, % a year) against 2000-2010 census growth",
        f"{'city':<10} {'simulated':>9} {'census':>7} {'error':>7}",
    ]
    for row in growth.itertuples():
        census = float(row.target)
        if np.isnan(row.simulated):
            lines.append(f"{row.city:<10} {NOT_JUDGED:>9} {100 * census:>7.2f} {'':>7}")
            continue
        lines.append(
            f"{row.city:<10} {100 * row.simulated:>9.2f} {100 * census:>7.2f} "
            f"{100 * (row.simulated - census):>+7.2f}"
        )
    return [*lines, *census_2010_lines(at_2010)]


def census_2010_lines(rows: pd.DataFrame) -> list[str]:
    """A 2000 start at 2010-01 (its state after 2009-12) beside the 2010 census, in millions;
    nothing for other starts, "not judged" when the run ends before 2009-12."""
    if rows.empty:
        return []
    if rows.simulated.isna().all():
        return [
            "",
            f"At 2010-01 against the 2010 census: {NOT_JUDGED} (the run ends before 2009-12)",
        ]
    lines = [
        "",
        "At 2010-01 (the state after 2009-12) against the 2010 census (million people)",
        f"{'':<16} {'simulated':>9} {'census':>7} {'error':>7}",
    ]
    for row in rows.itertuples():
        name = row.city or row.quantity.removesuffix(f" {AT_2010}")
        target = float(row.target)
        lines.append(
            f"{name:<16} {row.simulated / 1e6:>9.2f} {target / 1e6:>7.2f} "
            f"{row.simulated / target - 1:>+7.1%}"
        )
    return lines
