"""A small hand-built state for phase-level tests: two cities and the outside node.

`Town` builds an `engine.state.State` without the census or the firm calibration of
`engine.world`: Beijing (node 0) and Chengdu (node 1), the rest of China (node 2), the
workers and offices each test places there by hand, and the accounts (`engine.accounts`)
counted from them. A test then runs one phase on it and checks the phase's rule by hand.

Test modules cannot import this file (pytest's importlib mode), so it is reached through the
`town` fixture: `town(scale=..., behaviour=..., programmes=...)` returns a new `Town`.
Its nodes, which the test modules name again: BEIJING, CHENGDU, OUTSIDE = 0, 1, 2.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from hubsim.engine import accounts
from hubsim.engine.calendar import Calendar
from hubsim.engine.cities import NOBODY, CityArrays
from hubsim.engine.programmes import ProgrammeBook
from hubsim.engine.rules.offices import STOCK_YEAR_ENDS
from hubsim.engine.state import STREAMS, MonthTallies, PoolAccount, State
from hubsim.engine.tables import N_SECTORS, FirmTable, WorkerTable
from hubsim.scenario import DEGREES, SECTORS, TALENT_DEGREE, scenario_from_dict

KEYS = ("beijing", "chengdu", "rest_of_china")  # nodes 0, 1, 2


def town_cities() -> CityArrays:
    """Two cities and the outside node, with round numbers a reader can carry by hand.

    Hukou is closed in both cities (only a hukou programme opens it) and open in the rest of
    China; nobody finds either city nicer than the other (amenity 0).
    """
    n = len(KEYS)
    return CityArrays(
        keys=KEYS,
        names=("Beijing", "Chengdu", "Rest of China"),
        tier=np.array([1, 2, 3]),
        distance_1000km=np.array([[0.0, 1.5, 1.0], [1.5, 0.0, 1.0], [1.0, 1.0, 0.0]]),
        amenity=np.zeros(n),
        base_wage_yuan=np.array([60_000.0, 40_000.0, 37_147.0]),
        base_rent_yuan_m2_month=np.array([60.0, 30.0, 12.5]),
        supply_elasticity=np.array([0.5, 2.0, 2.0]),
        universities=np.array([900, 300, 0]),
        hukou_min_degree=np.array([NOBODY, NOBODY, 0]),
        hukou_max_age=np.full(n, 99),
        census_year=2010,
        working_age_share=0.7,
        native_share=np.array([0.5, 0.5, 1.0]),
        working_age_people_start=np.zeros(n),
        degree_share_start=np.full((n, len(DEGREES)), 1.0 / len(DEGREES)),
        capacity_growth_per_month=np.array([0.01, 0.0, 0.0]),
        productivity_factor=np.ones(n),
        sector_mix_2010=np.zeros((n, N_SECTORS)),
        office_stock_m2=np.full((n, len(STOCK_YEAR_ENDS)), np.nan),  # no stock recorded
    )


class Town:
    """A state being built by hand: place workers and offices, then `build()`.

    Args:
        scale: people one agent stands for (programme payments are agents x scale yuan).
        start: the first month ('YYYY-MM'); the clock reads the month before it until
            `start_month` moves it on, as `HubModel.step` does.
        months: the horizon (the pool's yearly rows and the wage trend follow it).
        behaviour: overrides of the scenario's `behaviour` block.
        programmes: programme mappings, as a scenario file holds them.
        seed: the root of the random streams (one SeedSequence child a stream, as in
            `HubModel`).

    The scenario's `cities` block is not read: the town's cities are `town_cities()`, which
    a test may change in place (`t.state.cities.amenity[...] = ...`) before building.
    """

    def __init__(
        self,
        scale: float = 1000.0,
        start: str = "2010-01",
        months: int = 24,
        behaviour: dict[str, Any] | None = None,
        programmes: list[dict[str, Any]] | None = None,
        seed: int = 1,
    ) -> None:
        scenario = scenario_from_dict(
            {
                "name": "town",
                "start": start,
                "months": months,
                "scale": scale,
                "behaviour": behaviour or {},
                "programmes": programmes or [],
            }
        )
        cities = town_cities()
        children = np.random.SeedSequence(seed).spawn(len(STREAMS))
        calendar = Calendar(start, months)
        self.state = State(
            scenario=scenario,
            cities=cities,
            book=ProgrammeBook.from_programmes(scenario.programmes, KEYS, start),
            calendar=calendar,
            streams={s: np.random.default_rng(c) for s, c in zip(STREAMS, children, strict=True)},
            wage_level=np.ones(months + 1),  # no national wage growth: yuan stay yuan
            workers=WorkerTable(),
            firms=FirmTable(cities.n),
        )
        self.state.outside_agents = np.zeros(len(DEGREES))

    def office(self, city: int, sector: str = "local_services") -> int:
        """A new firm with its headquarters office in `city`; returns the office's index."""
        f, n = self.state.firms, self.state.cities.n
        office = f.add_firms(
            np.ones(1),
            np.array([city]),
            self.state.calendar.first,
            np.array([SECTORS.index(sector)]),
            np.ones((1, n)),
        )
        return int(office[0])

    def branch(self, hq_office: int, city: int) -> int:
        """A secondary office in `city` of the firm whose headquarters is `hq_office`."""
        f = self.state.firms
        return int(f.add_offices(f.office_firm[hq_office : hq_office + 1], np.array([city]))[0])

    def residents(
        self,
        city: int,
        count: int,
        degree: str = "bachelor",
        age: int = 30,
        employer: int = -1,
        hukou: int | None = None,
        graduated_months_ago: int | None = None,
        settled: bool = True,
    ) -> np.ndarray:
        """`count` alike workers living in `city`; returns their rows.

        Dates are as of the start month: born `age` years before it, arrived two years
        before it; graduates graduated at 22 unless `graduated_months_ago` is given. Their
        hukou and home are the city unless `hukou` says otherwise. With an `employer` (an
        office) they hold a job there at the city's base wage times their degree premium, a
        talent job if they have a bachelor's degree or more.
        """
        state, d = self.state, DEGREES.index(degree)
        now = state.calendar.first  # dates as of the start month, the month the tests run
        home = city if hukou is None else hukou
        if graduated_months_ago is None:
            graduated_months_ago = 12 * (age - 22) if d > 0 else None
        lab = state.behaviour.labour
        wage = state.cities.base_wage_yuan[city] * lab.degree_wage_premium[degree]
        return state.workers.append(
            city=np.full(count, city),
            degree=np.full(count, d),
            hukou=np.full(count, home),
            origin=np.full(count, home),
            settled=np.full(count, settled),
            birth=np.full(count, now - 12 * age),
            graduated=np.full(count, -(2**15) if d == 0 else now - graduated_months_ago),
            arrived=np.full(count, now - 24),
            employer=np.full(count, employer),
            talent_job=np.full(count, employer >= 0 and d >= TALENT_DEGREE),
            wage=np.full(count, wage if employer >= 0 else 0.0),
        )

    def build(self) -> State:
        """The state with its accounts counted from the workers and offices placed.

        Offices want what they have (desired = staff); rents stand at their base; the start's
        population is today's; tech-park seats are plenty; wage indices stand at 1 and stand
        still at the start's tightness `stable_tightness`.
        """
        state, n = self.state, self.state.cities.n
        accounts.recount_offices(state)
        state.wage_bill = accounts.wage_bill(state)
        state.counts = accounts.city_counts(state)
        state.desired = state.staff.astype(float)
        state.desired_talent = state.staff_talent.astype(float)
        state.posted = np.zeros((2, state.firms.n_offices), dtype=np.int64)
        state.talent_share_jobs = np.full((n, N_SECTORS), 0.5)
        state.grant_share = np.zeros(n)
        state.branch_grant_share = np.zeros(n)
        state.wage_index = np.ones((n, 2))
        state.target_tightness = np.full((n, 2), state.behaviour.labour.stable_tightness)
        state.rent = state.cities.base_rent_yuan_m2_month.copy()
        state.population_start = state.counts["population"].copy()
        state.office_seats = np.full(n, 1e9)
        state.office_seats[-1] = np.inf
        state.seats_built = np.zeros(n)
        state.seat_share = np.full(n, state.behaviour.firms.office_grade_a_share)
        state.office_leased = np.zeros(n)
        state.vacancies = np.zeros((n, 2))
        state.wanted_vacancies = np.zeros((n, 2))
        years = state.calendar.years_spanned
        state.flows_by_year = np.zeros((years, n, n, len(DEGREES)))
        state.pool = PoolAccount.empty(years, n)
        state.tallies = MonthTallies.empty(n)
        state.pending_entrants = np.zeros(n)
        return state

    def start_month(self) -> None:
        """The clock moves to the next month and its tallies start from zero, as at the
        start of `HubModel.step` (the first call moves to the start month)."""
        self.state.calendar.advance()
        self.state.start_tallies()


@pytest.fixture
def town() -> Callable[..., Town]:
    """town(**settings) -> a new `Town` (see its arguments)."""
    return Town
