"""Compiled loops (numba) for the month's bookkeeping: jobs starting and ending, postings, picks.

A month at 100,000 workers is several hundred numpy calls on arrays of a few thousand elements,
so call overhead, not the data, sets the pace; each kernel here is one pass where numpy took a
dozen calls. The random draws stay numpy's: a kernel takes the uniforms or the permutation its
caller drew from the same stream, in the same order, and does the arithmetic numpy did in the
same order, so every output is bit for bit what the numpy code gave (`tests/engine/
test_kernels.py` checks each kernel against that code).

Compiled the first time (3-6 s in all) and cached beside this file, or in numba's per-user cache
where the package cannot be written (compiled again after an edit, in a new checkout or venv, or
with another numba). `load` (called when a model is built) loads every kernel for the dtypes the
engine passes (about 0.25 s a process from the cache, after 0.4 s to import numba), so no month
pays for it; a test checks that a run then compiles nothing more. Numba does not check indices:
the wrappers and the kernels check the lengths they rely on.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def _jit(function):
    """Compiled, cached beside this file (or in numba's per-user cache, `NUMBA_CACHE_DIR`);
    where neither can be written, compiled in each process without a cache."""
    try:
        return njit(cache=True, nogil=True)(function)
    except RuntimeError:  # numba's "cannot cache function ...: no locator available"
        return njit(nogil=True)(function)


# ------------------------------------------------------------------ jobs
@_jit
def lose_jobs(
    rows, employer, talent_job, wage, city, degree, talent_degree,
    staff, staff_talent, cell_talent, office_cell, office_bill, wage_bill,
    employed, employed_talent,
):  # fmt: skip
    """`accounts.lose_jobs`: the employed among `rows` lose their jobs; accounts follow."""
    nodes = wage_bill.shape[0]
    bill = np.zeros(staff.shape[0])
    seen = np.zeros(staff.shape[0], np.bool_)
    touched = np.empty(rows.shape[0], np.int64)
    n_touched = 0
    node_bill = np.zeros(nodes)
    left = np.zeros(nodes, np.int64)
    left_talent = np.zeros(nodes, np.int64)
    for r in rows:
        e = employer[r]
        if e < 0:
            continue
        if not seen[e]:
            seen[e] = True
            touched[n_touched] = e
            n_touched += 1
        c = city[r]
        if c < 0:
            raise ValueError("lose_jobs: an employed row without a city")
        left[c] += 1
        if degree[r] >= talent_degree:
            left_talent[c] += 1
        staff[e] -= 1
        if talent_job[r]:
            staff_talent[e] -= 1
            cell_talent[office_cell[e]] -= 1
        # Per-office and per-node sums first, in row order, then one subtraction: np.bincount's
        # order of additions.
        bill[e] += np.float64(wage[r])
        node_bill[c] += np.float64(wage[r])
    if n_touched == 0:
        return
    # Only the offices concerned: x - 0.0 is x, so the others are as numpy's whole-array
    # subtraction leaves them.
    for e in touched[:n_touched]:
        office_bill[e] -= bill[e]
    for c in range(nodes):
        wage_bill[c] -= node_bill[c]
        employed[c] -= left[c]
        employed_talent[c] -= left_talent[c]
    for r in rows:
        if employer[r] >= 0:
            employer[r] = -1
            wage[r] = 0.0
            talent_job[r] = False


@_jit
def take_jobs(
    rows, offices, new_wage, new_talent_job, employer, talent_job, wage, city, degree,
    talent_degree, staff, staff_talent, cell_talent, office_cell, office_bill, wage_bill,
    employed, employed_talent,
):  # fmt: skip
    """`accounts.take_jobs`: rows are hired by offices at `new_wage`; accounts follow."""
    nodes = wage_bill.shape[0]
    for i in range(rows.shape[0]):
        r = rows[i]
        employer[r] = offices[i]
        wage[r] = new_wage[i]  # float32, as the column holds it
        talent_job[r] = new_talent_job[i]
    bill = np.zeros(staff.shape[0])
    seen = np.zeros(staff.shape[0], np.bool_)
    touched = np.empty(rows.shape[0], np.int64)
    n_touched = 0
    node_bill = np.zeros(nodes)
    hired = np.zeros(nodes, np.int64)
    hired_talent = np.zeros(nodes, np.int64)
    for i in range(rows.shape[0]):
        r, e = rows[i], offices[i]
        c = city[r]
        if c < 0 or e < 0 or e >= staff.shape[0]:
            raise ValueError("take_jobs: a row without a city, or no such office")
        if not seen[e]:
            seen[e] = True
            touched[n_touched] = e
            n_touched += 1
        staff[e] += 1
        if new_talent_job[i]:
            staff_talent[e] += 1
            cell_talent[office_cell[e]] += 1
        bill[e] += np.float64(wage[r])
        node_bill[c] += np.float64(wage[r])
        hired[c] += 1
        if degree[r] >= talent_degree:
            hired_talent[c] += 1
    # Only the offices concerned: x + 0.0 is x but for x = -0.0, which a bill never is (sums of
    # wages less sums of the same wages are +0.0 at worst).
    for e in touched[:n_touched]:
        office_bill[e] += bill[e]
    for c in range(nodes):
        wage_bill[c] += node_bill[c]
        employed[c] += hired[c]
        employed_talent[c] += hired_talent[c]


@_jit
def shift_residents(rows, city, degree, talent_degree, college, sign, population, talent,
                    college_counts):  # fmt: skip
    """`accounts.shift_residents`: rows arrive in (+1) or leave (-1) their city; its
    population, talent (bachelor and above) and college counts follow (whole numbers, added
    once per node as numpy's bincount did)."""
    nodes = population.shape[0]
    people = np.zeros(nodes, np.int64)
    graduates = np.zeros(nodes, np.int64)
    colleges = np.zeros(nodes, np.int64)
    for r in rows:
        c = city[r]
        if c < 0:
            raise ValueError("shift_residents: a row without a city")
        people[c] += 1
        if degree[r] >= talent_degree:
            graduates[c] += 1
        elif degree[r] == college:
            colleges[c] += 1
    for c in range(nodes):
        population[c] += sign * people[c]
        talent[c] += sign * graduates[c]
        college_counts[c] += sign * colleges[c]


@_jit
def jobless_rows(closed, employer):
    """Rows without a job or employed by an office marked in `closed` (bytes, one per office),
    ascending."""
    out = np.empty(employer.shape[0], np.int64)
    n = 0
    for r in range(employer.shape[0]):
        e = employer[r]
        out[n] = r  # written always, kept if jobless
        n += (e < 0) or closed[e] != 0
    return out[:n].copy()


# ------------------------------------------------------------------ labour market
@_jit
def separation_hazards(desired, desired_talent, staff, staff_talent, separation, layoff_speed):
    """(group, office + 1) monthly hazards of leaving a job (other jobs' row, then talent's),
    each row ending in a 0 that the unemployed read; and the largest."""
    n = staff.shape[0]
    hazard = np.zeros((2, n + 1))
    largest = 0.0
    for o in range(n):
        for g in range(2):
            if g == 0:
                want, have = desired[o] - desired_talent[o], staff[o] - staff_talent[o]
            else:
                want, have = desired_talent[o], staff_talent[o]
            excess = max(have - 1.1 * want, 0.0)
            h = separation + layoff_speed * excess / max(have, 1)
            hazard[g, o] = h
            if np.isnan(h) or h > largest:  # a NaN stays, as in hazard.max()
                largest = h
    return hazard, largest


@_jit
def keep_by_hazard(picked, uniform, table, width, employer, talent_job, max_hazard):
    """The rows of `picked` whose uniform x max_hazard is below their job's hazard in `table`
    (flattened (group, office + 1); employer -1 reads its last entry, a 0)."""
    out = np.empty(picked.shape[0], picked.dtype)
    n = 0
    for i in range(picked.shape[0]):
        r = picked[i]
        index = employer[r] + width * np.int64(talent_job[r])
        if index < 0:
            index += table.shape[0]
        if uniform[i] * max_hazard < table[index]:
            out[n] = r
            n += 1
    return out[:n].copy()


@_jit
def post(desired, desired_talent, staff, staff_talent, uniform, office_city, office_cell,
         tradable, nodes, cells):  # fmt: skip
    """(group, office) postings: each office's gap to its desired headcount, at most a quarter
    of it plus one, rounded stochastically with `uniform` (same shape); with the postings per
    (node, group), talent postings per cell and tradable talent postings per node."""
    n = staff.shape[0]
    if uniform.shape[0] != 2 or uniform.shape[1] != n or desired.shape[0] != n:
        raise ValueError("post: one uniform and one desire per group and office")
    posted = np.zeros((2, n), np.int64)
    per_node = np.zeros((nodes, 2), np.int64)
    per_cell = np.zeros(cells, np.int64)
    tradable_talent = np.zeros(nodes, np.int64)
    for g in range(2):
        for o in range(n):
            if g == 0:
                want, have = desired[o] - desired_talent[o], staff[o] - staff_talent[o]
            else:
                want, have = desired_talent[o], staff_talent[o]
            gap = min(max(want - have, 0.0), 0.25 * want + 1.0)
            whole = np.floor(gap)
            k = np.int64(whole + (1.0 if uniform[g, o] < gap - whole else 0.0))
            posted[g, o] = k
            per_node[office_city[o], g] += k
            if g == 1:
                per_cell[office_cell[o]] += k
                if tradable[o]:
                    tradable_talent[office_city[o]] += k
    return posted, per_node, per_cell, tradable_talent


@_jit
def bind_seats(posted_talent, tradable, office_city, order, free):
    """Tradable talent postings cut to the seats left: of each node's posted slots (offices in
    ascending order, each repeated by its postings), the first `free` in `order` (a permutation
    of the slots) are kept. Rewrites `posted_talent`; returns the talent postings per node."""
    n, nodes = posted_talent.shape[0], free.shape[0]
    slots = np.empty(order.shape[0], np.int64)
    size = np.zeros(nodes, np.int64)
    s = 0
    for o in range(n):
        if tradable[o]:
            for _ in range(posted_talent[o]):
                if s < slots.shape[0]:  # more slots than `order` fails below
                    slots[s] = o
                s += 1
            size[office_city[o]] += posted_talent[o]
    if s != order.shape[0]:
        raise ValueError("bind_seats: the permutation is not one of the slots")
    kept = np.zeros(nodes, np.int64)
    take = np.minimum(free, size)
    for o in range(n):
        if tradable[o]:
            posted_talent[o] = 0
    for i in range(order.shape[0]):
        o = slots[order[i]]
        c = office_city[o]
        if kept[c] < take[c]:
            kept[c] += 1
            posted_talent[o] += 1
    per_node = np.zeros(nodes, np.int64)
    for o in range(n):
        per_node[office_city[o]] += posted_talent[o]
    return per_node


# ------------------------------------------------------------------ picks
@_jit
def first_k_per_group(group, order, take):
    """`rules.sampling.first_k_per_group` after its permutation `order`: the positions of the
    first take[g] items of each group g in the order `order` visits them, grouped by g
    ascending (numpy's stable sort of the permutation by group, then a slice per group)."""
    groups = take.shape[0]
    start = np.empty(groups, np.int64)
    total = 0
    for g in range(groups):
        start[g] = total
        total += take[g]
    out = np.empty(total, np.int64)
    filled = np.zeros(groups, np.int64)
    left = total
    for i in range(order.shape[0]):
        if left == 0:
            break
        j = order[i]
        if j < 0 or j >= group.shape[0] or group[j] < 0 or group[j] >= groups:
            raise ValueError("first_k_per_group: an order or a group out of range")
        g = group[j]
        if filled[g] < take[g]:
            out[start[g] + filled[g]] = j
            filled[g] += 1
            left -= 1
    if left != 0:
        raise ValueError("first_k_per_group: a group has fewer items than it takes")
    return out


@_jit
def pick_slots(posted, office_city, order, take):
    """Offices of the hires: of the slots (offices in ascending order, each repeated by its
    `posted`), the first take[c] of each node c in `order`, grouped by node ascending."""
    slots = np.empty(order.shape[0], np.int64)
    slot_city = np.empty(order.shape[0], np.int64)
    s = 0
    for o in range(posted.shape[0]):
        c = office_city[o]
        for _ in range(posted[o]):
            if s < slots.shape[0]:  # more slots than `order` fails below
                slots[s] = o
                slot_city[s] = c
            s += 1
    if s != order.shape[0]:
        raise ValueError("pick_slots: the permutation is not one of the slots")
    return slots[first_k_per_group(slot_city, order, take)]


# ------------------------------------------------------------------ firms
@_jit
def desire(factor, key, term, office_open, share, office_cell, since, desired, desired_talent):
    """In place: desired headcount and talent jobs of every office (0 where closed), factor x
    term[key] and that times the talent share of its cell, for the offices from `since` on;
    those before keep theirs (0 if closed since)."""
    n = office_open.shape[0]
    if desired.shape[0] != n or desired_talent.shape[0] != n:
        raise ValueError("desire: one desire per office")
    for o in range(n):
        if not office_open[o]:
            desired[o], desired_talent[o] = 0.0, 0.0
        elif o >= since:
            desired[o] = factor[o] * term[key[o]]
            desired_talent[o] = desired[o] * share[office_cell[o]]


@_jit
def close_offices_of(office_open, office_firm, closing_firm):
    """Close the open offices of the firms marked in `closing_firm`; returns them, ascending."""
    out = np.empty(office_open.shape[0], np.int64)
    n = 0
    for o in range(office_open.shape[0]):
        if office_open[o] and closing_firm[office_firm[o]]:
            office_open[o] = False
            out[n] = o
            n += 1
    return out[:n].copy()


@_jit
def presence(office_open, office_firm, office_city, firms, n_firms, nodes):
    """(len(firms), nodes): whether each of `firms` (distinct) has an open office in each node."""
    row = np.full(n_firms, -1, np.int64)
    for i in range(firms.shape[0]):
        row[firms[i]] = i
    present = np.zeros((firms.shape[0], nodes), np.bool_)
    for o in range(office_open.shape[0]):
        if office_open[o]:
            i = row[office_firm[o]]
            if i >= 0:
                present[i, office_city[o]] = True
    return present


# ------------------------------------------------------------------ migration
@_jit
def keep_reconsidering(picked, uniform, birth, employer, graduated, city, settled, now,
                       young_age_max, yearly, monthly, max_hazard):  # fmt: skip
    """The rows of `picked` whose uniform x max_hazard is below their monthly hazard of
    reconsidering (`rules.workers.reconsider_hazard_per_month`): the largest of the yearly
    hazards (base or young, unemployed, new graduate: `yearly`, in that order) that applies,
    read as `monthly` (1 - exp(-yearly / 12), computed by numpy); 0 for removed rows and
    unsettled graduates."""
    out = np.empty(picked.shape[0], picked.dtype)
    n = 0
    for i in range(picked.shape[0]):
        r = picked[i]
        if city[r] < 0 or not settled[r]:
            continue
        level = 1 if (now - np.int32(birth[r])) // 12 <= young_age_max else 0
        if employer[r] < 0 and yearly[2] > yearly[level]:
            level = 2
        since = now - np.int32(graduated[r])
        if 0 <= since < 12 and yearly[3] > yearly[level]:
            level = 3
        if uniform[i] * max_hazard < monthly[level]:
            out[n] = r
            n += 1
    return out[:n].copy()


@_jit
def chooser_values(place, place_row, hukou_ok, subsidy, has_subsidy, current, origin,
                   distance, fixed, per_1000km, leaving_origin, cap, has_cap, pays_cap, b_h,
                   b_s):  # fmt: skip
    """V_ij of `rules.choice.chooser_utility` with the moving cost of `rules.choice.moving_cost`
    and the caps' cost, element by element in their order: place[place_row[i], j] + b_h H_ij
    + b_s S_ij - C_ij, C_ij = fixed + per_1000km d + leaving_origin (when leaving one's origin)
    for a move, plus cap_j times `pays_cap[i, j]` (the share of the cap's cost i pays in j: 0
    for one already living there) when `has_cap`."""
    n, nodes = hukou_ok.shape
    value = np.empty((n, nodes))
    for i in range(n):
        here, home = current[i], current[i] == origin[i]
        for j in range(nodes):
            moving = j != here
            cost = 0.0
            if moving:
                cost = fixed + per_1000km * distance[here, j]
                cost = cost + (leaving_origin if home else 0.0)
            if has_cap:
                cost = cost + cap[j] * pays_cap[i, j]
            v = place[place_row[i], j] + b_h * (1.0 if hukou_ok[i, j] else 0.0)
            v = v + b_s * (subsidy[i, j] if has_subsidy else 0.0)
            value[i, j] = v - cost
    return value


@_jit
def draw_choices(weights, uniform):
    """`rules.choice.draw_choices` with its uniforms given: per row, how many of the running
    sums of `weights` lie below uniform x the row's total (at most the last column)."""
    rows, nodes = weights.shape
    out = np.empty(rows, np.int64)
    running = np.empty(nodes)
    for i in range(rows):
        total = 0.0
        for j in range(nodes):
            total += weights[i, j]
            running[j] = total
        u = uniform[i] * total
        k = 0
        for j in range(nodes):
            k += running[j] < u
        out[i] = min(k, nodes - 1)
    return out


# ------------------------------------------------------------------ record
@_jit
def office_sums(office_open, office_hq, office_city, office_cell, staff, posted, bill, nodes,
                cells):  # fmt: skip
    """Of the open offices, per (node, sector) cell: jobs, vacancies, real wage bill, offices
    and branch offices; per node, offices; per (headquarters, branch node), branch offices.
    The bill sums in office order, as np.bincount (closed offices' 0.0 leave a sum as it is)."""
    jobs, vacancies = np.zeros(cells), np.zeros(cells)
    wage_bill, offices, branch_offices = np.zeros(cells), np.zeros(cells), np.zeros(cells)
    node_offices, branches = np.zeros(nodes), np.zeros((nodes, nodes))
    for o in range(staff.shape[0]):
        if not office_open[o]:
            continue
        cell, city, hq = office_cell[o], office_city[o], office_hq[o]
        jobs[cell] += staff[o]
        if o < posted.shape[1]:  # offices opened since the postings posted nothing
            vacancies[cell] += posted[0, o] + posted[1, o]
        wage_bill[cell] += bill[o]
        offices[cell] += 1.0
        node_offices[city] += 1.0
        if hq != city:
            branch_offices[cell] += 1.0
            branches[hq, city] += 1.0
    return jobs, vacancies, wage_bill, offices, branch_offices, node_offices, branches


@_jit
def firms_by_node(hq_city, alive, nodes):
    """Living firms per headquarters node, as floats."""
    count = np.zeros(nodes)
    for f in range(alive.shape[0]):
        if alive[f]:
            count[hq_city[f]] += 1.0
    return count


@_jit
def firm_sums(office_firm, office_open, staff, desired, firms):
    """Per firm: staff of its open offices and desired headcount of all its offices (closed
    ones desire 0), summed in office order as np.bincount."""
    firm_staff, firm_desired = np.zeros(firms), np.zeros(firms)
    for o in range(office_firm.shape[0]):
        f = office_firm[o]
        if office_open[o]:
            firm_staff[f] += staff[o]
        firm_desired[f] += desired[o]
    return firm_staff, firm_desired


def load() -> None:
    """Load (or, the first time, compile) every kernel for the dtypes the engine passes, by
    calling each on empty arrays: one-off work done when a model is built, not in a month."""
    i1, i4, i8, u1, f4, f8, b1 = (
        np.int8, np.int32, np.int64, np.uint8, np.float32, np.float64, np.bool_
    )  # fmt: skip

    def e(dtype):
        return np.zeros(0, dtype)

    def e2(dtype):
        return np.zeros((2, 0), dtype)

    counts = (e(f8), e(f8), e(f8), e(f8))
    offices = (e(i8), e(i8), e(i8), e(i8))
    lose_jobs(e(i8), e(i4), e(b1), e(f4), e(i1), e(i1), 2, *offices, *counts)
    take_jobs(e(i8), e(i8), e(f8), e(b1), e(i4), e(b1), e(f4), e(i1), e(i1), 2, *offices, *counts)
    jobless_rows(e(u1), e(i4))
    shift_residents(e(i8), e(i1), e(i1), 2, 1, 1, e(f8), e(f8), e(f8))
    separation_hazards(e(f8), e(f8), e(i8), e(i8), 0.0, 0.0)
    keep_by_hazard(e(i8), e(f8), np.zeros(1), 1, e(i4), e(b1), 1.0)
    post(e(f8), e(f8), e(i8), e(i8), e2(f8), e(i1), e(i8), e(b1), 0, 0)
    bind_seats(e(i8), e(b1), e(i1), e(i8), e(i8))
    first_k_per_group(e(i8), e(i8), e(i8))
    pick_slots(e(i8), e(i1), e(i8), e(i8))
    office_sums(e(b1), e(i1), e(i1), e(i8), e(i8), e2(i8), e(f8), 0, 0)
    firm_sums(e(i4), e(b1), e(i8), e(f8), 0)
    firms_by_node(e(i1), e(b1), 0)
    close_offices_of(e(b1), e(i4), e(b1))
    presence(e(b1), e(i4), e(i1), e(i8), 0, 0)
    draw_choices(np.zeros((0, 14)), e(f8))
    b2 = np.zeros((0, 14), b1)
    chooser_values(
        np.zeros((5, 14)), e(i8), b2, np.zeros((1, 1)), False, e(i8), e(i8), np.zeros((14, 14)),
        0.0, 0.0, 0.0, np.zeros(14), False, np.zeros((0, 14)), 0.0, 0.0,
    )  # fmt: skip
    i2 = np.int16
    desire(e(f8), e(i8), e(f8), e(b1), e(f8), e(i8), 0, e(f8), e(f8))
    keep_reconsidering(e(i8), e(f8), e(i2), e(i4), e(i2), e(i1), e(b1), 0, 0, e(f8), e(f8), 1.0)
