"""Phase 2, firms: desired headcount per office; quarterly branches opened and closed; entry, exit.

Each firm has a sector; tradable sectors' productivity A_js grows with the talent the city's
sector employs (localisation) and the city's size (urbanisation), local services with the
city's population and income. A firm opens a branch where the branch's profit beats its
headquarters office's by a hurdle (`rules.firms.branch_ratio`: cheaper wages, grants and the
firm's fit against the distance to headquarters) and closes one that has fallen far below.
Firms are born where expected profit has risen against the start and die more often after
sustained losses. The staff of closed offices lose their jobs here and look for new ones in the
labour phase.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine import accounts, kernels
from hubsim.engine.rules import firms as rules
from hubsim.engine.rules import offices
from hubsim.engine.rules.sampling import sample_by_hazard
from hubsim.engine.state import State
from hubsim.engine.tables import TRADABLE
from hubsim.scenario import SECTORS

LOCAL_SERVICES = SECTORS.index("local_services")


def run(state: State, dynamic: bool = True) -> None:
    """Desired headcounts; with `dynamic`, offices (quarterly), exit, entry and their lay-offs.

    Sets `state.jobless` to every row without a job after the month's closures when the lay-off
    had to look at every worker (see `accounts.lay_off`), else None.
    """
    firms = state.firms
    productivity_shock, entry_shock = state.demand_shock()
    state.talent_share_jobs = talent_share_of_jobs(state)
    state.unit_cost = unit_cost(state)
    state.city_productivity = city_productivity(state) * productivity_shock
    state.jobless = None
    # The (headquarters node, node, sector) term of desire, at this month's A and costs, which
    # nothing below changes: computed once for both _set_desired calls.
    term = _desire_term(state).ravel()
    if dynamic:
        if state.calendar.month % 3 == 0:
            tradable = tradable_firms(state)  # both reviews' (branches change no firm)
            _open_and_close_branches(state, tradable)
            _relocate(state, tradable)
        _set_desired(state, term)  # exit judges firms by this month's desire
        known = firms.n_offices
        _firm_exit(state)
        _firm_entry(state, entry_shock)
        _set_desired(state, term, since=known)  # for the new offices; the closed get 0
    else:
        _set_desired(state, term)
    if dynamic:
        # The staff of every office closed above lose their jobs: one pass over the workers.
        closed = np.flatnonzero(~firms.office_open & (state.staff > 0))
        state.jobless = accounts.lay_off(state, closed)


def _set_desired(state: State, term: np.ndarray, since: int | None = None) -> None:
    """Desired headcount and talent jobs of every office this month (0 where closed), from
    this month's `_desire_term`, flattened.

    With `since`, after an earlier call this month (at the same productivity and costs): the
    offices before `since` keep what it gave them (0 if closed since), those from `since` on
    (opened since) get theirs; the same numbers as computing every office again.
    """
    f = state.firms
    factor, key = desire_parts(state)
    kernels.desire(  # into the arrays grow_office_arrays keeps with room for new offices
        factor,
        key,
        term,
        f.office_open,
        state.talent_share_jobs.ravel(),
        f.office_cell,
        0 if since is None else since,
        state.desired,
        state.desired_talent,
    )


def desired_by_parts(state: State, first: int = 0) -> np.ndarray:
    """`office_desired` of every office from `first` on (equal to rounding), as a product of two
    parts: the office's fixed part (`_fixed_desire`, cached in `state.desire_parts`) and this
    month's term of its (headquarters node, node, sector) (`_desire_term`); a gather, not a
    power per office.
    """
    factor, key = desire_parts(state)
    return factor[first:] * _desire_term(state).ravel()[key[first:]]


def desire_parts(state: State) -> tuple[np.ndarray, np.ndarray]:
    """`state.desire_parts`, with the parts of offices opened since appended (the build calls
    it first, so a run's first month does not compute every office's)."""
    f = state.firms
    parts = state.desire_parts
    if parts is None:
        parts = _fixed_desire(state, 0)
    elif len(parts[0]) < f.n_offices:  # offices opened since: their parts appended
        new = _fixed_desire(state, len(parts[0]))
        parts = (np.concatenate([parts[0], new[0]]), np.concatenate([parts[1], new[1]]))
    state.desire_parts = parts
    return parts


def _fixed_desire(state: State, first: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of each office from `first` on (or of the offices `first`, an index array), the part of
    desired headcount that stays while the office stands: (z exp(-kappa d) fit)^(1/(1-theta)),
    z its firm's productivity, d its distance to headquarters (0 there, where fit is 1); and the
    index of its (headquarters node, node, sector) in `_desire_term`. Firms' z and fit change
    only at build, headquarters only in `_relocate`, which refreshes its firms' offices."""
    f, beh, n = state.firms, state.behaviour.firms, state.cities.n
    rows = slice(first, None) if isinstance(first, int) else first
    hq, city = f.office_hq[rows].astype(np.intp), f.office_city[rows].astype(np.intp)
    firm = f.office_firm[rows]
    reach = np.exp(-beh.coordination_cost_per_1000km * state.cities.distance_1000km[hq, city])
    fixed = f.productivity[firm] * np.where(hq == city, 1.0, reach * f.fit[firm, city])
    key = (hq * n + city) * len(SECTORS) + f.office_sector[rows]
    return np.power(fixed, 1.0 / (1.0 - beh.labour_elasticity)), key


