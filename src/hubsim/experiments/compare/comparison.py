"""A comparison's tables: scenarios (arms) side by side, paired replication by replication.

`attainment_table` and `paired_differences` read arms already run; `experiments.compare` runs them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from hubsim.scenario import CITY_KEYS

TIER1 = ("beijing", "shanghai", "shenzhen", "guangzhou")


@dataclass
class Arm:
    """One scenario of a comparison, with its tables."""

    name: str
    question: str
    source: str  # the file or folder it came from
    city_month: pd.DataFrame
    summary: pd.DataFrame
    per_replication: pd.DataFrame
    start: str
    months: int
    seed: int
    replications: int
    folder: Path | None
    city_sector_month: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Each city's programmes as text (`programmes_by_city`): a paired cost per extra talent is
    # given only where a scenario changed the city's own programmes.
    programmes: dict[str, str] = field(default_factory=dict)
    # Movers per year, origin, destination and degree (`output.tables.flows_year`): where each
    # hub's extra talent came from (`sources.talent_sources`).
    flows_year: pd.DataFrame = field(default_factory=pd.DataFrame)


def programmes_by_city(programmes: list) -> dict[str, str]:
    """Each city's programmes (scenario programmes or their dumped dicts) as one sorted text."""
    texts: dict[str, list[str]] = {}
    for programme in programmes:
        data = programme if isinstance(programme, dict) else programme.model_dump(mode="json")
        texts.setdefault(data["city"], []).append(json.dumps(data, sort_keys=True))
    return {city: "\n".join(sorted(items)) for city, items in texts.items()}


@dataclass
class Comparison:
    arms: list[Arm]
    attainment: pd.DataFrame
    differences: pd.DataFrame
    branches: pd.DataFrame = field(default_factory=pd.DataFrame)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)  # sources.talent_sources
    folder: Path | None = None
    stamp: str = ""  # what was compared and with which options, for the figures' footers


