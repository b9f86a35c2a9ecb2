"""HubModel: builds the world from a scenario and steps it one month at a time.

The step reads like DESIGN s.3: policies (dated events), firms, labour market, migration,
demography, housing, record. Rules live in markets/policy/workers/firms; this file wires them.
"""

from __future__ import annotations

import mesa
import numpy as np

from hubsim import demography, dynamics, markets, metrics, migration, policy, world
from hubsim.cities import City, CityArrays, build_city_arrays
from hubsim.firms import FirmTable
from hubsim.scenario import DEGREES, Scenario, month_index
from hubsim.workers import EPOCH, WorkerTable

STREAMS = ("init", "firms", "labour", "migration", "demography", "policy")


class HubModel(mesa.Model):
    """Talent migration between 13 Chinese cities and the rest of China, one step a month."""

    def __init__(
        self, scenario: Scenario, seed: np.random.SeedSequence | int | None = None
    ) -> None:
        seq = seed if isinstance(seed, np.random.SeedSequence) else None
        if seq is None:
            seq = np.random.SeedSequence(scenario.seed if seed is None else seed)
        # One stream per purpose, so scenarios compared on the same seed share their draws
        # wherever their decisions coincide (common random numbers).
        children = seq.spawn(len(STREAMS))
        self.streams = {
            name: np.random.default_rng(c) for name, c in zip(STREAMS, children, strict=True)
        }
        super().__init__(rng=self.streams["init"])
        self.params = scenario
        self.beh = scenario.behaviour
        self.scale = scenario.scale
        self.start_abs = month_index(scenario.start) - EPOCH
        self.month = -1  # index of the month being simulated (0 = scenario start)
        self.cities: CityArrays = build_city_arrays(scenario)
        self.book = policy.ProgrammeBook.from_programmes(
            scenario.programmes, self.cities.keys, scenario.start
        )
        self._wage_trend = markets.wage_trend_by_month(
            self.beh.labour.nominal_wage_growth_by_year,
            month_index(scenario.start),
            scenario.months,
        )
        self.workers = WorkerTable()
        self.firms = FirmTable()
        self._build_world()
        self.city_agents = [City(self, i) for i in range(self.cities.n)]
        self._schedule_calendar()
        self.counts = dynamics.city_counts(self)
        self.city_metrics = metrics.city_metrics(self, self.counts)
        # One model reporter holding every city's metrics as one (metric, node) array:
        # 14 City agents x 17 reporters through getattr, or a dict of 17 arrays (which the
        # DataCollector deep-copies array by array), cost more than a month's arithmetic.
        self.metric_table = metrics.as_table(self.city_metrics)
        self.datacollector = mesa.DataCollector(model_reporters={"metric_table": "metric_table"})
        self.initial_metrics = {k: v.copy() for k, v in self.city_metrics.items()}

    # ------------------------------------------------------------------ world
    def _build_world(self) -> None:
        world.build_world(self)

    def _schedule_calendar(self) -> None:
        """Dated programme switches, January budget resets and July cohorts as Mesa events."""
        # An event for month m fires at time m + 0.5, between step m (time m) and step m+1.
        for m in range(self.params.months):
            calendar = (self.start_abs + m) % 12
            if calendar == 0 and m > 0:
                self.schedule_event(self._new_year, at=m + 0.5)
            if calendar == 6 and self.beh.switches.demography:
                self.schedule_event(self._graduation, at=m + 0.5)
            if np.any(self.book.start == m) or np.any(self.book.end == m - 1):
                self.schedule_event(self._switch_programmes, at=m + 0.5)
        if np.any(self.book.start < 0):
            self.schedule_event(self._switch_programmes, at=0.5)

    def _switch_programmes(self) -> None:
        m = int(self.time - 0.5)
        self.book.active = (self.book.start <= m) & (self.book.end >= m)

    def _new_year(self) -> None:
        self.book.reset_budgets()

    def _graduation(self) -> None:
        demography.graduate_cohort(self, int(self.time - 0.5))

    # ------------------------------------------------------------------ time
    @property
    def now(self) -> int:
        """Current month as months since 1900-01 (the workers' clock)."""
        return self.start_abs + self.month

    @property
    def wage_trend(self) -> float:
        """National nominal wage level relative to the start (common to all cities)."""
        return float(self._wage_trend[max(self.month, 0)])

    def shock(self) -> tuple[float, float]:
        """Productivity and firm-entry factors of the demand shocks in force this month."""
        abs_month = month_index(self.params.start) + self.month
        productivity, entry = 1.0, 1.0
        for s in self.params.shocks:
            if month_index(s.start) <= abs_month <= month_index(s.end):
                productivity *= s.productivity_factor
                entry *= s.entry_factor
        return productivity, entry

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """One month: firms, labour market, migration, demography, housing, record."""
        self.month += 1
        self.flows_step = np.zeros((self.cities.n, self.cities.n, len(DEGREES)))
        self.spent_step = np.zeros(self.cities.n)
        self.retired_step = np.zeros(self.cities.n)
        self.born_step = np.zeros(self.cities.n) + self._pending_births
        self._pending_births = np.zeros(self.cities.n)
        on = self.beh.switches
        dynamics.pay_rent_subsidies(self)
        jobless = dynamics.firm_decisions(self, self.counts, dynamic=on.firm_dynamics)
        if on.labour_market:
            dynamics.labour_market(self, jobless)
        migration.migration(self)
        if on.demography:
            demography.retirement(self)
        dynamics.build_capacity(self)
        # Jobs, moves, arrivals and retirements kept the counts current; only the outside
        # node's entries, read from its aggregate residents, are refreshed.
        dynamics.outside_counts(self, self.counts)
        if on.housing:
            dynamics.housing(self, self.counts)
        self.record()

    def record(self) -> None:
        """Metrics of the month just simulated, into the DataCollector and the flow table."""
        self.city_metrics = metrics.city_metrics(self, self.counts)
        self.metric_table = metrics.as_table(self.city_metrics)
        year = (self.start_abs + self.month) // 12 - self.start_abs // 12  # calendar years
        self.flows_by_year[year] += self.flows_step
        self.datacollector.collect(self)
