"""Phase 4, migration: who reconsiders, the logit choice among all nodes, what moving changes.

Movers arrive as job seekers, get hukou where they are eligible and collect subsidies while
budgets last. The outside node's movers are drawn in aggregate and become agents on arrival.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine import kernels, programmes
from hubsim.engine.accounts import COLLEGE, lose_jobs, shift_residents
from hubsim.engine.phases.firms import sector_talent
from hubsim.engine.rules import choice
from hubsim.engine.rules.demography import (
    GRADUATION_AGE,
    OUTSIDE_AGE,
    OUTSIDE_MONTHS_SINCE_GRADUATION,
)
from hubsim.engine.rules.programmes import (
    already_received,
    mark_received,
    over_cap_removals,
    pay_in_order,
)
from hubsim.engine.rules.sampling import sample_by_hazard, stochastic_round
from hubsim.engine.rules.workers import age_years, months_since, reconsider_levels
from hubsim.engine.state import STAYING_YEARS, State
from hubsim.scenario import DEGREES, TALENT_DEGREE

EXPERIENCED_MONTHS = 12  # a mover this long past graduating counts as experienced talent


def utility(
    state: State,
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
    """V_ij for each worker i and node j (docs/model.md#migration), and whether i could get
    hukou in j.

    Terms that vary only by node (wages, rents, amenities) or only by worker (degree premium)
    are kept as vectors and broadcast; programme terms are computed only while some programme of
    that kind is in force.
    """
    c, mig, book = state.cities, state.behaviour.migration, state.book
    nodes = np.arange(c.n)
    log_income = np.log(expected_income(state, counts))  # (degree, node)
    moving = newcomer = None
    cap = cap_cost(state, counts)
    has_cap = bool(cap.any())
    discounts = book.of("housing_discount")
    paying = np.concatenate([book.paying("cash"), book.paying("rent")])
    if len(discounts) or len(paying) or has_cap:
        moving = nodes[None, :] != current[:, None]
        # Programmes are for newcomers: those who move in, and graduates choosing where to
        # settle.
        newcomer = moving | ~settled[:, None]
    log_rent = np.log(state.rent)[None, :]
    if len(discounts):
        discount = programmes.housing_discount(book, degree, age, since_graduation, c.n) * newcomer
        log_rent = log_rent + np.log1p(-discount)
    hukou_ok = (hukou[:, None] == nodes[None, :]) | programmes.hukou_open(
        book, c.hukou_min_degree, c.hukou_max_age, degree, age, since_graduation
    )
    subsidy_10k = np.zeros((1, 1))
    if len(paying):
        subsidy = programmes.subsidy_value_yuan(
            book, paying, degree, age, since_graduation, received, c.n
        )
        subsidy_10k = subsidy * newcomer / (state.wage_trend * 10_000.0)
    pays_cap = np.zeros((1, 1))
    if has_cap:
        pays_cap = pays_cap_cost(moving, newcomer) * cap_cost_share(degree, mig)[:, None]
    # choice.location_utility's arithmetic, element by element: where rents are the same for
    # everyone, its first terms are computed once per (degree, node) and gathered.
    if log_rent.shape[0] == 1:
        place = choice.place_utility(log_income, log_rent, c.amenity[None, :], mig.b_w, mig.b_r)
        row = degree
    else:
        place = choice.place_utility(
            log_income[degree], log_rent, c.amenity[None, :], mig.b_w, mig.b_r
        )
        row = np.arange(len(degree))
    # choice.chooser_utility (+ b_h H + b_s S) less choice.moving_cost and the caps' cost,
    # element by element in one pass.
    value = kernels.chooser_values(
        place, row, hukou_ok, subsidy_10k, bool(len(paying)), current, origin,
        c.distance_1000km, mig.moving_cost_fixed, mig.moving_cost_per_1000km,
        mig.leaving_origin_cost, cap, has_cap, pays_cap, mig.b_h, mig.b_s_per_10k_yuan,
    )  # fmt: skip
    return value, hukou_ok


def expected_income(state: State, counts: dict[str, np.ndarray]) -> np.ndarray:
    """(degree, node) expected yearly wage of a worker of each degree in each node.

    Harris-Todaro per job group: without a degree (none, college) it is premium_d w_jo e_jo,
    w_jo the wage of other jobs and e_jo the employment rate of the city's residents without a
    degree. A graduate has a talent job with probability p_jt (the city's graduates in talent
    jobs over its graduates) and another job with probability p_jo (the rest of its employed
    graduates), paid as a junior-college graduate: premium_d w_jt p_jt + premium_col w_jo p_jo.
    The outside node's employment rate is fixed and all its graduates count as in talent jobs.
    """
    lab = state.behaviour.labour
    premium = np.array([lab.degree_wage_premium[d] for d in DEGREES])
    wage = state.real_wage()  # (node, group)
    other_people = counts["population"] - counts["talent"]
    other_rate = (counts["employed"] - counts["employed_talent"]) / np.maximum(other_people, 1.0)
    in_talent_jobs = sector_talent(state).sum(axis=1)
    graduates = np.maximum(counts["talent"], 1.0)
    talent_rate = in_talent_jobs / graduates
    over_qualified = np.maximum(counts["employed_talent"] - in_talent_jobs, 0.0) / graduates
    other_rate[-1] = talent_rate[-1] = lab.outside_employment_rate
    over_qualified[-1] = 0.0
    income = premium[:, None] * wage[None, :, 0] * np.maximum(other_rate, 1e-3)[None, :]
    graduate_income = (
        premium[TALENT_DEGREE:, None] * wage[None, :, 1] * talent_rate[None, :]
        + premium[COLLEGE] * wage[None, :, 0] * over_qualified[None, :]
    )
    income[TALENT_DEGREE:] = np.maximum(graduate_income, 1e-3 * wage[None, :, 1])
    return income


def cap_cost(state: State, counts: dict[str, np.ndarray]) -> np.ndarray:
    """Cost of coming into each node under the active population caps."""
    people = counts["population"] * state.scale / state.cities.working_age_share
    mig = state.behaviour.migration
    return programmes.cap_cost_by_node(
        state.book, people, mig.population_cap_cost, mig.population_cap_start_share
    )


def cap_cost_share(degree: np.ndarray, mig) -> np.ndarray:
    """The share of a cap's cost each chooser pays: all of it without a degree or with a junior
    college one, `population_cap_talent_share` of it with a bachelor's degree or more (the
    points and talent channels of the capped cities' hukou and residence-permit rules)."""
    return np.where(degree >= TALENT_DEGREE, mig.population_cap_talent_share, 1.0)


def pays_cap_cost(moving: np.ndarray, newcomer: np.ndarray) -> np.ndarray:
    """Who pays a cap's cost for each node: every way in, movers and graduates settling where
    they graduated alike (young entrants face it in `phases.demography`)."""
    return newcomer


def remove_over_cap(state: State, rng: np.random.Generator) -> None:
    """Housing removal, only where a scenario sets a rate: a capped city above its cap
    displaces residents without local hukou."""
    w, book, c = state.workers, state.book, state.cities
    rate = state.behaviour.migration.population_cap_removal_per_year
    share = state.cities.working_age_share
    for p in book.of("population_cap"):
        j = book.city[p]
        people = state.counts["population"][j] * state.scale / share
        displaced = over_cap_removals(np.array([people]), book.cap_people[p : p + 1], rate)
        if rate == 0 or displaced[0] <= 0:
            continue
        k = int(stochastic_round(displaced * share / state.scale, rng)[0])
        candidates = np.flatnonzero((w.city == j) & (w.hukou != j))
        rows = rng.choice(candidates, size=min(k, len(candidates)), replace=False)
        degree = w.degree[rows].astype(np.intp)
        np.add.at(state.tallies.flows, (j, c.outside, degree), 1.0)
        lose_jobs(state, rows)
        shift_residents(state, rows, -1)
        w.city[rows] = -1
        state.outside_agents += np.bincount(degree, minlength=len(DEGREES))


def run(state: State) -> None:
    """Reconsidering workers choose among all nodes; the outside node sends its movers."""
    w, rng = state.workers, state.streams["migration"]
    hazards = state.behaviour.migration.hazards
    unsettled = state.unsettled_rows[~w.settled[state.unsettled_rows]]
    unsettled = unsettled[w.city[unsettled] >= 0]
    # The monthly hazard is one of four: numpy computes them once, as the rule would for each
    # worker (`reconsider_hazard_per_month`), and the kernel picks each worker's.
    levels, monthly = reconsider_levels(hazards)

    def thin(picked: np.ndarray, uniform: np.ndarray, max_hazard: float) -> np.ndarray:
        # Removed rows and unsettled graduates (who all choose anyway) are not sampled.
        return kernels.keep_reconsidering(
            picked, uniform, w.birth, w.employer, w.graduated, w.city, w.settled,
            state.calendar.now, hazards.young_age_max, levels, monthly, max_hazard,
        )  # fmt: skip

    sampled = sample_by_hazard(len(w), None, 1.0 - np.exp(-levels.max() / 12.0), rng, thin=thin)
    # A random order, so that budget queues serve choosers in no systematic order.
    choosers = rng.permutation(np.concatenate([unsettled, sampled]))
    # Kept current through the labour market (accounts.take_jobs, lose_jobs); copied so movers
    # losing their jobs below do not change what the outside node's movers see.
    counts = {key: values.copy() for key, values in state.counts.items()}
    # One utility evaluation for the choosers and the outside node's representative movers.
    people = _concat(_chooser_profile(state, choosers), _outside_profile(state))
    graduates = state.outside_cohort
    if graduates is not None:
        people = _concat(people, _outside_graduate_profile(state))
    value, hukou_ok = utility(state, counts, **people)
    n, degrees = len(choosers), len(DEGREES)
    _choose(state, choosers, value[:n], hukou_ok[:n], rng)
    _outside_arrivals(state, value[n : n + degrees], rng)
    if graduates is not None:
        _outside_graduates_choose(state, graduates, value[n + degrees :], rng)
        state.outside_cohort = None
    remove_over_cap(state, rng)


def _chooser_profile(state: State, rows: np.ndarray) -> dict[str, np.ndarray]:
    """What `utility` needs to know of each chooser."""
    w = state.workers
    return {
        "degree": w.degree[rows].astype(np.intp),
        "age": age_years(w.birth[rows], state.calendar.now),
        "since_graduation": months_since(w.graduated[rows], state.calendar.now),
        "current": w.city[rows].astype(np.intp),
        "origin": w.origin[rows].astype(np.intp),
        "hukou": w.hukou[rows].astype(np.intp),
        "settled": w.settled[rows],
        "received": w.received[rows],
    }


def _outside_profile(state: State) -> dict[str, np.ndarray]:
    """The representative reconsidering person of the outside node, one per degree."""
    here = np.full(len(DEGREES), state.cities.outside)
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


def _outside_graduate_profile(state: State) -> dict[str, np.ndarray]:
    """A new graduate of the rest of China's universities, one per degree, choosing first."""
    profile = _outside_profile(state)
    profile["age"] = GRADUATION_AGE + 1
    profile["since_graduation"] = np.zeros(len(DEGREES), dtype=np.int64)
    profile["settled"] = np.zeros(len(DEGREES), dtype=bool)
    return profile


def _outside_graduates_choose(
    state: State, graduates: np.ndarray, value: np.ndarray, rng: np.random.Generator
) -> None:
    """July: the rest of China's new graduates choose like every new graduate, once.

    `graduates` holds them by degree (agents, in the outside node); `value` is the utility of
    each node to a new graduate of each degree. Those choosing a city become agents there.
    """
    outside = state.cities.outside
    probabilities = choice.logit_probabilities(value, state.behaviour.migration.logit_scale)
    choosing = np.minimum(stochastic_round(graduates, rng), np.floor(state.outside_agents))
    arrivals = np.array(
        [rng.multinomial(int(k), p) for k, p in zip(choosing, probabilities, strict=True)]
    )
    arrivals[:, outside] = 0
    if arrivals.sum() == 0:
        return
    state.outside_agents -= arrivals.sum(axis=1)
    state.tallies.flows[outside] += arrivals.T
    went = state.pool.went[state.calendar.year_row()]
    went[:, :] += arrivals.T
    went[outside] -= arrivals.sum(axis=1)
    degree, city = _one_per_person(arrivals)
    _add_arrivals(state, city, degree, rng, graduating=True)


def _concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {key: np.concatenate([a[key], b[key]]) for key in a}


def _choose(
    state: State,
    rows: np.ndarray,
    value: np.ndarray,
    hukou_ok: np.ndarray,
    rng: np.random.Generator,
) -> None:
    w = state.workers
    if len(rows) == 0:
        return
    current = w.city[rows].astype(np.intp)
    # Drawn from the unnormalised logit weights: the same chosen probabilities.
    weights = choice.logit_weights(value, state.behaviour.migration.logit_scale)
    # `choice.draw_choices`, its cumulative sums and counts in one pass.
    chosen = kernels.draw_choices(weights, rng.random(len(weights)))
    moved = chosen != current
    degree = w.degree[rows].astype(np.intp)
    np.add.at(state.tallies.flows, (current[moved], chosen[moved], degree[moved]), 1.0)
    since = months_since(w.graduated[rows], state.calendar.now)
    experienced = moved & (degree >= TALENT_DEGREE) & (since >= EXPERIENCED_MONTHS)
    np.add.at(state.tallies.experienced_flows, (current[experienced], chosen[experienced]), 1.0)
    outside = state.cities.outside
    leaving = moved & (chosen == outside)
    lose_jobs(state, rows[moved])
    shift_residents(state, rows[moved], -1)
    w.city[rows[leaving]] = -1
    state.outside_agents += np.bincount(degree[leaving], minlength=len(DEGREES))
    arriving = moved & ~leaving
    settling = arriving | (~moved & ~w.settled[rows])
    w.city[rows[arriving]] = chosen[arriving]
    shift_residents(state, rows[arriving], +1)
    w.arrived[rows[arriving]] = state.calendar.now
    w.rent_subsidy_left[rows[arriving]] = 0
    w.settled[rows] = True
    gets_hukou = settling & hukou_ok[np.arange(len(rows)), chosen]
    w.hukou[rows[gets_hukou]] = chosen[gets_hukou]
    count_graduate_newcomers(state, rows[settling])
    collect_subsidies(state, rows[settling])


def count_graduate_newcomers(state: State, rows: np.ndarray) -> None:
    """Tally bachelor-and-above graduates choosing their city by years since graduating."""
    w, n = state.workers, state.cities.n
    rows = rows[(w.degree[rows] >= TALENT_DEGREE) & (w.city[rows] >= 0)]
    if len(rows) == 0:
        return
    years = np.minimum(months_since(w.graduated[rows], state.calendar.now) // 12, STAYING_YEARS)
    key = w.city[rows].astype(np.intp) * (STAYING_YEARS + 1) + years.astype(np.intp)
    by_year = np.bincount(key, minlength=n * (STAYING_YEARS + 1)).reshape(n, STAYING_YEARS + 1)
    state.tallies.graduate_newcomers += np.cumsum(by_year[:, :STAYING_YEARS], axis=1)


def collect_subsidies(state: State, rows: np.ndarray) -> None:
    """Newcomers claim cash (paid in queue order while the budget lasts) and rent streams."""
    w, book = state.workers, state.book
    paying = np.concatenate([book.paying("cash"), book.paying("rent")])
    if len(rows) == 0 or len(paying) == 0:
        return
    city = w.city[rows]
    degree = w.degree[rows].astype(np.intp)
    age = age_years(w.birth[rows], state.calendar.now)
    since = months_since(w.graduated[rows], state.calendar.now)
    for p in paying:
        ok = (city == book.city[p]) & ~already_received(w.received[rows], p)
        ok &= book.eligible(p, degree, age, since)
        claim = rows[ok]
        amount = book.yuan_by_degree[p][degree[ok]]
        if book.is_rent(p):
            w.rent_subsidy[claim] = amount
            w.rent_subsidy_left[claim] = book.months[p]
            w.rent_subsidy_programme[claim] = p
            w.received[claim] = mark_received(w.received[claim], p)
            continue
        requests = amount * state.scale
        paid = pay_in_order(requests, book.remaining[p])
        book.charge(p, paid.sum(), requests.sum())
        state.tallies.spent_yuan[book.city[p]] += paid.sum()
        served = claim[paid > 0]
        w.received[served] = mark_received(w.received[served], p)


def _outside_arrivals(state: State, value: np.ndarray, rng: np.random.Generator) -> None:
    """People from the rest of China choose like a representative person of their degree.

    `value` holds that person's utility of each node, one row per degree.
    """
    outside, hazards = state.cities.outside, state.behaviour.migration.hazards
    probabilities = choice.logit_probabilities(value, state.behaviour.migration.logit_scale)
    hazard = 1.0 - np.exp(-hazards.outside_per_year / 12.0)
    reconsider = np.minimum(rng.poisson(state.outside_agents * hazard), state.outside_agents)
    arrivals = np.array(
        [rng.multinomial(int(k), p) for k, p in zip(reconsider, probabilities, strict=True)]
    )
    arrivals[:, outside] = 0
    state.outside_agents -= arrivals.sum(axis=1)
    state.tallies.flows[outside] += arrivals.T
    experienced = OUTSIDE_MONTHS_SINCE_GRADUATION[TALENT_DEGREE:] >= EXPERIENCED_MONTHS
    state.tallies.experienced_flows[outside] += arrivals[TALENT_DEGREE:][experienced].sum(axis=0)
    degree, city = _one_per_person(arrivals)
    if len(city) == 0:
        return
    _add_arrivals(state, city, degree, rng)


def _one_per_person(arrivals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(degree, destination) of each person of a (degree, node) table of whole arrivals, in
    degree-then-node order."""
    by_degree, by_city = np.nonzero(arrivals)  # in argwhere's order
    repeat = arrivals[by_degree, by_city]
    return np.repeat(by_degree, repeat), np.repeat(by_city, repeat)


def _add_arrivals(
    state: State,
    city: np.ndarray,
    degree: np.ndarray,
    rng: np.random.Generator,
    graduating: bool = False,
) -> None:
    """People of the rest of China arriving in `city`: reconsidering residents, or (with
    `graduating`) new graduates making their first choice."""
    outside, now = state.cities.outside, state.calendar.now
    if graduating:
        age_months = GRADUATION_AGE[degree] * 12 + rng.integers(0, 24, size=len(city))
        graduated = np.full(len(city), now)
    else:
        age_months = OUTSIDE_AGE[degree] * 12 + rng.integers(-48, 48, size=len(city))
        graduated = np.where(degree > 0, now - OUTSIDE_MONTHS_SINCE_GRADUATION[degree], -(2**15))
    rows = state.workers.append(
        city=city,
        degree=degree,
        hukou=np.full(len(city), outside),
        origin=np.full(len(city), outside),
        birth=now - age_months,
        graduated=graduated,
        arrived=np.full(len(city), now),
    )
    shift_residents(state, rows, +1)
    c = state.cities
    w = state.workers
    open_ = programmes.hukou_open(
        state.book,
        c.hukou_min_degree,
        c.hukou_max_age,
        degree,
        age_years(w.birth[rows], now),
        months_since(w.graduated[rows], now),
    )[np.arange(len(rows)), city]
    w.hukou[rows[open_]] = city[open_]
    count_graduate_newcomers(state, rows)
    collect_subsidies(state, rows)
