"""What the dashboard needs from hubsim, and the pure work on it: controls to scenario, YAML.

Every hubsim name the dashboard uses is imported here and nowhere else in the dashboard, so a
change of the package layout is one edit in this file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from hubsim.engine import HubModel
from hubsim.errors import HubsimError
from hubsim.experiments.replications import resolve
from hubsim.output.summary import target_goal
from hubsim.scenario import CITY_KEYS, Scenario, load_scenario, scenario_from_dict

__all__ = [
    "target_goal",
    "BEHAVIOUR_WEIGHTS",
    "CITY_KEYS",
    "DEFAULT_SCALE",
    "HUKOU_CHOICES",
    "SEAT_BUILD_MONTHS",
    "CityInstruments",
    "DashboardSettings",
    "HubModel",
    "HubsimError",
    "Scenario",
    "load_base",
    "load_scenario",
    "month_label",
    "months_between",
    "policy_scenario",
    "reference_scenario",
    "save_scenario",
    "scenario_changes",
]

DEFAULT_SCALE = 1000.0  # people per agent: a year of both runs in about a tenth of a second
SEAT_BUILD_MONTHS = 60  # office seats added by the dashboard are built over five years
HUKOU_CHOICES = ("scenario", "none", "bachelor", "master", "phd", "nobody")
# Main behaviour weights, as (section, key) in `behaviour`: the logit's wage, rent, hukou and
# subsidy weights and the fixed cost of moving.
BEHAVIOUR_WEIGHTS = {
    "b_w": ("migration", "b_w"),
    "b_r": ("migration", "b_r"),
    "b_h": ("migration", "b_h"),
    "b_s_per_10k_yuan": ("migration", "b_s_per_10k_yuan"),
    "moving_cost_fixed": ("migration", "moving_cost_fixed"),
}
DASHBOARD_SOURCE = "hubsim dashboard setting"


@dataclass(frozen=True)
class CityInstruments:
    """One city's dashboard instruments, added on top of the scenario's own programmes."""

    cash_yuan: float = 0.0  # one-off payment to each eligible arrival
    rent_yuan_month: float = 0.0  # rent subsidy a month, for rent_months months
    rent_months: int = 36
    hukou_min_degree: str = "scenario"  # lowest degree granted hukou; "scenario" keeps the file's
    budget_bn_yuan_year: float = 0.0  # yearly budget of each new cash/rent programme; 0: no cap
    office_seats: float = 0.0  # office seats built over SEAT_BUILD_MONTHS

    def programmes(self, city: str, start: str) -> list[dict[str, Any]]:
        """The scenario programmes these settings stand for (none when all are zero)."""
        budget = self.budget_bn_yuan_year * 1e9 if self.budget_bn_yuan_year > 0 else None
        common = {"city": city, "start": start, "source": DASHBOARD_SOURCE}
        found = []
        if self.cash_yuan > 0:
            found.append(
                {**common, "instrument": "cash", "amount": float(self.cash_yuan)}
                | {"budget_yuan_per_year": budget}
            )
        if self.rent_yuan_month > 0:
            found.append(
                {**common, "instrument": "rent", "amount": float(self.rent_yuan_month)}
                | {"months": int(self.rent_months), "budget_yuan_per_year": budget}
            )
        if self.office_seats > 0:
            found.append(
                {**common, "instrument": "office_capacity", "amount": float(self.office_seats)}
                | {"months": SEAT_BUILD_MONTHS}
            )
        return [{k: v for k, v in p.items() if v is not None} for p in found]


@dataclass(frozen=True)
class DashboardSettings:
    """Everything the dashboard's controls change relative to the scenario file."""

    scale: float = DEFAULT_SCALE
    seed: int | None = None  # None: the scenario's seed
    policy_start_year: int | None = None  # None: the scenario's first year
    behaviour: tuple[tuple[str, float], ...] = ()  # (BEHAVIOUR_WEIGHTS key, value)
    cities: tuple[tuple[str, CityInstruments], ...] = ()

    def start_month(self, base: Scenario) -> str:
        year = self.policy_start_year or int(base.start[:4])
        return f"{year:04d}-01"


def load_base(path: str | Path) -> Scenario:
    """The scenario a dashboard session starts from (a HubsimError if the file is unusable)."""
    return load_scenario(path)


def reference_scenario(base: Scenario, settings: DashboardSettings) -> Scenario:
    """The unmodified scenario at the dashboard's scale and seed (the run to compare with)."""
    return resolve(base, scale=settings.scale, seed=settings.seed)