def _desire_term(state: State) -> np.ndarray:
    """(headquarters node, node, sector) (theta A / (c (1 - s)))^(1/(1-theta)) of this month:
    A = A_hs^(1-omega) A_js^omega and s the node's grant for branches (h != j); at headquarters
    (h = j) A = A_js and s = 0. Times an office's `_fixed_desire` it is its desired headcount."""
    beh = state.behaviour.firms
    a, cost = state.city_productivity, state.unit_cost
    omega = beh.branch_local_productivity_share
    branch_cost = cost * (1.0 - state.branch_grant_share)[:, None]
    term = np.power(a, 1.0 - omega)[:, None, :] * (np.power(a, omega) / branch_cost)[None, :, :]
    nodes = np.arange(state.cities.n)
    term[nodes, nodes] = a / cost
    return np.power(beh.labour_elasticity * term, 1.0 / (1.0 - beh.labour_elasticity))


# ------------------------------------------------------------------ the month's conditions
def talent_share_of_jobs(state: State) -> np.ndarray:
    """(node, sector) talent shares of jobs: the start's, shifted (log-odds) as the national
    pool's talent share has moved since the start (jobs upgrade as graduates become common)."""
    counts = state.counts
    share = counts["talent"].sum() / max(counts["population"].sum(), 1.0)
    start = state.national_talent_share_start
    shift = np.log(share / (1 - share)) - np.log(start / (1 - start))
    return rules.shifted_shares(state.talent_share_start, shift)


def unit_cost(state: State) -> np.ndarray:
    """(node, sector) real wage cost of a job: its degree mix of the city's group wages, net of
    firm grants (which tradable sectors' offices receive)."""
    wage = state.real_wage() * state.job_premium  # (node, group)
    share = state.talent_share_jobs
    cost = share * wage[:, 1:2] + (1.0 - share) * wage[:, 0:1]
    return cost * (1.0 - state.grant_share[:, None] * TRADABLE[None, :])


def city_productivity(state: State) -> np.ndarray:
    """(node, sector) A_js this month, before demand shocks (docs/model.md#firms-and-offices)."""
    beh = state.behaviour.firms
    population = state.counts["population"] if state.counts else state.population_start
    productivity = rules.agglomeration(
        state.base_productivity,
        sector_talent(state),
        state.sector_talent_start,
        population,
        state.population_start,
        beh.agglomeration_alpha,
        beh.urbanisation_alpha,
    )
    productivity[:, LOCAL_SERVICES] = rules.local_services_productivity(
        state.base_productivity[:, LOCAL_SERVICES],
        population,
        state.population_start,
        state.unit_cost[:, LOCAL_SERVICES],
        state.unit_cost_start[:, LOCAL_SERVICES],
        beh.labour_elasticity,
        beh.local_services_population_elasticity,
    )
    return productivity


def sector_talent(state: State) -> np.ndarray:
    """(node, sector) talent employed by the open offices of each city and sector (agents).

    Read from the kept-current `state.cell_talent`, not summed over the offices: closed offices
    hold no staff, as their staff are laid off in the month they close (this phase's end), and
    nothing reads this between a closure and that lay-off.
    """
    return state.cell_talent.reshape(state.cities.n, -1).astype(float)


def seated_talent(state: State) -> np.ndarray:
    """Talent employed in tradable sectors per node (agents): the jobs of which a share
    (`office_grade_a_share`) sits in grade-A office seats (`rules.offices.filled_seats`)."""
    return sector_talent(state)[:, TRADABLE].sum(axis=1)


