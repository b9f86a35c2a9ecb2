"""hubsim's rules written the plain Mesa way: one agent per worker, firm and city, a month a step.

The speed baseline of `benchmarks/run.py`, the statistical oracle of tests/engine/test_reference.py.
"""

from __future__ import annotations

import argparse
import math
from collections import defaultdict
from dataclasses import dataclass, field
from random import Random

import mesa
import numpy as np

from hubsim.engine.accounts import COLLEGE
from hubsim.engine.calendar import EPOCH
from hubsim.engine.cities import CityArrays, build_city_arrays
from hubsim.engine.phases.policies import MAX_GRANT_SHARE
from hubsim.engine.pool import graduate_schedule
from hubsim.engine.programmes import INSTRUMENTS, ProgrammeBook
from hubsim.engine.rules import choice, housing, labour, sampling
from hubsim.engine.rules import offices as offices_rules
from hubsim.engine.rules import programmes as programme_rules
from hubsim.engine.rules.demography import (
    GRADUATION_AGE,
    OUTSIDE_AGE,
    OUTSIDE_MONTHS_SINCE_GRADUATION,
    STUDY_YEARS,
    cohort_by_degree,
)
from hubsim.engine.rules.firms import (
    agglomeration,
    branch_productivity,
    branch_ratio,
    desired_headcount,
    fit_talent_shares,
    local_services_productivity,
    pareto_productivity,
    pareto_weight_mean,
    profit_index,
    shifted_shares,
)
from hubsim.engine.tables import NO_GRADUATION
from hubsim.engine.world import (
    BRANCH_ROUNDS,
    DAMPING,
    DROP_ROUNDS,
    MIN_OFFICE_AGENTS,
    X_MIN,
    steady_branch_share,
)
from hubsim.scenario import DEGREES, SECTORS, TALENT_DEGREE, Scenario, month_index

# One file rather than Mesa's agents.py/model.py pair, so that the oracle is one self-contained
# read; it is long because it restates every rule of the engine agent by agent.
CENSUS_FIELDS = ("population", "talent", "employed", "employed_talent")
LOCAL_SERVICES = SECTORS.index("local_services")  # the one non-tradable sector
TRADABLE = np.array([s != "local_services" for s in SECTORS])


def stochastic_round(value: float, random: Random) -> int:
    """Round down, and up with probability equal to the fraction (`sampling.stochastic_round`)."""
    whole = math.floor(value)
    return whole + (random.random() < value - whole)


# ================================================================================= agents
@dataclass(eq=False)
class Office:
    """A firm's office in one city: its staff, the jobs it wants and what it posts, per group.

    Job groups: 0 other jobs (open to everyone), 1 talent jobs (bachelor and above only).
    """

    firm: Firm
    city: int
    is_open: bool = True
    staff: set[Worker] = field(default_factory=set)
    talent_staff: int = 0  # the staff in talent jobs
    desired: float = 0.0  # headcount wanted; last month's until the firms phase plans it anew
    desired_talent: float = 0.0  # the talent jobs among them
    layoff_rate: tuple[float, float] = (0.0, 0.0)  # by job group
    posted: list[int] = field(default_factory=lambda: [0, 0])  # by job group

    @property
    def is_headquarters(self) -> bool:
        return self.city == self.firm.hq_city

    def staff_by_group(self) -> tuple[int, int]:
        """Staff in other jobs and in talent jobs."""
        return len(self.staff) - self.talent_staff, self.talent_staff

    def desired_by_group(self) -> tuple[float, float]:
        return self.desired - self.desired_talent, self.desired_talent


class Worker(mesa.Agent):
    """A working-age person standing for `scale` people: where they live, work and may move."""

    def __init__(
        self,
        model: ReferenceModel,
        city: int,
        degree: int,
        hukou: int,
        origin: int,
        birth: int,
        arrived: int,
        graduated: int = NO_GRADUATION,
        settled: bool = True,
    ) -> None:
        super().__init__(model)
        self.city, self.degree, self.hukou, self.origin = city, degree, hukou, origin
        self.birth, self.arrived, self.graduated, self.settled = birth, arrived, graduated, settled
        self.office: Office | None = None
        self.wage = 0.0
        self.talent_job = False  # in a talent job (a graduate in another job: False)
        self.received: set[int] = set()  # programmes that have paid this worker
        self.rent_subsidy, self.rent_subsidy_left, self.rent_subsidy_programme = 0.0, 0, -1

    @property
    def age(self) -> int:
        return (self.model.now - self.birth) // 12

    @property
    def months_since_graduation(self) -> int:
        return self.model.now - self.graduated

    @property
    def group(self) -> int:
        """Job group of the degree: 1 for bachelor and above (who may take talent jobs), else 0
        (other jobs only)."""
        return int(self.degree >= TALENT_DEGREE)

    def take_job(self, office: Office, wage: float, talent_job: bool) -> None:
        """Hired by `office` at `wage`, into a talent job or another job; a worker who had a
        job leaves it first (a graduate moving up from another job)."""
        self.leave_job()
        self.office, self.wage, self.talent_job = office, wage, talent_job
        office.staff.add(self)
        office.talent_staff += talent_job

    def leave_job(self) -> None:
        """No job, no wage."""
        if self.office is not None:
            self.office.staff.discard(self)
            self.office.talent_staff -= self.talent_job
            self.office, self.wage, self.talent_job = None, 0.0, False

    def work(self) -> None:
        """Labour market: a job ends at the separation rate plus the office's layoff rate for
        the group of this worker's job (talent or other)."""
        if self.office is None:
            return
        layoff = self.office.layoff_rate[int(self.talent_job)]
        quit_rate = self.model.beh.labour.separation_rate_per_month + layoff
        if self.random.random() < quit_rate:
            self.leave_job()

    def reconsider_hazard(self) -> float:
        """Monthly chance of reconsidering one's city: the largest yearly hazard that applies."""
        hazards = self.model.beh.migration.hazards
        yearly = (
            hazards.young_per_year if self.age <= hazards.young_age_max else hazards.base_per_year
        )
        if self.office is None:
            yearly = max(yearly, hazards.unemployed_per_year)
        if 0 <= self.months_since_graduation < 12:
            yearly = max(yearly, hazards.new_graduate_per_year)
        return 1.0 - math.exp(-yearly / 12.0)

    def step(self) -> None:
        """Migration: reconsider with a hazard (new graduates always choose), then choose a city."""
        if self.settled and self.random.random() >= self.reconsider_hazard():
            return
        model = self.model
        value, hukou_ok = model.utility(
            self.degree, self.age, self.months_since_graduation, self.city, self.origin,
            self.hukou, self.settled, self.received,
        )  # fmt: skip
        probabilities = choice.logit_probabilities(value, model.beh.migration.logit_scale)
        self.settle_in(int(self.rng.choice(len(probabilities), p=probabilities)), hukou_ok)

    def settle_in(self, choice: int, hukou_ok: np.ndarray) -> None:
        """Move (or stay), take hukou where open and claim the newcomer programmes."""
        model = self.model
        moved = choice != self.city
        if moved:
            model.flows_step[self.city, choice, self.degree] += 1
            self.leave_job()
        if choice == model.cities.outside:
            model.outside_agents[self.degree] += 1
            self.remove()
            return
        settling = moved or not self.settled
        if moved:
            self.city, self.arrived, self.rent_subsidy_left = choice, model.now, 0
        self.settled = True
        if settling:
            if hukou_ok[choice]:
                self.hukou = choice
            self.collect_subsidies()

    def collect_subsidies(self) -> None:
        """Claim cash (queued against the budget) and rent streams of this city's programmes."""
        model, book = self.model, self.model.book
        for p in model.board["paying"]:
            if book.city[p] != self.city or p in self.received or not self.eligible_for(p):
                continue
            amount = book.yuan_by_degree[p][self.degree]
            if book.instrument[p] == INSTRUMENTS.index("rent"):
                self.rent_subsidy, self.rent_subsidy_left = amount, book.months[p]
                self.rent_subsidy_programme = p
                self.received.add(p)
            elif model.pay_cash(p, amount * model.scale):
                self.received.add(p)

    def eligible_for(self, programme: int) -> bool:
        return self.model.eligible(programme, self.degree, self.age, self.months_since_graduation)

    def retire_if_due(self) -> None:
        """Demography: leave the model at the retirement age."""
        model = self.model
        if self.birth <= model.now - 12 * model.beh.demography.retirement_age:
            model.retired_step[self.city] += 1
            self.leave_job()
            self.remove()


