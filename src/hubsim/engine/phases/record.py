"""Phase 7, record: the month's metrics per node, for the DataCollector and the City agents.

Every metric is in people represented (agents x scale), yuan, or a share; never in agents.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine import kernels
from hubsim.engine.accounts import outside_counts
from hubsim.engine.phases.firms import sector_talent
from hubsim.engine.rules import offices
from hubsim.engine.rules.workers import months_since
from hubsim.engine.state import STAYING_YEARS, State
from hubsim.scenario import DEGREES, SECTORS

METRICS = (
    "population",  # working-age agents x scale / working-age share: comparable with the census
    "talent",  # working-age people with a bachelor's degree or more
    "college",  # working-age people whose highest degree is junior college (zhuanke)
    "employed",
    "unemployed",
    "vacancies",
    "wage_mean",  # nominal yuan/year of the employed
    "rent",  # nominal yuan per m2 per month
    "firms",  # simulated firms headquartered in the city (state units)
    "offices",  # open offices in the city (state units)
    "inflow",  # people moving in this month
    "outflow",
    "net_migration",
    "subsidy_spent",  # yuan paid this month by the city's programmes
    "office_occupancy",  # filled seats / seats (filled: the grade-A share of tradable talent)
    "office_vacancy",  # 1 - office_occupancy: what brokers report of grade-A offices
    "office_seats",  # grade-A office seats (people)
    "office_seats_vacant",  # seats no talent job fills (people)
    "office_seats_built",  # seats built by office_capacity programmes since the start
    "entrants",  # graduates and young people entering working age this month
    "retirements",
    # Bachelor-and-above graduates choosing the city this month (staying where they graduated
    # or moving in) within k years of graduating: graduates-staying targets count these.
    *(f"graduate_newcomers_{k}y" for k in range(1, STAYING_YEARS + 1)),
    # Junior-college and bachelor graduates in the city six months after graduating (nonzero
    # in January, for last July's cohort): where MyCOS's surveys find graduates. Cities only.
    "cohort_6m",
    # Bachelor-and-above movers a year or more past graduating, this month: the experienced
    # talent that job boards (Liepin) count, without new graduates' first choices.
    "talent_inflow_experienced",
    "talent_outflow_experienced",
)
COHORT_6M_DEGREES = (DEGREES.index("college"), DEGREES.index("bachelor"))


# (node, sector) metrics, in people (x scale), nominal yuan or counts of offices.
SECTOR_METRICS = (
    "jobs",  # people employed by the open offices of the city and sector
    "talent_jobs",  # of whom bachelor and above
    "vacancies",  # jobs posted this month
    "wage_mean",  # nominal yuan/year of the sector's employed in the city (NaN if none)
    "offices",  # open offices (headquarters and branches), state units
    "branch_offices",  # open secondary offices of firms headquartered elsewhere
)


def run(state: State) -> None:
    """Take stock of the month: the outside node's counts, the metrics, the year's flows."""
    # Jobs, moves, arrivals and retirements kept the counts current; only the outside
    # node's entries, read from its aggregate residents, are refreshed.
    outside_counts(state, state.counts)
    talent = sector_talent(state)  # read by both
    sums = office_sums(state)  # read by both
    state.metrics = city_metrics(state, state.counts, talent, sums)
    state.sector_metrics, state.branches = sector_metrics(state, talent, sums)
    state.flows_by_year[state.calendar.year_row()] += state.tallies.flows
    state.pool.counted[state.calendar.year_row()] = state.counts["talent"].sum()
    if state.cohort_rows is not None:
        count_where_cohort_went(state, state.cohort_rows)
        state.cohort_rows = None


def count_where_cohort_went(state: State, rows: np.ndarray) -> None:
    """The pool account's July entry: where this July's graduates are after their choice."""
    w, n = state.workers, state.cities.n
    city = w.city[rows].astype(np.intp)
    city[city < 0] = n - 1  # left for the outside node (the cohort is far from retiring)
    went = np.bincount(city * len(DEGREES) + w.degree[rows], minlength=n * len(DEGREES))
    state.pool.went[state.calendar.year_row()] += went.reshape(n, len(DEGREES))


def cohort_at_six_months(state: State) -> np.ndarray:
    """Per node, the agents of COHORT_6M_DEGREES who graduated six months ago and live in a
    city (the rest of China's people are not agents: its entry is 0)."""
    w, n = state.workers, state.cities.n
    rows = (
        (months_since(w.graduated, state.calendar.now) == 6)
        & np.isin(w.degree, COHORT_6M_DEGREES)
        & (w.city >= 0)
    )
    counts = np.bincount(w.city[rows].astype(np.intp), minlength=n).astype(float)
    counts[-1] = 0.0
    return counts


def office_sums(state: State) -> tuple[np.ndarray, ...]:
    """`kernels.office_sums` of the open offices: per cell jobs, vacancies, wage bill, offices
    and branch offices; per node offices; per (headquarters, branch node) branch offices."""
    f, n = state.firms, state.cities.n
    return kernels.office_sums(
        f.office_open, f.office_hq, f.office_city, f.office_cell, state.staff, state.posted,
        state.office_wage_bill, n, n * len(SECTORS),
    )  # fmt: skip


def city_metrics(
    state: State,
    counts: dict[str, np.ndarray],
    talent: np.ndarray | None = None,
    sums: tuple[np.ndarray, ...] | None = None,
) -> dict[str, np.ndarray]:
    """The METRICS for every node (13 cities, then the outside node), in people or yuan;
    `talent` is `phases.firms.sector_talent(state)` and `sums` `office_sums(state)` when
    already counted."""
    talent = sector_talent(state) if talent is None else talent
    sums = office_sums(state) if sums is None else sums
    firms, c, scale = state.firms, state.cities, state.scale
    n = c.n
    wage_mean = state.wage_bill / np.maximum(counts["employed"], 1.0) * state.wage_trend
    wage_mean[-1] = c.base_wage_yuan[-1] * state.wage_trend
    inflow = state.tallies.flows.sum(axis=(0, 2)) * scale
    outflow = state.tallies.flows.sum(axis=(1, 2)) * scale
    finite = np.isfinite(state.office_seats)
    occupancy = 1.0 - offices.vacancy(state.office_leased, state.office_seats)
    return {
        "population": counts["population"] * scale / state.cities.working_age_share,
        "talent": counts["talent"] * scale,
        "college": counts["college"] * scale,
        "employed": counts["employed"] * scale,
        "unemployed": (counts["population"] - counts["employed"]) * scale,
        "vacancies": state.vacancies.sum(axis=1) * scale,
        "wage_mean": wage_mean,
        "rent": state.rent * state.wage_trend,
        "firms": kernels.firms_by_node(firms.hq_city, firms.alive, n),
        "offices": sums[5],
        "inflow": inflow,
        "outflow": outflow,
        "net_migration": inflow - outflow,
        "subsidy_spent": state.tallies.spent_yuan.copy(),
        "office_occupancy": occupancy,
        "office_vacancy": 1.0 - occupancy,
        "office_seats": np.where(np.isfinite(state.office_seats), state.office_seats, np.nan),
        "office_seats_vacant": np.where(
            finite, np.maximum(state.office_seats - state.office_leased, 0.0), np.nan
        ),
        "entrants": state.tallies.entrants * scale,
        "retirements": state.tallies.retired * scale,
        "office_seats_built": state.seats_built.copy(),
        "cohort_6m": cohort_at_six_months(state) * scale,
        "talent_inflow_experienced": state.tallies.experienced_flows.sum(axis=0) * scale,
        "talent_outflow_experienced": state.tallies.experienced_flows.sum(axis=1) * scale,
        **{
            f"graduate_newcomers_{k}y": state.tallies.graduate_newcomers[:, k - 1] * scale
            for k in range(1, STAYING_YEARS + 1)
        },
    }


def sector_metrics(
    state: State,
    talent: np.ndarray | None = None,
    sums: tuple[np.ndarray, ...] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The SECTOR_METRICS as (node, sector) arrays, and the (headquarters, branch city) counts
    of open secondary offices; `talent` and `sums` as in `city_metrics`."""
    talent = sector_talent(state) if talent is None else talent
    n, sectors = state.cities.n, len(SECTORS)
    sums = office_sums(state) if sums is None else sums
    jobs, vacancies, bill, offices, branch_offices, _, branches = sums
    shape = (n, sectors)
    jobs = jobs.reshape(shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        wage = np.where(jobs > 0, bill.reshape(shape) / jobs, np.nan) * state.wage_trend
    metrics = {
        "jobs": jobs * state.scale,
        "talent_jobs": talent * state.scale,
        "vacancies": vacancies.reshape(shape) * state.scale,
        "wage_mean": wage,
        "offices": offices.reshape(shape),
        "branch_offices": branch_offices.reshape(shape),
    }
    return metrics, branches


def as_sector_table(metrics: dict[str, np.ndarray]) -> np.ndarray:
    """The sector metrics as one (len(SECTOR_METRICS), nodes, sectors) array."""
    return np.array([metrics[name] for name in SECTOR_METRICS], dtype=float)


def as_table(city_metrics: dict[str, np.ndarray]) -> np.ndarray:
    """The metrics as one (len(METRICS), nodes) array, rows in METRICS order."""
    return np.array([city_metrics[name] for name in METRICS], dtype=float)
