"""The dashboard's Mesa model: the scenario with the controls applied, beside the unmodified one.

Both runs are HubModels on the same seed (common random numbers), stepped together a month at a
time, so any difference between them is the settings' doing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np

from hubsim.dashboard.engine import (
    BEHAVIOUR_WEIGHTS,
    CITY_KEYS,
    DEFAULT_SCALE,
    HUKOU_CHOICES,
    CityInstruments,
    DashboardSettings,
    HubModel,
    HubsimError,
    Scenario,
    load_base,
    months_between,
    policy_scenario,
    reference_scenario,
)

DEFAULT_SCENARIO = "scenarios/baseline.yaml"
# The browser's weight sliders round their value to their step's decimals (0.05: two), so the
# file's fitted b_w 1.5148 comes back as 1.51: a weight within half a unit of that last decimal
# of the file's value is the file's (the slider left alone), not a setting.
WEIGHT_TOLERANCE = {"b_w": 0.005, "b_r": 0.005, "b_h": 0.005, "b_s_per_10k_yuan": 0.0005,
                    "moving_cost_fixed": 0.05}  # fmt: skip

CITY_FIELDS = tuple(CityInstruments.__dataclass_fields__)


def city_control(city: str, field: str) -> str:
    """The keyword of one city instrument, e.g. `chengdu_rent_yuan_month`."""
    return f"{city}_{field}"


CITY_CONTROLS = {
    city_control(city, field): (city, field) for city in CITY_KEYS for field in CITY_FIELDS
}


class Trace:
    """One run's metrics month by month: row 0 the initial state, row k+1 after month k."""

    def __init__(self, model: HubModel) -> None:
        self.model = model
        self.rows = [dict(model.initial_metrics)]

    def step(self) -> None:
        self.model.step()
        self.rows.append(dict(self.model.city_metrics))

    def upto(self, n: int) -> Trace:
        """The first n rows only (a view for drawing while Play steps the model in a thread)."""
        view = Trace.__new__(Trace)
        view.model, view.rows = self.model, self.rows[:n]
        return view

    def series(self, metric: str) -> np.ndarray:
        """(rows, nodes) array of one metric."""
        return np.array([row[metric] for row in self.rows], dtype=float)

    def at(self, metric: str, month: str) -> np.ndarray | None:
        """A metric's node values at 'YYYY-MM' as hubsim's summary reads it, or None if not yet.

        The summary labels the state after month k with month k, except month 0 whose label
        holds the initial state.
        """
        k = months_between(self.model.params.start, month)
        row = 0 if k == 0 else k + 1
        if k < 0 or row >= len(self.rows):
            return None
        return np.asarray(self.rows[row][metric], dtype=float)