class Firm(mesa.Agent):
    """A firm: Pareto productivity, a sector, a headquarters city, a lasting fit to every city,
    and the offices it opens, closes or moves."""

    def __init__(
        self,
        model: ReferenceModel,
        productivity: float,
        sector: int,
        hq_city: int,
        born: int,
        fit: np.ndarray,
    ) -> None:
        super().__init__(model)
        self.productivity, self.sector, self.hq_city, self.born = (
            productivity,
            sector,
            hq_city,
            born,
        )
        self.fit = fit  # (nodes,) branch productivity factor in each node; 1 at headquarters
        self.fit[hq_city] = 1.0
        self.offices: list[Office] = []
        self.open_office(hq_city)

    @property
    def tradable(self) -> bool:
        """Local services sell in their own city only: no branches, no moves, no grants."""
        return self.sector != LOCAL_SERVICES

    def open_office(self, city: int) -> Office:
        office = Office(self, city)
        self.offices.append(office)
        return office

    def set_start_branches(self, where: np.ndarray) -> None:
        """At build: headquarters and a branch in each node where `where` (no staff yet)."""
        self.offices = [office for office in self.offices if office.is_headquarters]
        for city in np.flatnonzero(where):
            self.open_office(int(city))

    def close_office(self, office: Office) -> None:
        """Close an office and lay off its staff (its desired headcount stays until planned)."""
        office.is_open = False
        for worker in list(office.staff):
            worker.leave_job()

    def open_cities(self) -> set[int]:
        return {office.city for office in self.offices if office.is_open}

    def office_productivity(self, city: int) -> float:
        """A_js at headquarters; a branch's `branch_productivity` elsewhere."""
        model, s, h = self.model, self.sector, self.hq_city
        a = model.city_productivity
        if city == h:
            return float(a[h, s])
        beh = model.beh.firms
        return float(
            branch_productivity(
                a[h, s], a[city, s], model.cities.distance_1000km[h, city], self.fit[city],
                beh.branch_local_productivity_share, beh.coordination_cost_per_1000km,
            )
        )  # fmt: skip

    def desired_headcount(self, city: int) -> float:
        """L* of an office of ours in `city` at this month's A and unit cost of a job there
        (a branch's less any grant for branches there)."""
        model = self.model
        branch_grant = 0.0 if city == self.hq_city else model.branch_grant_share[city]
        return float(
            desired_headcount(
                self.productivity,
                self.office_productivity(city),
                model.unit_cost[city, self.sector],
                branch_grant,
                model.beh.firms.labour_elasticity,
            )
        )

    def plan_headcount(self) -> None:
        """Desired jobs of every office (none when closed), the talent jobs among them."""
        share = self.model.talent_share_jobs
        for office in self.offices:
            if not office.is_open:
                office.desired = office.desired_talent = 0.0
                continue
            office.desired = self.desired_headcount(office.city)
            office.desired_talent = office.desired * share[office.city, self.sector]

    def branch_ratios(self) -> np.ndarray:
        """Profit of a branch of ours in each node over our headquarters office's (none outside)."""
        model, s, h = self.model, self.sector, self.hq_city
        a, cost, beh = model.city_productivity, model.unit_cost, model.beh.firms
        ratio = branch_ratio(
            a[h, s], cost[h, s], a[:, s], cost[:, s] * (1.0 - model.branch_grant_share),
            model.cities.distance_1000km[h], self.fit,
            beh.branch_local_productivity_share, beh.coordination_cost_per_1000km,
            beh.labour_elasticity,
        )  # fmt: skip
        ratio[-1] = 0.0
        return ratio

    def step(self) -> None:
        """Firms: quarterly branch review and (rarely) a move; then this month's desired
        headcounts, by which the exit test judges the firm; then exit."""
        if self.model.month % 3 == 0:
            hazard = self.model.beh.firms.office_opening_hazard_per_quarter
            if self.tradable and self.random.random() < hazard:
                self.open_best_branch()
            self.close_poor_branches()
            if self.tradable:
                self.consider_moving()
        self.plan_headcount()
        self.consider_exit()

    def open_best_branch(self) -> None:
        """A branch in the open-to-offices city without an office of ours whose profit over
        headquarters' is highest, if it beats the hurdle."""
        ratio = np.where(self.model.open_to_offices, self.branch_ratios(), -np.inf)
        for city in self.open_cities():
            ratio[city] = -np.inf
        best = int(np.argmax(ratio))
        if ratio[best] > self.model.beh.firms.office_opening_hurdle:
            self.open_office(best)

    def close_poor_branches(self) -> None:
        """Branches whose profit has fallen far below headquarters' close."""
        branches = [o for o in self.offices if o.is_open and not o.is_headquarters]
        if not branches:
            return
        ratio = self.branch_ratios()
        for office in branches:
            if ratio[office.city] < self.model.beh.firms.office_closing_ratio:
                self.close_office(office)

    def consider_moving(self) -> None:
        """At the relocation hazard, move headquarters to the city of the highest profit index
        if it beats ours by the hurdle squared: the old headquarters closes, branches stay (one
        in the new city becomes headquarters)."""
        model, beh = self.model, self.model.beh.firms
        if self.random.random() >= beh.relocation_hazard_per_year / 4.0:
            return
        gain = profit_index(
            model.city_productivity[:, self.sector], model.unit_cost[:, self.sector],
            beh.labour_elasticity,
        )  # fmt: skip
        gain[-1] = 0.0
        best = int(np.argmax(gain))
        if gain[best] / gain[self.hq_city] <= beh.office_opening_hurdle**2:
            return
        for office in self.offices:
            if office.is_open and office.is_headquarters:
                self.close_office(office)
        present = best in self.open_cities()
        self.hq_city = best
        self.fit[best] = 1.0
        if not present:
            self.open_office(best)

    def consider_exit(self) -> None:
        """Close down at the exit hazard, higher when wanting under half the current staff."""
        beh = self.model.beh.firms
        staff = sum(len(office.staff) for office in self.offices if office.is_open)
        desired = sum(office.desired for office in self.offices)
        hazard = self.model.monthly_exit_hazard
        if desired < 0.5 * staff:
            hazard *= beh.struggling_exit_multiplier
        if self.random.random() < hazard:
            for office in self.offices:
                if office.is_open:
                    self.close_office(office)
            self.remove()

    def review_staff(self) -> None:
        """Labour market: each office lays off part of each group's staff above 1.1 x desired."""
        speed = self.model.beh.labour.layoff_speed_per_month
        for office in self.offices:
            (other, talent), (want_other, want_talent) = (
                office.staff_by_group(),
                office.desired_by_group(),
            )
            office.layoff_rate = (
                speed * max(other - 1.1 * want_other, 0.0) / max(other, 1),
                speed * max(talent - 1.1 * want_talent, 0.0) / max(talent, 1),
            )

    def post_vacancies(self) -> None:
        """Labour market: open offices post each group's gap to desire (at most +25 %)."""
        for office in self.offices:
            if not office.is_open:
                office.posted = [0, 0]
                continue
            pairs = zip(office.staff_by_group(), office.desired_by_group(), strict=True)
            for group, (staff, desired) in enumerate(pairs):
                gap = min(max(desired - staff, 0.0), 0.25 * desired + 1.0)
                office.posted[group] = stochastic_round(gap, self.random) if gap > 0 else 0


