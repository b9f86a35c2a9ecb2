"""The world at the start: workers from the census, firms and offices sized to employ them.

City productivity A0 is calibrated here so that firms' desired headcount equals the 2010 jobs.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine import accounts
from hubsim.engine.calendar import Calendar
from hubsim.engine.cities import build_city_arrays, check_buildable
from hubsim.engine.phases import firms, record
from hubsim.engine.pool import graduate_schedule
from hubsim.engine.programmes import ProgrammeBook
from hubsim.engine.rules import firms as firm_rules
from hubsim.engine.rules import offices
from hubsim.engine.rules.demography import GRADUATION_AGE
from hubsim.engine.rules.labour import wage_trend_by_month
from hubsim.engine.state import MonthTallies, PoolAccount, State
from hubsim.engine.tables import FirmTable
from hubsim.scenario import DEGREES, SECTORS, TALENT_DEGREE, Scenario, month_index
from hubsim.scenario.schema import Firms

BRANCH_ROUNDS = 10  # damped rounds of the start's branches and A (_solve_productivity)
DAMPING = 0.3  # share of the way A moves to the solved A each round
MIN_OFFICE_AGENTS = 10  # agents per office at the start, at least, on average (_draw_firms)
DROP_ROUNDS = 30  # rounds of keeping branches out of cells they would overfill
X_MIN = 0.2  # a cell's firms keep at least a fifth of their drawn size weight
ROW_HEADROOM = 0.10  # spare rows reserved at build: a year of arrivals and a cohort fit


def build_state(scenario: Scenario, streams: dict[str, np.random.Generator]) -> State:
    """The state of the start month: cities, programmes, workers, firms, offices and counts."""
    cities = build_city_arrays(scenario)
    check_buildable(scenario, cities, f"scenario '{scenario.name}'")
    graduate_schedule()  # read the cohort table now, not in the first July's step
    state = State(
        scenario=scenario,
        cities=cities,
        book=ProgrammeBook.from_programmes(scenario.programmes, cities.keys, scenario.start),
        calendar=Calendar(scenario.start, scenario.months),
        streams=streams,
        wage_level=wage_trend_by_month(
            scenario.behaviour.labour.nominal_wage_growth_by_year,
            month_index(scenario.start),
            scenario.months,
        ),
    )
    rng = streams["init"]
    n_agents = np.round(cities.working_age_people_start / state.scale).astype(np.int64)
    # The July cohort refills removed rows; arrivals in between add a few per cent.
    state.workers.reserve(int(n_agents[:-1].sum() * (1.0 + ROW_HEADROOM)) + 1024)
    for j in range(cities.n - 1):
        _add_residents(state, j, int(n_agents[j]), rng)
    state.outside_agents = n_agents[-1] * cities.degree_share_start[-1]
    _build_firms(state, rng)
    _init_city_state(state)
    state.counts = accounts.city_counts(state)
    firms.desire_parts(state)  # the offices' fixed parts of desire, once
    talent, sums = firms.sector_talent(state), record.office_sums(state)  # read by both
    state.metrics = record.city_metrics(state, state.counts, talent, sums)
    state.sector_metrics, state.branches = record.sector_metrics(state, talent, sums)
    return state


def _add_residents(state: State, j: int, n: int, rng: np.random.Generator) -> None:
    cities = state.cities
    demo = state.behaviour.demography
    first = state.calendar.first
    degree = rng.choice(len(DEGREES), size=n, p=cities.degree_share_start[j])
    youngest = GRADUATION_AGE[degree]
    age_months = rng.integers(youngest * 12, demo.retirement_age * 12, size=n)
    # ASSUMPTION (engine.census): the share born in the city is the 2000/2010 population ratio.
    origin = np.where(rng.random(n) < cities.native_share[j], j, cities.outside)
    hukou = np.where(origin == j, j, cities.outside)
    state.workers.append(
        city=np.full(n, j),
        degree=degree,
        hukou=hukou,
        origin=origin,
        birth=first - age_months,
        arrived=first - rng.integers(0, 120, size=n),
        employer=np.where(rng.random(n) < state.behaviour.labour.initial_unemployment, -1, -2),
        wage=cities.base_wage_yuan[j] * state.behaviour.labour.degree_wage_premium[DEGREES[0]],
    )


def _build_firms(state: State, rng: np.random.Generator) -> None:
    """Firms by city and sector, their 2010 branches, and the employed spread over offices.

    The 2010 jobs of each city follow its sector mix (`cities.sector_mix_2010`); each sector's
    talent share of jobs is shifted per city so the talent jobs equal the employed talent.
    Productivity levels A0_js are then solved so that every office's desired headcount sums to
    the jobs of its city and sector plus the open vacancies, with the branches that pay at 2010
    conditions open at the share the review and exit hazards keep open in the long run: the
    start is the firms' own steady state (none worth closing, paying ones opened as fast as
    exits remove them, births replace exits).
    """
    w, cities, beh = state.workers, state.cities, state.behaviour
    n, sectors = cities.n, len(SECTORS)
    premium = np.array([beh.labour.degree_wage_premium[d] for d in DEGREES])
    w.wage[:] = cities.base_wage_yuan[w.city] * premium[w.degree]
    to_employ = w.employer == -2
    talent = w.degree >= TALENT_DEGREE
    employed = np.bincount(w.city[to_employ], minlength=n).astype(float)
    employed_talent = np.bincount(w.city[to_employ & talent], minlength=n).astype(float)
    jobs = cities.sector_mix_2010 * employed[:, None]
    share = np.array([beh.firms.sector_talent_share[s] for s in SECTORS])
    state.talent_share_start = firm_rules.fit_talent_shares(jobs, share, employed_talent)
    state.talent_share_start[-1] = share
    state.talent_share_jobs = state.talent_share_start.copy()
    state.job_premium = _job_premium(state, premium, to_employ, talent)
    state.wage_index = np.ones((n, 2))
    state.grant_share = np.zeros(n)
    state.branch_grant_share = np.zeros(n)
    state.unit_cost_start = firms.unit_cost(state)
    state.unit_cost = state.unit_cost_start.copy()
    _draw_firms(state, jobs, rng)
    wanted = jobs * (1.0 + beh.labour.initial_vacancy_rate)
    state.base_productivity = _solve_productivity(state, wanted, rng)
    state.base_productivity *= cities.productivity_factor[:, None]
    state.city_productivity = state.base_productivity.copy()
    desired = firms.office_desired(state)
    _employ(state, desired, to_employ, talent, rng)
    w.wage[w.employer == -1] = 0.0  # the unemployed earn nothing
    w.employer[w.employer == -2] = -1
    # Kept current by accounts.lose_jobs and hiring from here on:
    accounts.recount_offices(state)
    state.wage_bill = accounts.wage_bill(state)
    state.desired = np.zeros(state.firms.n_offices)
    state.desired_talent = np.zeros(state.firms.n_offices)
    state.posted = np.zeros((2, state.firms.n_offices), dtype=np.int64)
    accounts.reserve_office_room(state)  # offices open every month: no copy when they do
    state.sector_talent_start = np.maximum(firms.sector_talent(state), 1.0)
    state.profit_start = firm_rules.profit_index(
        state.city_productivity, state.unit_cost_start, beh.firms.labour_elasticity
    )
    f = state.firms
    state.firms_start = (
        np.bincount(f.hq_city.astype(np.intp) * sectors + f.sector, minlength=n * sectors)
        .reshape(n, sectors)
        .astype(float)
    )


def _start_tightness(state: State) -> np.ndarray:
    """(node, group) vacancies per job seeker of the start, at which wage indices stand still.

    The start's open vacancies (initial_vacancy_rate of the jobs) over its unemployed, per city
    and group: the 2010 wages are the start's steady state. A group without seekers or jobs
    takes `stable_tightness`.
    """
    w, n, lab = state.workers, state.cities.n, state.behaviour.labour
    talent = (w.degree >= TALENT_DEGREE).astype(np.intp)
    key = w.city.astype(np.intp) * 2 + talent
    unemployed = np.bincount(key[w.employer < 0], minlength=2 * n).reshape(n, 2)
    jobs = np.bincount(key[w.employer >= 0], minlength=2 * n).reshape(n, 2)
    vacancies = lab.initial_vacancy_rate * jobs
    tightness = (vacancies + 1.0) / (unemployed + 1.0)
    return np.where((unemployed > 0) & (jobs > 0), tightness, lab.stable_tightness)


def _job_premium(
    state: State, premium: np.ndarray, employed: np.ndarray, talent: np.ndarray
) -> np.ndarray:
    """(node, group) mean degree premium of the start's employed, other (0) and talent (1)."""
    w, n = state.workers, state.cities.n
    result = np.ones((n, 2))
    for group, rows in enumerate((employed & ~talent, employed & talent)):
        count = np.bincount(w.city[rows], minlength=n)
        total = np.bincount(w.city[rows], weights=premium[w.degree[rows]], minlength=n)
        result[:, group] = np.where(count > 0, total / np.maximum(count, 1), premium[group * 2])
    return result


