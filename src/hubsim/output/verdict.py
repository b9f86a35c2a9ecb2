"""The answer to the project's question, per hub and in words: the chance of reaching its goal
by its date, the chance of being a ghost hub, office vacancy at the horizon (a band), and the
goal's source; then one paragraph that answers "can every hub reach its goals from one pool, or
do some become ghost hubs?" with its numbers and what it rests on.

`verdict_table(pairs, scenario, basis)` takes one row per (run, city): the replications of one
run (the fitted point) or the (parameter set x replication) pairs of an ensemble run.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from hubsim.engine.cities import city_table
from hubsim.output import ghost
from hubsim.scenario import CITY_KEYS, Scenario
from hubsim.scenario.schema import is_sourced

BAND = (0.05, 0.5, 0.95)
LIKELY = 0.5  # a hub "reaches" or "is a ghost" in the words when at least half the pairs say so
SURE = 0.9  # a hub reaching its goal in fewer of the pairs is named as unsure
FILE = "verdict.csv"
WIDTH = 100  # the paragraph's lines


def verdict_table(pairs: pd.DataFrame, scenario: Scenario, basis: str) -> pd.DataFrame:
    """Per city: P(goal reached by its date), P(ghost hub), office vacancy at the horizon
    (5/50/95 % over the pairs), the goal and its source, whether it built ahead.

    Args:
        pairs: one row per (run, city) with columns city, reached (1/0, NaN when not judged),
            ghost (1/0) and office_vacancy_end (share).
        scenario: the scenario run (its targets and ghost rule).
        basis: what the pairs are (`run_basis`, or an ensemble's headline).
    """
    names = city_table()["name"]
    ahead = ghost.built_ahead(scenario)
    rows = []
    for city in CITY_KEYS:
        mine = pairs[pairs.city == city]
        reached = pd.to_numeric(mine.reached, errors="coerce").dropna()
        target = scenario.targets.get(city)
        vacancy = pd.to_numeric(mine.office_vacancy_end, errors="coerce").dropna()
        band = vacancy.quantile(list(BAND)).to_numpy() if len(vacancy) else [np.nan] * 3
        rows.append(
            {
                "city": city,
                "name": names[city],
                "goal_by": target.by if target is not None else "",
                "p_reach": float(reached.mean()) if len(reached) else np.nan,
                "p_ghost": float(pd.to_numeric(mine.ghost).mean()) if len(mine) else np.nan,
                "vacancy_end_p05": float(band[0]),
                "vacancy_end_p50": float(band[1]),
                "vacancy_end_p95": float(band[2]),
                "built_ahead": ahead.get(city, ""),
                "goal": target.goal if target is not None else "",
                "mapping": target.mapping if target is not None else "",
                "source": target.source if target is not None else "",
                "sourced": bool(target is not None and is_sourced(target.source)),
                "pairs": len(mine),
                "judged_pairs": len(reached),
                "basis": basis,
            }
        )
    return pd.DataFrame(rows)


def pairs_from_replications(per_replication: pd.DataFrame) -> pd.DataFrame:
    """The per-(replication, city) outcomes of one run, as `verdict_table` reads them."""
    return per_replication[["city", "reached", "ghost", "office_vacancy_end"]]


def pairs_from_ensemble(rows: pd.DataFrame) -> pd.DataFrame:
    """The (parameter set x replication) rows of an ensemble run (`reached@CITY`, ... columns)
    as one row per (pair, city)."""
    missing = pd.Series(np.nan, index=rows.index)  # a folder written before the column was
    parts = [
        pd.DataFrame(
            {
                "city": city,
                **{
                    column: rows.get(f"{column}@{city}", missing).to_numpy(float)
                    for column in ("reached", "ghost", "office_vacancy_end")
                },
            }
        )
        for city in CITY_KEYS
    ]
    return pd.concat(parts, ignore_index=True)


def _p(value: float) -> str:
    return "-" if not np.isfinite(value) else f"{value:.2f}"


def _band(row) -> str:
    values = (row.vacancy_end_p05, row.vacancy_end_p50, row.vacancy_end_p95)
    if not all(np.isfinite(values)):
        return "-"
    return " / ".join(f"{100 * v:.0f}" for v in values)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def table_lines(table: pd.DataFrame) -> list[str]:
    """The verdict table as printed: one row per hub."""
    lines = [
        f"Verdict over {table.basis.iloc[0]}:",
        f"{'city':<10} {'goal by':>8} {'P(goal)':>8} {'P(ghost)':>8} "
        f"{'vacancy end %':>14} {'built ahead':>11}  goal's source",
        f"{'':<10} {'':>8} {'':>8} {'':>8} {'5/50/95':>14}",
    ]
    for row in table.itertuples():
        source = _short(row.source, 60) if row.sourced else "ASSUMPTION (no published goal maps)"
        lines.append(
            f"{row.city:<10} {row.goal_by or '-':>8} {_p(row.p_reach):>8} {_p(row.p_ghost):>8} "
            f"{_band(row):>14} {'yes' if row.built_ahead else 'no':>11}  {source}"
        )
    return lines


def _names(rows: pd.DataFrame, column: str) -> str:
    return ", ".join(f"{r.name} ({getattr(r, column):.2f})" for r in rows.itertuples())


def _span(low: str, high: str) -> str:
    """'from 0.40 to 1.00', or '1.00 in every city' where the two ends print the same."""
    return f"{low} in every city" if low == high else f"from {low} to {high}"


def paragraph(table: pd.DataFrame, scenario: Scenario) -> str:
    """The answer in words, with its numbers, and what it rests on."""
    judged = table[table.judged_pairs > 0]
    miss = judged[judged.p_reach < LIKELY]
    ghosts = table[table.p_ghost >= LIKELY]
    some_ghost = table[(table.p_ghost > 0) & (table.p_ghost < LIKELY)]
    ahead = table[table.built_ahead != ""]
    rule = scenario.ghost
    if len(ghosts):
        answer = f"No: {_names(ghosts, 'p_ghost')} become ghost hubs (P(ghost) in brackets)."
    elif len(miss):
        answer = (
            f"Not every hub: {_names(miss, 'p_reach')} miss their goals (P(goal) in brackets), "
            "but none becomes a ghost hub in most runs."
        )
    elif len(judged):
        answer = "Yes: every hub with a goal judged in the run reaches it in most runs, and none "
        answer += "becomes a ghost hub in most runs."
    else:
        answer = "The run judges no goal, so it cannot say."
    reach = (
        f"{int((judged.p_reach >= LIKELY).sum())} of {len(judged)} cities with a judged goal "
        f"reach it in at least half of the runs (P(goal) "
        f"{_span(f'{judged.p_reach.min():.2f}', f'{judged.p_reach.max():.2f}')})."
        if len(judged)
        else ""
    )
    unsure = judged[(judged.p_reach >= LIKELY) & (judged.p_reach < SURE)]
    if len(unsure):
        reach += f" Least sure: {_names(unsure.sort_values('p_reach'), 'p_reach')}."
    vac = table.vacancy_end_p50.dropna()
    empty = (
        f"Office vacancy at the horizon (median) is "
        f"{_span(f'{100 * vac.min():.0f} %', f'{100 * vac.max():.0f} %')}; a ghost needs "
        f"more than {100 * rule.vacancy_above:.0f} % empty in each of the last "
        f"{rule.empty_years} years in a city that built ahead "
        f"({', '.join(ahead.name) or 'none'}) and a missed goal."
        if len(vac)
        else ""
    )
    if len(some_ghost):
        empty += f" Ghost in some runs: {_names(some_ghost, 'p_ghost')}."
    sourced = table[table.sourced]
    rests = (
        f"It rests on: the goals of {', '.join(sourced.name) or 'no city'} as published before "
        f"2020, through the stated mappings (the other {len(table) - len(sourced)} targets are "
        "an ASSUMPTION rule); the finite pool of graduates the model carries; the recorded "
        "office stock and programmes as the space built ahead; the two ghost thresholds; and "
        f"{table.basis.iloc[0].split(' (')[0]}."
    )
    if table.basis.iloc[0].startswith("one parameter set"):
        rests += " One parameter set understates the uncertainty: add --ensemble for it."
    return " ".join(part for part in (answer, reach, empty, rests) if part)


def verdict_text(table: pd.DataFrame, scenario: Scenario) -> str:
    """The printed verdict: the table, a note on its columns and the paragraph."""
    note = (
        "P(goal): share of runs reaching the goal by its date ('-': not judged); P(ghost): share "
        "of runs in which the hub is a ghost; vacancy: empty office seats / seats, mean of the "
        "last 12 months; built ahead: recorded stock or programme seats."
    )
    question = "Can every hub reach its goals from one pool, or do some become ghost hubs?"
    words = textwrap.fill(paragraph(table, scenario), WIDTH)
    return "\n".join([*table_lines(table), textwrap.fill(note, WIDTH), "", question, words])


def write(table: pd.DataFrame, folder) -> None:
    """verdict.csv in a run's folder (written then renamed: complete or absent)."""
    path = folder / FILE
    tmp = path.with_name(f".{FILE}.tmp")
    table.to_csv(tmp, index=False)
    tmp.replace(path)


def run_verdict(scenario: Scenario, per_replication: pd.DataFrame) -> pd.DataFrame:
    """The verdict of one run: its scenario's parameter set over its replications."""
    return verdict_table(
        pairs_from_replications(per_replication), scenario, run_basis(scenario.replications)
    )


def run_basis(replications: int) -> str:
    """What a single run's pairs are: the fitted point over its replications."""
    return (
        f"one parameter set x {replications} replication{'s' * (replications != 1)} (the "
        "scenario's values: for the baseline, the fitted point)"
    )
