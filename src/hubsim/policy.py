"""Incentive programmes: eligibility, subsidy values, budgets, hukou rules, caps and grants.

`ProgrammeBook` holds the programmes of a scenario as arrays; the rules below it are pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import get_args

import numpy as np

from hubsim.scenario import DEGREES, Instrument, Programme, month_index

INSTRUMENTS = get_args(Instrument)  # programme.instrument codes index this tuple
NOBODY = 99  # a minimum degree nobody reaches
NO_GRADUATION = -(2**15)  # graduation month of workers who never graduated


def eligible(
    degree: np.ndarray,
    age_years: np.ndarray,
    months_since_graduation: np.ndarray,
    min_degree: int,
    max_age: float,
    graduated_within_months: float,
) -> np.ndarray:
    """Whether each worker belongs to a programme's eligible group."""
    return (
        (degree >= min_degree)
        & (age_years <= max_age)
        & (months_since_graduation <= graduated_within_months)
    )


def pay_in_order(requests_yuan: np.ndarray, remaining_yuan: float) -> np.ndarray:
    """Pay requests in the order given until the budget is spent; the rest are refused (0)."""
    requests_yuan = np.asarray(requests_yuan, float)
    if not np.isfinite(remaining_yuan):
        return requests_yuan.copy()
    within = np.cumsum(requests_yuan) <= remaining_yuan + 1e-9
    return np.where(within, requests_yuan, 0.0)


def pay_pro_rata(due_yuan: np.ndarray, remaining_yuan: float) -> np.ndarray:
    """Pay recurring dues in full while the budget lasts, else the same share to everyone."""
    due_yuan = np.asarray(due_yuan, float)
    total = due_yuan.sum()
    if total <= remaining_yuan or total == 0:
        return due_yuan.copy()
    return due_yuan * (max(remaining_yuan, 0.0) / total)


def already_received(received: np.ndarray, programme: int) -> np.ndarray:
    """Whether each worker has been paid by a programme (tracked for the first 63)."""
    if programme >= 63:
        return np.zeros(len(received), dtype=bool)
    return (received >> np.int64(programme)) & 1 == 1


def mark_received(received: np.ndarray, programme: int) -> np.ndarray:
    if programme >= 63:
        return received
    return received | (np.int64(1) << np.int64(programme))


