"""Bookkeeping shared by the phases: counts per node, jobs ending, office arrays growing.

Counts, office staff and wage bills are kept current as people move, are hired or leave, so no
phase recounts them; `city_counts` counts afresh (at build, and in tests as a check).
"""

from __future__ import annotations

import numpy as np

from hubsim.engine import kernels
from hubsim.engine.state import State
from hubsim.engine.tables import N_SECTORS
from hubsim.scenario import DEGREES, TALENT_DEGREE

COLLEGE = DEGREES.index("college")


def city_counts(state: State) -> dict[str, np.ndarray]:
    """Agents per node: population, talent, college, employed, employed talent (outside last)."""
    w, n = state.workers, state.cities.n
    # One bincount: bin = node * 4 + 2 * employed + talent; removed rows go to a spare node n.
    key = w.city.astype(np.int16)
    key[key < 0] = n
    key <<= 2
    key |= (w.employer >= 0).view(np.int8) << 1
    key |= (w.degree >= TALENT_DEGREE).view(np.int8)
    bins = np.bincount(key, minlength=4 * (n + 1)).reshape(n + 1, 4)[:n].astype(float)
    city = w.city[w.city >= 0]
    counts = {
        "population": bins.sum(axis=1),
        "talent": bins[:, 1] + bins[:, 3],
        "college": np.bincount(city, weights=w.degree[w.city >= 0] == COLLEGE, minlength=n),
        "employed": bins[:, 2] + bins[:, 3],
        "employed_talent": bins[:, 3].copy(),  # contiguous, as the kernels take it
    }
    outside_counts(state, counts)
    return counts


def outside_counts(state: State, counts: dict[str, np.ndarray]) -> None:
    """The outside node's entries, from its aggregate residents by degree."""
    counts["population"][-1] = state.outside_agents.sum()
    counts["talent"][-1] = state.outside_agents[TALENT_DEGREE:].sum()
    counts["college"][-1] = state.outside_agents[COLLEGE]
    counts["employed"][-1] = (
        counts["population"][-1] * state.behaviour.labour.outside_employment_rate
    )


def shift_residents(state: State, rows: np.ndarray, sign: int) -> None:
    """Keep `state.counts` current when rows arrive in (+1) or leave (-1) their city."""
    if len(rows) == 0:
        return
    w, counts = state.workers, state.counts
    kernels.shift_residents(
        rows, w.city, w.degree, TALENT_DEGREE, COLLEGE, sign,
        counts["population"], counts["talent"], counts["college"],
    )  # fmt: skip


def national_talent(state: State) -> float:
    """Bachelor-and-above working-age agents in all nodes, counted afresh (for the pool check)."""
    w = state.workers
    alive = w.city >= 0
    return float(np.count_nonzero(alive & (w.degree >= TALENT_DEGREE))) + float(
        state.outside_agents[TALENT_DEGREE:].sum()
    )


def wage_bill(state: State) -> np.ndarray:
    """Real yearly wages of the employed in each node, counted afresh."""
    w = state.workers
    employed = (w.employer >= 0) & (w.city >= 0)
    return np.bincount(w.city[employed], weights=w.wage[employed], minlength=state.cities.n)


def office_staff(state: State) -> np.ndarray:
    """Workers employed by each office, counted afresh (one pass over the workers)."""
    shifted = state.workers.employer.astype(np.int64) + 1  # unemployed (-1) land in bin 0
    return np.bincount(shifted, minlength=state.firms.n_offices + 1)[1:]


def recount_offices(state: State) -> None:
    """Staff, talent staff and wage bill of every office, counted afresh."""
    w = state.workers
    shifted = w.employer.astype(np.int64) + 1
    bins = state.firms.n_offices + 1
    state.staff = office_staff(state)
    state.staff_talent = np.bincount(shifted[w.talent_job], minlength=bins)[1:]
    state.office_wage_bill = np.bincount(shifted, weights=w.wage, minlength=bins)[1:]
    cells = state.cities.n * N_SECTORS
    talent_cell = state.firms.office_cell[w.employer[w.talent_job]]
    state.cell_talent = np.bincount(talent_cell, minlength=cells)


def lose_jobs(state: State, rows: np.ndarray) -> None:
    """The one place a job ends: no employer, no wage; staff, wage bills and counts follow
    (rows without a job are skipped)."""
    if len(rows) == 0:
        return
    w, counts = state.workers, state.counts
    kernels.lose_jobs(
        rows, w.employer, w.talent_job, w.wage, w.city, w.degree, TALENT_DEGREE,
        state.staff, state.staff_talent, state.cell_talent, state.firms.office_cell,
        state.office_wage_bill, state.wage_bill, counts["employed"], counts["employed_talent"],
    )  # fmt: skip


def take_jobs(
    state: State, rows: np.ndarray, offices: np.ndarray, wage: np.ndarray, talent_job: np.ndarray
) -> None:
    """The one place a job starts: rows are hired by offices at wage, into talent jobs where
    `talent_job`; accounts follow."""
    if len(rows) == 0:
        return
    w, counts = state.workers, state.counts
    kernels.take_jobs(
        rows, offices, wage, talent_job, w.employer, w.talent_job, w.wage, w.city, w.degree,
        TALENT_DEGREE, state.staff, state.staff_talent, state.cell_talent,
        state.firms.office_cell, state.office_wage_bill, state.wage_bill, counts["employed"],
        counts["employed_talent"],
    )  # fmt: skip


OFFICE_ARRAYS = ("desired", "desired_talent", "staff", "staff_talent", "office_wage_bill")


def grow_office_arrays(state: State) -> None:
    """Extend the per-office arrays (desire, staff, wage bill) to new offices (the month's
    postings stay as they are: offices opened since posted nothing)."""
    new = state.firms.n_offices - len(state.staff)
    if new <= 0:
        return
    for name in OFFICE_ARRAYS:
        setattr(state, name, _with_zeros(state, name, new))


def reserve_office_room(state: State) -> None:
    """Put each per-office array in a buffer with a quarter to spare (`_with_zeros` with
    nothing to append: the array has no buffer yet, so it gets one)."""
    for name in OFFICE_ARRAYS:
        setattr(state, name, _with_zeros(state, name, 0))


def _with_zeros(state: State, name: str, new: int) -> np.ndarray:
    """State attribute `name` (1-d) with `new` zeros appended, as a view of a buffer with room.

    Offices open every month: while the buffer the attribute views (`state.office_room`) has
    room past its end, the zeros go there and the old entries are not copied; otherwise (or
    once the attribute is a new array) a new buffer with a quarter to spare.
    """
    array, buffer = getattr(state, name), state.office_room.get(name)
    n = len(array)
    if buffer is None or array.base is not buffer or len(buffer) < n + new:
        buffer = np.empty(n + new + n // 4 + 64, dtype=array.dtype)
        buffer[:n] = array
        state.office_room[name] = buffer
    grown = buffer[: n + new]  # views made here start at the buffer's first entry
    grown[n:] = 0
    return grown


def lay_off(state: State, closed_offices: np.ndarray) -> np.ndarray | None:
    """Workers of closed offices lose their jobs.

    The pass over all workers that finds them finds everyone without a job too: those rows
    (removed rows included) are returned for the labour market's matching. None when no closed
    office had staff (and no pass was made).
    """
    if len(closed_offices) == 0 or state.staff[closed_offices].sum() == 0:
        return None
    closed = np.zeros(state.firms.n_offices, dtype=np.uint8)
    closed[closed_offices] = 1
    rows = kernels.jobless_rows(closed, state.workers.employer)
    lose_jobs(state, rows)  # only the employed among them
    return rows
