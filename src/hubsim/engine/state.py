"""The model's state, declared in one place: everything the phases read and write.

Node arrays have one entry per node: the 13 cities, then the outside node (rest of China) last.
Counts are in agents (one agent stands for `scale` people) unless the name says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hubsim.engine.calendar import Calendar
from hubsim.engine.cities import CityArrays
from hubsim.engine.programmes import ProgrammeBook
from hubsim.engine.tables import FirmTable, WorkerTable
from hubsim.scenario import DEGREES, TALENT_DEGREE, Behaviour, Scenario

STREAMS = ("init", "firms", "labour", "migration", "demography")  # one random stream per purpose
STAYING_YEARS = 5  # graduates-staying targets count newcomers up to 5 years after graduating


def _unset() -> np.ndarray:
    """An empty node or office array, filled by `engine.world.build_state`."""
    return np.zeros(0)


@dataclass
class MonthTallies:
    """What happened during one month; `reset` at the start of each step, read by the record."""

    flows: np.ndarray  # (origin, destination, degree) agents who moved
    spent_yuan: np.ndarray  # programme spending per node
    retired: np.ndarray  # agents reaching retirement age (outside node: fractional)
    entrants: np.ndarray  # graduates and young entrants counted this month (July's cohort)
    # (node, k - 1): bachelor-and-above graduates choosing the node (staying where they
    # graduated or moving in) less than k years after graduating, k = 1 ... STAYING_YEARS
    graduate_newcomers: np.ndarray
    # (origin, destination): bachelor-and-above movers a year or more past graduating (the
    # experienced talent the job boards count, not new graduates' first choices)
    experienced_flows: np.ndarray

    @classmethod
    def empty(cls, nodes: int) -> MonthTallies:
        return cls(
            flows=np.zeros((nodes, nodes, len(DEGREES))),
            spent_yuan=np.zeros(nodes),
            retired=np.zeros(nodes),
            entrants=np.zeros(nodes),
            graduate_newcomers=np.zeros((nodes, STAYING_YEARS)),
            experienced_flows=np.zeros((nodes, nodes)),
        )

    def reset(self, entrants: np.ndarray) -> None:
        """Zero every tally; the month's entrants (arrived with the cohort event) are given."""
        nodes = len(self.spent_yuan)
        self.flows = np.zeros((nodes, nodes, len(DEGREES)))
        self.spent_yuan = np.zeros(nodes)
        self.retired = np.zeros(nodes)
        self.entrants = np.zeros(nodes) + entrants
        self.graduate_newcomers = np.zeros((nodes, STAYING_YEARS))
        self.experienced_flows = np.zeros((nodes, nodes))


@dataclass
class PoolAccount:
    """The finite pool, per calendar year row (0 for the start's year), in agents.

    National talent = `talent_start` + talent graduates who are new people + adult degrees
    - talent retirements, every month (`engine.accounts.national_talent` counts it afresh; the
    tests check the identity). A postgraduate who already held a degree is no new person.

    Attributes:
        talent_start: national bachelor-and-above working-age agents at the start.
        cohort: (year, degree) graduates of each level (the data), all nodes.
        upgraded: (year, degree) of them, holders of the degree below already in the stock
            (postgraduates only); `cohort - upgraded` entered as new people.
        adult: (year, degree) working-age people without a degree who gained one (adult and
            online degrees), all nodes.
        went: (year, node, degree) where each July cohort was after its first choice.
        retired: (year, degree) agents reaching the retirement age, all nodes.
        counted: (year,) national talent counted at the end of each year's last month.
    """

    talent_start: float
    cohort: np.ndarray
    upgraded: np.ndarray
    adult: np.ndarray
    went: np.ndarray
    retired: np.ndarray
    counted: np.ndarray

    @classmethod
    def empty(cls, years: int, nodes: int) -> PoolAccount:
        degrees = len(DEGREES)
        return cls(
            0.0, np.zeros((years, degrees)), np.zeros((years, degrees)),
            np.zeros((years, degrees)), np.zeros((years, nodes, degrees)),
            np.zeros((years, degrees)), np.zeros(years),
        )  # fmt: skip

    def entered(self) -> np.ndarray:
        """(year, degree) people entering the stock: new graduates and adult degrees."""
        return self.cohort - self.upgraded + self.adult

    def talent_expected(self) -> float:
        """National talent the account says there is: start + entered - retirements."""
        talent = slice(TALENT_DEGREE, None)
        return self.talent_start + self.entered()[:, talent].sum() - self.retired[:, talent].sum()


