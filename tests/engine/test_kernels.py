"""The compiled kernels against the numpy code they replaced: the same numbers, bit for bit.

Each oracle below is the numpy code the engine ran before `engine.kernels` (kept here, not in the
package). The inputs are a real model's state after a few months at a coarse scale, where
offices close, lay off, post and hire, and hand-made arrays for the picks.
"""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubsim.engine import HubModel, accounts, kernels
from hubsim.engine.phases import firms as firms_phase
from hubsim.engine.phases import labour, record
from hubsim.engine.rules import choice
from hubsim.engine.rules.sampling import first_k_per_group, stochastic_round
from hubsim.engine.rules.workers import (
    age_years,
    months_since,
    reconsider_hazard_per_month,
    reconsider_levels,
)
from hubsim.engine.tables import N_SECTORS, TRADABLE
from hubsim.experiments.replications import resolve
from hubsim.scenario import DEGREES, TALENT_DEGREE


@pytest.fixture(scope="module")
def stepped() -> HubModel:
    """The baseline at 20,000 people an agent after 14 months (a quarter's reviews, a July)."""
    model = HubModel(resolve("scenarios/baseline.yaml", scale=20_000.0, months=24))
    for _ in range(14):
        model.step()
    return model


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit (NaN where the other has NaN), same dtype and shape."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


STATE_ARRAYS = ("staff", "staff_talent", "cell_talent", "office_wage_bill", "wage_bill")
WORKER_COLUMNS = ("employer", "wage", "talent_job")


def snapshot(state) -> dict[str, np.ndarray]:
    w = state.workers
    arrays = {name: getattr(state, name).copy() for name in STATE_ARRAYS}
    arrays |= {name: getattr(w, name).copy() for name in WORKER_COLUMNS}
    arrays |= {f"counts.{k}": v.copy() for k, v in state.counts.items()}
    return arrays


# ------------------------------------------------------------------ the numpy oracles
# Degree class of each degree index: 0 none, 1 college, 2 talent (bachelor and above).
DEGREE_CLASS = np.minimum(np.arange(len(DEGREES)), 2).astype(np.intp)
DEGREE_CLASS[TALENT_DEGREE:] = 2


def numpy_shift_counts(state, rows, sign, total, talent, college=""):
    n = state.cities.n
    key = state.workers.city[rows].astype(np.intp) * 3
    key += DEGREE_CLASS[state.workers.degree[rows]]
    bins = np.bincount(key, minlength=3 * n).reshape(n, 3) * sign
    state.counts[total] += bins.sum(axis=1)
    state.counts[talent] += bins[:, 2]
    if college:
        state.counts[college] += bins[:, 1]


def numpy_shift_employment(state, rows, sign):
    numpy_shift_counts(state, rows, sign, "employed", "employed_talent")


def numpy_lose_jobs(state, rows):
    w = state.workers
    employer = w.employer[rows]
    employed = employer >= 0
    rows, employer = rows[employed], employer[employed]
    if len(rows) == 0:
        return
    numpy_shift_employment(state, rows, -1)
    offices = len(state.staff)
    np.subtract.at(state.staff, employer, 1)
    talent_employer = employer[w.talent_job[rows]]
    np.subtract.at(state.staff_talent, talent_employer, 1)
    np.subtract.at(state.cell_talent, state.firms.office_cell[talent_employer], 1)
    state.office_wage_bill -= np.bincount(employer, weights=w.wage[rows], minlength=offices)
    state.wage_bill -= np.bincount(w.city[rows], weights=w.wage[rows], minlength=state.cities.n)
    w.employer[rows] = -1
    w.wage[rows] = 0.0
    w.talent_job[rows] = False


def numpy_take_jobs(state, rows, offices, wage, talent_job):
    w = state.workers
    w.employer[rows] = offices
    w.wage[rows] = wage
    w.talent_job[rows] = talent_job
    n_offices = len(state.staff)
    state.staff += np.bincount(offices, minlength=n_offices)
    if talent_job.any():
        talent_offices = offices[talent_job]
        np.add.at(state.staff_talent, talent_offices, 1)
        np.add.at(state.cell_talent, state.firms.office_cell[talent_offices], 1)
    state.office_wage_bill += np.bincount(offices, weights=w.wage[rows], minlength=n_offices)
    state.wage_bill += np.bincount(w.city[rows], weights=w.wage[rows], minlength=state.cities.n)
    numpy_shift_employment(state, rows, +1)


