"""Unit tests of the worker table and the worker rules in hubsim.workers."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.policy import NO_GRADUATION
from hubsim.scenario import Hazards
from hubsim.workers import (
    COLUMNS,
    WorkerTable,
    age_years,
    months_since,
    reconsider_hazard_per_month,
    sample_by_hazard,
)

# ----------------------------------------------------------------------------- table


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


def test_age_and_months_since():
    birth = np.array([100, 112, 111], dtype=np.int16)
    np.testing.assert_array_equal(age_years(birth, 124), [2, 1, 1])
    graduated = np.array([120, NO_GRADUATION], dtype=np.int16)
    since = months_since(graduated, 1404)
    assert since[0] == 1284
    assert since[1] > 30_000  # never graduated: huge, so never "recent"


# ----------------------------------------------------------------------------- hazards


def test_reconsider_hazard_picks_largest_applicable():
    hz = Hazards(
        base_per_year=0.04,
        young_per_year=0.10,
        unemployed_per_year=0.40,
        new_graduate_per_year=1.0,
        young_age_max=30,
    )
    age = np.array([45, 25, 45, 25, 25, 45, 30, 31, 25])
    unemployed = np.array([False, False, True, True, False, True, False, False, True])
    since = np.array([10**6, 10**6, 10**6, 10**6, 3, 0, 10**6, 10**6, 12])
    got = reconsider_hazard_per_month(age, unemployed, since, hz)
    yearly = np.array([0.04, 0.10, 0.40, 0.40, 1.0, 1.0, 0.10, 0.04, 0.40])
    np.testing.assert_allclose(got, 1.0 - np.exp(-yearly / 12.0), rtol=1e-12)
    # A graduation in the future (negative months since) does not count as recent.
    assert reconsider_hazard_per_month(np.array([40]), np.array([False]), np.array([-1]), hz)[
        0
    ] == pytest.approx(1.0 - np.exp(-0.04 / 12))


def test_reconsider_hazard_huge_rates_mean_certainty():
    big = 1e4
    hz = Hazards(
        base_per_year=big, young_per_year=big, unemployed_per_year=big, new_graduate_per_year=big
    )
    got = reconsider_hazard_per_month(
        np.array([20, 50]), np.array([False, True]), np.array([10**6, 0]), hz
    )
    np.testing.assert_array_equal(got, [1.0, 1.0])


@pytest.mark.parametrize(
    ("levels", "max_hazard", "branch"),
    [((0.01, 0.03, 0.06), 0.06, "thinning"), ((0.1, 0.4, 0.8), 0.8, "full")],
)
def test_sample_by_hazard_frequencies(levels, max_hazard, branch):
    """Each candidate fires with its own hazard, in both the thinning and the full branch."""
    assert (max_hazard > 0.25) == (branch == "full")
    rng = np.random.default_rng(12345)
    n_per, reps = 20_000, 10
    group = np.repeat(np.arange(len(levels)), n_per)
    hazard = np.asarray(levels)[group]
    candidates = np.arange(len(group)) + 1000  # candidate ids are not row positions
    fired = np.zeros(len(group))
    for _ in range(reps):
        picked = sample_by_hazard(candidates, lambda idx: hazard[idx - 1000], max_hazard, rng)
        assert len(np.unique(picked)) == len(picked)  # nobody fires twice
        assert np.all(np.isin(picked, candidates))
        fired[picked - 1000] += 1
    trials = n_per * reps
    for g, h in enumerate(levels):
        rate = fired[group == g].sum() / trials
        se = np.sqrt(h * (1 - h) / trials)
        assert abs(rate - h) < 5 * se, (g, rate, h)
    # Within a group firing is uniform: first and second half of each group fire alike.
    for g, h in enumerate(levels):
        rows = np.flatnonzero(group == g)
        first, second = fired[rows[: n_per // 2]].sum(), fired[rows[n_per // 2 :]].sum()
        se = np.sqrt(2 * (trials / 2) * h * (1 - h))
        assert abs(first - second) < 5 * se


def test_sample_by_hazard_total_count_is_binomial():
    """The thinning branch draws without duplicates: totals have the Binomial(n, h) spread."""
    rng = np.random.default_rng(7)
    n, h, reps = 2000, 0.2, 400
    counts = np.array(
        [
            len(sample_by_hazard(np.arange(n), lambda idx: np.full(len(idx), h), h, rng))
            for _ in range(reps)
        ]
    )
    assert abs(counts.mean() - n * h) < 5 * np.sqrt(n * h * (1 - h) / reps)
    # Sample variance of a Binomial: n h (1 - h) = 320; allow a generous band.
    assert 0.7 * n * h * (1 - h) < counts.var(ddof=1) < 1.4 * n * h * (1 - h)


def test_sample_by_hazard_edge_cases():
    rng = np.random.default_rng(0)
    empty = sample_by_hazard(np.arange(0), lambda idx: np.ones(len(idx)), 0.5, rng)
    assert len(empty) == 0
    none = sample_by_hazard(np.arange(100), lambda idx: np.zeros(len(idx)), 0.0, rng)
    assert len(none) == 0
    # Hazard one: everyone fires (full branch).
    everyone = sample_by_hazard(np.arange(100), lambda idx: np.ones(len(idx)), 1.0, rng)
    np.testing.assert_array_equal(np.sort(everyone), np.arange(100))
    # Zero hazard for some: they never fire.
    hz = np.where(np.arange(1000) % 2 == 0, 0.0, 0.1)
    for _ in range(20):
        picked = sample_by_hazard(np.arange(1000), lambda idx: hz[idx], 0.1, rng)
        assert np.all(picked % 2 == 1)


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