def office_productivity(state: State, rows: np.ndarray | slice | None = None) -> np.ndarray:
    """Each office's productivity (of `rows`, indices or a slice, default all): A_js at
    headquarters, `rules.branch_productivity` elsewhere."""
    f, beh = state.firms, state.behaviour.firms
    rows = slice(None) if rows is None else rows
    a = state.city_productivity
    # One index per office into the (node, sector) table is cheaper than a pair.
    productivity = np.ravel(a)[f.office_cell[rows]]
    branch = np.flatnonzero(f.office_hq[rows] != f.office_city[rows])
    city = f.office_city[rows][branch].astype(np.intp)
    hq, sector = f.office_hq[rows][branch].astype(np.intp), f.office_sector[rows][branch]
    productivity[branch] = rules.branch_productivity(
        a[hq, sector],
        productivity[branch],
        state.cities.distance_1000km[hq, city],
        f.fit[f.office_firm[rows][branch], city],
        beh.branch_local_productivity_share,
        beh.coordination_cost_per_1000km,
    )
    return productivity


def office_desired(state: State, rows: np.ndarray | slice | None = None) -> np.ndarray:
    """Desired headcount of every office (of `rows`, indices or a slice, default all; closed
    ones too) at this month's A and costs; branches pay their city's unit cost less any grant
    for branches."""
    f = state.firms
    rows = slice(None) if rows is None else rows
    city = f.office_city[rows]
    branch_grant = np.where(f.office_hq[rows] == city, 0.0, state.branch_grant_share[city])
    return rules.desired_headcount(
        f.productivity[f.office_firm[rows]],
        office_productivity(state, rows),
        np.ravel(state.unit_cost)[f.office_cell[rows]],
        branch_grant,
        state.behaviour.firms.labour_elasticity,
    )


def draw_fit(state: State, count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, nodes) firms' lasting fit to each city: lognormal with mean 1; none outside."""
    sigma = state.behaviour.firms.branch_fit_sigma
    fit = rng.lognormal(-0.5 * sigma**2, sigma, size=(count, state.cities.n))
    fit[:, -1] = 0.0
    return fit


# ------------------------------------------------------------------ branches
def branch_ratios(state: State, firm: np.ndarray, city: np.ndarray | None = None) -> np.ndarray:
    """(firms, nodes) profit of a branch of each firm in each node over its headquarters';
    with `city` (one per firm), (firms,): only in those cities."""
    f, beh = state.firms, state.behaviour.firms
    hq, sector = f.hq_city[firm].astype(np.intp), f.sector[firm].astype(np.intp)
    a, cost, grant = state.city_productivity, state.unit_cost, state.branch_grant_share
    if city is None:
        here = (a[:, sector].T, cost[:, sector].T * (1.0 - grant[None, :]))
        home = (a[hq, sector][:, None], cost[hq, sector][:, None])
        distance, fit = state.cities.distance_1000km[hq], f.fit[firm]
    else:  # the same arithmetic, element by element, for one city per firm
        here = (a[city, sector], cost[city, sector] * (1.0 - grant[city]))
        home = (a[hq, sector], cost[hq, sector])
        distance, fit = state.cities.distance_1000km[hq, city], f.fit[firm, city]
    ratio = rules.branch_ratio(
        *home,
        *here,
        distance,
        fit,
        beh.branch_local_productivity_share,
        beh.coordination_cost_per_1000km,
        beh.labour_elasticity,
    )
    # The outside node takes no offices.
    if city is None:
        ratio[:, -1] = 0.0
    else:
        ratio[city == state.cities.outside] = 0.0
    return ratio


def tradable_firms(state: State) -> np.ndarray:
    """The living firms of tradable sectors, ascending."""
    return np.flatnonzero(state.firms.alive & TRADABLE[state.firms.sector])


def _open_and_close_branches(state: State, candidates: np.ndarray | None = None) -> None:
    """Some of the `candidates` (living tradable firms, `tradable_firms`) review where to open
    a branch; branches far below their headquarters' profit close."""
    firms, beh, rng = state.firms, state.behaviour.firms, state.streams["firms"]
    candidates = tradable_firms(state) if candidates is None else candidates
    # Seats not all taken by the jobs already there (`rules.offices.postings_allowed` > 0).
    free = offices.postings_allowed(
        state.office_seats / state.scale, seated_talent(state), state.seat_share
    )
    open_to_offices = np.append(free[:-1] > 0, False)
    hazard = beh.office_opening_hazard_per_quarter
    reviewing = sample_by_hazard(candidates, lambda idx: np.full(len(idx), hazard), hazard, rng)
    present = firms.presence(state.cities.n, reviewing)
    best, ratio = rules.best_branch_city(branch_ratios(state, reviewing), present, open_to_offices)
    opening = ratio > beh.office_opening_hurdle
    firms.add_offices(reviewing[opening], best[opening])
    accounts.grow_office_arrays(state)
    # Branches whose profit has fallen far below headquarters' close.
    branch = np.flatnonzero(firms.office_open & ~firms.hq_offices())
    if len(branch):
        own = branch_ratios(state, firms.office_firm[branch], firms.office_city[branch])
        firms.office_open[branch[own < beh.office_closing_ratio]] = False


