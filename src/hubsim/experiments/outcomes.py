"""Sweep outcomes: `METRIC@CITY@YYYY-MM` (a monthly metric) or `COLUMN@CITY` (a summary column).

`parse_outcome` checks one against a scenario; `evaluate` reads them off one finished run. Paired
outcomes (`extra_talent@CITY`, ...) are differences from the sweep's reference point, taken
replication by replication once the runs are in (`experiments.paired`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pandas as pd

from hubsim.engine.cities import NODES
from hubsim.engine.phases.record import METRICS
from hubsim.output import summary
from hubsim.output.tables import NOT_APPLICABLE
from hubsim.scenario import CITY_KEYS, Scenario, month_index

# Per-replication outcomes of `output.summary.summarize` (booleans become 0/1): (what, unit).
SUMMARY_COLUMNS = {
    "talent_start": ("talent at the start", "people"),
    "talent_end": ("talent at the end", "people"),
    "target_talent": ("talent target", "people"),
    "target_goal": ("target (talent, or graduates staying)", "people"),
    "target_measured": ("talent, or graduates staying, against the target", "people"),
    "talent_at_target_date": ("talent at the target date", "people"),
    "target_share_achieved": ("share of the target's gain achieved", "share"),
    "share_of_target": ("talent (or graduates staying) over the goal", "share of the goal"),
    "reached": ("target reached", "share of runs"),
    "office_occupancy_end": ("office occupancy at the end", "filled seats per seat"),
    "office_vacancy_end": ("office vacancy, mean of the last 12 months", "empty seats per seat"),
    "ghost": ("ghost hub", "share of runs"),
    "spending_yuan": ("programme spending", "yuan"),
    "net_talent_gained": ("net talent gained", "people"),
}
# Paired against the sweep's reference point on the same replication seeds: (what, unit, the
# summary columns each run records for them).
PAIRED_COLUMNS = {
    "extra_talent": ("extra talent at the end vs reference", "people", ("talent_end",)),
    "extra_spending_yuan": ("extra spending vs reference", "yuan", ("spending_yuan",)),
    "cost_per_extra_talent_yuan": (
        "cost per extra talent vs reference",
        "yuan per person",
        ("talent_end", "spending_yuan"),
    ),
}
REMOVED = {
    "spending_per_net_talent_yuan": (
        "spending divided by all talent gained is not what the spending bought, so it is no "
        "longer an outcome; use cost_per_extra_talent_yuan@CITY (with extra_talent@CITY and "
        "extra_spending_yuan@CITY), paired against the sweep's reference point"
    )
}
METRIC_UNITS = {
    "wage_mean": "yuan/year",
    "rent": "yuan/m2/month",
    "subsidy_spent": "yuan/month",
    "office_occupancy": "talent per seat",
    "firms": "model firms",
    "offices": "model offices",
}
PLACES = {"xian": "Xi'an", "rest_of_china": "Rest of China"}
FORMS = (
    "write outcomes as METRIC@CITY@YYYY-MM (e.g. talent@chengdu@2025-12; YYYY-MM may be 'end') "
    "or COLUMN@CITY (e.g. reached@chengdu)"
)


class OutcomeError(ValueError):
    """An outcome that cannot be read off a run; the message names the fix."""


@dataclass(frozen=True)
class Outcome:
    """One number per run: a metric in a month, or a summary column, for one city."""

    text: str
    name: str  # the metric or the summary column
    city: str
    month: str | None = None  # 'YYYY-MM' or 'end' for metrics; None for summary columns

    @property
    def paired(self) -> bool:
        """A difference from the reference point, computed after the runs."""
        return self.name in PAIRED_COLUMNS

    @property
    def inputs(self) -> tuple[Outcome, ...]:
        """What each run records for this outcome: itself, or a paired outcome's columns."""
        if not self.paired:
            return (self,)
        names = PAIRED_COLUMNS[self.name][2]
        return tuple(Outcome(f"{n}@{self.city}", n, self.city) for n in names)

    @property
    def unit(self) -> str:
        if self.paired:
            return PAIRED_COLUMNS[self.name][1]
        if self.month is None:
            return SUMMARY_COLUMNS[self.name][1]
        return METRIC_UNITS.get(self.name, "people")

    @property
    def what(self) -> str:
        """The quantity in words, e.g. 'talent in 2025-12' or 'net talent gained'."""
        if self.paired:
            return PAIRED_COLUMNS[self.name][0]
        if self.month is None:
            return SUMMARY_COLUMNS[self.name][0]
        when = "at the end" if self.month == "end" else f"in {self.month}"
        return f"{self.name.replace('_', ' ')} {when}"

    @property
    def label(self) -> str:
        """A readable title, e.g. 'Chengdu: talent in 2025-12 (people)'."""
        place = PLACES.get(self.city, self.city.title())
        return f"{place}: {self.what} ({self.unit})"


