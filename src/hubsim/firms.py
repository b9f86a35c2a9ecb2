"""Firms and their offices held column-wise (`FirmTable`) and the pure rules that move them.

Workers point at offices (`WorkerTable.employer`); an office belongs to one firm and one city.
"""

from __future__ import annotations

import numpy as np


class FirmTable:
    """Firms (productivity, headquarters) and offices (firm, city), grown by appending."""

    def __init__(self) -> None:
        self.productivity = np.zeros(0, dtype=np.float64)
        self.hq_city = np.zeros(0, dtype=np.int8)
        self.born = np.zeros(0, dtype=np.int32)
        self.alive = np.zeros(0, dtype=bool)
        self.office_firm = np.zeros(0, dtype=np.int32)
        self.office_city = np.zeros(0, dtype=np.int8)
        self.office_open = np.zeros(0, dtype=bool)

    @property
    def n_firms(self) -> int:
        return len(self.productivity)

    @property
    def n_offices(self) -> int:
        return len(self.office_firm)

    def add_firms(self, productivity: np.ndarray, city: np.ndarray, month: int) -> np.ndarray:
        """New firms, each with a headquarters office in its city. Returns the office indices."""
        first = self.n_firms
        ids = np.arange(first, first + len(productivity), dtype=np.int32)
        self.productivity = np.concatenate([self.productivity, productivity])
        self.hq_city = np.concatenate([self.hq_city, city.astype(np.int8)])
        self.born = np.concatenate([self.born, np.full(len(ids), month, dtype=np.int32)])
        self.alive = np.concatenate([self.alive, np.ones(len(ids), dtype=bool)])
        return self.add_offices(ids, city)

    def add_offices(self, firm: np.ndarray, city: np.ndarray) -> np.ndarray:
        first = self.n_offices
        self.office_firm = np.concatenate([self.office_firm, firm.astype(np.int32)])
        self.office_city = np.concatenate([self.office_city, city.astype(np.int8)])
        self.office_open = np.concatenate([self.office_open, np.ones(len(firm), dtype=bool)])
        return np.arange(first, self.n_offices)

    def close_firms(self, firms: np.ndarray) -> np.ndarray:
        """Close firms and all their offices; returns the offices closed."""
        self.alive[firms] = False
        closing = np.flatnonzero(self.office_open & self.of_firms(firms)[self.office_firm])
        self.office_open[closing] = False
        return closing

    def of_firms(self, firms: np.ndarray) -> np.ndarray:
        """A mask over all firms that is True for the given ones."""
        mask = np.zeros(self.n_firms, dtype=bool)
        mask[firms] = True
        return mask

    def presence(self, n_cities: int) -> np.ndarray:
        """(firms, cities) whether each firm has an open office in each city."""
        present = np.zeros((self.n_firms, n_cities), dtype=bool)
        present[self.office_firm[self.office_open], self.office_city[self.office_open]] = True
        return present

    def hq_offices(self) -> np.ndarray:
        """Whether each office is its firm's headquarters."""
        return self.hq_city[self.office_firm] == self.office_city


def pareto_productivity(n: int, shape: float, rng: np.random.Generator) -> np.ndarray:
    """Pareto(shape) productivity draws with minimum 1, capped at the 99.9th percentile."""
    draws = 1.0 + rng.pareto(shape, size=n)
    return np.minimum(draws, np.power(1e-3, -1.0 / shape))


def location_gain(
    city_productivity: np.ndarray, wage: np.ndarray, wage_subsidy: np.ndarray, theta: float
) -> np.ndarray:
    """Profit of the same firm across cities up to a factor: (A / (w (1-s))^theta)^(1/(1-theta))."""
    cost = wage * (1.0 - wage_subsidy)
    return np.power(city_productivity / np.power(cost, theta), 1.0 / (1.0 - theta))


def best_new_city(
    firms: np.ndarray,
    present: np.ndarray,
    gain: np.ndarray,
    hq_city: np.ndarray,
    open_to_offices: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For each firm the city without its office with the highest gain, and gain / HQ gain.

    `present` is the (firms, cities) mask of `FirmTable.presence`.
    """
    candidate_gain = np.where(present[firms] | ~open_to_offices[None, :], -np.inf, gain[None, :])
    best = candidate_gain.argmax(axis=1)
    ratio = candidate_gain[np.arange(len(firms)), best] / gain[hq_city[firms]]
    return best, ratio
