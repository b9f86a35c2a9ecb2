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

from hubsim.engine.calendar import EPOCH
from hubsim.engine.cities import CityArrays, build_city_arrays, census_table
from hubsim.engine.pool import graduate_schedule
from hubsim.engine.programmes import INSTRUMENTS, ProgrammeBook
from hubsim.engine.rules import choice, housing, labour, sampling
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
    desired_headcount,
    location_gain,
    pareto_productivity,
)
from hubsim.engine.tables import NO_GRADUATION
from hubsim.scenario import DEGREES, TALENT_DEGREE, Scenario, month_index

# One file rather than Mesa's agents.py/model.py pair, so that the oracle is one self-contained
# read; it is long because it restates every rule of the engine agent by agent.
CENSUS_FIELDS = ("population", "talent", "employed", "employed_talent")


def stochastic_round(value: float, random: Random) -> int:
    """Round down, and up with probability equal to the fraction (`sampling.stochastic_round`)."""
    whole = math.floor(value)
    return whole + (random.random() < value - whole)


# ================================================================================= agents
@dataclass(eq=False)
class Office:
    """A firm's office in one city: its staff, the headcount it wants and what it posts."""

    firm: Firm
    city: int
    is_open: bool = True
    staff: set[Worker] = field(default_factory=set)
    desired: float = 0.0
    layoff_rate: float = 0.0
    posted: int = 0

    @property
    def is_headquarters(self) -> bool:
        return self.city == self.firm.hq_city


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
        self.received: set[int] = set()  # programmes that have paid this worker
        self.rent_subsidy, self.rent_subsidy_left, self.rent_subsidy_programme = 0.0, 0, -1

    @property
    def age(self) -> int:
        return (self.model.now - self.birth) // 12

    @property
    def months_since_graduation(self) -> int:
        return self.model.now - self.graduated

    def take_job(self, office: Office, wage: float) -> None:
        self.office, self.wage = office, wage
        office.staff.add(self)

    def leave_job(self) -> None:
        if self.office is not None:
            self.office.staff.discard(self)
            self.office = None

    def work(self) -> None:
        """Labour market: a job ends at the separation rate plus the office's layoff rate."""
        if self.office is None:
            return
        quit_rate = self.model.beh.labour.separation_rate_per_month + self.office.layoff_rate
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
    """A firm: Pareto productivity, a headquarters city and offices it opens, closes or moves."""

    def __init__(self, model: ReferenceModel, productivity: float, hq_city: int, born: int):
        super().__init__(model)
        self.productivity, self.hq_city, self.born = productivity, hq_city, born
        self.offices: list[Office] = []
        self.open_office(hq_city)

    def open_office(self, city: int) -> Office:
        office = Office(self, city)
        self.offices.append(office)
        return office

    def close_office(self, office: Office) -> None:
        """Close an office and lay off its staff (its desired headcount stays until next month)."""
        office.is_open = False
        for worker in list(office.staff):
            worker.leave_job()

    def desired_headcount(self, city: int) -> float:
        model = self.model
        return float(
            desired_headcount(
                self.productivity,
                model.city_productivity[city],
                model.real_wage[city],
                model.grant_share[city],
                model.beh.firms.labour_elasticity,
            )
        )

    def plan_headcount(self) -> None:
        for office in self.offices:
            office.desired = self.desired_headcount(office.city) if office.is_open else 0.0

    def step(self) -> None:
        """Firms: desired headcount per office; quarterly office review; exit."""
        self.plan_headcount()
        if self.model.month % 3 == 0:
            self.review_offices()
        self.consider_exit()

    def best_new_city(self) -> tuple[int, float]:
        """The open-to-offices city without an office of ours with the highest gain, and its
        gain relative to headquarters (-inf when there is none)."""
        gain = np.where(self.model.open_to_offices, self.model.office_gain, -np.inf)
        for office in self.offices:
            if office.is_open:
                gain[office.city] = -np.inf
        best = int(np.argmax(gain))
        return best, gain[best] / self.model.office_gain[self.hq_city]

    def review_offices(self) -> None:
        """Open a secondary office where profit beats the hurdle; close poor ones; rarely move."""
        beh, gain = self.model.beh.firms, self.model.office_gain
        if self.random.random() < beh.office_opening_hazard_per_quarter:
            city, ratio = self.best_new_city()
            if ratio > beh.office_opening_hurdle:
                self.open_office(city).desired = 0.0
        for office in self.offices:
            poor = gain[office.city] / gain[self.hq_city] < beh.office_closing_ratio
            if office.is_open and not office.is_headquarters and poor:
                self.close_office(office)
        if self.random.random() < beh.relocation_hazard_per_year / 4.0:
            city, ratio = self.best_new_city()
            if ratio > beh.office_opening_hurdle**2:
                for office in self.offices:
                    if office.is_open and office.is_headquarters:
                        self.close_office(office)
                self.hq_city = city
                self.open_office(city)

    def consider_exit(self) -> None:
        """Close down at the exit hazard, higher when wanting under half the current staff."""
        beh = self.model.beh.firms
        staff = sum(len(office.staff) for office in self.offices)
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
        """Labour market: each office lays off part of its staff above 1.1 x desired."""
        speed = self.model.beh.labour.layoff_speed_per_month
        for office in self.offices:
            staff = len(office.staff)
            office.layoff_rate = speed * max(staff - 1.1 * office.desired, 0.0) / max(staff, 1)

    def post_vacancies(self) -> None:
        """Labour market: open offices post the gap to desired headcount (at most +25 %)."""
        for office in self.offices:
            gap = min(max(office.desired - len(office.staff), 0.0), 0.25 * office.desired + 1.0)
            office.posted = stochastic_round(gap, self.random) if office.is_open else 0