def parse_outcome(text: str, scenario: Scenario) -> Outcome:
    """The outcome `text` names, checked against the months `scenario` simulates.

    Raises:
        OutcomeError: with a message that says what to write instead.
    """
    parts = str(text).split("@")
    if len(parts) == 3:
        name, city, month = parts
        _check(name, METRICS, "metric")
        _check(city, NODES, "city")
        if name in NOT_APPLICABLE.get(city, ()):
            raise OutcomeError(f"{name} does not apply to {city} (it has no office seats)")
        _check_month(month, scenario)
        return Outcome(str(text), name, city, month)
    if len(parts) == 2:
        name, city = parts
        if name in REMOVED:
            raise OutcomeError(REMOVED[name])
        _check(name, (*SUMMARY_COLUMNS, *PAIRED_COLUMNS), "summary column")
        _check(city, CITY_KEYS, "city")
        return Outcome(str(text), name, city)
    raise OutcomeError(f"it has {len(parts) - 1} '@' signs; {FORMS}")


def _check(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value in allowed:
        return
    close = difflib.get_close_matches(value, allowed, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise OutcomeError(f"'{value}' is not a {what}{hint}; use one of {', '.join(allowed)}")


def _check_month(month: str, scenario: Scenario) -> None:
    first = scenario.start_month_index
    last = first + scenario.months - 1
    span = f"from {_month_text(first)} to {_month_text(last)}"
    if month == "end":
        return
    try:
        index = month_index(month)
        valid = len(month) == 7 and 1 <= int(month[5:]) <= 12
    except ValueError:
        valid = False
    if not valid:
        raise OutcomeError(f"'{month}' is not a month; write it YYYY-MM, {span}, or 'end'")
    if not first <= index <= last:
        raise OutcomeError(
            f"{month} is outside the simulated months ({span}); pick a month in that span, "
            "use 'end', or change the base scenario's start or months"
        )


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def evaluate(
    outcomes: tuple[Outcome, ...], scenario: Scenario, part: dict[str, pd.DataFrame]
) -> dict[str, float]:
    """Every outcome of one replication (`experiments.replications.simulate` output), as floats."""
    values = {}
    if any(o.paired for o in outcomes):
        raise ValueError("paired outcomes are computed from several runs; evaluate their inputs")
    tables = _summary_tables(scenario, part) if any(o.month is None for o in outcomes) else None
    city_month = part["city_month"]
    for outcome in outcomes:
        if outcome.month is None:
            values[outcome.text] = _summary_value(tables, outcome)
        else:
            values[outcome.text] = _metric_value(city_month, outcome)
    return values


def _metric_value(city_month: pd.DataFrame, outcome: Outcome) -> float:
    rows = city_month[(city_month.metric == outcome.name) & (city_month.city == outcome.city)]
    if outcome.month == "end":
        return float(rows.loc[rows.date.idxmax(), "value"])
    match = rows[rows.date == pd.Timestamp(outcome.month + "-01")]
    if match.empty:
        raise OutcomeError(f"outcome {outcome.text}: the run does not reach {outcome.month}")
    return float(match["value"].iloc[0])


def _summary_tables(scenario: Scenario, part: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    per_replication = summary.summarize(scenario, part["city_month"], part["initial"])
    return per_replication.set_index("city"), summary.aggregate(per_replication).set_index("city")


def _summary_value(tables: tuple[pd.DataFrame, pd.DataFrame], outcome: Outcome) -> float:
    per_replication, summary = tables
    table = per_replication if outcome.name in per_replication.columns else summary
    return float(table.loc[outcome.city, outcome.name])