@dataclass(eq=False, slots=True)
class State:
    """The model's state (`HubModel.state`); built by `engine.world.build_state`.

    Attributes:
        scenario: the validated scenario; `behaviour` and `scale` are read from it.
        cities: static per-node parameters (data table plus scenario overrides).
        book: the programmes, their budgets and what they have paid.
        calendar: the one clock (`Calendar.month`, `Calendar.now`, ...).
        streams: one random Generator per purpose (STREAMS), for common random numbers.
        wage_level: national nominal wage level by month, relative to the start month.
        workers: the worker agents (one row each), in the 13 cities.
        firms: firms and their offices.
        outside_agents: agents of the outside node by degree (held in aggregate, fractional).
        unsettled_rows: rows of this July's graduates, until their first location choice.
        counts: per node 'population', 'talent', 'employed', 'employed_talent' in agents,
            kept current by `engine.accounts` as people move, are hired or leave.
        staff: workers employed by each office (kept current like the counts).
        staff_talent: the bachelor-and-above among them (kept current).
        office_wage_bill: real yuan a year paid by each office (kept current).
        cell_talent: talent jobs filled in each (node, sector) cell, node x sectors + sector
            (kept current with staff_talent).
        desired: desired headcount of each office this month (0 for closed offices).
        desired_talent: the part of it in talent jobs (desired x the talent share of jobs).
        posted: (group, office) vacancies posted this month, group 0 other jobs, 1 talent jobs;
            offices opened since the postings (beyond its width) posted nothing.
        jobless: rows without a job after this month's office closures, when the firms phase
            had to look at every worker to lay off their staff (handed to the labour phase's
            matching, which would otherwise look again); None when it did not look.
        desire_parts: each office's fixed part of desired headcount and the index of its
            month's term (`phases.firms.desired_by_parts`); set at build.
        office_room: the buffers with spare room that the per-office arrays above view, by
            name (`accounts.grow_office_arrays`).
        wage_bill: real yuan a year paid to the employed of each node (kept current).
        wage_index: (node, group) real wage of other (0) and talent (1) jobs relative to start.
        job_premium: (node, group) mean degree wage premium of the employed of each group at
            the start (static): the unit wage cost of a job of each group is
            base wage x premium x wage index.
        rent: real rent, yuan per m2 a month, per node.
        office_seats: grade-A office seats per city, people (the outside node: infinite).
        seats_built: seats built by office_capacity programmes so far (capacity ahead of
            demand: only a city with some can be a ghost hub).
        seat_share: grade-A seats a tradable talent job takes per node (from the recorded
            stock at the start where a city has one, `rules.offices.start_seat_shares`;
            growing with `office_upgrading_per_year` in 2010-2019).
        office_leased: grade-A seats let per node, people (`rules.offices.next_leased`):
            what brokers count as occupied.
        vacancies: (node, group) jobs posted this month.
        wanted_vacancies: (node, group) the gaps firms would post without the seat limit (the
            demand wage indices follow).
        target_tightness: vacancies per job seeker at which wage indices stand still.
        base_productivity: (node, sector) A0, calibrated at build so that the start's jobs
            are what firms want (`engine.world`).
        city_productivity: (node, sector) A_js this month (agglomeration, shocks applied).
        unit_cost: (node, sector) real wage cost of a job this month, net of firm grants.
        talent_share_jobs: (node, sector) share of jobs that are talent jobs this month.
        talent_share_start: the same at the start (fitted to the employed talent).
        national_talent_share_start: bachelor-and-above share of national working-age agents.
        branch_grant_share: the further share grants for branches pay of branches' wage cost
            (secondary offices of firms headquartered elsewhere) in each city this month.
        grant_share: share of wage cost paid by firm grants in each city this month (what
            the programmes actually paid last month over the wage bill they cover).
        population_start, talent_start: the start state, for urbanisation and rents.
        sector_talent_start: (node, sector) talent employed at the start (localisation).
        unit_cost_start, profit_start: (node, sector) the start's unit cost and profit index of
            a new firm, against which entry responds.
        firms_start: (node, sector) firms headquartered at the start (births replace exits).
        tallies: what happened this month (flows, spending, retirements, entrants).
        pending_entrants: July's entrants, counted into the tallies at the next reset.
        retired_since_july: agents retired since the last cohort (young entrants replace them).
        flows_by_year: (year row, origin, destination, degree) movers in agents.
        pool: the pool account: the start's talent, cohorts, where they went, retirements.
        cohort_rows: this July's graduates until the record phase counts where they went.
        outside_cohort: this July's graduates of the rest of China's universities by degree
            (agents, held in the outside node) until they make their first choice.
        metrics: the metrics recorded last (`engine.phases.record.METRICS`), in people or yuan;
            firms read last month's office occupancy from it.
        sector_metrics: the (node, sector) metrics recorded last (`record.SECTOR_METRICS`).
        branches: (headquarters node, branch node) open secondary offices, recorded last.

    Mutable state also lives inside `book` (budgets left, programmes active, spending), the
    `calendar` (the month) and the agent tables; all of it is reached from here.
    """

    scenario: Scenario
    cities: CityArrays
    book: ProgrammeBook
    calendar: Calendar
    streams: dict[str, np.random.Generator]
    wage_level: np.ndarray
    workers: WorkerTable = field(default_factory=WorkerTable)
    firms: FirmTable = field(default_factory=FirmTable)
    outside_agents: np.ndarray = field(default_factory=lambda: np.zeros(len(DEGREES)))
    unsettled_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    counts: dict[str, np.ndarray] = field(default_factory=dict)
    staff: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    staff_talent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    office_wage_bill: np.ndarray = field(default_factory=_unset)
    cell_talent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    desired: np.ndarray = field(default_factory=_unset)
    desired_talent: np.ndarray = field(default_factory=_unset)
    posted: np.ndarray = field(default_factory=lambda: np.zeros((2, 0), dtype=np.int64))
    jobless: np.ndarray | None = None
    desire_parts: tuple[np.ndarray, np.ndarray] | None = None
    office_room: dict[str, np.ndarray] = field(default_factory=dict)
    wage_bill: np.ndarray = field(default_factory=_unset)
    wage_index: np.ndarray = field(default_factory=_unset)
    job_premium: np.ndarray = field(default_factory=_unset)
    rent: np.ndarray = field(default_factory=_unset)
    office_seats: np.ndarray = field(default_factory=_unset)
    seats_built: np.ndarray = field(default_factory=_unset)
    seat_share: np.ndarray = field(default_factory=_unset)
    office_leased: np.ndarray = field(default_factory=_unset)
    vacancies: np.ndarray = field(default_factory=_unset)
    wanted_vacancies: np.ndarray = field(default_factory=_unset)
    target_tightness: np.ndarray = field(default_factory=_unset)
    base_productivity: np.ndarray = field(default_factory=_unset)
    city_productivity: np.ndarray = field(default_factory=_unset)
    unit_cost: np.ndarray = field(default_factory=_unset)
    talent_share_jobs: np.ndarray = field(default_factory=_unset)
    talent_share_start: np.ndarray = field(default_factory=_unset)
    national_talent_share_start: float = 0.0
    grant_share: np.ndarray = field(default_factory=_unset)
    branch_grant_share: np.ndarray = field(default_factory=_unset)
    population_start: np.ndarray = field(default_factory=_unset)
    talent_start: np.ndarray = field(default_factory=_unset)
    sector_talent_start: np.ndarray = field(default_factory=_unset)
    unit_cost_start: np.ndarray = field(default_factory=_unset)
    profit_start: np.ndarray = field(default_factory=_unset)
    firms_start: np.ndarray = field(default_factory=_unset)
    tallies: MonthTallies = field(default_factory=lambda: MonthTallies.empty(0))
    pending_entrants: np.ndarray = field(default_factory=_unset)
    retired_since_july: float = 0.0
    flows_by_year: np.ndarray = field(default_factory=_unset)
    pool: PoolAccount = field(default_factory=lambda: PoolAccount.empty(0, 0))
    cohort_rows: np.ndarray | None = None
    outside_cohort: np.ndarray | None = None
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    sector_metrics: dict[str, np.ndarray] = field(default_factory=dict)
    branches: np.ndarray = field(default_factory=_unset)

    @property
    def behaviour(self) -> Behaviour:
        return self.scenario.behaviour

    @property
    def scale(self) -> float:
        """People represented by one agent."""
        return self.scenario.scale

    @property
    def wage_trend(self) -> float:
        """National nominal wage level this month relative to the start (common to all cities)."""
        return float(self.wage_level[max(self.calendar.month, 0)])

    def real_wage(self) -> np.ndarray:
        """(node, group) real wage of a job of each group this month (yuan a year at start
        prices), before the degree premium: base wage x wage index."""
        return self.cities.base_wage_yuan[:, None] * self.wage_index

    def demand_shock(self) -> tuple[float, float]:
        """Productivity and firm-entry factors of the demand shocks in force this month."""
        month, calendar = self.calendar.month, self.calendar
        productivity, entry = 1.0, 1.0
        for s in self.scenario.shocks:
            if calendar.index_of(s.start) <= month <= calendar.index_of(s.end):
                productivity *= s.productivity_factor
                entry *= s.entry_factor
        return productivity, entry

    def start_tallies(self) -> None:
        """A new month: zero the tallies, counting in the entrants that arrived before it."""
        self.tallies.reset(self.pending_entrants)
        self.pending_entrants = np.zeros(self.cities.n)