class City(mesa.Agent):
    """One of the 13 cities: rent, wage indices, office seats, its two job markets, its census."""

    def __init__(self, model: ReferenceModel, index: int) -> None:
        super().__init__(model)
        c = model.cities
        self.index, self.key = index, c.keys[index]
        self.rent = float(c.base_rent_yuan_m2_month[index])
        self.wage_index = np.ones(2)  # other jobs, talent jobs
        self.target_tightness = np.ones(2)  # V/U at which each wage index stands still
        self.office_seats = self.seats_built = self.office_leased = 0.0
        self.wanted_seats, self.prelet = np.zeros(1), np.zeros(1)
        self.vacancies = self.seekers = self.hires = 0
        self.population = self.talent = self.employed = self.unemployed = 0.0
        self.rent_nominal, self.office_occupancy = self.rent, 0.0

    def seat_postings(self, offices: list[Office]) -> None:
        """Talent jobs of tradable sectors need a share of a grade-A seat: if this city's
        tradable offices post more talent jobs than the free seats allow, a random subset of
        the postings (as many as allowed) stays."""
        model = self.model
        seated = sum(office.staff_by_group()[1] for office in offices)
        share = model.seat_share[self.index]
        free = int(offices_rules.postings_allowed(self.office_seats / model.scale, seated, share))
        slots = [office for office in offices for _ in range(office.posted[1])]
        if len(slots) <= free:
            return
        for office in offices:
            office.posted[1] = 0
        for s in self.rng.choice(len(slots), size=free, replace=False):
            slots[s].posted[1] += 1

    def match(
        self,
        jobless: list[Worker],
        over_qualified: list[Worker],
        slots: list[list[Office]],
        wanted: tuple[int, int],
    ) -> None:
        """Talent jobs first, then other jobs: in each, m = mu U^a V^(1-a) random seekers fill
        random posted slots; then both wage indices move with their market's tightness.

        Talent jobs' seekers are the jobless graduates and the graduates in other jobs (search
        on the job: those hired leave their old job); other jobs' seekers are the jobless not
        hired into a talent job, graduates too, paid as a junior-college graduate. Wage indices
        follow the jobs firms wanted to post (`wanted`, before the seats cut them).
        """
        self.vacancies = sum(len(s) for s in slots)
        graduates = [worker for worker in jobless if worker.group == 1]
        talent_seekers = graduates + over_qualified
        self.hires = self._fill(talent_seekers, slots[1], 1)
        rest = [worker for worker in jobless if worker.office is None]
        self.hires += self._fill(rest, slots[0], 0)
        self.seekers = len(jobless)
        lab = self.model.beh.labour
        self.wage_index = labour.wage_index_update(
            self.wage_index,
            np.array(wanted),
            np.array([len(rest), len(talent_seekers)]),
            self.target_tightness,
            lab.wage_tightness_elasticity,
            lab.wage_max_change_per_month,
        )

    def _fill(self, looking: list[Worker], posted: list[Office], group: int) -> int:
        """Hires into one job group's posted slots; returns how many."""
        model, lab = self.model, self.model.beh.labour
        expected = labour.matches(
            len(looking), len(posted), lab.matching_efficiency_per_month, lab.matching_elasticity
        )
        hires = int(sampling.stochastic_round(expected, self.rng))
        hired = self.rng.choice(len(looking), size=hires, replace=False)
        filled = self.rng.choice(len(posted), size=hires, replace=False)
        wage = model.cities.base_wage_yuan[self.index] * self.wage_index[group]
        for w, s in zip(hired, filled, strict=True):
            worker = looking[w]
            # An other job pays at most what it pays a junior-college graduate.
            degree = worker.degree if group == 1 else min(worker.degree, COLLEGE)
            worker.take_job(posted[s], wage * model.premium[degree], talent_job=group == 1)
        return hires

    def update_rent(self, population: float, supply_elasticity: float) -> None:
        """Housing: rent moves part of the way toward R0 (N/N0)^(1/eta)."""
        model, j = self.model, self.index
        self.rent = float(
            housing.rent_update(
                self.rent,
                model.cities.base_rent_yuan_m2_month[j],
                population,
                model.population_start[j],
                supply_elasticity,
                model.beh.housing.rent_adjustment_per_month,
            )
        )

    def take_census(self, counts: dict[str, np.ndarray]) -> None:
        """Record: the city's metrics in people (agents x scale) and yuan."""
        model, j, scale = self.model, self.index, self.model.scale
        self.population = counts["population"][j] * scale / model.cities.working_age_share
        self.talent = counts["talent"][j] * scale
        self.employed = counts["employed"][j] * scale
        self.unemployed = (counts["population"][j] - counts["employed"][j]) * scale
        self.rent_nominal = self.rent * model.wage_trend
        # Filled seats / seats: the grade-A share of the talent employed in tradable sectors.
        seated = offices_rules.filled_seats(counts["seated_talent"][j], model.seat_share[j])
        filled = seated * scale / max(self.office_seats, 1.0)
        self.office_occupancy = min(filled, 1.0)