class PolicyDashboard(mesa.Model):
    """A scenario under the dashboard's settings, stepped beside the unmodified scenario.

    Every argument is a keyword with a default, because Mesa's Reset rebuilds the model as
    `type(model)(**params)`. The per-city instruments are keywords named `<city>_<instrument>`
    (see `CITY_CONTROLS`), e.g. `chengdu_rent_yuan_month=1500`.

    Args:
        scenario_file: the scenario YAML both runs start from.
        scale: people per agent (coarser than a study's, so a year takes well under a second).
        seed: root seed of both runs (None: the scenario's).
        policy_start_year: first January of the dashboard's programmes (None: the first year).
        b_w, b_r, b_h, b_s_per_10k_yuan, moving_cost_fixed: behaviour weights (None: the file's).
        scenario: Mesa's own (parameter-less) scenario object, which its Reset passes to any
            model taking keywords; unused, since hubsim's scenario comes from `scenario_file`.
        **instruments: per-city instruments; unknown names are a TypeError.
    """

    def __init__(
        self,
        scenario_file: str = DEFAULT_SCENARIO,
        scale: float = DEFAULT_SCALE,
        seed: int | None = None,
        policy_start_year: int | None = None,
        b_w: float | None = None,
        b_r: float | None = None,
        b_h: float | None = None,
        b_s_per_10k_yuan: float | None = None,
        moving_cost_fixed: float | None = None,
        scenario: object = None,
        **instruments: Any,
    ) -> None:
        unknown = sorted(set(instruments) - set(CITY_CONTROLS))
        if unknown:
            raise TypeError(f"PolicyDashboard got unknown keyword(s): {', '.join(unknown)}")
        self.scenario_file = str(scenario_file)
        self.base: Scenario = load_base(self.scenario_file)
        weights = {
            "b_w": b_w,
            "b_r": b_r,
            "b_h": b_h,
            "b_s_per_10k_yuan": b_s_per_10k_yuan,
            "moving_cost_fixed": moving_cost_fixed,
        }
        for key, value in list(weights.items()):  # a weight at the file's value is the file's
            section, field = BEHAVIOUR_WEIGHTS[key]
            file_value = getattr(getattr(self.base.behaviour, section), field)
            if value is not None and abs(value - file_value) <= WEIGHT_TOLERANCE[key]:
                weights[key] = None
        self.settings = DashboardSettings(
            scale=float(scale),
            seed=None if seed is None else int(seed),
            policy_start_year=None if policy_start_year is None else int(policy_start_year),
            behaviour=tuple((k, float(v)) for k, v in weights.items() if v is not None),
            cities=_city_settings(instruments),
        )
        self.policy_params: Scenario = policy_scenario(self.base, self.settings)
        self.reference_params: Scenario = reference_scenario(self.base, self.settings)
        seed_used = self.policy_params.seed
        del scenario
        super().__init__(rng=seed_used)  # a fixed rng: resets are reproducible
        self.policy = Trace(HubModel(self.policy_params, seed_used))
        self.reference = Trace(HubModel(self.reference_params, seed_used))
        self.months = self.policy_params.months
        self.month = -1  # the month last simulated (0 = the scenario's first)

    @property
    def start(self) -> str:
        return self.policy_params.start

    def snapshot(self) -> tuple[Trace, Trace]:
        """(settings run, unmodified run) cut to the months both have finished.

        Mesa's Play steps the model in a thread while the page draws; `month` moves only once
        both runs have stepped, so month + 2 rows (the start and each month) are in both.
        """
        n = self.month + 2
        return self.policy.upto(n), self.reference.upto(n)

    def step(self) -> None:
        """One month of both runs; stops at the scenario's horizon."""
        if self.month + 1 >= self.months:
            self.running = False
            return
        self.policy.step()
        self.reference.step()
        self.month += 1
        self.running = self.month + 1 < self.months


def _city_settings(instruments: dict[str, Any]) -> tuple[tuple[str, CityInstruments], ...]:
    by_city: dict[str, dict[str, Any]] = {}
    for name, value in instruments.items():
        city, field = CITY_CONTROLS[name]
        by_city.setdefault(city, {})[field] = value
    found = []
    for city in CITY_KEYS:
        given = by_city.get(city)
        if not given:
            continue
        hukou = str(given.get("hukou_min_degree", "scenario"))
        if hukou not in HUKOU_CHOICES:
            raise HubsimError(
                f"{city}: hukou threshold {hukou!r} is not one of {', '.join(HUKOU_CHOICES)}."
            )
        found.append(
            (
                city,
                CityInstruments(
                    cash_yuan=float(given.get("cash_yuan", 0.0)),
                    rent_yuan_month=float(given.get("rent_yuan_month", 0.0)),
                    rent_months=int(given.get("rent_months", 36)),
                    hukou_min_degree=hukou,
                    budget_bn_yuan_year=float(given.get("budget_bn_yuan_year", 0.0)),
                    office_seats=float(given.get("office_seats", 0.0)),
                ),
            )
        )
    return tuple(found)


def scenario_files(first: str | Path) -> list[str]:
    """`first` and the other scenario files beside it, for the scenario picker."""
    first = Path(first)
    others = sorted(str(p) for p in first.parent.glob("*.yaml") if p.resolve() != first.resolve())
    return [str(first), *others]