def _draw_firms(state: State, jobs: np.ndarray, rng: np.random.Generator) -> None:
    """Headquartered firms per city and sector, about one per mean office size of jobs.

    At a coarse scale an office is never under MIN_OFFICE_AGENTS agents on average: offices of
    an agent or two would hire by whole agents against fractional desires and drift above them.
    """
    beh, cities = state.behaviour.firms, state.cities
    n, sectors = cities.n, len(SECTORS)
    size = max(beh.mean_office_size_people / state.scale, MIN_OFFICE_AGENTS)
    count = np.maximum(1, np.round(jobs / size)).astype(int)
    count[-1] = 0  # the outside node has no firms
    cells = np.repeat(np.arange(n * sectors), count.ravel())
    city, sector = np.divmod(cells, sectors)
    z = firm_rules.pareto_productivity(len(cells), beh.productivity_pareto_shape, rng)
    # Each cell's draws are scaled so their size weight z^(1/(1-theta)) sums to its expected
    # value: with a handful of firms in a cell, one large draw would otherwise set the cell's
    # productivity level (and with it where branches go) by chance.
    power = 1.0 / (1.0 - beh.labour_elasticity)
    weight = np.power(z, power)
    expected = firm_rules.pareto_weight_mean(beh.productivity_pareto_shape, power)
    realised = np.bincount(cells, weights=weight, minlength=n * sectors)[cells]
    per_cell = count.ravel()[cells]
    z = z * np.power(expected * per_cell / realised, 1.0 / power)
    state.firms = FirmTable(n)
    state.firms.add_firms(
        z, city, state.calendar.first, sector, firms.draw_fit(state, len(cells), rng)
    )


