"""The phases of one month, each a function of the model: firms, labour, migration, demography.

They apply the pure rules of markets/policy/workers/firms to the model's tables and arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hubsim import markets, policy
from hubsim.firms import best_new_city, location_gain, pareto_productivity
from hubsim.scenario import DEGREES
from hubsim.workers import sample_by_hazard

if TYPE_CHECKING:
    from hubsim.model import HubModel

GRADUATION_AGE = np.array([16, 22, 25, 29])  # by degree
# ASSUMPTION: the outside node's reconsidering people, by degree, look like this worker.
OUTSIDE_AGE = np.array([30, 26, 27, 30])
OUTSIDE_MONTHS_SINCE_GRADUATION = np.array([10**6, 24, 24, 24])


# ---------------------------------------------------------------------------- helpers
def city_counts(model: HubModel) -> dict[str, np.ndarray]:
    """Agents per node: population, talent, employed, employed talent (outside node last)."""
    w, n = model.workers, model.cities.n
    # One bincount: bin = node * 4 + 2 * employed + talent; removed rows go to a spare node n.
    key = w.city.astype(np.int16)
    key[key < 0] = n
    key <<= 2
    key |= (w.employer >= 0).view(np.int8) << 1
    key |= (w.degree > 0).view(np.int8)
    bins = np.bincount(key, minlength=4 * (n + 1)).reshape(n + 1, 4)[:n].astype(float)
    counts = {
        "population": bins.sum(axis=1),
        "talent": bins[:, 1] + bins[:, 3],
        "employed": bins[:, 2] + bins[:, 3],
        "employed_talent": bins[:, 3],
    }
    outside_counts(model, counts)
    return counts


def outside_counts(model: HubModel, counts: dict[str, np.ndarray]) -> None:
    """The outside node's entries, from its aggregate residents by degree."""
    counts["population"][-1] = model.outside_agents.sum()
    counts["talent"][-1] = model.outside_agents[1:].sum()
    counts["employed"][-1] = counts["population"][-1] * model.beh.labour.outside_employment_rate


def shift_residents(model: HubModel, rows: np.ndarray, sign: int) -> None:
    """Keep `model.counts` current when rows arrive in (+1) or leave (-1) their city."""
    _shift_counts(model, rows, sign, "population", "talent")


def shift_employment(model: HubModel, rows: np.ndarray, sign: int) -> None:
    """Keep `model.counts` current when rows are hired (+1) or lose their job (-1)."""
    _shift_counts(model, rows, sign, "employed", "employed_talent")


def _shift_counts(model: HubModel, rows: np.ndarray, sign: int, total: str, talent: str) -> None:
    if len(rows) == 0:
        return
    n = model.cities.n
    # One bincount: bin = 2 * city + talent.
    key = model.workers.city[rows].astype(np.intp) << 1
    key |= model.workers.degree[rows] > 0
    bins = np.bincount(key, minlength=2 * n).reshape(n, 2)
    if sign > 0:
        model.counts[total] += bins.sum(axis=1)
        model.counts[talent] += bins[:, 1]
    else:
        model.counts[total] -= bins.sum(axis=1)
        model.counts[talent] -= bins[:, 1]


def wage_bill(model: HubModel) -> np.ndarray:
    """Real yearly wages of the employed in each node, counted afresh."""
    w = model.workers
    employed = (w.employer >= 0) & (w.city >= 0)
    return np.bincount(w.city[employed], weights=w.wage[employed], minlength=model.cities.n)


def office_staff(model: HubModel) -> np.ndarray:
    """Workers employed by each office, counted afresh (one pass over the workers)."""
    shifted = model.workers.employer.astype(np.int64) + 1  # unemployed (-1) land in bin 0
    return np.bincount(shifted, minlength=model.firms.n_offices + 1)[1:]