def numpy_jobless_rows(n_offices, closed_offices, employer):
    jobless = np.zeros(n_offices + 1, dtype=np.uint8)
    jobless[closed_offices] = 1
    jobless[-1] = 1
    return np.flatnonzero(np.take(jobless, employer, mode="wrap").view(bool))


def numpy_separation_hazards(state, separation, speed):
    desired = np.stack([state.desired - state.desired_talent, state.desired_talent])
    staff = np.stack([state.staff - state.staff_talent, state.staff_talent])
    excess = np.maximum(staff - 1.1 * desired, 0.0)
    layoff = speed * excess / np.maximum(staff, 1)
    hazard = np.zeros((2, staff.shape[1] + 1))
    hazard[:, :-1] = separation + layoff
    return hazard, float(hazard.max())


def numpy_post(state, rng, desired_total=None, desired_talent=None):
    desired_total = state.desired if desired_total is None else desired_total
    desired_talent = state.desired_talent if desired_talent is None else desired_talent
    desired = np.stack([desired_total - desired_talent, desired_talent])
    staff = np.stack([state.staff - state.staff_talent, state.staff_talent])
    gap = np.minimum(np.maximum(desired - staff, 0.0), 0.25 * desired + 1.0)
    return stochastic_round(gap, rng)


# ------------------------------------------------------------------ jobs
def test_lose_and_take_jobs_match_numpy(stepped):
    state = stepped.state
    rng = np.random.default_rng(5)
    w = state.workers
    # Employed and jobless rows in no order, with repeated offices among them and a few rows
    # given twice (numpy gathered every row's employer before changing any).
    rows = rng.choice(len(w), size=len(w) // 5, replace=False)
    rows = np.concatenate([rows, rows[:50]])
    rng.shuffle(rows)
    assert (w.employer[rows] >= 0).any() and (w.employer[rows] < 0).any()
    compiled, oracle = copy.deepcopy(state), copy.deepcopy(state)
    accounts.lose_jobs(compiled, rows)
    numpy_lose_jobs(oracle, rows)
    a, b = snapshot(compiled), snapshot(oracle)
    assert all(same(a[k], b[k]) for k in a), [k for k in a if not same(a[k], b[k])]
    assert not same(a["staff"], snapshot(state)["staff"])  # it did something
    # Hire the rows now without a job into random open offices, some into talent jobs.
    jobless = rows[(compiled.workers.employer[rows] < 0) & (compiled.workers.city[rows] >= 0)]
    hired = np.unique(jobless)[:500]
    rng.shuffle(hired)
    offices = rng.choice(np.flatnonzero(state.firms.office_open), size=len(hired))
    wage = rng.uniform(3e4, 2e5, size=len(hired))
    talent = compiled.workers.degree[hired] >= TALENT_DEGREE
    accounts.take_jobs(compiled, hired, offices, wage, talent)
    numpy_take_jobs(oracle, hired, offices, wage, talent)
    a, b = snapshot(compiled), snapshot(oracle)
    assert all(same(a[k], b[k]) for k in a), [k for k in a if not same(a[k], b[k])]


def test_jobless_rows_match_numpy(stepped):
    state = stepped.state
    rng = np.random.default_rng(6)
    n = state.firms.n_offices
    closed = rng.choice(n, size=n // 10, replace=False)
    mask = np.zeros(n, dtype=np.uint8)
    mask[closed] = 1
    rows = kernels.jobless_rows(mask, state.workers.employer)
    assert same(rows, numpy_jobless_rows(n, closed, state.workers.employer))
    assert (state.workers.employer[rows] >= 0).any()  # some are staff of closed offices


# ------------------------------------------------------------------ labour market
def test_separation_hazards_match_numpy(stepped):
    state = stepped.state
    hazard, largest = kernels.separation_hazards(
        state.desired, state.desired_talent, state.staff, state.staff_talent, 0.012, 0.25
    )
    expected, expected_largest = numpy_separation_hazards(state, 0.012, 0.25)
    assert same(hazard, expected) and largest == expected_largest
    assert largest > 0.012  # some office lays off


def test_thinning_by_table_matches_a_gather(stepped):
    state, w = stepped.state, stepped.state.workers
    hazard, largest = numpy_separation_hazards(state, 0.012, 0.25)
    table, width = hazard.ravel(), hazard.shape[1]
    rng = np.random.default_rng(7)
    picked = np.sort(rng.choice(len(w), size=len(w) // 3, replace=False))
    uniform = rng.random(len(picked))
    kept = kernels.keep_by_hazard(picked, uniform, table, width, w.employer, w.talent_job, largest)
    gather = table[w.employer[picked] + width * w.talent_job[picked]]
    assert same(kept, picked[uniform * largest < gather])


@pytest.mark.parametrize("growth", [1.0, 3.0])
def test_postings_match_numpy(stepped, growth):
    """At this month's desires, and at three times them, where the cap of a quarter binds."""
    state, f = stepped.state, stepped.state.firms
    n = state.cities.n
    total, talent = state.desired * growth, state.desired_talent * growth
    uniform = np.random.default_rng(8).random((2, f.n_offices))
    posted, per_node, per_cell, tradable_talent = kernels.post(
        total, talent, state.staff, state.staff_talent, uniform,
        f.office_city, f.office_cell, f.office_tradable, n, n * N_SECTORS,
    )  # fmt: skip
    expected = numpy_post(state, np.random.default_rng(8), total, talent)
    assert same(posted, expected) and expected.sum() > 0
    if growth > 1:  # the cap binds somewhere
        other = total - talent - (state.staff - state.staff_talent)
        assert (other > 0.25 * (total - talent) + 1.0).any()
    assert same(per_node[:, 0], np.bincount(f.office_city, expected[0], n).astype(np.int64))
    assert same(per_node[:, 1], np.bincount(f.office_city, expected[1], n).astype(np.int64))
    cells = np.bincount(f.office_cell, expected[1], n * N_SECTORS).astype(np.int64)
    assert same(per_cell, cells)
    tradable = cells.reshape(n, -1)[:, TRADABLE].sum(axis=1)
    assert same(tradable_talent, tradable)


def test_binding_seats_keeps_a_numpy_pick(stepped):
    """The seats' cut is `first_k_per_group` over the tradable talent slots, same draw."""
    state, f = stepped.state, stepped.state.firms
    n = state.cities.n
    posted = numpy_post(state, np.random.default_rng(9))[1]
    offices = np.flatnonzero(f.office_tradable)
    slots = np.repeat(offices, posted[offices])
    free = np.bincount(f.office_city[slots], minlength=n) // 2  # binds everywhere it can
    keep = first_k_per_group(slots, f.office_city[slots], free, np.random.default_rng(10))
    expected = posted.copy()
    expected[offices] = np.bincount(keep, minlength=f.n_offices)[offices]
    order = np.random.default_rng(10).permutation(len(slots))
    compiled = posted.copy()
    per_node = kernels.bind_seats(compiled, f.office_tradable, f.office_city, order, free)
    assert same(compiled, expected) and not same(compiled, posted)
    assert same(per_node, np.bincount(f.office_city, expected, n).astype(np.int64))


# ------------------------------------------------------------------ picks
@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 30), min_size=1, max_size=14),
    wanted=st.lists(st.integers(0, 40), min_size=14, max_size=14),
    seed=st.integers(0, 2**32 - 1),
)
def test_first_k_kernel_is_the_numpy_pick(sizes, wanted, seed):
    group = np.repeat(np.arange(len(sizes)), sizes).astype(np.int8)
    group = group[np.random.default_rng(seed).permutation(len(group))]  # any order of groups
    items = np.arange(len(group), dtype=np.int64) * 3 + 1
    k = np.array(wanted[: len(sizes)], dtype=np.int64)
    expected = first_k_per_group(items, group, k, np.random.default_rng(seed + 1))
    picked = labour._first_k(
        items, group, k, np.random.default_rng(seed + 1), np.bincount(group, minlength=len(k))
    )
    assert same(picked, expected)


@settings(max_examples=60, deadline=None)
@given(
    posted=st.lists(st.integers(0, 6), min_size=1, max_size=40),
    seed=st.integers(0, 2**32 - 1),
)
def test_pick_slots_is_the_numpy_pick(posted, seed):
    rng = np.random.default_rng(seed)
    posted = np.array(posted, dtype=np.int64)
    city = rng.integers(0, 5, size=len(posted)).astype(np.int8)
    hires = rng.integers(0, 8, size=5)
    slots = np.repeat(np.arange(len(posted)), posted)
    open_slots = np.bincount(city, posted, 5).astype(np.int64)
    expected = first_k_per_group(
        slots, city[slots], hires, np.random.default_rng(seed + 1), sizes=open_slots
    )
    order = np.random.default_rng(seed + 1).permutation(int(posted.sum()))
    picked = kernels.pick_slots(posted, city, order, np.minimum(hires, open_slots))
    assert same(picked, expected.astype(np.int64))


# ------------------------------------------------------------------ record and exit
def test_office_sums_match_numpy(stepped):
    state, f = stepped.state, stepped.state.firms
    n, is_open = state.cities.n, f.office_open
    assert (~is_open).any() and (f.office_hq != f.office_city)[is_open].any()
    jobs, vacancies, bill, offices, branch_offices, node_offices, branches = (
        kernels.office_sums(
            is_open, f.office_hq, f.office_city, f.office_cell, state.staff, state.posted,
            state.office_wage_bill, n, n * N_SECTORS,
        )
    )  # fmt: skip
    cells = n * N_SECTORS
    branch = is_open & (f.office_hq != f.office_city)
    assert same(jobs, np.bincount(f.office_cell, state.staff * is_open, cells))
    posted = state.posted[0] + state.posted[1]
    assert same(vacancies, np.bincount(f.office_cell, posted * is_open, cells))
    open_bill = np.where(is_open, state.office_wage_bill, 0.0)
    assert same(bill, np.bincount(f.office_cell, weights=open_bill, minlength=cells))
    assert same(offices, np.bincount(f.office_cell, is_open, cells))
    assert same(branch_offices, np.bincount(f.office_cell, branch, cells))
    assert same(node_offices, np.bincount(f.office_city, is_open, n))
    key = f.office_hq[branch].astype(np.intp) * n + f.office_city[branch]
    assert same(branches, np.bincount(key, minlength=n * n).reshape(n, n).astype(float))
    metrics, _ = record.sector_metrics(state)
    assert same(metrics["offices"], offices.reshape(n, -1))
    # Offices opened after the month's postings posted nothing.
    narrow = state.posted[:, : f.n_offices - 30].copy()
    _, vacancies_narrow, *_ = kernels.office_sums(
        is_open, f.office_hq, f.office_city, f.office_cell, state.staff, narrow,
        state.office_wage_bill, n, n * N_SECTORS,
    )  # fmt: skip
    widened = np.zeros_like(state.posted)
    widened[:, : narrow.shape[1]] = narrow
    posted = widened[0] + widened[1]
    assert same(vacancies_narrow, np.bincount(f.office_cell, posted * is_open, cells))


def test_firm_sums_match_numpy(stepped):
    state, f = stepped.state, stepped.state.firms
    staff = np.where(f.office_open, state.staff, 0)
    firm_staff, firm_desired = kernels.firm_sums(
        f.office_firm, f.office_open, state.staff, state.desired, f.n_firms
    )
    assert same(firm_staff, np.bincount(f.office_firm, weights=staff, minlength=f.n_firms))
    expected = np.bincount(f.office_firm, weights=state.desired, minlength=f.n_firms)
    assert same(firm_desired, expected)


# ------------------------------------------------------------------ loading
LOAD_CHECK = """
from hubsim.engine import HubModel, kernels
from hubsim.experiments.replications import resolve
names = [n for n in dir(kernels) if hasattr(getattr(kernels, n), "signatures")]
# Branch offices, then the baseline to 2020: the Beijing cap, cash, rent, discounts, hukou.
runs = [("secondary-offices", 15), ("baseline", 126)]
model = HubModel(resolve("scenarios/secondary-offices.yaml", scale=20_000.0, months=15))
before = {n: list(getattr(kernels, n).signatures) for n in names}
for name, months in runs:
    model = HubModel(resolve(f"scenarios/{name}.yaml", scale=20_000.0, months=months))
    for _ in range(months):
        model.step()
after = {n: list(getattr(kernels, n).signatures) for n in names}
print(len(names), sorted(len(s) for s in before.values()), before == after, sep="|")
"""


@pytest.mark.slow  # 4-8 s: the default run stays under 3 minutes; CI runs it
def test_a_run_compiles_nothing_after_the_build():
    """`kernels.load` at build covers every dtype the engine passes: in a fresh interpreter,
    each kernel has one version after the build and a run adds none."""
    done = subprocess.run(
        [sys.executable, "-c", LOAD_CHECK], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    count, versions, unchanged = done.stdout.split("|")
    assert int(count) >= 10
    assert versions == "[" + ", ".join(["1"] * int(count)) + "]"
    assert unchanged.strip() == "True"


# ------------------------------------------------------------------ firms and migration
def test_desire_matches_numpy(stepped):
    state, f = stepped.state, stepped.state.firms
    factor, key = firms_phase.desire_parts(state)
    term = firms_phase._desire_term(state).ravel()
    share = state.talent_share_jobs.ravel()
    full = factor * term[key]
    since = f.n_offices - 40  # the last 40 offices new since an earlier call
    old = full * 1.5  # what that call left (any numbers; the closed are set to 0 again)
    old_talent = old * share[f.office_cell]
    desired, talent = old.copy(), old_talent.copy()
    kernels.desire(factor, key, term, f.office_open, share, f.office_cell, since, desired, talent)
    expected = np.where(f.office_open, np.concatenate([old[:since], full[since:]]), 0.0)
    new_talent = full[since:] * share[f.office_cell[since:]]
    expected_talent = np.where(f.office_open, np.concatenate([old_talent[:since], new_talent]), 0)
    assert same(desired, expected) and same(talent, expected_talent.astype(float))
    first, first_talent = old.copy(), old_talent.copy()
    kernels.desire(factor, key, term, f.office_open, share, f.office_cell, 0, first, first_talent)
    expected = np.where(f.office_open, full, 0.0)
    assert same(first, expected) and same(first_talent, expected * share[f.office_cell])


def test_closing_firms_and_presence_match_numpy(stepped):
    f = copy.deepcopy(stepped.state.firms)
    rng = np.random.default_rng(11)
    firms = np.sort(rng.choice(f.n_firms, size=f.n_firms // 4, replace=False))
    present = np.zeros((len(firms), 14), dtype=bool)
    row = np.full(f.n_firms, -1)
    row[firms] = np.arange(len(firms))
    theirs = f.office_open & (row[f.office_firm] >= 0)
    present[row[f.office_firm][theirs], f.office_city[theirs]] = True
    assert same(f.presence(14, firms), present) and present.any()
    mask = np.zeros(f.n_firms, dtype=bool)
    mask[firms] = True
    expected = np.flatnonzero(f.office_open & mask[f.office_firm])
    open_after = f.office_open.copy()
    open_after[expected] = False
    assert same(f.close_firms(firms), expected) and same(f.office_open, open_after)
    alive = f.alive
    counted = kernels.firms_by_node(f.hq_city, alive, 14)
    assert same(counted, np.bincount(f.hq_city[alive], minlength=14).astype(float))


def test_reconsidering_thinning_matches_the_rule(stepped):
    state, w = stepped.state, stepped.state.workers
    hazards = state.behaviour.migration.hazards
    now = state.calendar.now
    rng = np.random.default_rng(12)
    picked = np.sort(rng.choice(len(w), size=len(w) // 2, replace=False))
    levels, monthly = reconsider_levels(hazards)
    largest = float(monthly.max())
    uniform = rng.random(len(picked))
    kept = kernels.keep_reconsidering(
        picked, uniform, w.birth, w.employer, w.graduated, w.city, w.settled, now,
        hazards.young_age_max, levels, monthly, largest,
    )  # fmt: skip
    hazard = reconsider_hazard_per_month(
        age_years(w.birth[picked], now),
        w.employer[picked] < 0,
        months_since(w.graduated[picked], now),
        hazards,
    )
    hazard = np.where((w.city[picked] >= 0) & w.settled[picked], hazard, 0.0)
    assert same(kept, picked[uniform * largest < hazard])
    assert len(np.unique(hazard)) >= 3  # young, older and newly graduated rows among them


def test_shifting_residents_matches_numpy(stepped):
    state = stepped.state
    rows = np.flatnonzero(state.workers.city >= 0)[::7]
    for sign in (-1, +1):
        compiled, oracle = copy.deepcopy(state), copy.deepcopy(state)
        accounts.shift_residents(compiled, rows, sign)
        numpy_shift_counts(oracle, rows, sign, "population", "talent", "college")
        for key in ("population", "talent", "college"):
            assert same(compiled.counts[key], oracle.counts[key]), key
            assert not same(compiled.counts[key], state.counts[key])


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 300), nodes=st.integers(2, 14), seed=st.integers(0, 2**32 - 1))
def test_drawn_choices_are_the_rules(rows, nodes, seed):
    weights = np.random.default_rng(seed).exponential(size=(rows, nodes))
    weights[:, 0] = 0.0  # a node nobody can choose
    expected = choice.draw_choices(weights, np.random.default_rng(seed + 1))
    drawn = kernels.draw_choices(weights, np.random.default_rng(seed + 1).random(rows))
    assert same(drawn, expected.astype(np.int64)) and not (drawn == 0).any()


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
    has_subsidy=st.booleans(),
    has_cap=st.booleans(),
    per_row=st.booleans(),
)
def test_chooser_values_are_the_rules(rows, seed, has_subsidy, has_cap, per_row):
    """The fused utility against rules.choice: moving cost, a cap's cost, then V."""
    rng = np.random.default_rng(seed)
    nodes = 14
    current, origin = rng.integers(0, nodes, rows), rng.integers(0, nodes, rows)
    origin[::3] = current[::3]  # some leave their origin
    distance = rng.uniform(0, 3, (nodes, nodes))
    hukou = rng.random((rows, nodes)) < 0.3
    subsidy = np.where(rng.random((rows, nodes)) < 0.5, rng.uniform(0, 5, (rows, nodes)), 0.0)
    cap = np.where(rng.random(nodes) < 0.3, rng.uniform(0, 2, nodes), 0.0)
    pays = rng.random((rows, nodes)) < 0.5
    degree = rng.integers(0, 5, rows)
    table = rng.normal(size=(rows, nodes) if per_row else (5, nodes))
    place_row = np.arange(rows) if per_row else degree
    b_h, b_s = rng.normal(), rng.normal()
    cost = choice.moving_cost(current, origin, distance, 0.7, 0.3, 0.4)
    if has_cap:
        cost = cost + np.where(pays, cap[None, :], 0.0)
    expected = choice.chooser_utility(
        table[place_row], hukou, subsidy if has_subsidy else 0.0, cost, b_h, b_s
    )
    value = kernels.chooser_values(
        table, place_row, hukou, subsidy if has_subsidy else np.zeros((1, 1)), has_subsidy,
        current, origin, distance, 0.7, 0.3, 0.4, cap, has_cap,
        pays if has_cap else np.zeros((1, 1), dtype=bool), b_h, b_s,
    )  # fmt: skip
    assert same(value, expected)


def test_kernels_refuse_inputs_that_would_index_out_of_range():
    """Numba does not check indices: the kernels check the lengths they rely on."""
    group = np.array([0, 0, 1], dtype=np.int64)
    with pytest.raises(ValueError, match="fewer items"):
        kernels.first_k_per_group(group, np.arange(3), np.array([1, 2]))
    with pytest.raises(ValueError, match="out of range"):
        kernels.first_k_per_group(group, np.array([0, 1, 5]), np.array([1, 1]))
    posted, city = np.array([2, 1], dtype=np.int64), np.array([0, 1], dtype=np.int8)
    with pytest.raises(ValueError, match="not one of the slots"):
        kernels.pick_slots(posted, city, np.arange(2), np.array([1, 1]))
    tradable = np.ones(2, dtype=bool)
    with pytest.raises(ValueError, match="not one of the slots"):
        kernels.bind_seats(posted.copy(), tradable, city, np.arange(4), np.array([1, 1]))
    assert same(kernels.pick_slots(posted, city, np.array([2, 0, 1]), np.array([1, 1])),
                np.array([0, 1]))  # fmt: skip