def steady_branch_share(beh: Firms) -> float:
    """Share of paying branches open in the steady state of reviews and exits.

    A firm reviews its offices at `office_opening_hazard_per_quarter` and dies at the exit
    hazard; a branch that pays is then open in the long run with probability
    review / (review + exit) a quarter (each review opens one branch: for firms with several
    paying cities this is an approximation).
    """
    review = beh.office_opening_hazard_per_quarter
    exit_ = 1.0 - (1.0 - beh.exit_hazard_per_year) ** 0.25
    return review / (review + exit_) if review + exit_ > 0 else 0.0


def _solve_productivity(state: State, wanted: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A0_js, the start's branches and firm sizes, such that the start is the firms' steady state.

    A branch's desire depends on the productivity of its home city and of its own, so A and
    the branches are found together, in damped rounds (BRANCH_ROUNDS): open every branch whose
    ratio beats the opening hurdle under the current A (tradable firms), solve the A at which
    all offices' desired headcounts sum to `wanted` (`_fixed_point`), and move A part of the
    way there (in logs). After a few rounds only a few per cent of the marginal branches still
    flip from round to round. The start's branches are then, at the last A, every branch that
    beats the hurdle and every one of the last round's that has not fallen below the closing
    ratio, each open with the steady-state share of review and exit (`steady_branch_share`)
    and fewer where branches alone would want more than a city-sector's jobs (half of those
    into such a cell stay closed, in rounds, until none is); and each city-sector's
    headquartered firms have their z scaled by one factor so
    that the desired headcounts sum to `wanted` exactly at that A (a linear system per sector
    in z^(1/(1-theta)); `_size_factors`). At the start no open branch is worth closing, and
    the paying ones not open are opened, at the review hazard, as fast as exits remove open
    ones: the ratio does not depend on the firm's own z.
    """
    beh, f = state.behaviour.firms, state.firms
    power = 1.0 / (1.0 - beh.labour_elasticity)
    base = _fixed_point(state, wanted, np.ones_like(wanted))
    tradable = np.flatnonzero(f.alive & firms.TRADABLE[f.sector])
    hq_offices = f.n_offices
    present = np.zeros((len(tradable), state.cities.n), dtype=bool)

    def open_branches(which: np.ndarray) -> None:
        f.keep_offices(hq_offices)
        who, where = np.nonzero(which)
        f.add_offices(tradable[who], where)

    def ratios() -> np.ndarray:
        state.city_productivity = base
        ratio = firms.branch_ratios(state, tradable)
        ratio[np.arange(len(tradable)), f.hq_city[tradable]] = 0.0
        return ratio

    for _ in range(BRANCH_ROUNDS):
        present = ratios() > beh.office_opening_hurdle
        open_branches(present)
        solved = _fixed_point(state, wanted, base)
        base = np.exp((1.0 - DAMPING) * np.log(base) + DAMPING * np.log(solved))
    ratio = ratios()
    paying = (ratio > beh.office_opening_hurdle) | (present & (ratio >= beh.office_closing_ratio))
    keep = paying & (rng.random(paying.shape) < steady_branch_share(beh))
    rounds = 0
    while True:  # at least one round, whatever DROP_ROUNDS: the sizes need `factor`
        open_branches(keep)
        factor, short = _size_factors(state, wanted)
        rounds += 1
        if not short.any():
            break
        # Branches alone would want more than the 2010 jobs of these cells: half of the
        # branches into them stay closed (they may open later, at the review hazard).
        into_short = short[:, f.sector[tradable]].T  # (firm, node)
        keep &= ~(into_short & (rng.random(keep.shape) < 0.5))
        if rounds >= DROP_ROUNDS:
            break
    factor = np.maximum(factor, X_MIN)  # rounds exhausted: such a cell stays short
    hq_cell = f.hq_city.astype(np.intp), f.sector.astype(np.intp)
    f.productivity = f.productivity * np.power(factor[hq_cell], 1.0 / power)
    base[-1] = 1.0
    return base


def _size_factors(state: State, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(node, sector) factors x on each cell's firms' z^(1/(1-theta)) that make every cell's
    desired headcount `wanted`, and the cells where no positive x exists (x below X_MIN)."""
    f, n = state.firms, state.cities.n
    desired = firms.office_desired(state)
    hq = f.office_hq.astype(np.intp)
    city, sector = f.office_city.astype(np.intp), f.office_sector.astype(np.intp)
    factor = np.ones_like(wanted)
    for s in range(len(SECTORS)):
        mine = sector == s
        # matrix[c, h]: desire in city c of offices whose firms are headquartered in h.
        matrix = np.zeros((n, n))
        np.add.at(matrix, (city[mine], hq[mine]), desired[mine])
        matrix[-1, -1] = 1.0  # the outside node has no firms: x = 1 there
        target = wanted[:, s].copy()
        target[-1] = 1.0
        empty = np.diag(matrix) <= 0
        matrix[empty, empty] = 1.0  # a cell without firms keeps x = 1 (no jobs wanted there)
        target[empty] = 1.0
        factor[:, s] = np.linalg.solve(matrix, target)
    return factor, factor < X_MIN


