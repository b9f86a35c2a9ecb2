"""Phase 1, policies: dated switches and budgets, then the month's payments and seats built.

Programmes switch on and off and budgets reset by dated events (`HubModel`); cash is paid when
newcomers arrive (`phases.migration`). Each programme pays from its own yearly budget.
"""

from __future__ import annotations

import numpy as np

from hubsim.engine.phases.firms import seated_talent
from hubsim.engine.rules import offices
from hubsim.engine.rules.programmes import pay_pro_rata
from hubsim.engine.state import State

MAX_GRANT_SHARE = 0.9  # programmes stacked in one city never pay more of the wage cost


def run(state: State) -> None:
    """Rent subsidies, firm grants and office seats of the month."""
    pay_rent_subsidies(state)
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


def pay_firm_grants(state: State) -> None:
    """Firm grants pay a share of the wage bill of the offices they cover in their city: every
    tradable-sector office, or (`grant_offices: branches`) only the branches there of firms
    headquartered elsewhere.

    A programme spreads what is left of its yearly budget over the months left in the year
    (as cash and rent pay while budgets last, it then pays all year, not all in January); the
    shares firms see (`state.grant_share`, `state.branch_grant_share`) are what was paid over
    the bill it covers.
    """
    book, f, n = state.book, state.firms, state.cities.n
    shares = np.zeros((2, n))  # all tradable offices; branches only
    paying = book.paying("firm_grant")
    if len(paying):
        tradable = f.office_open & f.office_tradable
        bills = np.array(
            [
                np.bincount(
                    f.office_city[cover], weights=state.office_wage_bill[cover], minlength=n
                )
                for cover in (tradable, tradable & ~f.hq_offices())
            ]
        )
        bills *= state.scale * state.wage_trend / 12.0  # nominal yuan this month
        months_left = 13 - state.calendar.month_of_year()
        for p in paying:
            j, kind = book.city[p], int(book.grant_branches_only[p])
            bill = bills[kind, j]
            due = book.grant_share[p] * bill
            paid = min(due, book.remaining[p] / months_left)
            book.charge(p, paid, due)
            state.tallies.spent_yuan[j] += paid
            shares[kind, j] += paid / bill if bill > 0 else 0.0
    state.grant_share = np.minimum(shares[0], MAX_GRANT_SHARE)
    state.branch_grant_share = np.minimum(shares[1], MAX_GRANT_SHARE - state.grant_share)


def build_capacity(state: State) -> None:
    """Office seats follow the recorded grade-A stock in 2010-2019 where a city has one, else
    grow on the city's plan and as developers build to demand in a tight market
    (`rules.offices.next_seats`); office-capacity programmes add theirs on top."""
    c, beh, cal = state.cities, state.behaviour.firms, state.calendar
    if offices.FIRST_RECORDED_YEAR <= cal.year() <= offices.LAST_RECORDED_YEAR:
        state.seat_share *= (1.0 + beh.office_upgrading_per_year) ** (1.0 / 12.0)
    stock = offices.recorded_stock(c.office_stock_m2, cal.year(), cal.month_of_year())
    recorded = stock / beh.office_m2_per_seat + state.seats_built
    filled = offices.filled_seats(seated_talent(state) * state.scale, state.seat_share)
    seats, prelet = offices.next_seats(
        state.office_seats, recorded, filled, c.capacity_growth_per_month,
        beh.office_natural_vacancy, state.office_leased,
    )  # fmt: skip
    state.office_seats[:-1] = seats[:-1]
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
    absorption = offices.monthly_rate(beh.office_absorption_per_year)
    state.office_leased = offices.next_leased(
        state.office_leased, state.office_seats, filled, absorption, prelet
    )
