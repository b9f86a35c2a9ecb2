"""The agent tables (engine.tables) on hand-made rows."""

from __future__ import annotations

import typing

import numpy as np
import numpy.typing as npt
import pytest

from hubsim.engine.tables import COLUMNS, NO_GRADUATION, WorkerTable


def _fill(table: WorkerTable, start: int, n: int) -> np.ndarray:
    """Rows whose every column is a function of a running id, to check alignment."""
    ids = np.arange(start, start + n)
    return table.append(
        city=np.where(ids % 5 == 0, -1, ids % 13),
        degree=ids % 4,
        hukou=(ids + 1) % 14,
        origin=(ids + 2) % 14,
        employer=ids,
        wage=ids.astype(float) * 10.0,
        birth=ids,
        arrived=ids + 7,
        received=ids.astype(np.int64) << 3,
    )


def test_append_defaults_and_growth():
    table = WorkerTable()
    assert len(table) == 0
    rows = table.append(city=np.array([3, 4]), degree=np.array([1, 2]))
    np.testing.assert_array_equal(rows, [0, 1])
    np.testing.assert_array_equal(table.employer, [-1, -1])
    np.testing.assert_array_equal(table.graduated, [NO_GRADUATION] * 2)
    np.testing.assert_array_equal(table.settled, [True, True])
    np.testing.assert_array_equal(table.rent_subsidy_programme, [-1, -1])
    np.testing.assert_array_equal(table.rent_subsidy_left, [0, 0])
    # Columns keep their declared dtypes and all have the same length.
    for name, dtype in COLUMNS.items():
        column = getattr(table, name)
        assert column.dtype == dtype, name
        assert len(column) == 2
    # Many appends grow the capacity without losing rows.
    for k in range(30):
        rows = _fill(table, 2 + 100 * k, 100)
        assert rows[0] == 2 + 100 * k
    assert len(table) == 3002
    np.testing.assert_array_equal(table.birth[2:], np.arange(2, 3002))
    np.testing.assert_array_equal(table.employer[2:], np.arange(2, 3002))
    with pytest.raises(AttributeError):
        _ = table.no_such_column


def test_reserve_makes_room_without_moving_rows():
    table = WorkerTable()
    _fill(table, 0, 10)
    table.reserve(5000)
    assert len(table) == 10  # reserving adds no rows
    np.testing.assert_array_equal(table.birth, np.arange(10))
    column = table._cols["birth"]
    _fill(table, 10, 4990)  # fits in the reserved room: no column is reallocated
    assert table._cols["birth"] is column
    np.testing.assert_array_equal(table.birth, np.arange(5000))
    table.reserve(100)  # never shrinks
    assert len(table._cols["birth"]) == 5000
    _fill(table, 5000, 1)  # beyond the room: grows, rows kept
    assert table._cols["birth"] is not column
    np.testing.assert_array_equal(table.employer, np.arange(5001))


def test_columns_are_read_only_attributes():
    table = WorkerTable()
    _fill(table, 0, 3)
    table.city[:] = 2  # the view writes through to the table ...
    np.testing.assert_array_equal(table.city, [2, 2, 2])
    with pytest.raises(AttributeError):
        table.city = np.zeros(3)  # ... but a column cannot be replaced


def test_append_reusing_removed_rows():
    """New rows fill removed rows first (lowest first), every column reset, then append."""
    table = WorkerTable()
    _fill(table, 0, 50)  # rows 0, 5, 10, ... 45 are removed (city -1): 10 of them
    survivors = {name: getattr(table, name)[table.city >= 0].copy() for name in COLUMNS}
    rows = table.append(
        reuse_removed=True,
        city=np.full(13, 7),
        degree=np.full(13, 2),
        birth=np.arange(1000, 1013),
        settled=np.zeros(13, dtype=bool),
    )
    np.testing.assert_array_equal(rows, [*range(0, 50, 5), 50, 51, 52])
    assert len(table) == 53
    np.testing.assert_array_equal(table.city[rows], 7)
    np.testing.assert_array_equal(table.birth[rows], np.arange(1000, 1013))
    assert not table.settled[rows].any()
    # Columns not given take their defaults, whatever the removed worker held.
    np.testing.assert_array_equal(table.employer[rows], -1)
    np.testing.assert_array_equal(table.wage[rows], 0.0)
    np.testing.assert_array_equal(table.received[rows], 0)
    np.testing.assert_array_equal(table.graduated[rows], NO_GRADUATION)
    np.testing.assert_array_equal(table.rent_subsidy_programme[rows], -1)
    # The surviving rows are untouched.
    kept = np.setdiff1d(np.arange(50), rows)
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(table, name)[kept], survivors[name], err_msg=name)
    # Without removed rows (or without reuse) rows are appended at the end.
    more = table.append(reuse_removed=True, city=np.array([1, 2]))
    np.testing.assert_array_equal(more, [53, 54])
    table.city[3] = -1
    np.testing.assert_array_equal(table.append(city=np.array([4])), [55])


def test_born_by_matches_a_full_scan_through_appends_and_reuse():
    """born_by(month) equals flatnonzero(birth <= month) while months rise and rows come and go."""
    rng = np.random.default_rng(5)
    table = WorkerTable()
    table.append(city=rng.integers(0, 13, 3000), birth=rng.integers(100, 900, 3000))
    for month in range(850, 1000):
        if month % 7 == 0:  # arrivals, some of them old
            n = int(rng.integers(1, 40))
            table.append(city=rng.integers(0, 13, n), birth=rng.integers(month - 820, month, n))
        if month % 12 == 5:  # removals, then a cohort refilling the removed rows
            table.city[rng.choice(len(table), 200, replace=False)] = -1
            n = int(rng.integers(100, 300))
            table.append(
                reuse_removed=True, city=rng.integers(0, 13, n), birth=rng.integers(0, 1000, n)
            )
        limit = month - 720
        np.testing.assert_array_equal(
            table.born_by(limit), np.flatnonzero(table.birth <= limit), err_msg=f"month {month}"
        )
    # Asked for an earlier month (not the usual order) it still answers right.
    np.testing.assert_array_equal(table.born_by(150), np.flatnonzero(table.birth <= 150))


def test_the_declared_columns_are_the_columns_the_table_makes():
    """WorkerTable's annotations (what type checkers read) name every column with its dtype."""
    hints = typing.get_type_hints(WorkerTable)
    declared = {
        name: typing.get_args(hint)[0]
        for name, hint in hints.items()
        if typing.get_origin(hint) is npt.NDArray
    }
    assert declared == COLUMNS
    assert all(isinstance(getattr(WorkerTable, name), property) for name in COLUMNS)