class City(mesa.Agent):
    """One of the 13 cities: rent, wage index, office seats, its job market and its census."""

    def __init__(self, model: ReferenceModel, index: int) -> None:
        super().__init__(model)
        c = model.cities
        self.index, self.key = index, c.keys[index]
        self.rent = float(c.base_rent_yuan_m2_month[index])
        self.wage_index = 1.0
        self.office_seats = 0.0
        self.vacancies = self.seekers = self.hires = 0
        self.population = self.talent = self.employed = self.unemployed = 0.0
        self.rent_nominal, self.office_occupancy = self.rent, 0.0

    def match(self, seekers: list[Worker], slots: list[Office]) -> None:
        """m = mu U^a V^(1-a) random seekers fill random posted slots; then the wage index moves."""
        model, lab = self.model, self.model.beh.labour
        self.vacancies = len(slots)
        expected = labour.matches(
            len(seekers), len(slots), lab.matching_efficiency_per_month, lab.matching_elasticity
        )
        hires = int(sampling.stochastic_round(expected, self.rng))
        self.seekers, self.hires = len(seekers), hires
        hired = self.rng.choice(len(seekers), size=hires, replace=False)
        filled = self.rng.choice(len(slots), size=hires, replace=False)
        base_wage = model.cities.base_wage_yuan[self.index] * self.wage_index
        for w, s in zip(hired, filled, strict=True):
            worker = seekers[w]
            worker.take_job(slots[s], base_wage * model.premium[worker.degree])
        self.wage_index = float(
            labour.wage_index_update(
                self.wage_index,
                len(slots),
                len(seekers),
                lab.stable_tightness,
                lab.wage_tightness_elasticity,
                lab.wage_max_change_per_month,
            )
        )

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
        self.population = counts["population"][j] * scale / model.beh.demography.working_age_share
        self.talent = counts["talent"][j] * scale
        self.employed = counts["employed"][j] * scale
        self.unemployed = (counts["population"][j] - counts["employed"][j]) * scale
        self.rent_nominal = self.rent * model.wage_trend
        filled = counts["employed_talent"][j] * scale / max(self.office_seats, 1.0)
        self.office_occupancy = min(filled, 1.0)  # filled seats / seats


