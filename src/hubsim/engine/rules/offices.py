"""Office seats (docs/model.md#offices): the recorded grade-A stock as seats, what developers
build where nothing is recorded, and the talent postings the free seats allow.

Seats are counted in people. A tradable talent job occupies `grade_a_share` of a seat on
average: the share of such jobs that sit in grade-A / prime offices (the rest sit in factories,
tech parks and older buildings the brokers do not count).
"""

from __future__ import annotations

import numpy as np

# Year-ends the recorded path is kept for: the months of 2010-2019 read two neighbouring ones.
FIRST_RECORDED_YEAR, LAST_RECORDED_YEAR = 2010, 2019
STOCK_YEAR_ENDS = np.arange(FIRST_RECORDED_YEAR - 1, LAST_RECORDED_YEAR + 1)


def stock_path(times: np.ndarray, stock_m2: np.ndarray, growth_per_year: float) -> np.ndarray:
    """Year-end stock (m2) at each of `STOCK_YEAR_ENDS` from one city's anchors (`times` in
    years, e.g. 2015.5 for the end of June 2015, ascending; `stock_m2` there): at a constant
    growth rate between anchors (a pipeline delivered over years grows the stock by the same
    share each year, not by the same floor area), and at `growth_per_year` (compounded)
    before the first and after the last."""
    ends = STOCK_YEAR_ENDS + 1.0  # the end of year y is time y + 1
    path = np.exp(np.interp(ends, times, np.log(stock_m2)))
    before, after = ends < times[0], ends > times[-1]
    path[before] = stock_m2[0] * (1 + growth_per_year) ** (ends[before] - times[0])
    path[after] = stock_m2[-1] * (1 + growth_per_year) ** (ends[after] - times[-1])
    return path


def recorded_stock(year_end_stock: np.ndarray, year: int, month_of_year: int) -> np.ndarray:
    """(node,) stock (m2) at the end of `month_of_year` of `year` from the (node, year-end)
    table (linear within the year); NaN outside 2010-2019 and where a city has no record."""
    if not FIRST_RECORDED_YEAR <= year <= LAST_RECORDED_YEAR:
        return np.full(year_end_stock.shape[0], np.nan)
    row = year - STOCK_YEAR_ENDS[0]
    start, end = year_end_stock[:, row - 1], year_end_stock[:, row]
    return start + (end - start) * month_of_year / 12.0


def next_seats(
    seats: np.ndarray,
    recorded: np.ndarray,
    filled: np.ndarray,
    growth_per_month: np.ndarray,
    natural_vacancy: float,
    leased: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """This month's seats (people) before programmes build any, and how many of them are
    pre-let. Where `recorded` (seats of the recorded stock, plus those programmes built) is a
    number, that many; elsewhere last month's grown on plan, raised where needed so that
    `natural_vacancy` of them stay free for the `filled` seats (developers build to demand).
    Developers build to demand only in a tight market: where last month's vacancy (`seats`
    less the `leased` ones) was at most `natural_vacancy` plus
    `TIGHT_MARKET`. So a city whose record ends with space standing empty builds nothing to
    demand until tenants have taken it. Seats are never pulled down. Pre-let: the seats
    developers built to demand (beyond last month's grown on plan), let as they are delivered,
    unlike recorded stock, planned growth and programme seats, which wait for tenants."""
    tight = seats - leased <= (natural_vacancy + TIGHT_MARKET) * seats
    planned = seats * (1.0 + growth_per_month)
    to_demand = np.where(tight, filled / (1.0 - natural_vacancy), 0.0)
    no_record = np.isnan(recorded)
    built = np.where(no_record, np.maximum(planned, to_demand), recorded)
    prelet = np.where(no_record, np.maximum(to_demand - planned, 0.0), 0.0)
    return np.maximum(built, seats), prelet


# Vacancy within half a point of the natural rate counts as a tight market: space built to
# demand keeps the natural vacancy only up to rounding and a month's fall in demand.
TIGHT_MARKET = 0.005


def filled_seats(seated_talent: np.ndarray, grade_a_share: float | np.ndarray) -> np.ndarray:
    """Seats the tradable talent jobs fill: `grade_a_share` of them (one share, or one per city)
    sit in grade-A offices."""
    return grade_a_share * seated_talent


def postings_allowed(
    seats: np.ndarray, seated_talent: np.ndarray, grade_a_share: float | np.ndarray
):
    """Tradable talent postings the free seats allow (whole jobs): each job takes
    `grade_a_share` of a seat, so filled seats stay within seats."""
    free = np.maximum(seats - filled_seats(seated_talent, grade_a_share), 0.0)
    return np.floor(free / grade_a_share + ROUNDING)


ROUNDING = 1e-12  # whole jobs lost to floating point (0.6 / 0.15 = 3.99...) are kept


def start_seat_shares(
    recorded_seats: np.ndarray, seated_talent: np.ndarray, share: float, natural_vacancy: float
) -> np.ndarray:
    """(node,) grade-A seats a tradable talent job takes at the start: where a city's stock is
    recorded (`recorded_seats`, seats, NaN elsewhere), so that the recorded stock at
    `natural_vacancy` seats its `seated_talent` (people) at the start; elsewhere the one
    national `share`. A city with a record but no seated talent keeps `share`."""
    own = recorded_seats * (1.0 - natural_vacancy) / np.maximum(seated_talent, 1e-12)
    return np.where(np.isnan(recorded_seats) | (seated_talent <= 0), share, own)


def monthly_rate(per_year: float) -> float:
    """The monthly share that compounds to `per_year` (0-1) over twelve months."""
    return 1.0 - (1.0 - per_year) ** (1.0 / 12.0)


def next_leased(
    leased: np.ndarray,
    seats: np.ndarray,
    wanted: np.ndarray,
    absorption_per_month: float,
    prelet: np.ndarray | float = 0.0,
) -> np.ndarray:
    """This month's leased seats (people). Leasing takes time: of the gap between what can be
    let (the seats firms want, `wanted`, the seats their tradable talent jobs take, at most
    `seats`) and what is let (`leased`, plus the `prelet` seats built to demand this month,
    let on delivery), `absorption_per_month` closes in the month. Where firms want more than
    the space, the gap is the empty space. Where demand falls, space is given back at once."""
    room = np.minimum(wanted, seats)
    let = leased + prelet
    return np.minimum(let + absorption_per_month * np.maximum(room - let, 0.0), room)


def vacancy(leased: np.ndarray, seats: np.ndarray) -> np.ndarray:
    """Empty share of the seats (what brokers report), in [0, 1]; NaN where seats are
    infinite (the outside node)."""
    out = np.full(seats.shape, np.nan)
    finite = np.isfinite(seats)
    room = np.maximum(seats[finite], 1.0)
    out[finite] = 1.0 - np.minimum(leased[finite], room) / room
    return out