def mean_interval(values: pd.Series) -> tuple[float, float, float]:
    """Mean and its 95 % t-interval (the interval collapses with one replication)."""
    values = values.dropna().astype(float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, mean, mean
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return mean, mean - half, mean + half


def attainment_table(arms: list[Arm]) -> pd.DataFrame:
    """City x scenario: reached and ghost shares, horizon talent with 95 % interval, cost.

    Each scenario gets its extra talent and extra spending against the first, paired by
    replication, and their ratio: what one more talent cost compared with the first scenario,
    for the cities whose own programmes the scenario changed (`own_programmes_changed`).
    Spending is never divided by all talent gained, which would count growth it did not buy.
    """
    table = pd.DataFrame(_attainment_rows(arms))
    base = arms[0].per_replication.set_index(["city", "replication"])
    extra = []
    for arm in arms:
        mine = arm.per_replication.set_index(["city", "replication"])
        talent = (mine.talent_end - base.talent_end).groupby(level="city").mean()
        spent = (mine.spending_yuan - base.spending_yuan).groupby(level="city").mean()
        extra.append(pd.DataFrame({"scenario": arm.name, "extra_talent_vs_first": talent,
                                   "extra_spending_vs_first_yuan": spent}))  # fmt: skip
    extra = pd.concat(extra).reset_index()
    table = table.merge(extra, on=["city", "scenario"], how="left")
    first = arms[0].programmes
    changed = {
        (arm.name, city): arm.programmes.get(city, "") != first.get(city, "")
        for arm in arms
        for city in CITY_KEYS
    }
    table["own_programmes_changed"] = [
        changed[(s, c)] for s, c in zip(table.scenario, table.city, strict=True)
    ]
    gain = table.extra_talent_vs_first
    # A city whose own programmes did not change spends more or less only because others'
    # programmes moved people into or away from its programmes: no cost of its own.
    table["cost_per_extra_talent_yuan"] = np.where(
        (gain > 0) & (table.extra_spending_vs_first_yuan > 0) & table.own_programmes_changed,
        table.extra_spending_vs_first_yuan / gain.where(gain > 0, 1.0),
        np.nan,
    )
    return table


def _attainment_rows(arms: list[Arm]) -> list[dict]:
    rows = []
    for arm in arms:
        per_rep = arm.per_replication
        for city in CITY_KEYS:
            mine = per_rep[per_rep.city == city]
            mean, lo, hi = mean_interval(mine.talent_end)
            spent = mine.spending_yuan.mean()
            rows.append(
                {
                    "city": city,
                    "scenario": arm.name,
                    "reached_share": float(mine.reached.mean()),
                    "ghost_share": float(mine.ghost.mean()),
                    "talent_end_mean": mean,
                    "talent_end_lo95": lo,
                    "talent_end_hi95": hi,
                    "spending_yuan": float(spent),
                    "net_talent_gained": float(mine.net_talent_gained.mean()),
                    "target_note": _first_note(mine),
                }
            )
    return rows


def _first_note(per_rep: pd.DataFrame) -> str:
    """The city's target note ('judged', 'not judged: ...', '' without a target)."""
    if "target_note" not in per_rep or per_rep.empty:
        return ""
    note = per_rep["target_note"].iloc[0]
    return note if isinstance(note, str) else ""


def paired_differences(arms: list[Arm], metric: str = "talent") -> pd.DataFrame:
    """Per date and city, each scenario minus the first, paired by replication (95 % t-interval)."""

    def wide(arm: Arm) -> pd.DataFrame:
        cm = arm.city_month
        cm = cm[(cm.metric == metric) & cm.city.isin(CITY_KEYS)]
        return cm.set_index(["date", "city", "replication"])["value"]

    base = wide(arms[0])
    frames = []
    for arm in arms[1:]:
        diff = (wide(arm) - base).rename("difference").reset_index()
        grouped = diff.groupby(["date", "city"])["difference"]
        n = grouped.count()
        mean = grouped.mean()
        sem = grouped.std(ddof=1).fillna(0.0) / np.sqrt(n)
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sem
        frame = pd.DataFrame(
            {"mean": mean, "lo95": mean - half, "hi95": mean + half, "replications": n}
        ).reset_index()
        frame.insert(0, "scenario", arm.name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def branch_counts(arm: Arm) -> pd.DataFrame:
    """Per replication, date and branch city: secondary offices open there, all and those of
    tier-1 firms (columns `branches`, `tier1_branches`)."""
    csm = arm.city_sector_month
    rows = csm[(csm.metric == "branch_offices") & (csm.headquarters != "all")]
    keys = ["replication", "date", "city"]
    every = rows.groupby(keys)["value"].sum().rename("branches")
    tier1 = rows[rows.headquarters.isin(TIER1)].groupby(keys)["value"].sum()
    table = pd.concat([every, tier1.rename("tier1_branches")], axis=1).fillna(0.0)
    # Cities and dates without a branch have no rows: put them back as zeros.
    index = pd.MultiIndex.from_product(
        [sorted(csm.replication.unique()), sorted(csm.date.unique()), list(CITY_KEYS)], names=keys
    )
    return table.reindex(index, fill_value=0.0)


def paired_branches(arms: list[Arm], date=None) -> pd.DataFrame:
    """Per city, secondary offices at `date` (default: the last month) in the first scenario
    and each other scenario's paired difference from it, with a 95 % t-interval; empty when an
    arm has no city_sector_month (run folders made before it existed)."""
    if any(a.city_sector_month.empty for a in arms):
        return pd.DataFrame()
    counts = [branch_counts(a) for a in arms]
    when = max(counts[0].index.get_level_values("date")) if date is None else pd.Timestamp(date)
    at = [c.xs(when, level="date") for c in counts]
    rows = []
    for arm, table in zip(arms[1:], at[1:], strict=True):
        for column in ("branches", "tier1_branches"):
            diff = (table[column] - at[0][column]).unstack("city")
            base = at[0][column].unstack("city")
            for city in CITY_KEYS:
                mean, lo, hi = mean_interval(diff[city])
                rows.append(
                    {"scenario": arm.name, "date": when, "city": city, "offices": column,
                     "first_mean": float(base[city].mean()), "difference": mean,
                     "lo95": lo, "hi95": hi, "replications": int(diff[city].count())}
                )  # fmt: skip
    return pd.DataFrame(rows)