def _relocate(state: State, candidates: np.ndarray | None = None) -> None:
    """Rarely a tradable firm (of `candidates`, as in `_open_and_close_branches`) moves its
    headquarters to a much more profitable city; the old headquarters' staff are let go, its
    branches stay."""
    firms, beh, rng = state.firms, state.behaviour.firms, state.streams["firms"]
    candidates = tradable_firms(state) if candidates is None else candidates
    hazard = beh.relocation_hazard_per_year / 4.0
    moving = sample_by_hazard(candidates, lambda idx: np.full(len(idx), hazard), hazard, rng)
    if len(moving) == 0:
        return
    gain = rules.profit_index(
        state.city_productivity, state.unit_cost, beh.labour_elasticity
    )  # (node, sector)
    sector = firms.sector[moving]
    candidate_gain = gain[:, sector].T.copy()
    candidate_gain[:, -1] = 0.0
    best = candidate_gain.argmax(axis=1)
    ratio = candidate_gain[np.arange(len(moving)), best] / gain[firms.hq_city[moving], sector]
    go = ratio > beh.office_opening_hurdle**2
    moving, best = moving[go], best[go]
    if len(moving) == 0:
        return
    old_hq = np.flatnonzero(
        firms.office_open & firms.of_firms(moving)[firms.office_firm] & firms.hq_offices()
    )
    firms.office_open[old_hq] = False
    # A branch already in the new city becomes headquarters; otherwise one opens.
    present = firms.presence(state.cities.n, moving)[np.arange(len(moving)), best]
    firms.set_headquarters(moving, best)
    firms.fit[moving, best] = 1.0
    if state.desire_parts is not None:  # their offices' distances to headquarters changed
        factor, key = state.desire_parts
        offices = np.flatnonzero(firms.of_firms(moving)[firms.office_firm[: len(factor)]])
        factor[offices], key[offices] = _fixed_desire(state, offices)
    firms.add_offices(moving[~present], best[~present])
    accounts.grow_office_arrays(state)


# ------------------------------------------------------------------ entry and exit
def _firm_exit(state: State) -> None:
    firms, beh, rng = state.firms, state.behaviour.firms, state.streams["firms"]
    # Closed offices' staff are laid off (this phase's end): only open offices' staff count.
    firm_staff, firm_desired = kernels.firm_sums(
        firms.office_firm, firms.office_open, state.staff, state.desired, firms.n_firms
    )
    struggling = firm_desired < 0.5 * firm_staff
    base = 1.0 - (1.0 - beh.exit_hazard_per_year) ** (1 / 12)
    factor = np.where(struggling, beh.struggling_exit_multiplier, 1.0)
    dying = sample_by_hazard(
        np.flatnonzero(firms.alive),
        lambda idx: base * factor[idx],
        base * beh.struggling_exit_multiplier,
        rng,
    )
    firms.close_firms(dying)


def expected_births(state: State, entry_shock: float) -> np.ndarray:
    """(node, sector) expected firm births this month.

    At the start's conditions births replace exits in every city and sector. Tradable births
    rise as (profit index of a new firm / the start's)^elasticity and with the 13 cities'
    population: firms are born where expected profit is high, not where talent is. Local
    services keep their number of firms (their offices grow with the city instead).
    """
    beh = state.behaviour.firms
    base = 1.0 - (1.0 - beh.exit_hazard_per_year) ** (1 / 12)
    profit = rules.profit_index(state.city_productivity, state.unit_cost, beh.labour_elasticity)
    relative = np.power(profit / state.profit_start, beh.entry_profit_elasticity)
    population = state.counts["population"][:-1].sum() / state.population_start[:-1].sum()
    expected = base * state.firms_start * relative * population * entry_shock
    expected[:, LOCAL_SERVICES] = base * state.firms_start[:, LOCAL_SERVICES]
    expected[-1] = 0.0
    return expected


def _firm_entry(state: State, entry_shock: float) -> None:
    firms, beh, rng = state.firms, state.behaviour.firms, state.streams["firms"]
    births = rng.poisson(expected_births(state, entry_shock)).ravel()
    cells = np.repeat(np.arange(births.size), births)
    if len(cells) == 0:
        return
    city, sector = np.divmod(cells, len(SECTORS))
    z = rules.pareto_productivity(len(cells), beh.productivity_pareto_shape, rng)
    firms.add_firms(z, city, state.calendar.now, sector, draw_fit(state, len(cells), rng))
    accounts.grow_office_arrays(state)
