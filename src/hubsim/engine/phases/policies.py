"""Phase 1, policies: dated switches and budgets, then the month's payments and seats built.

Programmes switch on and off and budgets reset by dated events (`HubModel`); cash is paid when
newcomers arrive (`phases.migration`). Each programme pays from its own yearly budget.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine.rules.programmes import pay_pro_rata
from hubsim.engine.state import State


def run(state: State) -> None:
    """Rent subsidies, firm grants and office seats of the month."""
    pay_rent_subsidies(state)
    # The share on offer is read before paying: a budget spent this month still pays its share.
    state.grant_share = grant_share(state)
    pay_firm_grants(state)
    build_capacity(state)


def switch_programmes(state: State, month: int) -> None:
    """The programmes in force in `month` become active; the others stop."""
    state.book.switch(month)


def new_year(state: State) -> None:
    """Every programme's yearly budget is renewed."""
    state.book.reset_budgets()


def pay_rent_subsidies(state: State) -> None:
    """Monthly rent subsidies to the workers receiving them, while budgets last."""
    w, book = state.workers, state.book
    receiving = np.flatnonzero(w.rent_subsidy_left > 0)  # few rows: then drop removed ones
    receiving = receiving[w.city[receiving] >= 0]
    if len(receiving) == 0:
        return
    programme = w.rent_subsidy_programme[receiving]
    for p in np.unique(programme):
        rows = receiving[programme == p]
        due = w.rent_subsidy[rows].astype(float) * state.scale
        paid = pay_pro_rata(due, book.remaining[p] if book.active[p] else 0.0)
        book.charge(p, paid.sum(), due.sum())
        state.tallies.spent_yuan[book.city[p]] += paid.sum()
    w.rent_subsidy_left[receiving] -= 1


def grant_share(state: State) -> np.ndarray:
    """Share of wage cost that firm grants pay in each city (the largest programme in force)."""
    share = np.zeros(state.cities.n)
    book = state.book
    for p in book.paying("firm_grant"):
        share[book.city[p]] = max(share[book.city[p]], book.grant_share[p])
    return share


def pay_firm_grants(state: State) -> None:
    """Each firm-grant programme pays its share of the city's monthly wage bill."""
    book, w = state.book, state.workers
    real_wage = state.real_wage()
    for p in book.paying("firm_grant"):
        j = book.city[p]
        staff = np.count_nonzero((w.city == j) & (w.employer >= 0))
        bill = staff * state.scale * real_wage[j] * state.wage_trend / 12.0
        due = np.array([book.grant_share[p] * bill])
        paid = pay_pro_rata(due, book.remaining[p])[0]
        book.charge(p, paid, due[0])
        state.tallies.spent_yuan[j] += paid


def build_capacity(state: State) -> None:
    """Office seats grow on the city's plan and with office-capacity programmes."""
    state.office_seats[:-1] *= 1.0 + state.cities.capacity_growth_per_month[:-1]
    book = state.book
    cost = state.behaviour.firms.office_seat_cost_yuan
    for p in book.of("office_capacity"):
        if state.calendar.month - book.start[p] >= book.months[p]:
            continue
        seats = book.seats[p] / book.months[p]
        paid = pay_pro_rata(np.array([seats * cost]), book.remaining[p])[0]
        book.charge(p, paid, seats * cost)
        state.tallies.spent_yuan[book.city[p]] += paid
        built = paid / cost if cost > 0 else seats
        state.office_seats[book.city[p]] += built
        state.seats_built[book.city[p]] += built