def cap_pressure(population: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """How far a city is into its cap's last 10 %: 0 below 90 % of the cap, 1 at the cap."""
    return np.maximum(0.0, (population / cap - 0.9) / 0.1)


@dataclass
class ProgrammeBook:
    """The programmes of a scenario, as arrays indexed by programme."""

    city: np.ndarray
    instrument: np.ndarray
    start: np.ndarray  # model month index of first month in force
    end: np.ndarray  # last month in force (inclusive)
    min_degree: np.ndarray
    max_age: np.ndarray
    graduated_within_months: np.ndarray
    amount_by_degree: np.ndarray  # (P, 4)
    months: np.ndarray
    budget_per_year: np.ndarray  # inf when unlimited
    remaining: np.ndarray  # budget left this calendar year
    active: np.ndarray  # switched on by dated events
    spent_yuan: np.ndarray
    refused_yuan: np.ndarray
    # `of` answers from this cache while `active` is unchanged (a dozen calls a month).
    _active_seen: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _active_of: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_programmes(cls, programmes: list[Programme], cities: tuple[str, ...], start: str):
        first = month_index(start)
        n = len(programmes)
        amount = np.zeros((n, len(DEGREES)))
        for p, prog in enumerate(programmes):
            amount[p] = [prog.amount_for(d) for d in DEGREES]
        budget = np.array(
            [
                np.inf if p.budget_yuan_per_year is None else p.budget_yuan_per_year
                for p in programmes
            ]
        )
        return cls(
            city=np.array([cities.index(p.city) for p in programmes], dtype=np.int64),
            instrument=np.array([INSTRUMENTS.index(p.instrument) for p in programmes], dtype=int),
            start=np.array([month_index(p.start) - first for p in programmes], dtype=np.int64),
            end=np.array(
                [10**6 if p.end is None else month_index(p.end) - first for p in programmes],
                dtype=np.int64,
            ),
            min_degree=np.array(
                [DEGREES.index(p.eligibility.min_degree) for p in programmes], dtype=np.int64
            ),
            max_age=np.array([p.eligibility.max_age for p in programmes], dtype=float),
            graduated_within_months=np.array(
                [
                    np.inf
                    if p.eligibility.graduated_within_years is None
                    else 12 * p.eligibility.graduated_within_years
                    for p in programmes
                ]
            ),
            amount_by_degree=amount,
            months=np.array([p.months for p in programmes], dtype=np.int64),
            budget_per_year=budget,
            remaining=budget.copy(),
            active=np.zeros(n, dtype=bool),
            spent_yuan=np.zeros(n),
            refused_yuan=np.zeros(n),
        )

    def __len__(self) -> int:
        return len(self.city)

    def of(self, instrument: str) -> np.ndarray:
        """Indices of the active programmes of one instrument (a read-only array)."""
        seen = self.active.tobytes()
        if seen != self._active_seen:
            self._active_of = {}
            for code, name in enumerate(INSTRUMENTS):
                idx = np.flatnonzero(self.active & (self.instrument == code))
                idx.setflags(write=False)
                self._active_of[name] = idx
            self._active_seen = seen
        return self._active_of[instrument]

    def paying(self, instrument: str) -> np.ndarray:
        """Active programmes of an instrument whose budget is not yet spent this year."""
        idx = self.of(instrument)
        return idx[self.remaining[idx] > 0]

    def charge(self, programme: int, paid_yuan: float, asked_yuan: float) -> None:
        self.remaining[programme] -= paid_yuan
        self.spent_yuan[programme] += paid_yuan
        self.refused_yuan[programme] += asked_yuan - paid_yuan

    def reset_budgets(self) -> None:
        """Each January every programme gets its yearly budget again."""
        self.remaining[:] = self.budget_per_year

    def eligible(
        self, p: int, degree: np.ndarray, age_years: np.ndarray, since_graduation: np.ndarray
    ) -> np.ndarray:
        """Whether each worker belongs to programme p's eligible group."""
        return eligible(
            degree,
            age_years,
            since_graduation,
            self.min_degree[p],
            self.max_age[p],
            self.graduated_within_months[p],
        )

    def per_city(self, values: np.ndarray, n_cities: int) -> np.ndarray:
        return np.bincount(self.city, weights=values, minlength=n_cities)


def subsidy_value_yuan(
    book: ProgrammeBook,
    programmes: np.ndarray,
    degree: np.ndarray,
    age_years: np.ndarray,
    months_since_graduation: np.ndarray,
    received: np.ndarray,
    n_cities: int,
) -> np.ndarray:
    """S_ij in yuan: cash plus the rent stream of the paying programmes each worker could get."""
    value = np.zeros((len(degree), n_cities))
    for p in programmes:
        ok = ~already_received(received, p) & book.eligible(
            p, degree, age_years, months_since_graduation
        )
        per_person = book.amount_by_degree[p][degree]
        if book.instrument[p] == INSTRUMENTS.index("rent"):
            per_person = per_person * book.months[p]
        value[:, book.city[p]] += np.where(ok, per_person, 0.0)
    return value


def housing_discount(
    book: ProgrammeBook,
    degree: np.ndarray,
    age_years: np.ndarray,
    months_since_graduation: np.ndarray,
    n_cities: int,
) -> np.ndarray:
    """Largest share below market rent each worker could get in each city (0 if none)."""
    discount = np.zeros((len(degree), n_cities))
    for p in book.of("housing_discount"):
        ok = book.eligible(p, degree, age_years, months_since_graduation)
        column = discount[:, book.city[p]]
        discount[:, book.city[p]] = np.maximum(column, np.where(ok, book.amount_by_degree[p][0], 0))
    return discount


def hukou_open(
    book: ProgrammeBook,
    base_min_degree: np.ndarray,
    base_max_age: np.ndarray,
    degree: np.ndarray,
    age_years: np.ndarray,
    months_since_graduation: np.ndarray,
) -> np.ndarray:
    """(n, J) whether each worker could get hukou in each city under today's rules."""
    n_cities = len(base_min_degree)
    open_ = (degree[:, None] >= base_min_degree[None, :]) & (
        age_years[:, None] <= base_max_age[None, :]
    )
    for p in book.of("hukou"):
        open_[:, book.city[p]] |= book.eligible(p, degree, age_years, months_since_graduation)
    assert open_.shape[1] == n_cities
    return open_
