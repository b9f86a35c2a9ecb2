"""Workers held column-wise (`WorkerTable`) and their pure rules: hazards, ageing, sampling.

One row per agent; an agent stands for `scale` working-age people. Removed rows are marked
(city = -1) and refilled by the next July's newcomers, so indices stay valid until then.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hubsim.policy import NO_GRADUATION
from hubsim.scenario import Hazards

COLUMNS = {
    "city": np.int8,  # current city (node index); -1 once removed
    "degree": np.int8,  # 0 none, 1 bachelor, 2 master, 3 phd
    "hukou": np.int8,  # city of hukou (outside node if none of the 13)
    "origin": np.int8,  # home city (outside node if elsewhere)
    "settled": np.bool_,  # False for new graduates until their first location choice
    "employer": np.int32,  # office index, -1 when unemployed
    "wage": np.float32,  # real yuan/year at 2010 prices, set at hire; 0 when unemployed
    "birth": np.int16,  # birth month, months since 1900-01
    "graduated": np.int16,  # graduation month since 1900-01, NO_GRADUATION if none
    "arrived": np.int16,  # month of arrival in the current city
    "rent_subsidy": np.float32,  # yuan a month being paid
    "rent_subsidy_left": np.int16,  # months of it still due
    "rent_subsidy_programme": np.int16,
    "received": np.int64,  # bit p set once programme p (p < 63) has paid this worker
}
EPOCH = 1900 * 12


class _BirthWatch(NamedTuple):
    """What `WorkerTable.born_by` saw on its last pass over all rows."""

    reused: int  # the table's refill count then
    scanned: int  # rows that existed then
    first: int  # the month asked then
    last: int  # up to which month the list holds every row born by it
    listed: np.ndarray  # rows born by `last`, ascending


class WorkerTable:
    """Column arrays of all workers in the 13 cities (the outside node holds no agents)."""

    def __init__(self, capacity: int = 0) -> None:
        self.size = 0
        self._cols = {name: np.zeros(capacity, dtype=dt) for name, dt in COLUMNS.items()}
        self._reused = 0  # times removed rows were refilled (their birth months changed)
        self._birth_watch: _BirthWatch | None = None  # see born_by

    def __len__(self) -> int:
        return self.size

    def nbytes_per_row(self) -> int:
        return sum(np.dtype(dt).itemsize for dt in COLUMNS.values())

    def append(self, reuse_removed: bool = False, **columns: np.ndarray) -> np.ndarray:
        """Add rows; columns not given take their defaults. Returns the new row indices.

        With `reuse_removed`, removed rows (city == -1) are filled first, lowest first, and only
        the rest is appended: the table then stays as large as the people alive, with no copy of
        the surviving rows. Reused indices no longer mean the removed workers.
        """
        n = len(next(iter(columns.values())))
        free = np.flatnonzero(self.city < 0)[:n] if reuse_removed else np.zeros(0, np.intp)
        extra = n - len(free)
        self._make_room(self.size + extra)
        start, stop = self.size, self.size + extra
        rows = np.concatenate([free, np.arange(start, stop)])
        target = rows if len(free) else slice(start, stop)  # a slice writes faster
        defaults = {
            "employer": -1,
            "graduated": NO_GRADUATION,
            "settled": True,
            "rent_subsidy_programme": -1,
        }
        for name, array in self._cols.items():
            array[target] = columns.get(name, defaults.get(name, 0))
        self.size = stop
        self._reused += len(free) > 0
        return rows

    def born_by(self, month: int, ahead: int = 12) -> np.ndarray:
        """Rows born in or before `month`, ascending (removed rows included).

        Asked with a rising month (retirement does), it looks at every row only every `ahead`
        months: that pass lists the rows born by `month + ahead`; until then a call checks the
        list and the rows appended since. Birth months are set only by `append`; refilling
        removed rows starts a new pass.
        """
        watch = self._birth_watch
        if watch is None or watch.reused != self._reused or not watch.first <= month <= watch.last:
            listed = np.flatnonzero(self.birth <= month + ahead)
            watch = _BirthWatch(self._reused, self.size, month, month + ahead, listed)
            self._birth_watch = watch
        old = watch.listed[self.birth[watch.listed] <= month]
        new = watch.scanned + np.flatnonzero(self.birth[watch.scanned :] <= month)
        return np.concatenate([old, new])

    def reserve(self, capacity: int) -> None:
        """Room for `capacity` rows without regrowing (regrowing copies every column)."""
        if capacity > len(self._cols["city"]):
            self._grow_to(capacity)

    def _make_room(self, needed: int) -> None:
        capacity = len(self._cols["city"])
        if needed <= capacity:
            return
        self._grow_to(max(needed, int(capacity * 1.25) + 1024))

    def _grow_to(self, new_capacity: int) -> None:
        for name, array in self._cols.items():
            grown = np.zeros(new_capacity, dtype=array.dtype)
            grown[: self.size] = array[: self.size]
            self._cols[name] = grown


def _column(name: str) -> property:
    def get(self: WorkerTable) -> np.ndarray:
        return self._cols[name][: self.size]

    return property(get, doc=f"The live rows of column {name!r}.")


# `table.city` etc. are views of the live rows (a property per column: cheaper than __getattr__,
# which runs only after a failed lookup and is called about a hundred times a month).
for _name in COLUMNS:
    setattr(WorkerTable, _name, _column(_name))


def age_years(birth: np.ndarray, month: int) -> np.ndarray:
    """Age in whole years at `month` (months since 1900-01)."""
    return (month - birth.astype(np.int32)) // 12


def months_since(event: np.ndarray, month: int) -> np.ndarray:
    """Months since an event month; never-happened events (NO_GRADUATION) give a huge number."""
    return month - event.astype(np.int32)


def reconsider_hazard_per_month(
    age: np.ndarray,
    unemployed: np.ndarray,
    months_since_graduation: np.ndarray,
    hazards: Hazards,
) -> np.ndarray:
    """Monthly probability of reconsidering one's city: the largest yearly hazard that applies."""
    yearly = np.full(len(age), hazards.base_per_year)
    yearly = np.where(age <= hazards.young_age_max, hazards.young_per_year, yearly)
    yearly = np.maximum(yearly, np.where(unemployed, hazards.unemployed_per_year, 0.0))
    new_graduate = (months_since_graduation >= 0) & (months_since_graduation < 12)
    yearly = np.maximum(yearly, np.where(new_graduate, hazards.new_graduate_per_year, 0.0))
    return 1.0 - np.exp(-yearly / 12.0)