# ================================================================================= model
class ReferenceModel(mesa.Model):
    """The hubsim world with one Mesa agent per worker and firm; one step is one month.

    It follows `hubsim.engine.model.HubModel.step` phase by phase and reuses hubsim's data
    tables and pure rules (`hubsim.engine.rules`), but every worker and firm is a `mesa.Agent`
    with its own methods, activated with `shuffle_do`; firm offices belong to their firm. The rest
    of China is aggregate counts by degree, as in the engine. Decisions within a phase read the
    city state at the start of that phase (the engine is synchronous).

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
        """One month, in HubModel's order (DESIGN s.3)."""
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
        self.build_capacity()
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
        self.base_productivity = np.ones(c.n)
        for j, staff in to_employ.items():
            self._add_firms(j, staff)
        self.base_productivity *= c.productivity_factor
        self.firms_start = np.bincount(
            [f.hq_city for f in self.agents_by_type[Firm]], minlength=c.n
        ).astype(float)
        counts = self.census()
        self.population_start = counts["population"]
        self.talent_start = np.maximum(counts["talent"], 1.0)
        for city in self.city_agents:
            seats = c.seats_per_talent_start[city.index] * counts["employed_talent"][city.index]
            city.office_seats = seats * self.scale
            city.take_census(counts)

    def _add_residents(self, j: int, n: int) -> list[Worker]:
        """The city's 2010 residents, degrees from the census stock; returns those with a job."""
        c, rng, demo = self.cities, self.rng, self.beh.demography
        degree = rng.choice(len(DEGREES), size=n, p=c.degree_share_start[j])
        age_months = rng.integers(GRADUATION_AGE[degree] * 12, demo.retirement_age * 12, size=n)
        census = census_table()
        native_share = census["population_2000"].iloc[j] / census["population_2010"].iloc[j]
        origin = np.where(rng.random(n) < native_share, j, c.outside)
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
        for worker in workers:
            worker.wage = c.base_wage_yuan[j] * self.premium[worker.degree]
        employed = rng.random(n) >= self.beh.labour.initial_unemployment
        return [w for w, e in zip(workers, employed, strict=True) if e]

    def _add_firms(self, j: int, staff: list[Worker]) -> None:
        """Firms headquartered in city j; staff spread by desired size; A0_j calibrated."""
        beh, rng, c = self.beh, self.rng, self.cities
        theta = beh.firms.labour_elasticity
        n_firms = max(3, round(len(staff) * self.scale / beh.firms.mean_office_size_people))
        z = pareto_productivity(n_firms, beh.firms.productivity_pareto_shape, rng)
        firms = Firm.create_agents(
            self, n_firms, productivity=z.tolist(), hq_city=j, born=self.start_abs
        ).to_list()
        weight = np.power(z, 1.0 / (1.0 - theta))
        employer = rng.choice(n_firms, size=len(staff), p=weight / weight.sum())
        for worker, f in zip(staff, employer, strict=True):
            worker.take_job(firms[f].offices[0], worker.wage)
        # A0 makes desired headcount equal today's staff plus the open vacancies.
        wanted = len(staff) * (1.0 + beh.labour.initial_vacancy_rate)
        self.base_productivity[j] = (
            c.base_wage_yuan[j] / theta * np.power(wanted / weight.sum(), 1.0 - theta)
        )

    # -------------------------------------------------------------------- counting
    def census(self) -> dict[str, np.ndarray]:
        """Agents per node (13 cities, then the outside node from its aggregate counts)."""
        counts = {name: [0.0] * self.cities.n for name in CENSUS_FIELDS}
        population, talent = counts["population"], counts["talent"]
        employed, employed_talent = counts["employed"], counts["employed_talent"]
        for worker in self.agents_by_type[Worker]:
            j = worker.city
            population[j] += 1
            talent[j] += worker.degree >= TALENT_DEGREE
            if worker.office is not None:
                employed[j] += 1
                employed_talent[j] += worker.degree >= TALENT_DEGREE
        counts = {name: np.array(values) for name, values in counts.items()}
        counts["population"][-1] = self.outside_agents.sum()
        counts["talent"][-1] = self.outside_agents[TALENT_DEGREE:].sum()
        counts["employed"][-1] = counts["population"][-1] * self.beh.labour.outside_employment_rate
        return counts

    def node_array(self, attribute: str, outside_value: float) -> np.ndarray:
        """A city attribute as an array over the 14 nodes."""
        return np.array([getattr(c, attribute) for c in self.city_agents] + [outside_value])

    # -------------------------------------------------------------------- 1. policies
    def run_policies(self) -> None:
        """Programmes switch by date, budgets reset in January, the July cohort, rent subsidies."""
        m, book = self.month, self.book
        book.active = (book.start <= m) & (book.end >= m)
        calendar = (self.start_abs + m) % 12
        if calendar == 0 and m > 0:
            book.reset_budgets()
        if calendar == 6 and self.beh.switches.demography:
            self.graduate_cohort()  # HubModel's July event fires just before this step
        self.pay_rent_subsidies()

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

    def build_capacity(self) -> None:
        """Office seats grow on each city's plan and with office-capacity programmes."""
        book, cost = self.book, self.beh.firms.office_seat_cost_yuan
        for city in self.city_agents:
            city.office_seats *= 1.0 + self.cities.capacity_growth_per_month[city.index]
        for p in book.of("office_capacity"):
            if self.month - book.start[p] >= book.months[p]:
                continue
            seats = book.seats[p] / book.months[p]
            paid = float(
                programme_rules.pay_pro_rata(np.array([seats * cost]), book.remaining[p])[0]
            )
            book.charge(p, paid, seats * cost)
            self.spent_step[book.city[p]] += paid
            self.city_agents[book.city[p]].office_seats += paid / cost if cost > 0 else seats

    # -------------------------------------------------------------------- 2. firms
    def firm_decisions(self) -> None:
        """Productivity and cost per city, then every firm's step, then entry."""
        beh, counts = self.beh.firms, self.census()
        productivity_shock, entry_shock = self.shock()
        self.city_productivity = productivity_shock * agglomeration(
            self.base_productivity, counts["talent"], self.talent_start, beh.agglomeration_alpha
        )
        self.real_wage = self.cities.base_wage_yuan * self.node_array("wage_index", 1.0)
        self.grant_share = np.zeros(self.cities.n)
        for p in self.book.paying("firm_grant"):
            j = self.book.city[p]
            self.grant_share[j] = max(self.grant_share[j], self.book.grant_share[p])
        self._pay_firm_grants(counts)
        if not self.beh.switches.firm_dynamics:
            self.agents_by_type[Firm].do("plan_headcount")
            return
        self.office_gain = location_gain(
            self.city_productivity, self.real_wage, self.grant_share, beh.labour_elasticity
        )
        self.open_to_offices = self.node_array("office_occupancy", np.inf) < 1.0
        self.agents_by_type[Firm].shuffle_do("step")
        self._firm_entry(counts, entry_shock)

    def shock(self) -> tuple[float, float]:
        """Productivity and firm-entry factors of the demand shocks in force this month."""
        now, productivity, entry = month_index(self.params.start) + self.month, 1.0, 1.0
        for s in self.params.shocks:
            if month_index(s.start) <= now <= month_index(s.end):
                productivity *= s.productivity_factor
                entry *= s.entry_factor
        return productivity, entry

    def _pay_firm_grants(self, counts: dict[str, np.ndarray]) -> None:
        book = self.book
        for p in book.paying("firm_grant"):
            j = book.city[p]
            bill = counts["employed"][j] * self.scale * self.real_wage[j] * self.wage_trend / 12
            due = book.grant_share[p] * bill
            paid = float(programme_rules.pay_pro_rata(np.array([due]), book.remaining[p])[0])
            book.charge(p, paid, due)
            self.spent_step[j] += paid

    def _firm_entry(self, counts: dict[str, np.ndarray], entry_shock: float) -> None:
        """Firms are born in proportion to local talent, at the rate that keeps 2010 steady."""
        expected = (
            self.monthly_exit_hazard * self.firms_start * counts["talent"] / self.talent_start
        )
        expected[-1] = 0.0
        births = self.rng.poisson(expected * entry_shock)
        shape = self.beh.firms.productivity_pareto_shape
        for j, k in enumerate(births):
            for z in pareto_productivity(int(k), shape, self.rng):
                firm = Firm(self, float(z), j, self.now)
                firm.offices[0].desired = firm.desired_headcount(j)

    # -------------------------------------------------------------------- 3. labour
    def labour_market(self) -> None:
        """Separations and layoffs, vacancies, then matching and wage indices in each city."""
        firms = self.agents_by_type[Firm]
        firms.do("review_staff")
        self.agents_by_type[Worker].shuffle_do("work")
        firms.do("post_vacancies")
        slots: dict[int, list[Office]] = defaultdict(list)
        for firm in firms:
            for office in firm.offices:
                slots[office.city].extend([office] * office.posted)
        seekers = self.agents_by_type[Worker].select(lambda w: w.office is None)
        by_city = seekers.groupby("city", result_type="list").groups
        for city in self.city_agents:
            city.match(by_city.get(city.index, []), slots[city.index])

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
        lab, c = self.beh.labour, self.cities
        employment = counts["employed"] / np.maximum(counts["population"], 1.0)
        employment[-1] = lab.outside_employment_rate
        wage = c.base_wage_yuan * self.node_array("wage_index", 1.0)
        people = counts["population"] * self.scale / self.beh.demography.working_age_share
        cap_cost = self.cap_cost(people)
        return {
            "expected_wage": wage * np.maximum(employment, 1e-3),
            "rent": self.node_array("rent", c.base_rent_yuan_m2_month[-1]),
            "cap_cost": cap_cost,
            "paying": np.concatenate([self.book.paying("cash"), self.book.paying("rent")]),
        }

    def cap_cost(self, people: np.ndarray) -> np.ndarray:
        """Cost of coming into each node under its active population caps (steep near it)."""
        cost = np.zeros(self.cities.n)
        for p in self.book.of("population_cap"):
            j = self.book.city[p]
            cap = programme_rules.cap_cost(
                np.array([people[j]]), self.book.cap_people[p : p + 1],
                self.beh.migration.population_cap_cost,
            )[0]  # fmt: skip
            cost[j] = max(cost[j], cap)
        return cost

    def remove_over_cap(self) -> None:
        """Housing removal: a city above its cap displaces residents without local hukou."""
        rate = self.beh.migration.population_cap_removal_per_year
        share, outside = self.beh.demography.working_age_share, self.cities.outside
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
        """V_j of one person for every node (DESIGN s.3.4), and where they could get hukou."""
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
        )[0] + np.where(newcomer, board["cap_cost"], 0.0)  # fmt: skip
        value = choice.location_utility(
            np.log(self.premium[degree] * board["expected_wage"]),
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
        people = population * self.scale / self.beh.demography.working_age_share
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
        """Population share, unemployment rate and nominal rent of the 13 cities, now."""
        population = np.array([city.population for city in self.city_agents])
        unemployed = np.array([city.unemployed for city in self.city_agents])
        working_age = population * self.beh.demography.working_age_share
        return {
            "population_share": population / population.sum(),
            "unemployment_rate": unemployed / np.maximum(working_age, 1.0),
            "rent": np.array([city.rent_nominal for city in self.city_agents]),
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