def _fixed_point(state: State, wanted: np.ndarray, base: np.ndarray) -> np.ndarray:
    theta = state.behaviour.firms.labour_elasticity
    cell = state.firms.office_cell
    for _ in range(60):
        state.city_productivity = base
        desired = firms.office_desired(state)
        got = np.bincount(cell, weights=desired, minlength=wanted.size).reshape(wanted.shape)
        ratio = np.where(got > 0, wanted / np.maximum(got, 1e-300), 1.0)
        base = base * np.power(ratio, 1.0 - theta)
        if np.abs(ratio - 1.0).max() < 1e-10:
            break
    return base


def _employ(
    state: State,
    desired: np.ndarray,
    to_employ: np.ndarray,
    talent: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """The employed of each city spread over its offices: talent by the offices' talent jobs,
    the others by their other jobs."""
    w, f = state.workers, state.firms
    share = state.talent_share_jobs[f.office_city, f.office_sector]
    for group, weight in ((True, desired * share), (False, desired * (1.0 - share))):
        for j in range(state.cities.n - 1):
            rows = np.flatnonzero(to_employ & (talent == group) & (w.city == j))
            offices = np.flatnonzero(f.office_city == j)
            p = weight[offices]
            if len(rows) and p.sum() > 0:
                w.employer[rows] = rng.choice(offices, size=len(rows), p=p / p.sum())
                w.talent_job[rows] = group


def _init_city_state(state: State) -> None:
    cities, w = state.cities, state.workers
    n = cities.n
    state.rent = cities.base_rent_yuan_m2_month.copy()
    state.population_start = np.bincount(w.city, minlength=n).astype(float)
    state.population_start[-1] = state.outside_agents.sum()
    is_talent = w.degree >= TALENT_DEGREE
    talent = np.bincount(w.city, weights=is_talent, minlength=n)
    talent[-1] = state.outside_agents[TALENT_DEGREE:].sum()
    state.talent_start = np.maximum(talent, 1.0)
    _init_seats(state)
    state.national_talent_share_start = float(talent.sum() / state.population_start.sum())
    state.seats_built = np.zeros(n)
    state.flows_by_year = np.zeros((state.calendar.years_spanned, n, n, len(DEGREES)))
    state.pool = PoolAccount.empty(state.calendar.years_spanned, n)
    state.pool.talent_start = float(talent.sum())
    state.tallies = MonthTallies.empty(n)
    state.pending_entrants = np.zeros(n)
    state.vacancies = np.zeros((n, 2))
    state.wanted_vacancies = np.zeros((n, 2))
    state.target_tightness = _start_tightness(state)


def _init_seats(state: State) -> None:
    """Seats at the start: the recorded stock where a city has one for the start month (its
    seat share set so that the stock is let at the natural vacancy), developers' rule
    elsewhere (`rules.offices.next_seats` from none); all wanted seats are let."""
    beh, cal = state.behaviour.firms, state.calendar
    stock = offices.recorded_stock(state.cities.office_stock_m2, cal.year(0), cal.month_of_year(0))
    recorded = stock / beh.office_m2_per_seat
    seated = firms.seated_talent(state) * state.scale
    state.seat_share = offices.start_seat_shares(
        recorded, seated, beh.office_grade_a_share, beh.office_natural_vacancy
    )
    state.seat_share[-1] = beh.office_grade_a_share
    filled = offices.filled_seats(seated, state.seat_share)
    state.office_seats = filled / (1.0 - beh.office_natural_vacancy)
    state.office_seats[-1] = np.inf
    state.office_leased = filled.copy()