def bernoulli_positions(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Positions of the successes among n Bernoulli(p) trials, in increasing order.

    Drawn as geometric gaps between successes, so the cost is proportional to n p, not n.
    """
    if n <= 0 or p <= 0:
        return np.zeros(0, dtype=np.int64)
    if p >= 0.25:
        return np.flatnonzero(rng.random(n) < p)
    expected = n * p
    positions = np.cumsum(rng.geometric(p, size=int(expected + 6 * np.sqrt(expected) + 16))) - 1
    while positions[-1] < n - 1:  # rare: more successes than drawn for
        more = np.cumsum(rng.geometric(p, size=int(expected) + 16)) + positions[-1]
        positions = np.concatenate([positions, more])
    return positions[positions < n]


def sample_by_hazard(
    candidates: np.ndarray | int, hazard_of, max_hazard: float, rng: np.random.Generator
) -> np.ndarray:
    """Rows among `candidates` (an index array, or n for rows 0..n-1) that fire with their hazard.

    Each candidate is first picked with probability max_hazard (geometric gaps, see
    `bernoulli_positions`), then kept with probability hazard / max_hazard (thinning), so the
    work is proportional to the events, not to the number of candidates.
    `hazard_of(rows)` returns the hazard of the given rows (0 for rows that cannot fire).
    """
    n = candidates if isinstance(candidates, int) else len(candidates)
    picked = bernoulli_positions(n, min(max_hazard, 1.0), rng)
    if not isinstance(candidates, int):
        picked = candidates[picked]
    if len(picked) == 0:
        return picked
    keep = rng.random(len(picked)) * max_hazard < hazard_of(picked)
    return picked[keep]
