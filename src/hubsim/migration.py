"""Migration: who reconsiders, the logit choice among all cities, and what moving changes.

Movers arrive as job seekers, get hukou where they are eligible and collect subsidies while
budgets last. The outside node's movers are drawn in aggregate and become agents on arrival.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hubsim import markets, policy
from hubsim.dynamics import (
    OUTSIDE_AGE,
    OUTSIDE_MONTHS_SINCE_GRADUATION,
    lose_jobs,
    shift_residents,
)
from hubsim.scenario import DEGREES
from hubsim.workers import age_years, months_since, reconsider_hazard_per_month, sample_by_hazard

if TYPE_CHECKING:
    from hubsim.model import HubModel


def utility(
    model: HubModel,
    counts: dict[str, np.ndarray],
    degree: np.ndarray,
    age: np.ndarray,
    since_graduation: np.ndarray,
    current: np.ndarray,
    origin: np.ndarray,
    hukou: np.ndarray,
    settled: np.ndarray,
    received: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """V_ij for each worker i and node j (DESIGN s.3.4), and whether i could get hukou in j.

    Terms that vary only by node (wages, rents, amenities) or only by worker (degree premium)
    are kept as vectors and broadcast; programme terms are computed only while some programme of
    that kind is in force.
    """
    c, mig, lab, book = model.cities, model.beh.migration, model.beh.labour, model.book
    nodes = np.arange(c.n)
    premium = np.array([lab.degree_wage_premium[d] for d in DEGREES])
    employment = counts["employed"] / np.maximum(counts["population"], 1.0)
    employment[-1] = lab.outside_employment_rate
    wage = c.base_wage_yuan * model.wage_index
    # ln(premium_d w_j e_j) = ln premium_d + ln(w_j e_j)
    log_income = np.log(premium)[degree][:, None] + np.log(wage * np.maximum(employment, 1e-3))
    moving = nodes[None, :] != current[:, None]
    # Programmes are for newcomers: those who move in, and graduates choosing where to settle.
    newcomer = moving | ~settled[:, None]
    log_rent = np.log(model.rent)[None, :]
    if len(book.of("housing_discount")):
        discount = policy.housing_discount(book, degree, age, since_graduation, c.n) * newcomer
        log_rent = log_rent + np.log1p(-discount)
    hukou_ok = (hukou[:, None] == nodes[None, :]) | policy.hukou_open(
        book, c.hukou_min_degree, c.hukou_max_age, degree, age, since_graduation
    )
    paying = np.concatenate([book.paying("cash"), book.paying("rent")])
    subsidy_10k = 0.0
    if len(paying):
        subsidy = policy.subsidy_value_yuan(
            book, paying, degree, age, since_graduation, received, c.n
        )
        subsidy_10k = subsidy * newcomer / (model.wage_trend * 10_000.0)
    cost = markets.moving_cost(
        current,
        origin,
        c.distance_1000km,
        mig.moving_cost_fixed,
        mig.moving_cost_per_1000km,
        mig.leaving_origin_cost,
    )
    cap = cap_cost(model, counts)
    if cap.any():
        cost = cost + cap[None, :] * moving
    value = markets.location_utility(
        log_income,
        log_rent,
        c.amenity[None, :],
        hukou_ok,
        subsidy_10k,
        cost,
        mig.b_w,
        mig.b_r,
        mig.b_h,
        mig.b_s_per_10k_yuan,
    )
    return value, hukou_ok


def cap_cost(model: HubModel, counts: dict[str, np.ndarray]) -> np.ndarray:
    """Extra arrival cost in cities near an active population cap."""
    people = counts["population"] * model.scale / model.beh.demography.working_age_share
    cost = np.zeros(model.cities.n)
    for p in model.book.of("population_cap"):
        j = model.book.city[p]
        cap = model.book.amount_by_degree[p, 0]
        pressure = policy.cap_pressure(people[j], cap)
        cost[j] = max(cost[j], model.beh.migration.population_cap_cost * pressure)
    return cost


def migration(model: HubModel) -> None:
    """Reconsidering workers choose among all nodes; the outside node sends its movers."""
    w, rng = model.workers, model.streams["migration"]
    hazards = model.beh.migration.hazards
    unsettled = model.unsettled_rows[~w.settled[model.unsettled_rows]]
    unsettled = unsettled[w.city[unsettled] >= 0]
    yearly = max(
        hazards.base_per_year,
        hazards.young_per_year,
        hazards.unemployed_per_year,
        hazards.new_graduate_per_year,
    )

    def hazard_of(rows: np.ndarray) -> np.ndarray:
        hazard = reconsider_hazard_per_month(
            age_years(w.birth[rows], model.now),
            w.employer[rows] < 0,
            months_since(w.graduated[rows], model.now),
            hazards,
        )
        # Removed rows and unsettled graduates (who all choose anyway) are not sampled.
        return np.where((w.city[rows] >= 0) & w.settled[rows], hazard, 0.0)

    sampled = sample_by_hazard(len(w), hazard_of, 1.0 - np.exp(-yearly / 12.0), rng)
    # A random order, so that budget queues serve choosers in no systematic order.
    choosers = rng.permutation(np.concatenate([unsettled, sampled]))
    # Kept current through the labour market by shift_employment; copied so that movers
    # losing their jobs below do not change what the outside node's movers see.
    counts = {key: values.copy() for key, values in model.counts.items()}
    # One utility evaluation for the choosers and the outside node's representative movers.
    people = _concat(_chooser_profile(model, choosers), _outside_profile(model))
    value, hukou_ok = utility(model, counts, **people)
    n = len(choosers)
    _choose(model, choosers, value[:n], hukou_ok[:n], rng)
    _outside_arrivals(model, value[n:], rng)


def _chooser_profile(model: HubModel, rows: np.ndarray) -> dict[str, np.ndarray]:
    """What `utility` needs to know of each chooser."""
    w = model.workers
    return {
        "degree": w.degree[rows].astype(np.intp),
        "age": age_years(w.birth[rows], model.now),
        "since_graduation": months_since(w.graduated[rows], model.now),
        "current": w.city[rows].astype(np.intp),
        "origin": w.origin[rows].astype(np.intp),
        "hukou": w.hukou[rows].astype(np.intp),
        "settled": w.settled[rows],
        "received": w.received[rows],
    }


def _outside_profile(model: HubModel) -> dict[str, np.ndarray]:
    """The representative reconsidering person of the outside node, one per degree."""
    here = np.full(len(DEGREES), model.cities.outside)
    return {
        "degree": np.arange(len(DEGREES)),
        "age": OUTSIDE_AGE,
        "since_graduation": OUTSIDE_MONTHS_SINCE_GRADUATION,
        "current": here,
        "origin": here,
        "hukou": here,
        "settled": np.ones(len(DEGREES), dtype=bool),
        "received": np.zeros(len(DEGREES), dtype=np.int64),
    }


def _concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {key: np.concatenate([a[key], b[key]]) for key in a}


def _choose(
    model: HubModel,
    rows: np.ndarray,
    value: np.ndarray,
    hukou_ok: np.ndarray,
    rng: np.random.Generator,
) -> None:
    w = model.workers
    if len(rows) == 0:
        return
    current = w.city[rows].astype(np.intp)
    # Drawn from the unnormalised logit weights: the same choice probabilities.
    choice = markets.draw_choices(
        markets.logit_weights(value, model.beh.migration.logit_scale), rng
    )
    moved = choice != current
    degree = w.degree[rows].astype(np.intp)
    np.add.at(model.flows_step, (current[moved], choice[moved], degree[moved]), 1.0)
    outside = model.cities.outside
    leaving = moved & (choice == outside)
    lose_jobs(model, rows[moved])
    shift_residents(model, rows[moved], -1)
    w.city[rows[leaving]] = -1
    model.outside_agents += np.bincount(degree[leaving], minlength=len(DEGREES))
    arriving = moved & ~leaving
    settling = arriving | (~moved & ~w.settled[rows])
    w.city[rows[arriving]] = choice[arriving]
    shift_residents(model, rows[arriving], +1)
    w.arrived[rows[arriving]] = model.now
    w.rent_subsidy_left[rows[arriving]] = 0
    w.settled[rows] = True
    gets_hukou = settling & hukou_ok[np.arange(len(rows)), choice]
    w.hukou[rows[gets_hukou]] = choice[gets_hukou]
    collect_subsidies(model, rows[settling])


def collect_subsidies(model: HubModel, rows: np.ndarray) -> None:
    """Newcomers claim cash (paid in queue order while the budget lasts) and rent streams."""
    w, book = model.workers, model.book
    programmes = np.concatenate([book.paying("cash"), book.paying("rent")])
    if len(rows) == 0 or len(programmes) == 0:
        return
    city = w.city[rows]
    degree = w.degree[rows].astype(np.intp)
    age = age_years(w.birth[rows], model.now)
    since = months_since(w.graduated[rows], model.now)
    for p in programmes:
        ok = (city == book.city[p]) & ~policy.already_received(w.received[rows], p)
        ok &= book.eligible(p, degree, age, since)
        claim = rows[ok]
        amount = book.amount_by_degree[p][degree[ok]]
        if book.instrument[p] == policy.INSTRUMENTS.index("rent"):
            w.rent_subsidy[claim] = amount
            w.rent_subsidy_left[claim] = book.months[p]
            w.rent_subsidy_programme[claim] = p
            w.received[claim] = policy.mark_received(w.received[claim], p)
            continue
        requests = amount * model.scale
        paid = policy.pay_in_order(requests, book.remaining[p])
        book.charge(p, paid.sum(), requests.sum())
        model.spent_step[book.city[p]] += paid.sum()
        served = claim[paid > 0]
        w.received[served] = policy.mark_received(w.received[served], p)


def _outside_arrivals(model: HubModel, value: np.ndarray, rng: np.random.Generator) -> None:
    """People from the rest of China choose like a representative person of their degree.

    `value` holds that person's utility of each node, one row per degree.
    """
    outside, hazards = model.cities.outside, model.beh.migration.hazards
    probabilities = markets.logit_probabilities(value, model.beh.migration.logit_scale)
    hazard = 1.0 - np.exp(-hazards.outside_per_year / 12.0)
    reconsider = np.minimum(rng.poisson(model.outside_agents * hazard), model.outside_agents)
    arrivals = np.array(
        [rng.multinomial(int(k), p) for k, p in zip(reconsider, probabilities, strict=True)]
    )
    arrivals[:, outside] = 0
    model.outside_agents -= arrivals.sum(axis=1)
    model.flows_step[outside] += arrivals.T
    dest_degree = np.argwhere(arrivals > 0)
    repeat = arrivals[dest_degree[:, 0], dest_degree[:, 1]]
    degree = np.repeat(dest_degree[:, 0], repeat)
    city = np.repeat(dest_degree[:, 1], repeat)
    if len(city) == 0:
        return
    _add_arrivals(model, city, degree, rng)


def _add_arrivals(
    model: HubModel, city: np.ndarray, degree: np.ndarray, rng: np.random.Generator
) -> None:
    outside, now = model.cities.outside, model.now
    age_months = OUTSIDE_AGE[degree] * 12 + rng.integers(-48, 48, size=len(city))
    rows = model.workers.append(
        city=city,
        degree=degree,
        hukou=np.full(len(city), outside),
        origin=np.full(len(city), outside),
        birth=now - age_months,
        graduated=np.where(degree > 0, now - OUTSIDE_MONTHS_SINCE_GRADUATION[degree], -(2**15)),
        arrived=np.full(len(city), now),
    )
    shift_residents(model, rows, +1)
    c = model.cities
    w = model.workers
    open_ = policy.hukou_open(
        model.book,
        c.hukou_min_degree,
        c.hukou_max_age,
        degree,
        age_years(w.birth[rows], now),
        months_since(w.graduated[rows], now),
    )[np.arange(len(rows)), city]
    w.hukou[rows[open_]] = city[open_]
    collect_subsidies(model, rows)
