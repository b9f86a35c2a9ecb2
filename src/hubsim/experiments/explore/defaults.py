"""What an explore file leaves out: the default uncertain inputs and outcomes, and the events
PRIM explains. Every outcome name the tool uses is here, so a renamed summary column is changed
in one place.

The outcomes are columns of a run's per-replication summary (`output.summary.summarize`,
listed in `experiments.outcomes.SUMMARY_COLUMNS`), read per city as `COLUMN@CITY`: each hub's
goal attainment (what the run shows over what the goal asks), whether it reached its goal, its
office vacancy at the horizon (the mean of the last 12 months) and its ghost flag; every city's
talent at the end; the spending of every city that runs a paid programme. A run's summary.csv
holds their means over replications (`reached` as `reached_share`, `ghost` as `ghost_share`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from hubsim.scenario import CITY_KEYS, Scenario

# Summary columns read per hub (a city with a target) and per city.
ATTAINMENT = "share_of_target"
REACHED = "reached"
VACANCY = "office_vacancy_end"
GHOST = "ghost"
TALENT = "talent_end"
SPENDING = "spending_yuan"
HUB_COLUMNS = (ATTAINMENT, REACHED, VACANCY, GHOST)

# Instruments whose amount is money (or a share of it) the city pays; their amounts vary together.
PAID = ("cash", "rent", "housing_discount", "firm_grant")


@dataclass(frozen=True)
class Event:
    """A yes/no outcome of a run that PRIM explains: `column@city` compared with `cut`."""

    name: str  # e.g. "misses_goal"
    column: str  # the summary column it reads
    below: bool  # the event is column < cut (True) or column > cut (False)
    cut: float
    what: str  # in words, with {city}

    def happened(self, values: pd.Series) -> pd.Series:
        return values < self.cut if self.below else values > self.cut


EVENTS = (
    Event("misses_goal", REACHED, below=True, cut=0.5, what="{city} misses its goal"),
    Event("ghost", GHOST, below=False, cut=0.5, what="{city} is a ghost hub"),
)


def hubs(base: Scenario) -> list[str]:
    """The cities with a talent target in the base scenario, in the schema's order."""
    return [city for city in CITY_KEYS if city in base.targets]


def default_outcomes(base: Scenario) -> list[str]:
    """Every hub's attainment, then every hub's reached, vacancy and ghost flag; every city's
    talent at the end; the spending of every city with a paid programme."""
    paying = {p.city for p in base.programmes if p.instrument in PAID or p.amount_by_degree}
    outcomes = [f"{column}@{city}" for column in HUB_COLUMNS for city in hubs(base)]
    outcomes += [f"{TALENT}@{city}" for city in CITY_KEYS if city != "rest_of_china"]
    outcomes += [f"{SPENDING}@{city}" for city in CITY_KEYS if city in paying]
    return outcomes


# --------------------------------------------------------------------------- default inputs

# ASSUMPTION (the ranges of the inputs that are not fitted): the graduate cohorts +-10 %, the
# population caps +-10 %, the programme amounts and office build-outs from half to one and a
# half times what the scenario says. The behavioural parameters span the ensemble's members.
COHORT_FACTOR = (0.9, 1.1)
CAP_FACTOR = (0.9, 1.1)
AMOUNT_FACTOR = (0.5, 1.5)
OFFICE_FACTOR = (0.5, 1.5)
COHORT_KEY = "behaviour.demography.graduate_cohort_factor"


def default_inputs(base: Scenario, ensemble: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    """The inputs an explore file without `inputs:` varies, as that section would write them.

    The ensemble's parameters other than the cities' amenities (one input each, over the
    members' range); the graduate cohorts; all population caps together; all paid programme
    amounts together; all office build-outs together. A group the base scenario does not have
    (e.g. no office_capacity programme) is left out.
    """
    inputs: dict[str, dict[str, Any]] = {}
    if ensemble is not None:
        for key in ensemble_keys(ensemble):
            inputs[key.rsplit(".", 1)[-1]] = {"key": key, "ensemble": True}
    inputs["graduate_cohorts"] = {"key": COHORT_KEY, "factor": _bounds(COHORT_FACTOR)}
    groups = {
        "population_caps": (_keys(base, ("population_cap",)), CAP_FACTOR),
        "programme_amounts": (_keys(base, PAID, by_degree=True), AMOUNT_FACTOR),
        "office_pipelines": (_keys(base, ("office_capacity",)), OFFICE_FACTOR),
    }
    for name, (keys, factor) in groups.items():
        if keys:
            inputs[name] = {"keys": keys, "factor": _bounds(factor)}
    return inputs


def ensemble_keys(ensemble: pd.DataFrame) -> list[str]:
    """The ensemble's behavioural parameter columns (the amenities are per-city levels)."""
    meta = ("member", "source", "implausibility_max", "worst_moment")
    return [str(c) for c in ensemble.columns if c not in meta and not str(c).endswith(".amenity")]


def _bounds(pair: tuple[float, float]) -> dict[str, float]:
    return {"low": pair[0], "high": pair[1]}


def _keys(base: Scenario, instruments: tuple[str, ...], by_degree: bool = False) -> list[str]:
    """`programmes.I.amount` of every programme of `instruments` with a nonzero amount (and
    its amounts by degree)."""
    keys = []
    for i, programme in enumerate(base.programmes):
        if programme.instrument not in instruments:
            continue
        if programme.amount:
            keys.append(f"programmes.{i}.amount")
        if by_degree:
            keys += [f"programmes.{i}.amount_by_degree.{d}" for d in programme.amount_by_degree]
    return keys
