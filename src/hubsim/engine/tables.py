"""The agent tables: workers (`WorkerTable`) and firms with their offices (`FirmTable`).

One row per agent, one numpy array per attribute. Removed worker rows are marked (city = -1) and
refilled by the next July's newcomers, so indices stay valid until then. Offices point at firms
and cities; workers point at offices (`WorkerTable.employer`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from hubsim.engine import kernels
from hubsim.scenario import SECTORS

N_SECTORS = len(SECTORS)
TRADABLE = np.array([s != "local_services" for s in SECTORS])  # by sector
# Offices come grouped by city, and np.bincount adding into the same bin time after time waits
# on each add: sums per city or cell spread consecutive offices over SPREAD bins each.
SPREAD = 8
NO_GRADUATION = -(2**15)  # graduation month of workers who never graduated

COLUMNS = {
    "city": np.int8,  # current city (node index); -1 once removed
    "degree": np.int8,  # index into scenario.DEGREES: none, college, bachelor, master, phd
    "hukou": np.int8,  # city of hukou (outside node if none of the 13)
    "origin": np.int8,  # home city (outside node if elsewhere)
    "settled": np.bool_,  # False for new graduates until their first location choice
    "employer": np.int32,  # office index, -1 when unemployed
    "talent_job": np.bool_,  # employed in a talent job (a graduate in another job: False)
    "wage": np.float32,  # real yuan/year at start prices, set at hire; 0 when unemployed
    "birth": np.int16,  # birth month, months since 1900-01
    "graduated": np.int16,  # graduation month since 1900-01, NO_GRADUATION if none
    "arrived": np.int16,  # month of arrival in the current city
    "rent_subsidy": np.float32,  # yuan a month being paid
    "rent_subsidy_left": np.int16,  # months of it still due
    "rent_subsidy_programme": np.int16,
    "received": np.int64,  # bit p set once programme p (p < 63) has paid this worker
}


class _BirthWatch(NamedTuple):
    """What `WorkerTable.born_by` saw on its last pass over all rows."""

    reused: int  # the table's refill count then
    scanned: int  # rows that existed then
    first: int  # the month asked then
    last: int  # up to which month the list holds every row born by it
    listed: np.ndarray  # rows born by `last`, ascending


class WorkerTable:
    """Column arrays of all workers in the 13 cities (the outside node holds no agents)."""

    # The columns of COLUMNS, for type checkers: each is a property made by the loop below the
    # class (tests/engine/test_tables.py checks the two lists agree).
    city: npt.NDArray[np.int8]
    degree: npt.NDArray[np.int8]
    hukou: npt.NDArray[np.int8]
    origin: npt.NDArray[np.int8]
    settled: npt.NDArray[np.bool_]
    employer: npt.NDArray[np.int32]
    talent_job: npt.NDArray[np.bool_]
    wage: npt.NDArray[np.float32]
    birth: npt.NDArray[np.int16]
    graduated: npt.NDArray[np.int16]
    arrived: npt.NDArray[np.int16]
    rent_subsidy: npt.NDArray[np.float32]
    rent_subsidy_left: npt.NDArray[np.int16]
    rent_subsidy_programme: npt.NDArray[np.int16]
    received: npt.NDArray[np.int64]

    def __init__(self, capacity: int = 0) -> None:
        self.size = 0
        self._cols: dict[str, np.ndarray] = {
            name: np.zeros(capacity, dtype=dt) for name, dt in COLUMNS.items()
        }
        self._reused = 0  # times removed rows were refilled (their birth months changed)
        self._birth_watch: _BirthWatch | None = None  # see born_by

    def __len__(self) -> int:
        return self.size

    def nbytes_per_row(self) -> int:
        return sum(np.dtype(dt).itemsize for dt in COLUMNS.values())

    def append(self, reuse_removed: bool = False, **columns: npt.ArrayLike) -> np.ndarray:
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


class FirmTable:
    """Firms (productivity, sector, headquarters, fit to each city) and offices (firm, city).

    Grown by appending. `fit[f, j]` is firm f's lasting productivity factor for a branch in
    node j (1 in its headquarters city, 0 in the outside node, which has no offices).
    """

    def __init__(self, n_nodes: int = 0) -> None:
        self.productivity = np.zeros(0, dtype=np.float64)
        self.sector = np.zeros(0, dtype=np.int8)
        self.hq_city = np.zeros(0, dtype=np.int8)
        self.born = np.zeros(0, dtype=np.int32)
        self.alive = np.zeros(0, dtype=bool)
        self.fit = np.zeros((0, n_nodes), dtype=np.float32)
        self.office_firm = np.zeros(0, dtype=np.int32)
        self.office_city = np.zeros(0, dtype=np.int8)
        self.office_open = np.zeros(0, dtype=bool)
        # Each office's firm's sector and headquarters city, kept with the offices (read every
        # month; `set_headquarters` refreshes the latter).
        self.office_sector = np.zeros(0, dtype=np.int8)
        self.office_hq = np.zeros(0, dtype=np.int8)
        self.office_cell = np.zeros(0, dtype=np.intp)  # city x sectors + sector
        self.office_tradable = np.zeros(0, dtype=bool)  # in a tradable sector
        # Bins of `count_by_city` and `count_by_cell`: city or cell x SPREAD + index % SPREAD.
        self._city_bins = np.zeros(0, dtype=np.intp)
        self._cell_bins = np.zeros(0, dtype=np.intp)
        self._room: dict[str, np.ndarray] = {}  # buffers with spare rows (see _appended)

    @property
    def n_firms(self) -> int:
        return len(self.productivity)

    @property
    def n_offices(self) -> int:
        return len(self.office_firm)

    def add_firms(
        self,
        productivity: np.ndarray,
        city: np.ndarray,
        month: int,
        sector: np.ndarray,
        fit: np.ndarray,
    ) -> np.ndarray:
        """New firms, each with a headquarters office in its city. Returns the office indices.

        `fit` is (firms, nodes); its entries for the headquarters city are set to 1.
        """
        first = self.n_firms
        ids = np.arange(first, first + len(productivity), dtype=np.int32)
        fit = np.array(fit, dtype=np.float32)
        fit[np.arange(len(ids)), city] = 1.0
        self.productivity = self._appended("productivity", productivity)
        self.sector = self._appended("sector", sector)
        self.hq_city = self._appended("hq_city", city)
        self.born = self._appended("born", month, len(ids))
        self.alive = self._appended("alive", True, len(ids))
        self.fit = self._appended("fit", fit)
        return self.add_offices(ids, city)

    def add_offices(self, firm: np.ndarray, city: np.ndarray) -> np.ndarray:
        first, new = self.n_offices, len(firm)
        sector = self.sector[firm]
        cell = city.astype(np.intp) * N_SECTORS + sector
        lane = np.arange(first, first + new) % SPREAD
        self.office_firm = self._appended("office_firm", firm)
        self.office_city = self._appended("office_city", city)
        self.office_open = self._appended("office_open", True, new)
        self.office_sector = self._appended("office_sector", sector)
        self.office_hq = self._appended("office_hq", self.hq_city[firm])
        self.office_cell = self._appended("office_cell", cell)
        self.office_tradable = self._appended("office_tradable", TRADABLE[sector])
        self._city_bins = self._appended("_city_bins", city.astype(np.intp) * SPREAD + lane)
        self._cell_bins = self._appended("_cell_bins", cell * SPREAD + lane)
        return np.arange(first, self.n_offices)

    def _appended(
        self, name: str, values: np.ndarray | float, count: int | None = None
    ) -> np.ndarray:
        """Attribute `name` with `values` (`count` rows of one value, or an array) appended.

        Tables grow by a few rows a month: the new rows go into spare room past the end of the
        buffer the attribute views when it has some (no copy of the old rows); otherwise into a
        new buffer with a quarter to spare, of which the attribute is then a view.
        """
        array, buffer = getattr(self, name), self._room.get(name)
        n = len(array)
        new = len(values) if count is None else count
        if buffer is None or array.base is not buffer or len(buffer) < n + new:
            buffer = np.empty((n + new + n // 4 + 64, *array.shape[1:]), dtype=array.dtype)
            buffer[:n] = array
            self._room[name] = buffer
        grown = buffer[: n + new]
        grown[n:] = values
        return grown

    def keep_offices(self, n: int) -> None:
        """Drop every office after the first n (the start's branch rounds redo them)."""
        names = ("office_firm", "office_city", "office_open", "office_sector", "office_hq")
        for name in (*names, "office_cell", "office_tradable", "_city_bins", "_cell_bins"):
            setattr(self, name, getattr(self, name)[:n])

    def count_by_city(self, n_nodes: int, weights: np.ndarray | None = None) -> np.ndarray:
        """Offices (or the sum of integer `weights` of each office) per node, as floats.

        Only for whole-number weights: their sums are exact in any order, so spreading the
        offices over bins (SPREAD) gives the same sums as one bincount, faster.
        """
        return _spread_sum(self._city_bins, weights, n_nodes)

    def count_by_cell(self, n_nodes: int, weights: np.ndarray | None = None) -> np.ndarray:
        """`count_by_city` per (node, sector) cell: a (nodes, sectors) array."""
        return _spread_sum(self._cell_bins, weights, n_nodes * N_SECTORS).reshape(n_nodes, -1)

    def set_headquarters(self, firms: np.ndarray, city: np.ndarray) -> None:
        """Move firms' headquarters to `city` (their offices' office_hq follows)."""
        self.hq_city[firms] = city
        self.office_hq[:] = self.hq_city[self.office_firm]  # in place: keeps its spare room

    def close_firms(self, firms: np.ndarray) -> np.ndarray:
        """Close firms and all their offices; returns the offices closed."""
        self.alive[firms] = False
        return kernels.close_offices_of(self.office_open, self.office_firm, self.of_firms(firms))

    def of_firms(self, firms: np.ndarray) -> np.ndarray:
        """A mask over all firms that is True for the given ones."""
        mask = np.zeros(self.n_firms, dtype=bool)
        mask[firms] = True
        return mask

    def presence(self, n_cities: int, firms: np.ndarray | None = None) -> np.ndarray:
        """(firms, cities) whether each firm (of `firms`, distinct indices, default all) has an
        open office in each city."""
        if firms is None:
            present = np.zeros((self.n_firms, n_cities), dtype=bool)
            present[self.office_firm[self.office_open], self.office_city[self.office_open]] = True
            return present
        # Only the rows asked for: each office's row among `firms` (-1 for other firms').
        return kernels.presence(
            self.office_open, self.office_firm, self.office_city, firms, self.n_firms, n_cities
        )

    def hq_offices(self) -> np.ndarray:
        """Whether each office is its firm's headquarters."""
        return self.office_hq == self.office_city


def _spread_sum(bins: np.ndarray, weights: np.ndarray | None, n: int) -> np.ndarray:
    """Sums per group of `bins` (group x SPREAD + lane) of whole-number weights, as floats."""
    total = np.bincount(bins, weights=weights, minlength=n * SPREAD)
    return total.reshape(n, SPREAD).sum(axis=1, dtype=float)
