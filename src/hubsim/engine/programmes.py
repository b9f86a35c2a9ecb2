"""The programme book: a scenario's programmes as arrays, their budgets, and what each offers whom.

Each instrument's amount has its own field (yuan by degree, shares, seats, a cap, a factor).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import get_args

import numpy as np

from hubsim.engine.rules import programmes as rules
from hubsim.scenario import DEGREES, Instrument, Programme, month_index

INSTRUMENTS = get_args(Instrument)  # ProgrammeBook.instrument codes index this tuple
CODE = {name: code for code, name in enumerate(INSTRUMENTS)}


@dataclass
class ProgrammeBook:
    """The programmes of a scenario, as arrays indexed by programme.

    Amount fields hold a programme's amount only for its own instrument (0 for the others).
    """

    city: np.ndarray
    instrument: np.ndarray  # index into INSTRUMENTS
    start: np.ndarray  # model month index of first month in force
    end: np.ndarray  # last month in force (inclusive)
    min_degree: np.ndarray
    max_age: np.ndarray
    graduated_within_months: np.ndarray
    yuan_by_degree: np.ndarray  # (P, degrees): cash one-off, or rent a month, per person
    discount_share: np.ndarray  # housing_discount: share below market rent
    grant_share: np.ndarray  # firm_grant: share of the wage cost paid
    grant_branches_only: np.ndarray  # firm_grant: pays for branches of outside firms only
    seats: np.ndarray  # office_capacity: seats built over `months`
    cap_people: np.ndarray  # population_cap: residents
    supply_factor: np.ndarray  # housing_supply: factor on the supply elasticity
    months: np.ndarray  # rent payments, or build-out months
    budget_per_year: np.ndarray  # inf when unlimited
    remaining: np.ndarray  # budget left this calendar year
    active: np.ndarray  # switched on by dated events
    spent_yuan: np.ndarray
    refused_yuan: np.ndarray
    # `of` answers from this cache while `active` is unchanged (a dozen calls a month).
    _active_seen: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _active_of: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_programmes(
        cls, programmes: list[Programme], cities: tuple[str, ...], start: str
    ) -> ProgrammeBook:
        first = month_index(start)
        n = len(programmes)
        yuan = np.zeros((n, len(DEGREES)))
        for p, prog in enumerate(programmes):
            if prog.instrument in ("cash", "rent"):
                yuan[p] = [prog.amount_for(d) for d in DEGREES]
        budget = np.array(
            [
                np.inf if p.budget_yuan_per_year is None else p.budget_yuan_per_year
                for p in programmes
            ]
        )

        def amount_of(instrument: str) -> np.ndarray:
            return np.array(
                [p.amount if p.instrument == instrument else 0.0 for p in programmes], dtype=float
            )

        return cls(
            city=np.array([cities.index(p.city) for p in programmes], dtype=np.int64),
            instrument=np.array([CODE[p.instrument] for p in programmes], dtype=int),
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
            yuan_by_degree=yuan,
            discount_share=amount_of("housing_discount"),
            grant_share=amount_of("firm_grant"),
            grant_branches_only=np.array(
                [p.grant_offices == "branches" for p in programmes], dtype=bool
            ),
            seats=amount_of("office_capacity"),
            cap_people=amount_of("population_cap"),
            supply_factor=amount_of("housing_supply"),
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

    def switch(self, month: int) -> None:
        """Programmes in force in `month` (model month index) are active, the others not."""
        self.active = (self.start <= month) & (self.end >= month)

    def charge(self, programme: int, paid_yuan: float, asked_yuan: float) -> None:
        """Book a payment against a programme's budget; what was asked but not paid is refused."""
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
        return rules.eligible(
            degree,
            age_years,
            since_graduation,
            self.min_degree[p],
            self.max_age[p],
            self.graduated_within_months[p],
        )

    def is_rent(self, p: int) -> bool:
        return self.instrument[p] == CODE["rent"]

    def per_city(self, values: np.ndarray, n_cities: int) -> np.ndarray:
        """Sum a per-programme quantity over each programme's city."""
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
        ok = ~rules.already_received(received, p) & book.eligible(
            p, degree, age_years, months_since_graduation
        )
        per_person = book.yuan_by_degree[p][degree]
        if book.is_rent(p):
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
        discount[:, book.city[p]] = np.maximum(column, np.where(ok, book.discount_share[p], 0))
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
    open_ = (degree[:, None] >= base_min_degree[None, :]) & (
        age_years[:, None] <= base_max_age[None, :]
    )
    for p in book.of("hukou"):
        open_[:, book.city[p]] |= book.eligible(p, degree, age_years, months_since_graduation)
    return open_


def cap_cost_by_node(
    book: ProgrammeBook, people: np.ndarray, strength: float, start_share: float
) -> np.ndarray:
    """The cost of coming into each node under the active population caps (residents `people`);
    where a city has two, the dearer."""
    cost = np.zeros(len(people))
    for p in book.of("population_cap"):
        j = book.city[p]
        cap_people = book.cap_people[p : p + 1]
        cap = rules.cap_cost(people[j : j + 1], cap_people, strength, start_share)
        cost[j] = max(cost[j], cap[0])
    return cost