# ================================================================================= model
class ReferenceModel(mesa.Model):
    """The hubsim world with one Mesa agent per worker and firm; one step is one month.

    It follows `hubsim.engine.model.HubModel.step` phase by phase and reuses hubsim's data
    tables and pure rules (`hubsim.engine.rules`), but every worker and firm is a `mesa.Agent`
    with its own methods, activated with `shuffle_do`; firm offices belong to their firm. The rest
    of China is aggregate counts by degree, as in the engine. Decisions within a phase read the
    city state at the start of that phase (the engine is synchronous). City-level quantities
    (talent shares of jobs, unit costs, A_js, expected births, expected incomes) are the same
    pure rules on (node, sector) arrays. The one step not taken agent by agent is the build's
    calibration of A0_js, the start's branches and the firms' size factors: the engine's array
    logic (`engine.world._solve_productivity`, `_fixed_point`, `_size_factors`, with its
    constants) on arrays gathered from the firm agents (`_solve_productivity`).

    Run it: `python benchmarks/reference_mesa.py scenarios/baseline.yaml --scale 30000`.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        super().__init__(rng=scenario.seed if seed is None else seed)
        self.params, self.beh, self.scale = scenario, scenario.behaviour, scenario.scale
        self.start_abs = month_index(scenario.start) - EPOCH
        self.month = -1
        self.cities: CityArrays = build_city_arrays(scenario)
        self.book = ProgrammeBook.from_programmes(
            scenario.programmes, self.cities.keys, scenario.start
        )
        lab = self.beh.labour
        self.premium = np.array([lab.degree_wage_premium[d] for d in DEGREES])
        yearly_exit = self.beh.firms.exit_hazard_per_year
        self.monthly_exit_hazard = 1.0 - (1.0 - yearly_exit) ** (1 / 12)
        self._wage_trend = labour.wage_trend_by_month(
            self.beh.labour.nominal_wage_growth_by_year,
            month_index(scenario.start),
            scenario.months,
        )
        self.city_agents = [City(self, j) for j in range(self.cities.n - 1)]
        self._reset_month_tallies()
        self.retired_since_july = 0.0
        self.outside_cohort: np.ndarray | None = None  # July's outside graduates, by degree
        self._build_world()
        self.datacollector = mesa.DataCollector(
            model_reporters={"workers": lambda m: len(m.agents_by_type[Worker])},
            agenttype_reporters={
                City: {
                    "population": "population",
                    "talent": "talent",
                    "unemployed": "unemployed",
                    "vacancies": lambda city: city.vacancies * city.model.scale,
                    "rent": "rent_nominal",
                    "office_occupancy": "office_occupancy",
                }
            },
        )

    # -------------------------------------------------------------------- time
    @property
    def now(self) -> int:
        """Current month as months since 1900-01."""
        return self.start_abs + self.month

    @property
    def wage_trend(self) -> float:
        """National nominal wage level relative to the start, compounding each year's rate."""
        return float(self._wage_trend[max(self.month, 0)])

    def step(self) -> None:
        """One month, in HubModel's order (docs/model.md#the-month)."""
        self.month += 1
        self._reset_month_tallies()
        switches = self.beh.switches
        self.run_policies()
        self.firm_decisions()
        if switches.labour_market:
            self.labour_market()
        self.migration()
        if switches.demography:
            self.retirement()
        if switches.housing:
            self.housing()
        self.record()

    def _reset_month_tallies(self) -> None:
        n = self.cities.n
        self.flows_step = np.zeros((n, n, len(DEGREES)))
        self.spent_step, self.retired_step = np.zeros(n), np.zeros(n)

    # -------------------------------------------------------------------- world in 2010
    def _build_world(self) -> None:
        """Residents from the census, the outside reservoir, firms sized to employ them."""
        c = self.cities
        n_agents = np.round(c.working_age_people_start / self.scale).astype(np.int64)
        to_employ = {j: self._add_residents(j, int(n_agents[j])) for j in range(c.n - 1)}
        self.outside_agents = n_agents[-1] * c.degree_share_start[-1]
        self._add_firms(to_employ)
        counts = self.census()
        self.population_start = counts["population"]
        self.national_talent_share_start = counts["talent"].sum() / counts["population"].sum()
        self.sector_talent_start = np.maximum(counts["sector_talent"], 1.0)
        # Seats a job takes: from the recorded stock where a city has one (the engine's rule).
        beh = self.beh.firms
        year, month = divmod(self.now, 12)
        stock = offices_rules.recorded_stock(c.office_stock_m2, year + 1900, month + 1)
        self.seat_share = offices_rules.start_seat_shares(
            stock / beh.office_m2_per_seat, counts["seated_talent"] * self.scale,
            beh.office_grade_a_share, beh.office_natural_vacancy,
        )  # fmt: skip
        for city in self.city_agents:
            seats = offices_rules.filled_seats(
                counts["seated_talent"][city.index], self.seat_share[city.index]
            )
            city.office_seats = seats * self.scale / (1.0 - beh.office_natural_vacancy)
            city.office_leased = seats * self.scale  # all wanted seats let at the start
            city.take_census(counts)

    def _add_residents(self, j: int, n: int) -> list[Worker]:
        """The city's 2010 residents, degrees from the census stock; returns those to employ."""
        c, rng, demo = self.cities, self.rng, self.beh.demography
        degree = rng.choice(len(DEGREES), size=n, p=c.degree_share_start[j])
        age_months = rng.integers(GRADUATION_AGE[degree] * 12, demo.retirement_age * 12, size=n)
        origin = np.where(rng.random(n) < c.native_share[j], j, c.outside)
        workers = Worker.create_agents(
            self,
            n,
            city=j,
            degree=degree.tolist(),
            hukou=np.where(origin == j, j, c.outside).tolist(),
            origin=origin.tolist(),
            birth=(self.start_abs - age_months).tolist(),
            arrived=(self.start_abs - rng.integers(0, 120, size=n)).tolist(),
        )
        employed = rng.random(n) >= self.beh.labour.initial_unemployment
        return [w for w, e in zip(workers, employed, strict=True) if e]

    def _add_firms(self, to_employ: dict[int, list[Worker]]) -> None:
        """Firms by city and sector, the start's branches, and the employed spread over offices.

        Each city's 2010 jobs follow its sector mix; the sectors' talent shares of jobs are
        shifted per city (`fit_talent_shares`) so talent jobs equal the employed talent. About
        one firm per mean office size of a cell's jobs (never under MIN_OFFICE_AGENTS agents on
        average), its Pareto draws rescaled so their size weights sum to the expected value.
        A0_js, the branches and the firms' sizes are then calibrated so that the start is the
        firms' steady state (`_solve_productivity`). Graduates are employed in talent jobs, the
        others in other jobs; the wage indices stand still at the start's tightness.
        """
        beh, c, rng, n = self.beh, self.cities, self.rng, self.cities.n
        theta, shape = beh.firms.labour_elasticity, beh.firms.productivity_pareto_shape
        employed, employed_talent = np.zeros(n), np.zeros(n)
        premium_sum, premium_count = np.zeros((n, 2)), np.zeros((n, 2))
        for j, staff in to_employ.items():
            for worker in staff:
                employed[j] += 1
                employed_talent[j] += worker.group
                premium_sum[j, worker.group] += self.premium[worker.degree]
                premium_count[j, worker.group] += 1
        jobs = c.sector_mix_2010 * employed[:, None]
        share = np.array([beh.firms.sector_talent_share[s] for s in SECTORS])
        self.talent_share_start = fit_talent_shares(jobs, share, employed_talent)
        self.talent_share_start[-1] = share
        self.talent_share_jobs = self.talent_share_start.copy()
        # Mean degree premium of each group's employed (static): a job's cost per group.
        default = np.array([self.premium[0], self.premium[2]])
        self.job_premium = np.where(
            premium_count > 0, premium_sum / np.maximum(premium_count, 1), default[None, :]
        )
        self.grant_share = np.zeros(n)
        self.branch_grant_share = np.zeros(n)
        self.unit_cost_start = self.job_cost()
        self.unit_cost = self.unit_cost_start.copy()
        power = 1.0 / (1.0 - theta)
        expected = pareto_weight_mean(shape, power)
        size = max(beh.firms.mean_office_size_people / self.scale, MIN_OFFICE_AGENTS)
        for j in range(n - 1):
            for s in range(len(SECTORS)):
                k = max(1, round(jobs[j, s] / size))
                z = pareto_productivity(k, shape, rng)
                z *= np.power(expected * k / np.power(z, power).sum(), 1.0 / power)
                for productivity in z:
                    Firm(self, float(productivity), s, j, self.start_abs, self.draw_fit())
        wanted = jobs * (1.0 + beh.labour.initial_vacancy_rate)
        self.base_productivity = self._solve_productivity(wanted) * c.productivity_factor[:, None]
        self.city_productivity = self.base_productivity.copy()
        firms = self.agents_by_type[Firm]
        firms.do("plan_headcount")
        # Talent by the offices' talent jobs, the others by their other jobs.
        offices = [o for firm in firms for o in firm.offices]
        for j, staff in to_employ.items():
            here = [o for o in offices if o.city == j]
            for group in (0, 1):
                weight = np.array([o.desired_by_group()[group] for o in here])
                people = [w for w in staff if w.group == group]
                if not people or weight.sum() <= 0:
                    continue
                employer = rng.choice(len(here), size=len(people), p=weight / weight.sum())
                for worker, o in zip(people, employer, strict=True):
                    wage = c.base_wage_yuan[j] * self.premium[worker.degree]
                    worker.take_job(here[o], wage, talent_job=bool(group))
        for o in offices:  # the firms phase plans the first month's desires
            o.desired = o.desired_talent = 0.0
        self.profit_start = profit_index(self.city_productivity, self.unit_cost_start, theta)
        self.firms_start = np.zeros((n, len(SECTORS)))
        for firm in firms:
            self.firms_start[firm.hq_city, firm.sector] += 1
        self._start_tightness()

    def _start_tightness(self) -> None:
        """Each city's vacancies per job seeker of the start, per group (the start's open
        vacancies, initial_vacancy_rate of the jobs, over its unemployed of that degree group):
        the wage indices stand still there. A group without seekers or jobs takes
        `stable_tightness`."""
        lab = self.beh.labour
        unemployed = np.zeros((len(self.city_agents), 2))
        jobs = np.zeros((len(self.city_agents), 2))
        for worker in self.agents_by_type[Worker]:
            if worker.office is None:
                unemployed[worker.city, worker.group] += 1
            else:
                jobs[worker.city, worker.group] += 1
        for city in self.city_agents:
            u, v = unemployed[city.index], lab.initial_vacancy_rate * jobs[city.index]
            tightness = (v + 1.0) / (u + 1.0)
            ok = (u > 0) & (jobs[city.index] > 0)
            city.target_tightness = np.where(ok, tightness, lab.stable_tightness)

    def draw_fit(self) -> np.ndarray:
        """A new firm's lasting fit to each node: lognormal with mean 1; none outside."""
        sigma = self.beh.firms.branch_fit_sigma
        fit = self.rng.lognormal(-0.5 * sigma**2, sigma, size=self.cities.n)
        fit[-1] = 0.0
        return fit

    def _solve_productivity(self, wanted: np.ndarray) -> np.ndarray:
        """A0_js, the start's branches and firm sizes, such that the start is the firms'
        steady state (`engine.world._solve_productivity`).

        BRANCH_ROUNDS damped rounds: every tradable firm has a branch wherever one beats the
        hurdle under the current A; A is solved so that all offices' desired headcounts sum to
        `wanted` (`_fixed_point`) and moves DAMPING of the way there in logs. Then, at the last
        A, each branch that beats the hurdle or was open in the last round and is not below the
        closing ratio is open with the steady share of review and exit
        (`engine.world.steady_branch_share`), fewer where branches alone would overfill a cell
        (half of those into it stay closed, in rounds); and the z of each city-sector's firms is
        scaled by one factor so that the desires sum to `wanted` exactly (`_size_factors`).

        This is the build's calibration, not a per-agent rule: deterministic given the firms
        (but for the steady-share draws), it is the engine's array logic, on arrays gathered
        from the firm agents with the same pure rules and constants.
        """
        beh, n = self.beh.firms, self.cities.n
        theta = beh.labour_elasticity
        tradable = [firm for firm in self.agents_by_type[Firm] if firm.tradable]
        base = self._fixed_point(wanted, np.ones_like(wanted))

        def ratios() -> list[np.ndarray]:
            self.city_productivity = base
            out = []
            for firm in tradable:
                ratio = firm.branch_ratios()
                ratio[firm.hq_city] = 0.0
                out.append(ratio)
            return out

        present = [np.zeros(n, dtype=bool) for _ in tradable]
        for _ in range(BRANCH_ROUNDS):
            present = [ratio > beh.office_opening_hurdle for ratio in ratios()]
            for firm, where in zip(tradable, present, strict=True):
                firm.set_start_branches(where)
            solved = self._fixed_point(wanted, base)
            base = np.exp((1.0 - DAMPING) * np.log(base) + DAMPING * np.log(solved))
        share = steady_branch_share(beh)
        keep = []
        for ratio, was in zip(ratios(), present, strict=True):
            paying = (ratio > beh.office_opening_hurdle) | (
                was & (ratio >= beh.office_closing_ratio)
            )
            keep.append(paying & (self.rng.random(n) < share))
        for _ in range(DROP_ROUNDS):
            for firm, where in zip(tradable, keep, strict=True):
                firm.set_start_branches(where)
            factor = self._size_factors(wanted)
            short = factor < X_MIN
            if not short.any():
                break
            # Branches alone would overfill these cells: half of those into them stay closed.
            keep = [
                where & ~(short[:, firm.sector] & (self.rng.random(n) < 0.5))
                for firm, where in zip(tradable, keep, strict=True)
            ]
        factor = np.maximum(factor, X_MIN)
        for firm in self.agents_by_type[Firm]:
            firm.productivity *= float(factor[firm.hq_city, firm.sector] ** (1.0 - theta))
        base[-1] = 1.0
        return base

    def _office_table(self) -> dict[str, np.ndarray]:
        """Every office's firm productivity z, headquarters city, city, sector and fit."""
        rows = [(f, o) for f in self.agents_by_type[Firm] for o in f.offices]
        return {
            "z": np.array([f.productivity for f, _ in rows]),
            "hq": np.array([f.hq_city for f, _ in rows]),
            "city": np.array([o.city for _, o in rows]),
            "sector": np.array([f.sector for f, _ in rows]),
            "fit": np.array([f.fit[o.city] for f, o in rows]),
        }

    def _desired_at(self, table: dict[str, np.ndarray], base: np.ndarray) -> np.ndarray:
        """Desired headcount of every office of `table` when A is `base` (the firms' rule)."""
        beh = self.beh.firms
        hq, city, sector = table["hq"], table["city"], table["sector"]
        branch = branch_productivity(
            base[hq, sector], base[city, sector], self.cities.distance_1000km[hq, city],
            table["fit"], beh.branch_local_productivity_share, beh.coordination_cost_per_1000km,
        )  # fmt: skip
        a = np.where(hq == city, base[city, sector], branch)
        return desired_headcount(
            table["z"], a, self.unit_cost[city, sector], 0.0, beh.labour_elasticity
        )

    def _fixed_point(self, wanted: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Scale each A_js by (wanted / desired)^(1-theta) until the desires add up."""
        theta = self.beh.firms.labour_elasticity
        table = self._office_table()
        for _ in range(60):
            got = np.zeros(wanted.shape)
            np.add.at(got, (table["city"], table["sector"]), self._desired_at(table, base))
            ratio = np.divide(wanted, got, out=np.ones_like(got), where=got > 0)
            base = base * ratio ** (1.0 - theta)
            if np.max(np.abs(ratio - 1.0)) < 1e-10:  # as the engine stops
                break
        return base

    def _size_factors(self, wanted: np.ndarray) -> np.ndarray:
        """(node, sector) factors x on each cell's firms' z^(1/(1-theta)) that make every cell's
        desired headcount `wanted` at the current A: per sector the linear system
        sum_h desire[c, h] x_h = wanted_c, desire[c, h] that of offices in c of firms
        headquartered in h (`engine.world._size_factors`)."""
        n, table = self.cities.n, self._office_table()
        desired = self._desired_at(table, self.city_productivity)
        factor = np.ones_like(wanted)
        for s in range(len(SECTORS)):
            mine = table["sector"] == s
            matrix = np.zeros((n, n))
            np.add.at(matrix, (table["city"][mine], table["hq"][mine]), desired[mine])
            matrix[-1, -1] = 1.0  # the outside node has no firms: x = 1 there
            target = wanted[:, s].copy()
            target[-1] = 1.0
            empty = np.diag(matrix) <= 0
            matrix[empty, empty] = 1.0  # a cell without firms keeps x = 1
            target[empty] = 1.0
            factor[:, s] = np.linalg.solve(matrix, target)
        return factor

    # -------------------------------------------------------------------- counting
    def census(self) -> dict[str, np.ndarray]:
        """Agents per node (13 cities, then the outside node from its aggregate counts), and
        the staff of talent jobs per city and sector (`sector_talent`; `seated_talent` in the
        tradable sectors, whose talent jobs need a tech-park seat)."""
        counts = {name: [0.0] * self.cities.n for name in CENSUS_FIELDS}
        population, talent = counts["population"], counts["talent"]
        employed, employed_talent = counts["employed"], counts["employed_talent"]
        sector_talent = np.zeros((self.cities.n, len(SECTORS)))
        for worker in self.agents_by_type[Worker]:
            j = worker.city
            population[j] += 1
            talent[j] += worker.degree >= TALENT_DEGREE
            if worker.office is not None:
                employed[j] += 1
                employed_talent[j] += worker.degree >= TALENT_DEGREE
                if worker.talent_job:
                    sector_talent[j, worker.office.firm.sector] += 1
        counts = {name: np.array(values) for name, values in counts.items()}
        counts["population"][-1] = self.outside_agents.sum()
        counts["talent"][-1] = self.outside_agents[TALENT_DEGREE:].sum()
        counts["employed"][-1] = counts["population"][-1] * self.beh.labour.outside_employment_rate
        counts["sector_talent"] = sector_talent
        counts["seated_talent"] = sector_talent[:, TRADABLE].sum(axis=1)
        return counts

    def node_array(self, attribute: str, outside_value: float) -> np.ndarray:
        """A city attribute as an array over the 14 nodes."""
        return np.array([getattr(c, attribute) for c in self.city_agents] + [outside_value])

    # -------------------------------------------------------------------- 1. policies
    def run_policies(self) -> None:
        """Programmes switch by date, budgets reset in January, the July cohort; then rent
        subsidies, firm grants and office seats built."""
        m, book = self.month, self.book
        book.active = (book.start <= m) & (book.end >= m)
        calendar = (self.start_abs + m) % 12
        if calendar == 0 and m > 0:
            book.reset_budgets()
        if calendar == 6 and self.beh.switches.demography:
            self.graduate_cohort()  # HubModel's July event fires just before this step
        self.pay_rent_subsidies()
        self.pay_firm_grants()
        self.build_capacity()

    def pay_rent_subsidies(self) -> None:
        """Monthly rent subsidies, paid pro rata when a programme's budget runs short."""
        book = self.book
        receiving = [w for w in self.agents_by_type[Worker] if w.rent_subsidy_left > 0]
        due: dict[int, float] = defaultdict(float)
        for worker in receiving:
            due[worker.rent_subsidy_programme] += worker.rent_subsidy * self.scale
            worker.rent_subsidy_left -= 1
        for p, asked in due.items():
            budget = book.remaining[p] if book.active[p] else 0.0
            paid = float(programme_rules.pay_pro_rata(np.array([asked]), budget)[0])
            book.charge(p, paid, asked)
            self.spent_step[book.city[p]] += paid

    def pay_cash(self, programme: int, request_yuan: float) -> bool:
        """Pay a one-off claim if the budget covers it; after a refusal the queue is closed."""
        book = self.book
        if programme in self.closed_queues or request_yuan > book.remaining[programme] + 1e-9:
            self.closed_queues.add(programme)
            book.charge(programme, 0.0, request_yuan)
            return False
        book.charge(programme, request_yuan, request_yuan)
        self.spent_step[book.city[programme]] += request_yuan
        return True

    def pay_firm_grants(self) -> None:
        """Firm grants pay a share of the wage bill of the offices they cover in their city:
        every tradable-sector office, or (`grant_offices: branches`) only the branches there of
        firms headquartered elsewhere.

        A programme spreads what is left of its yearly budget over the months left in the year;
        firms see the share actually paid over the bill (stacked programmes capped at 0.9).
        """
        book, n = self.book, self.cities.n
        shares = np.zeros((2, n))  # all tradable offices; branches only
        paying = book.paying("firm_grant")
        if len(paying):
            bills = np.zeros((2, n))
            for firm in self.agents_by_type[Firm]:
                if not firm.tradable:
                    continue
                for office in firm.offices:
                    if office.is_open:
                        bill = sum(worker.wage for worker in office.staff)
                        bills[0, office.city] += bill
                        if not office.is_headquarters:
                            bills[1, office.city] += bill
            bills *= self.scale * self.wage_trend / 12.0  # nominal yuan this month
            months_left = 13 - (self.now % 12 + 1)
            for p in paying:
                j, kind = book.city[p], int(book.grant_branches_only[p])
                due = book.grant_share[p] * bills[kind, j]
                paid = min(due, book.remaining[p] / months_left)
                book.charge(p, paid, due)
                self.spent_step[j] += paid
                shares[kind, j] += paid / bills[kind, j] if bills[kind, j] > 0 else 0.0
        self.grant_share = np.minimum(shares[0], MAX_GRANT_SHARE)
        self.branch_grant_share = np.minimum(shares[1], MAX_GRANT_SHARE - self.grant_share)

    def build_capacity(self) -> None:
        """Office seats follow the recorded stock, else the plan and demand; office-capacity
        programmes add theirs."""
        book, beh, c = self.book, self.beh.firms, self.cities
        cost = beh.office_seat_cost_yuan
        year, month = divmod(self.now, 12)
        stock = offices_rules.recorded_stock(c.office_stock_m2, year + 1900, month + 1)
        if offices_rules.FIRST_RECORDED_YEAR <= year + 1900 <= offices_rules.LAST_RECORDED_YEAR:
            self.seat_share *= (1.0 + beh.office_upgrading_per_year) ** (1.0 / 12.0)
        seated = self.census()["seated_talent"]
        for city in self.city_agents:
            j = city.index
            recorded = stock[j : j + 1] / beh.office_m2_per_seat + city.seats_built
            filled = offices_rules.filled_seats(seated[j : j + 1], self.seat_share[j])
            city.wanted_seats = filled * self.scale
            seats, prelet = offices_rules.next_seats(
                np.array([city.office_seats]), recorded, city.wanted_seats,
                c.capacity_growth_per_month[j], beh.office_natural_vacancy,
                np.array([city.office_leased]),
            )  # fmt: skip
            city.office_seats, city.prelet = float(seats[0]), prelet
        for p in book.of("office_capacity"):
            if self.month - book.start[p] >= book.months[p]:
                continue
            seats = book.seats[p] / book.months[p]
            paid = float(
                programme_rules.pay_pro_rata(np.array([seats * cost]), book.remaining[p])[0]
            )
            book.charge(p, paid, seats * cost)
            self.spent_step[book.city[p]] += paid
            built = paid / cost if cost > 0 else seats
            self.city_agents[book.city[p]].office_seats += built
            self.city_agents[book.city[p]].seats_built += built
        # Leasing takes time, as in the engine: developers watch the space let.
        absorption = offices_rules.monthly_rate(beh.office_absorption_per_year)
        for city in self.city_agents:
            city.office_leased = float(offices_rules.next_leased(
                np.array([city.office_leased]), np.array([city.office_seats]),
                city.wanted_seats, absorption, city.prelet,
            )[0])  # fmt: skip

    # -------------------------------------------------------------------- 2. firms
    def firm_decisions(self) -> None:
        """The month's talent shares of jobs, unit costs and A_js; every firm's step; entry;
        then every office's desired headcount."""
        beh, counts = self.beh.firms, self.census()
        productivity_shock, entry_shock = self.shock()
        national = counts["talent"].sum() / max(counts["population"].sum(), 1.0)
        start = self.national_talent_share_start
        shift = np.log(national / (1 - national)) - np.log(start / (1 - start))
        self.talent_share_jobs = shifted_shares(self.talent_share_start, shift)
        self.unit_cost = self.job_cost()
        population = counts["population"]
        self.city_productivity = agglomeration(
            self.base_productivity, counts["sector_talent"], self.sector_talent_start,
            population, self.population_start, beh.agglomeration_alpha, beh.urbanisation_alpha,
        )  # fmt: skip
        self.city_productivity[:, LOCAL_SERVICES] = local_services_productivity(
            self.base_productivity[:, LOCAL_SERVICES], population, self.population_start,
            self.unit_cost[:, LOCAL_SERVICES], self.unit_cost_start[:, LOCAL_SERVICES],
            beh.labour_elasticity, beh.local_services_population_elasticity,
        )  # fmt: skip
        self.city_productivity *= productivity_shock
        firms = self.agents_by_type[Firm]
        if self.beh.switches.firm_dynamics:
            # Cities whose free seats hold no whole talent job take no new offices (the
            # engine's rule, `rules.offices.postings_allowed`).
            seats = np.array([city.office_seats for city in self.city_agents]) / self.scale
            free = offices_rules.postings_allowed(
                seats, counts["seated_talent"][:-1], self.seat_share[:-1]
            )
            self.open_to_offices = np.append(free > 0, False)
            firms.shuffle_do("step")
            self._firm_entry(counts, entry_shock)
        self.agents_by_type[Firm].do("plan_headcount")

    def job_cost(self) -> np.ndarray:
        """(node, sector) real wage cost of a job: its talent share of the city's talent-job
        wage, the rest at the other-job wage; net of firm grants in tradable sectors."""
        wage = self.cities.base_wage_yuan[:, None] * self.wage_indices() * self.job_premium
        share = self.talent_share_jobs
        cost = share * wage[:, 1:2] + (1.0 - share) * wage[:, 0:1]
        return cost * (1.0 - self.grant_share[:, None] * TRADABLE[None, :])

    def wage_indices(self) -> np.ndarray:
        """(node, group) wage indices; the outside node's stay at 1."""
        return np.array([city.wage_index for city in self.city_agents] + [np.ones(2)])

    def shock(self) -> tuple[float, float]:
        """Productivity and firm-entry factors of the demand shocks in force this month."""
        now, productivity, entry = month_index(self.params.start) + self.month, 1.0, 1.0
        for s in self.params.shocks:
            if month_index(s.start) <= now <= month_index(s.end):
                productivity *= s.productivity_factor
                entry *= s.entry_factor
        return productivity, entry

    def _firm_entry(self, counts: dict[str, np.ndarray], entry_shock: float) -> None:
        """Births per city and sector replace exits at the start's conditions; tradable births
        rise as (profit index / the start's)^elasticity and with the 13 cities' population."""
        beh = self.beh.firms
        profit = profit_index(self.city_productivity, self.unit_cost, beh.labour_elasticity)
        relative = np.power(profit / self.profit_start, beh.entry_profit_elasticity)
        population = counts["population"][:-1].sum() / self.population_start[:-1].sum()
        expected = self.monthly_exit_hazard * self.firms_start * relative * population * entry_shock
        expected[:, LOCAL_SERVICES] = self.monthly_exit_hazard * self.firms_start[:, LOCAL_SERVICES]
        expected[-1] = 0.0
        births = self.rng.poisson(expected)
        for (j, s), k in np.ndenumerate(births):
            for z in pareto_productivity(int(k), beh.productivity_pareto_shape, self.rng):
                Firm(self, float(z), s, j, self.now, self.draw_fit())

    # -------------------------------------------------------------------- 3. labour
    def labour_market(self) -> None:
        """Separations and layoffs, vacancies within the seats, then matching and wage indices
        in each city's two markets (talent jobs, then other jobs)."""
        firms = self.agents_by_type[Firm]
        firms.do("review_staff")
        self.agents_by_type[Worker].shuffle_do("work")
        firms.do("post_vacancies")
        wanted = np.zeros((self.cities.n, 2), dtype=np.int64)  # postings before the seats
        seated: dict[int, list[Office]] = defaultdict(list)
        for firm in firms:
            for office in firm.offices:
                wanted[office.city] += office.posted
                if firm.tradable and office.is_open:
                    seated[office.city].append(office)
        for city in self.city_agents:
            city.seat_postings(seated[city.index])
        slots = [[[], []] for _ in self.city_agents]
        for firm in firms:
            for office in firm.offices:
                for group in (0, 1):
                    slots[office.city][group].extend([office] * office.posted[group])
        jobless: list[list[Worker]] = [[] for _ in self.city_agents]
        over_qualified: list[list[Worker]] = [[] for _ in self.city_agents]
        for worker in self.agents_by_type[Worker]:
            if worker.office is None:
                jobless[worker.city].append(worker)
            elif worker.group == 1 and not worker.talent_job:
                over_qualified[worker.city].append(worker)
        for city in self.city_agents:
            j = city.index
            city.match(jobless[j], over_qualified[j], slots[j], tuple(wanted[j]))

    # -------------------------------------------------------------------- 4. migration
    def migration(self) -> None:
        """Workers reconsider and choose among all nodes; then the rest of China sends movers."""
        counts = self.census()
        self.board = self.location_board(counts)
        self.closed_queues: set[int] = set()
        self.agents_by_type[Worker].shuffle_do("step")
        self.board = self.location_board(counts)  # budgets spent by the movers above
        self.closed_queues = set()
        self._outside_arrivals()
        if self.outside_cohort is not None:
            self._outside_graduates_choose(self.outside_cohort)
            self.outside_cohort = None
        self.remove_over_cap()

    def location_board(self, counts: dict[str, np.ndarray]) -> dict:
        """What every chooser sees this month, node by node (read at the start of the phase)."""
        c = self.cities
        people = counts["population"] * self.scale / self.cities.working_age_share
        cap_cost = self.cap_cost(people)
        return {
            "expected_income": self.expected_income(counts),  # (degree, node)
            "rent": self.node_array("rent", c.base_rent_yuan_m2_month[-1]),
            "cap_cost": cap_cost,
            "paying": np.concatenate([self.book.paying("cash"), self.book.paying("rent")]),
        }

    def expected_income(self, counts: dict[str, np.ndarray]) -> np.ndarray:
        """(degree, node) expected yearly wage in each node (Harris-Todaro per job group).

        Without a degree: premium_d w_o e_o, e_o the employment rate of the residents without
        a degree. A graduate is in a talent job with probability p_t (the node's graduates in
        talent jobs over its graduates) and in another job, paid as a junior-college graduate,
        with probability p_o (its other employed graduates): premium_d w_t p_t + premium_col
        w_o p_o. The outside node's rates are fixed (its graduates all count as in talent jobs).
        """
        rate = self.beh.labour.outside_employment_rate
        wage = self.cities.base_wage_yuan[:, None] * self.wage_indices()  # (node, group)
        other_people = counts["population"] - counts["talent"]
        other_rate = (counts["employed"] - counts["employed_talent"]) / np.maximum(
            other_people, 1.0
        )
        in_talent_jobs = counts["sector_talent"].sum(axis=1)
        graduates = np.maximum(counts["talent"], 1.0)
        talent_rate = in_talent_jobs / graduates
        over_qualified = np.maximum(counts["employed_talent"] - in_talent_jobs, 0.0) / graduates
        other_rate[-1] = talent_rate[-1] = rate
        over_qualified[-1] = 0.0
        income = np.empty((len(DEGREES), self.cities.n))
        for d in range(len(DEGREES)):
            if d < TALENT_DEGREE:
                income[d] = self.premium[d] * wage[:, 0] * np.maximum(other_rate, 1e-3)
            else:
                graduate = (
                    self.premium[d] * wage[:, 1] * talent_rate
                    + self.premium[COLLEGE] * wage[:, 0] * over_qualified
                )
                income[d] = np.maximum(graduate, 1e-3 * wage[:, 1])
        return income

    def cap_cost(self, people: np.ndarray) -> np.ndarray:
        """Cost of coming into each node under its active population caps (rising as it nears)."""
        cost = np.zeros(self.cities.n)
        for p in self.book.of("population_cap"):
            j = self.book.city[p]
            cap = programme_rules.cap_cost(
                np.array([people[j]]), self.book.cap_people[p : p + 1],
                self.beh.migration.population_cap_cost,
                self.beh.migration.population_cap_start_share,
            )[0]  # fmt: skip
            cost[j] = max(cost[j], cap)
        return cost

    def remove_over_cap(self) -> None:
        """Housing removal, only where a scenario sets a rate: a city above its cap displaces
        residents without local hukou."""
        rate = self.beh.migration.population_cap_removal_per_year
        share, outside = self.cities.working_age_share, self.cities.outside
        for p in self.book.of("population_cap"):
            j = self.book.city[p]
            people = self.census()["population"][j] * self.scale / share
            displaced = programme_rules.over_cap_removals(
                np.array([people]), self.book.cap_people[p : p + 1], rate
            )[0]
            if rate == 0 or displaced <= 0:
                continue
            k = stochastic_round(displaced * share / self.scale, self.random)
            candidates = [w for w in self.agents_by_type[Worker] if w.city == j and w.hukou != j]
            for worker in self.random.sample(candidates, min(k, len(candidates))):
                self.flows_step[j, outside, worker.degree] += 1
                self.outside_agents[worker.degree] += 1
                worker.leave_job()
                worker.remove()

    def utility(
        self,
        degree: int,
        age: int,
        since_graduation: int,
        current: int,
        origin: int,
        hukou: int,
        settled: bool,
        received: set[int],
    ) -> tuple[np.ndarray, np.ndarray]:
        """V_j of one person for every node, and where they could get hukou
        (docs/model.md#migration)."""
        c, mig, book, board = self.cities, self.beh.migration, self.book, self.board
        nodes = np.arange(c.n)
        newcomer = (nodes != current) | (not settled)
        discount, subsidy = np.zeros(c.n), np.zeros(c.n)
        hukou_ok = (nodes == hukou) | ((degree >= c.hukou_min_degree) & (age <= c.hukou_max_age))
        for p in book.of("housing_discount"):
            if self.eligible(p, degree, age, since_graduation):
                discount[book.city[p]] = max(discount[book.city[p]], book.discount_share[p])
        for p in book.of("hukou"):
            hukou_ok[book.city[p]] |= self.eligible(p, degree, age, since_graduation)
        for p in board["paying"]:
            if p not in received and self.eligible(p, degree, age, since_graduation):
                months = book.months[p] if book.instrument[p] == INSTRUMENTS.index("rent") else 1
                subsidy[book.city[p]] += book.yuan_by_degree[p, degree] * months
        cost = choice.moving_cost(
            np.array([current]), np.array([origin]), c.distance_1000km, mig.moving_cost_fixed,
            mig.moving_cost_per_1000km, mig.leaving_origin_cost,
        )[0] + np.where(newcomer, board["cap_cost"], 0.0) * (
            mig.population_cap_talent_share if degree >= TALENT_DEGREE else 1.0
        )  # fmt: skip
        value = choice.location_utility(
            np.log(board["expected_income"][degree]),
            np.log(board["rent"] * (1.0 - discount * newcomer)),
            c.amenity, hukou_ok, subsidy * newcomer / self.wage_trend / 10_000.0, cost,
            mig.b_w, mig.b_r, mig.b_h, mig.b_s_per_10k_yuan,
        )  # fmt: skip
        return value, hukou_ok

    def eligible(self, p: int, degree: int, age: int, since_graduation: int) -> bool:
        """Whether a person belongs to programme p's eligible group."""
        book = self.book
        return bool(
            programme_rules.eligible(
                degree, age, since_graduation, book.min_degree[p], book.max_age[p],
                book.graduated_within_months[p],
            )
        )  # fmt: skip

    def _outside_arrivals(self) -> None:
        """Each degree group of the rest of China chooses like one representative person."""
        outside, hazards = self.cities.outside, self.beh.migration.hazards
        hazard = 1.0 - np.exp(-hazards.outside_per_year / 12.0)
        for degree in range(len(DEGREES)):
            value, _ = self.utility(
                degree, OUTSIDE_AGE[degree], OUTSIDE_MONTHS_SINCE_GRADUATION[degree],
                outside, outside, outside, True, set(),
            )  # fmt: skip
            probabilities = choice.logit_probabilities(value, self.beh.migration.logit_scale)
            pool = self.outside_agents[degree]
            reconsider = int(min(self.rng.poisson(pool * hazard), pool))
            arrivals = self.rng.multinomial(reconsider, probabilities)
            arrivals[outside] = 0
            self.outside_agents[degree] -= arrivals.sum()
            self.flows_step[outside, :, degree] += arrivals
            for j, k in enumerate(arrivals):
                for _ in range(k):
                    self._arrive_from_outside(j, degree)

    def _outside_graduates_choose(self, graduates: np.ndarray) -> None:
        """July: the rest of China's new graduates choose like every new graduate, once."""
        outside = self.cities.outside
        for degree in range(len(DEGREES)):
            value, _ = self.utility(
                degree, int(GRADUATION_AGE[degree]) + 1, 0, outside, outside, outside, False,
                set(),
            )  # fmt: skip
            probabilities = choice.logit_probabilities(value, self.beh.migration.logit_scale)
            k = min(stochastic_round(graduates[degree], self.random), self.outside_agents[degree])
            arrivals = self.rng.multinomial(int(k), probabilities)
            arrivals[outside] = 0
            self.outside_agents[degree] -= arrivals.sum()
            self.flows_step[outside, :, degree] += arrivals
            for j, n in enumerate(arrivals):
                for _ in range(n):
                    self._arrive_from_outside(j, degree, graduating=True)

    def _arrive_from_outside(self, city: int, degree: int, graduating: bool = False) -> None:
        outside, now = self.cities.outside, self.now
        if graduating:
            age_months = int(GRADUATION_AGE[degree]) * 12 + int(self.rng.integers(0, 24))
            graduated = now
        else:
            age_months = OUTSIDE_AGE[degree] * 12 + int(self.rng.integers(-48, 48))
            since = OUTSIDE_MONTHS_SINCE_GRADUATION[degree]
            graduated = now - since if degree > 0 else NO_GRADUATION
        worker = Worker(self, city, degree, outside, outside, now - age_months, now, graduated)
        c = self.cities
        hukou_open = degree >= c.hukou_min_degree[city] and worker.age <= c.hukou_max_age[city]
        for p in self.book.of("hukou"):
            if self.book.city[p] == city:
                hukou_open |= self.eligible(p, degree, worker.age, worker.months_since_graduation)
        if hukou_open:
            worker.hukou = city
        worker.collect_subsidies()

    # -------------------------------------------------------------------- 5. demography
    def retirement(self) -> None:
        """Workers at the retirement age leave; the outside node retires at the same pace."""
        self.agents_by_type[Worker].do("retire_if_due")
        working_years = self.beh.demography.retirement_age - 16
        leaving = self.outside_agents / (12.0 * working_years)
        self.outside_agents -= leaving
        self.retired_step[-1] += leaving.sum()
        self.retired_since_july += self.retired_step.sum()

    def graduate_cohort(self) -> None:
        """July: graduates appear unsettled at university cities; young entrants fill the rest."""
        demo, rng, c, now = self.beh.demography, self.rng, self.cities, self.now
        schedule = graduate_schedule()
        year = now // 12 + 1900
        graduates = cohort_by_degree(demo, year, schedule.years, schedule.people) / self.scale
        share = c.universities / demo.national_universities
        placed = np.zeros(len(DEGREES))
        for j in range(c.n - 1):
            for degree in range(len(DEGREES)):
                k = stochastic_round(graduates[degree] * share[j], self.random)
                placed[degree] += k
                for _ in range(k):
                    origin = j if rng.random() < demo.graduate_home_share else c.outside
                    birth = now - 12 * int(GRADUATION_AGE[degree]) - int(rng.integers(0, 24))
                    arrived = now - 12 * int(STUDY_YEARS[degree])
                    Worker(self, j, degree, origin, origin, birth, arrived, now, settled=False)
        self.outside_agents += np.maximum(graduates - placed, 0.0)
        self.outside_cohort = np.maximum(graduates - placed, 0.0)  # they choose in migration
        self._young_entrants(max(self.retired_since_july - graduates.sum(), 0.0))
        self.retired_since_july = 0.0

    def _young_entrants(self, total: float) -> None:
        """Young people without a degree, spread over nodes by population."""
        rng, now = self.rng, self.now
        population = self.census()["population"]
        expected = total * population / population.sum()
        # A capped city takes the share its cap admits; the rest enter the outside node.
        people = population * self.scale / self.cities.working_age_share
        admitted = expected * programme_rules.admitted_share(
            self.cap_cost(people), self.beh.migration.logit_scale
        )
        admitted[-1] += (expected - admitted).sum()
        expected = admitted
        for j, k in enumerate(sampling.stochastic_round(expected[:-1], rng)):
            for _ in range(k):
                birth = now - 12 * 16 - int(rng.integers(0, 24))
                Worker(self, j, 0, j, j, birth, now - 12 * 16)
        self.outside_agents[0] += expected[-1]

    # -------------------------------------------------------------------- 6. housing
    def housing(self) -> None:
        """Every city's rent follows its population; housing-supply programmes raise eta."""
        population = self.census()["population"]
        elasticity = self.cities.supply_elasticity.copy()
        for p in self.book.of("housing_supply"):
            elasticity[self.book.city[p]] *= self.book.supply_factor[p]
        for city in self.city_agents:
            city.update_rent(population[city.index], elasticity[city.index])

    # -------------------------------------------------------------------- 7. record
    def record(self) -> None:
        counts = self.census()
        for city in self.city_agents:
            city.take_census(counts)
        self.datacollector.collect(self)

    def city_outcomes(self) -> dict[str, np.ndarray]:
        """Population share, unemployment rate, nominal rent and open offices (headquarters and
        branches) of the 13 cities, now."""
        population = np.array([city.population for city in self.city_agents])
        unemployed = np.array([city.unemployed for city in self.city_agents])
        working_age = population * self.cities.working_age_share
        offices = np.zeros(len(self.city_agents))
        for firm in self.agents_by_type[Firm]:
            for office in firm.offices:
                offices[office.city] += office.is_open
        return {
            "population_share": population / population.sum(),
            "unemployment_rate": unemployed / np.maximum(working_age, 1.0),
            "rent": np.array([city.rent_nominal for city in self.city_agents]),
            "offices": offices,
        }


def main() -> None:
    """Run the reference on a scenario file and print the cities' outcomes at the end."""
    from hubsim.experiments.replications import resolve

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--scale", type=float, default=30_000.0)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scenario = resolve(args.scenario, scale=args.scale, months=args.months)
    model = ReferenceModel(scenario, seed=args.seed)
    for _ in range(args.months):
        model.step()
    frame = model.datacollector.get_agenttype_vars_dataframe(City).xs(args.months, level="Step")
    frame.index = [model.cities.keys[i] for i in range(len(frame))]
    print(f"after {args.months} months at scale {args.scale:g} (people, yuan/m2/month):")
    print(frame.round(3).to_string())


if __name__ == "__main__":
    main()