def first_k_per_group(
    items: np.ndarray, group: np.ndarray, k: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A uniform random choice of k[g] items from each group g, returned grouped by g ascending."""
    if len(items) == 0:
        return items
    order = rng.permutation(len(items))
    # A stable sort on a 16-bit key is a radix sort: shuffled, then grouped, in linear time.
    key = group[order]
    order = order[np.argsort(key if key.itemsize <= 2 else key.astype(np.int16), kind="stable")]
    sizes = np.bincount(group, minlength=len(k))
    take = np.minimum(k, sizes)
    # Positions of the first take[g] of each group g in the grouped order.
    skip = np.cumsum(sizes) - sizes - (np.cumsum(take) - take)
    return items[order[np.arange(take.sum()) + np.repeat(skip, take)]]


def lose_jobs(model: HubModel, rows: np.ndarray) -> None:
    """The one place a job ends: no employer, no wage; staff, wage bill and counts follow."""
    w = model.workers
    rows = rows[w.employer[rows] >= 0]
    shift_employment(model, rows, -1)
    model.staff -= np.bincount(w.employer[rows], minlength=len(model.staff))
    model.wage_bill -= np.bincount(w.city[rows], weights=w.wage[rows], minlength=model.cities.n)
    w.employer[rows] = -1
    w.wage[rows] = 0.0


def grow_office_arrays(model: HubModel, desired: np.ndarray | None = None) -> None:
    """Extend per-office arrays (desired headcount, staff) to newly added offices."""
    new = model.firms.n_offices - len(model.staff)
    if desired is None:
        desired = np.zeros(new)
    model.desired = np.append(model.desired, desired)
    model.staff = np.append(model.staff, np.zeros(new, dtype=model.staff.dtype))


def lay_off(model: HubModel, closed_offices: np.ndarray) -> np.ndarray | None:
    """Workers of closed offices lose their jobs.

    The pass over all workers that finds them finds everyone without a job too: those rows
    (removed rows included) are returned for the labour market's matching. None when no closed
    office had staff (and no pass was made).
    """
    if len(closed_offices) == 0 or model.staff[closed_offices].sum() == 0:
        return None
    jobless = np.zeros(model.firms.n_offices + 1, dtype=bool)
    jobless[closed_offices] = True
    jobless[-1] = True  # employer -1 (no job) reads this last slot
    # take() is faster than jobless[...] on int32 indices.
    rows = np.flatnonzero(np.take(jobless, model.workers.employer))
    lose_jobs(model, rows)  # only the employed among them
    return rows


def _grant_share(model: HubModel) -> np.ndarray:
    share = np.zeros(model.cities.n)
    for p in model.book.paying("firm_grant"):
        share[model.book.city[p]] = max(
            share[model.book.city[p]], model.book.amount_by_degree[p, 0]
        )
    return share


# ---------------------------------------------------------------------------- policies
def pay_rent_subsidies(model: HubModel) -> None:
    """Monthly rent subsidies to the workers receiving them, while budgets last."""
    w, book = model.workers, model.book
    receiving = np.flatnonzero(w.rent_subsidy_left > 0)  # few rows: then drop removed ones
    receiving = receiving[w.city[receiving] >= 0]
    if len(receiving) == 0:
        return
    programme = w.rent_subsidy_programme[receiving]
    for p in np.unique(programme):
        rows = receiving[programme == p]
        due = w.rent_subsidy[rows].astype(float) * model.scale
        paid = policy.pay_pro_rata(due, book.remaining[p] if book.active[p] else 0.0)
        book.charge(p, paid.sum(), due.sum())
        model.spent_step[book.city[p]] += paid.sum()
    w.rent_subsidy_left[receiving] -= 1


def build_capacity(model: HubModel) -> None:
    """Office seats grow on the city's plan and with office-capacity programmes."""
    model.office_seats[:-1] *= 1.0 + model.cities.capacity_growth_per_month[:-1]
    book = model.book
    cost = model.beh.firms.office_seat_cost_yuan
    for p in book.of("office_capacity"):
        if model.month - book.start[p] >= book.months[p]:
            continue
        seats = book.amount_by_degree[p, 0] / book.months[p]
        paid = policy.pay_pro_rata(np.array([seats * cost]), book.remaining[p])[0]
        book.charge(p, paid, seats * cost)
        model.spent_step[book.city[p]] += paid
        model.office_seats[book.city[p]] += paid / cost if cost > 0 else seats


# ---------------------------------------------------------------------------- firms
def firm_decisions(
    model: HubModel, counts: dict[str, np.ndarray], dynamic: bool = True
) -> np.ndarray | None:
    """Desired headcount per office, vacancies and layoffs; quarterly offices; entry and exit.

    Returns the rows without a job after the month's closures when the lay-off had to look at
    every worker (see `lay_off`), for `labour_market`; else None.
    """
    firms, beh = model.firms, model.beh.firms
    productivity_shock, entry_shock = model.shock()
    model.city_productivity = (
        markets.agglomeration(
            model.base_productivity, counts["talent"], model.talent_2010, beh.agglomeration_alpha
        )
        * productivity_shock
    )
    model.grant_share = _grant_share(model)
    real_wage = model.cities.base_wage_yuan * model.wage_index
    city = firms.office_city.astype(np.intp)
    desired = markets.desired_headcount(
        firms.productivity[firms.office_firm],
        model.city_productivity[city],
        real_wage[city],
        model.grant_share[city],
        beh.labour_elasticity,
    )
    model.desired = np.where(firms.office_open, desired, 0.0)
    _pay_firm_grants(model, real_wage)
    if not dynamic:
        return None
    if model.month % 3 == 0:
        _open_and_close_offices(model, real_wage)
    _firm_exit(model)
    _firm_entry(model, counts, entry_shock)
    # The staff of every office closed above lose their jobs: one pass over the workers.
    return lay_off(model, np.flatnonzero(~firms.office_open & (model.staff > 0)))


def _pay_firm_grants(model: HubModel, real_wage: np.ndarray) -> None:
    book, w = model.book, model.workers
    for p in book.paying("firm_grant"):
        j = book.city[p]
        staff = np.count_nonzero((w.city == j) & (w.employer >= 0))
        bill = staff * model.scale * real_wage[j] * model.wage_trend / 12.0
        due = np.array([book.amount_by_degree[p, 0] * bill])
        paid = policy.pay_pro_rata(due, book.remaining[p])[0]
        book.charge(p, paid, due[0])
        model.spent_step[j] += paid


def _open_and_close_offices(model: HubModel, real_wage: np.ndarray) -> None:
    firms, beh, rng = model.firms, model.beh.firms, model.streams["firms"]
    gain = location_gain(
        model.city_productivity, real_wage, model.grant_share, beh.labour_elasticity
    )
    occupancy = model.city_metrics["office_occupancy"]
    open_to_offices = np.append(occupancy[:-1] < 1.0, False)
    alive = np.flatnonzero(firms.alive)
    movers = sample_by_hazard(
        alive,
        lambda idx: np.full(len(idx), beh.office_opening_hazard_per_quarter),
        beh.office_opening_hazard_per_quarter,
        rng,
    )
    best, ratio = best_new_city(
        movers, firms.presence(len(gain)), gain, firms.hq_city, open_to_offices
    )
    opening = ratio > beh.office_opening_hurdle
    firms.add_offices(movers[opening], best[opening])
    # Secondary offices whose city has become much worse than headquarters close.
    office_gain = gain[firms.office_city] / gain[firms.hq_city[firms.office_firm]]
    closing = np.flatnonzero(
        firms.office_open & ~firms.hq_offices() & (office_gain < beh.office_closing_ratio)
    )
    firms.office_open[closing] = False
    _relocate(model, gain, open_to_offices)
    grow_office_arrays(model)


def _relocate(model: HubModel, gain: np.ndarray, open_to_offices: np.ndarray) -> None:
    """Rarely a firm moves its headquarters to a much better city; the old HQ staff are let go."""
    firms, beh, rng = model.firms, model.beh.firms, model.streams["firms"]
    hazard = beh.relocation_hazard_per_year / 4.0
    alive = np.flatnonzero(firms.alive)
    moving = sample_by_hazard(alive, lambda idx: np.full(len(idx), hazard), hazard, rng)
    best, ratio = best_new_city(
        moving, firms.presence(len(gain)), gain, firms.hq_city, open_to_offices
    )
    go = ratio > beh.office_opening_hurdle**2
    moving, best = moving[go], best[go]
    if len(moving) == 0:
        return
    old_hq = np.flatnonzero(
        firms.office_open & firms.of_firms(moving)[firms.office_firm] & firms.hq_offices()
    )
    firms.office_open[old_hq] = False
    firms.hq_city[moving] = best
    firms.add_offices(moving, best)


def _firm_exit(model: HubModel) -> None:
    firms, beh, rng = model.firms, model.beh.firms, model.streams["firms"]
    staff = np.where(firms.office_open, model.staff, 0)  # closed offices' staff are laid off
    firm_staff = np.bincount(firms.office_firm, weights=staff, minlength=firms.n_firms)
    firm_desired = np.bincount(firms.office_firm, weights=model.desired, minlength=firms.n_firms)
    struggling = firm_desired < 0.5 * firm_staff
    base = 1.0 - (1.0 - beh.exit_hazard_per_year) ** (1 / 12)
    factor = np.where(struggling, beh.struggling_exit_multiplier, 1.0)
    dying = sample_by_hazard(
        np.flatnonzero(firms.alive),
        lambda idx: base * factor[idx],
        base * beh.struggling_exit_multiplier,
        rng,
    )
    closed = firms.close_firms(dying)
    model.desired[closed] = 0.0


def _firm_entry(model: HubModel, counts: dict, entry_shock: float) -> None:
    """Firms are born in proportion to local talent, at the rate that keeps 2010 steady."""
    firms, beh, rng = model.firms, model.beh.firms, model.streams["firms"]
    base = 1.0 - (1.0 - beh.exit_hazard_per_year) ** (1 / 12)
    expected = base * model.firms_2010 * counts["talent"] / model.talent_2010 * entry_shock
    expected[-1] = 0.0
    births = rng.poisson(expected)
    city = np.repeat(np.arange(model.cities.n), births)
    if len(city) == 0:
        return
    z = pareto_productivity(len(city), beh.productivity_pareto_shape, rng)
    firms.add_firms(z, city, model.now)
    real_wage = model.cities.base_wage_yuan * model.wage_index
    desired = markets.desired_headcount(
        z,
        model.city_productivity[city],
        real_wage[city],
        model.grant_share[city],
        beh.labour_elasticity,
    )
    grow_office_arrays(model, desired)


# ---------------------------------------------------------------------------- labour
def labour_market(model: HubModel, jobless: np.ndarray | None = None) -> None:
    """Separations and layoffs, then matching m(U, V) per city, then wage indices.

    `jobless`: every row without a job at this point, if already known (from `firm_decisions`
    this month); otherwise the job seekers are found with a pass over the workers.
    """
    w, firms, lab = model.workers, model.firms, model.beh.labour
    rng = model.streams["labour"]
    staff = model.staff
    excess = np.maximum(staff - 1.1 * model.desired, 0.0)
    layoff = lab.layoff_speed_per_month * excess / np.maximum(staff, 1)
    # Unemployed rows (employer -1) read the appended zero and never leave a job.
    hazard = np.append(lab.separation_rate_per_month + layoff, 0.0)
    leaving = sample_by_hazard(
        len(w), lambda rows: hazard[w.employer[rows]], float(hazard.max()), rng
    )
    lose_jobs(model, leaving)
    gap = np.clip(model.desired - staff, 0.0, 0.25 * model.desired + 1.0)
    posted = markets.stochastic_round(np.where(firms.office_open, gap, 0.0), rng)
    if jobless is None:
        seekers = np.flatnonzero(w.employer < 0)  # a few per cent of rows
    else:  # those leaving their job had one: the two sets are disjoint
        seekers = np.concatenate([jobless, leaving])
    _match(model, seekers, posted, rng)


def _match(
    model: HubModel, seekers: np.ndarray, posted: np.ndarray, rng: np.random.Generator
) -> None:
    """Hires per city from m(U, V); `seekers` are all rows without a job (removed rows too)."""
    w, firms, lab, n = model.workers, model.firms, model.beh.labour, model.cities.n
    seeker_city = w.city[seekers]
    alive = seeker_city >= 0
    seekers, seeker_city = seekers[alive], seeker_city[alive]
    unemployed = np.bincount(seeker_city, minlength=n).astype(float)
    vacancies = np.bincount(firms.office_city, weights=posted, minlength=n)
    model.vacancies = vacancies
    hires = markets.stochastic_round(
        markets.matches(
            unemployed, vacancies, lab.matching_efficiency_per_month, lab.matching_elasticity
        ),
        rng,
    )
    hired = first_k_per_group(seekers, seeker_city, hires, rng)
    slots = np.repeat(np.arange(firms.n_offices), posted)
    slots = first_k_per_group(slots, np.repeat(firms.office_city, posted), hires, rng)
    # Both lists come grouped by city in ascending order, with the same count per city.
    w.employer[hired] = slots
    model.staff += np.bincount(slots, minlength=len(model.staff))
    shift_employment(model, hired, +1)
    premium = np.array([lab.degree_wage_premium[d] for d in DEGREES])
    city = w.city[hired].astype(np.intp)
    real_wage = model.cities.base_wage_yuan * model.wage_index
    w.wage[hired] = real_wage[city] * premium[w.degree[hired]]
    model.wage_bill += np.bincount(city, weights=w.wage[hired], minlength=n)
    model.wage_index[:-1] = markets.wage_index_update(
        model.wage_index,
        vacancies,
        unemployed,
        model.target_tightness,
        lab.wage_tightness_elasticity,
        lab.wage_max_change_per_month,
    )[:-1]


# ---------------------------------------------------------------------------- housing
def housing(model: HubModel, counts: dict[str, np.ndarray]) -> None:
    """Rents move toward R0 (N/N0)^(1/eta) with partial adjustment."""
    elasticity = model.cities.supply_elasticity.copy()
    for p in model.book.of("housing_supply"):
        elasticity[model.book.city[p]] *= model.book.amount_by_degree[p, 0]
    model.rent[:-1] = markets.rent_update(
        model.rent,
        model.cities.base_rent_yuan_m2_month,
        counts["population"],
        model.population_2010,
        elasticity,
        model.beh.housing.rent_adjustment_per_month,
    )[:-1]