def policy_scenario(base: Scenario, settings: DashboardSettings) -> Scenario:
    """The scenario with the dashboard's settings applied (`extends` the base in effect)."""
    data = reference_scenario(base, settings).model_dump(mode="json")
    data["name"] = f"{base.name}-dashboard"
    for key, value in settings.behaviour:
        section, field = BEHAVIOUR_WEIGHTS[key]
        data["behaviour"][section][field] = float(value)
    start = settings.start_month(base)
    for city, instruments in settings.cities:
        if instruments.hukou_min_degree != "scenario":
            data["cities"][city]["hukou_min_degree"] = instruments.hukou_min_degree
        data["programmes"] += instruments.programmes(city, start)
    return scenario_from_dict(data, source="the dashboard's settings")


def months_between(start: str, month: str) -> int:
    """Months from `start` to `month`, both 'YYYY-MM'."""
    (y0, m0), (y1, m1) = (map(int, start.split("-")), map(int, month.split("-")))
    return (y1 - y0) * 12 + (m1 - m0)


def month_label(start: str, offset: int) -> str:
    """The 'YYYY-MM' `offset` months after `start`."""
    year, month = map(int, start.split("-"))
    total = year * 12 + month - 1 + offset
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


# --------------------------------------------------------------------------- saving


def scenario_changes(base: Scenario, settings: DashboardSettings) -> dict[str, Any]:
    """The keys a scenario file extending `base` needs to state the dashboard's settings."""
    changes: dict[str, Any] = {"name": f"{base.name}-dashboard"}
    if settings.seed is not None and settings.seed != base.seed:
        changes["seed"] = int(settings.seed)
    if settings.scale != base.scale:
        changes["scale"] = float(settings.scale)
    behaviour: dict[str, dict[str, float]] = {}
    for key, value in settings.behaviour:
        section, field = BEHAVIOUR_WEIGHTS[key]
        if not np.isclose(getattr(getattr(base.behaviour, section), field), value):
            behaviour.setdefault(section, {})[field] = float(value)
    if behaviour:
        changes["behaviour"] = behaviour
    cities = {
        city: {"hukou_min_degree": i.hukou_min_degree}
        for city, i in settings.cities
        if i.hukou_min_degree != "scenario"
    }
    if cities:
        changes["cities"] = cities
    start = settings.start_month(base)
    added = [p for city, i in settings.cities for p in i.programmes(city, start)]
    if added:
        changes["add_programmes"] = added
    return changes


def save_scenario(
    base: Scenario, base_path: Path | None, settings: DashboardSettings, out: Path
) -> str:
    """Write the settings as a scenario file that `hubsim run` accepts; returns what it holds.

    The file `extends` the base file (relative path) with only the changed keys; it states the
    whole scenario instead when there is no base file or the short form would not load back to
    the same scenario. Either way the written file is loaded back and checked.
    """
    wanted = policy_scenario(base, settings)
    out = Path(out)
    if out.suffix not in (".yaml", ".yml"):
        raise HubsimError(f"{out}: a scenario file name must end in .yaml; add the extension.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HubsimError(f"{out}: cannot create its folder ({exc.strerror}).") from None
    header = (
        f"# Saved by `hubsim dashboard` from {base_path or base.name}.\n"
        f"# Run it with: python -m hubsim run {out}\n"
    )
    kind = "changes"
    if base_path is not None:
        extends = os.path.relpath(Path(base_path).resolve(), out.parent.resolve())
        body = {"extends": Path(extends).as_posix(), **scenario_changes(base, settings)}
        _write(out, header, body, f"the dashboard's; delete to run at the file's {base.scale:g}")
        if _loads_as(out, wanted):
            return kind
    kind = "full"
    _write(out, header, wanted.model_dump(mode="json", exclude_none=False))
    if not _loads_as(out, wanted):  # pragma: no cover - a schema round-trip bug
        raise HubsimError(f"{out}: the saved scenario does not load back as the dashboard's.")
    return kind


def _write(out: Path, header: str, body: dict[str, Any], scale_note: str = "") -> None:
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
    if scale_note and "scale" in body:
        line = f"scale: {body['scale']}\n"
        text = text.replace(line, line[:-1] + f"  # {scale_note}\n", 1)
    try:
        out.write_text(header + text, encoding="utf-8")
    except OSError as exc:
        raise HubsimError(
            f"{out}: cannot write the scenario file ({exc.strerror}); choose another path."
        ) from None


def _loads_as(path: Path, wanted: Scenario) -> bool:
    try:
        loaded = load_scenario(path)
    except HubsimError:
        return False
    return loaded.model_dump(mode="json") == wanted.model_dump(mode="json")
