"""HubModel: a Mesa model that builds the world from a scenario and steps it a month at a time.

`step()` runs the phases of docs/model.md#the-month in order; the state they share is
`engine.state.State`.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.time import Schedule

from hubsim.engine import kernels
from hubsim.engine.phases import demography, firms, housing, labour, migration, policies, record
from hubsim.engine.state import STREAMS, State
from hubsim.engine.world import build_state
from hubsim.scenario import Scenario


class HubModel(mesa.Model):
    """Talent migration between 13 Chinese cities and the rest of China, one step a month.

    `HubModel(scenario, seed)` seeds from `SeedSequence(seed)` itself; replication r of
    `hubsim.run` passes child r of `SeedSequence(scenario.seed)` instead.

    Attributes:
        params: the scenario (Mesa's own `scenario` attribute is its experiment object).
        state: everything the phases read and write (`engine.state.State`).
        city_agents: one `City` agent per node, a named view of the recorded metrics.
        datacollector: the monthly metrics as one (metric, node) table a month.
        sector_tables: the monthly (metric, node, sector) tables of `record.SECTOR_METRICS`.
        branch_tables: the monthly (headquarters node, branch node) secondary-office counts.
        initial_metrics: the metrics of the start state, before the first step.
    """

    def __init__(
        self, scenario: Scenario, seed: np.random.SeedSequence | int | None = None
    ) -> None:
        if isinstance(seed, np.random.SeedSequence):
            seq = seed
        else:
            seq = np.random.SeedSequence(scenario.seed if seed is None else seed)
        # One stream per purpose, so scenarios compared on the same seed share their draws
        # wherever their decisions coincide (common random numbers).
        children = seq.spawn(len(STREAMS))
        streams = {
            name: np.random.default_rng(c) for name, c in zip(STREAMS, children, strict=True)
        }
        super().__init__(rng=streams["init"])
        self.params = scenario
        self.state: State = build_state(scenario, streams)
        kernels.load()  # the compiled kernels' code, loaded now rather than in the first month
        self.city_agents = [City(self, i) for i in range(self.state.cities.n)]
        self._schedule_calendar()
        # One model reporter holding every city's metrics as one (metric, node) array:
        # 14 City agents x 17 reporters through getattr, or a dict of 17 arrays (which the
        # DataCollector deep-copies array by array), cost more than a month's arithmetic.
        self.metric_table = record.as_table(self.state.metrics)
        self.datacollector = mesa.DataCollector(model_reporters={"metric_table": "metric_table"})
        self.initial_metrics = {k: v.copy() for k, v in self.state.metrics.items()}
        self.sector_tables: list[np.ndarray] = []
        self.branch_tables: list[np.ndarray] = []

    @property
    def city_metrics(self) -> dict[str, np.ndarray]:
        """The metrics recorded last, per node (13 cities, then the outside node)."""
        return self.state.metrics

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month (docs/model.md#the-month): policies, firms, labour market, migration,
        demography, housing, record. Programme switches, January budgets and the July cohort
        have run just before, as dated events."""
        # Dated events ran just before this step: programme switches, January budgets and (in
        # July) the graduate cohort, which is demography's yearly half.
        state, on = self.state, self.state.behaviour.switches
        state.calendar.advance()
        state.start_tallies()
        policies.run(state)
        firms.run(state, dynamic=on.firm_dynamics)  # headcounts always; entry, exit if dynamic
        if on.labour_market:
            labour.run(state)
        migration.run(state)
        if on.demography:
            demography.run(state)
        if on.housing:
            housing.run(state)
        record.run(state)
        self.metric_table = record.as_table(state.metrics)
        self.datacollector.collect(self)
        self.sector_tables.append(record.as_sector_table(state.sector_metrics))
        self.branch_tables.append(state.branches)

    # ------------------------------------------------------------------ dated events
    def _schedule_calendar(self) -> None:
        """Programme switches on their dates; January budgets and July cohorts every year."""
        calendar, book = self.state.calendar, self.state.book
        last = calendar.event_time(calendar.months - 1)
        january = calendar.first_month_of_year(1, after=0)  # the start's own budgets are fresh
        if january is not None:
            self.schedule_recurring(
                self._new_year, Schedule(interval=12, start=calendar.event_time(january), end=last)
            )
        july = calendar.first_month_of_year(7)
        if july is not None and self.state.behaviour.switches.demography:
            self.schedule_recurring(
                self._graduation, Schedule(interval=12, start=calendar.event_time(july), end=last)
            )
        changes = {0} if np.any(book.start < 0) else set()
        changes |= {int(m) for m in book.start if 0 <= m < calendar.months}
        changes |= {int(m) + 1 for m in book.end if 0 <= m + 1 < calendar.months}
        for m in sorted(changes):
            self.schedule_event(self._switch_programmes, at=calendar.event_time(m))

    def _switch_programmes(self) -> None:
        policies.switch_programmes(self.state, self.state.calendar.month_at(self.time))

    def _new_year(self) -> None:
        policies.new_year(self.state)

    def _graduation(self) -> None:
        demography.graduate_cohort(self.state, self.state.calendar.month_at(self.time))


class City(mesa.Agent):
    """One city (or the outside node) as a Mesa agent: a named view of its recorded metrics.

    Holding the state in arrays keeps the vectorized rules fast while Mesa tools (DataCollector,
    SolaraViz) still see one agent per city with named properties (`city.talent`, ...).
    """

    def __init__(self, model: HubModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.key = model.state.cities.keys[index]
        self.name = model.state.cities.names[index]

    def __getattr__(self, name: str) -> float:
        # Only called for names not found normally: expose every recorded metric as a property.
        model = self.__dict__.get("model")
        metrics = model.__dict__["state"].metrics if model and "state" in model.__dict__ else {}
        if name in metrics:
            return float(metrics[name][self.index])
        raise AttributeError(name)
