"""Model-level tests: dated programmes as Mesa events, January budgets, July cohorts, run tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hubsim
from hubsim.engine import HubModel, accounts
from hubsim.engine.phases import demography
from hubsim.engine.pool import graduate_schedule
from hubsim.engine.rules.demography import cohort_by_degree
from hubsim.engine.rules.sampling import first_k_per_group
from hubsim.experiments.replications import resolve
from hubsim.scenario import CITY_KEYS, Demography, scenario_from_dict

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def scenario(programmes: list[dict], months: int, scale: float = 20_000, **extra):
    return scenario_from_dict(
        {
            "name": "model_test",
            "months": months,
            "scale": scale,
            "seed": 99,
            "programmes": programmes,
            **extra,
        }
    )


# ----------------------------------------------------------------------------- programmes
PROGRAMMES = [
    # Starts before the run: in force from month 0.
    {"city": "wuhan", "start": "2009-06", "instrument": "hukou"},
    # A window inside the run: months 3..7.
    {
        "city": "chengdu",
        "start": "2010-04",
        "end": "2010-08",
        "instrument": "cash",
        "amount": 10_000,
    },
    # Starts in the second year.
    {"city": "nanjing", "start": "2011-02", "instrument": "rent", "amount": 600, "months": 12},
    # Ended before the run: never in force.
    {"city": "xian", "start": "2008-01", "end": "2009-12", "instrument": "hukou"},
]


def test_programmes_switch_on_and_off_at_their_months():
    model = HubModel(scenario(PROGRAMMES, months=16))
    start, end = model.state.book.start, model.state.book.end
    np.testing.assert_array_equal(start, [-7, 3, 13, -24])
    assert not model.state.book.active.any()  # nothing before the first event
    for month in range(16):
        model.step()
        assert model.state.calendar.month == month
        expected = (start <= month) & (end >= month)
        np.testing.assert_array_equal(model.state.book.active, expected, err_msg=f"month {month}")
    # Over the run the window programme was on exactly in months 3..7 (checked above) and the
    # pre-run ended programme never.
    assert not model.state.book.active[3]


def test_programme_switch_is_a_mesa_event():
    """The switch happens in Mesa's event list between steps, not inside the step."""
    model = HubModel(scenario(PROGRAMMES, months=16))
    model.run_for(0.5)  # process events up to t = 0.5; the first step is at t = 1.0
    assert model.state.calendar.month == -1  # no month simulated yet
    np.testing.assert_array_equal(model.state.book.active, [True, False, False, False])
    model.run_for(3.0)  # t = 3.5: events for month 3 have fired, months 0..2 simulated
    assert model.state.calendar.month == 2
    np.testing.assert_array_equal(model.state.book.active, [True, True, False, False])


def test_budget_resets_each_january_and_is_respected():
    # Each claim asks 20,000 yuan x 5,000 people = 1e8; the budget pays three a year.
    budget = 3e8
    programmes = [
        {
            "city": "chengdu",
            "start": "2010-01",
            "instrument": "cash",
            "amount": 20_000,
            "eligibility": {"min_degree": "bachelor", "graduated_within_years": 1},
            "budget_yuan_per_year": budget,
        },
        # Nobody is eligible (PhD aged 16 at most): spends nothing, shows the bare reset.
        {
            "city": "xiamen",
            "start": "2010-01",
            "instrument": "cash",
            "amount": 1_000,
            "eligibility": {"min_degree": "phd", "max_age": 16},
            "budget_yuan_per_year": 5e5,
        },
    ]
    model = HubModel(scenario(programmes, months=20, scale=5000))
    book = model.state.book
    spent_by_year: dict[int, float] = {}
    year_start_spent = book.spent_yuan.copy()
    for month in range(20):
        if month % 12 == 0:
            year_start_spent = book.spent_yuan.copy()
        if month == 9:
            book.remaining[1] = 0.0  # as if spent by October
        model.step()
        this_year = book.spent_yuan - year_start_spent
        np.testing.assert_allclose(book.remaining[0], budget - this_year[0], rtol=1e-12)
        assert this_year[0] <= budget + 1e-6  # the budget is never overspent
        if 9 <= month <= 11:
            assert book.remaining[1] == 0.0  # no reset within the year
        if month == 12:
            assert book.remaining[1] == 5e5  # reset before January is simulated
        spent_by_year[month // 12] = this_year[0]
    assert book.spent_yuan[1] == 0.0
    # 2010's budget ran out with the July cohort and claims were refused...
    assert spent_by_year[0] == pytest.approx(budget)
    assert book.refused_yuan[0] > 0
    # ... yet the programme paid again in 2011 (July 2011 cohort) after the January reset.
    assert spent_by_year[1] > 0


def test_july_cohort_enters_in_july_only():
    model = HubModel(scenario([], months=14))
    schedule = graduate_schedule()
    demo = model.state.behaviour.demography
    cohort = cohort_by_degree(demo, 2010, schedule.years, schedule.people).sum()
    cohort /= model.state.scale
    share = (
        model.state.cities.universities[:-1]
        / model.state.behaviour.demography.national_universities
    )
    for month in range(14):
        rows_before = len(model.state.workers)
        model.step()
        entrants = model.city_metrics["entrants"]
        if month == 6:
            assert model.state.tallies.entrants.sum() > 0 and entrants.sum() > 0
            now = model.state.calendar.now
            w = model.state.workers
            # Graduates appear at university cities, one per `scale` people, unsettled at first
            # and settled after their July choice (one rounding per city and degree) ...
            new = np.flatnonzero((w.graduated == now) & (w.arrived < now))
            assert abs(len(new) - cohort * share.sum()) <= len(CITY_KEYS) * 4
            # ... and graduates of the rest of China's universities who chose a city arrive.
            from_outside = np.flatnonzero((w.graduated == now) & (w.arrived == now))
            assert len(from_outside) > 0 and np.all(w.hukou[from_outside] >= 0)
            new = np.concatenate([new, from_outside])
            assert np.all(w.degree[new] >= 1)
            assert np.all(w.settled[new])
            assert len(model.state.workers) > rows_before
        else:
            assert model.state.tallies.entrants.sum() == 0 and entrants.sum() == 0, f"month {month}"


def test_no_cohort_without_demography():
    sc = scenario([], months=8, behaviour={"switches": {"demography": False}})
    model = HubModel(sc)

    def national(m: HubModel) -> float:
        return np.count_nonzero(m.state.workers.city >= 0) + m.state.outside_agents.sum()

    total = national(model)
    for _ in range(8):
        model.step()
        assert model.state.tallies.entrants.sum() == 0 and model.state.tallies.retired.sum() == 0
        assert national(model) == pytest.approx(total, rel=1e-12)
    assert model.state.workers.settled.all()  # no unsettled graduates appeared


def test_cohorts_follow_the_data_then_the_trend():
    schedule = graduate_schedule()

    def cohort(demo: Demography, year: int) -> np.ndarray:
        return cohort_by_degree(demo, year, schedule.years, schedule.people)

    demo = Demography()
    # graduates_by_level.csv, 2019: college, bachelor, master, PhD
    np.testing.assert_array_equal(cohort(demo, 2019), [0, 3_638_141, 3_947_157, 577_088, 62_578])
    np.testing.assert_array_equal(cohort(demo, 2030), cohort(demo, 2023))  # held flat after
    growing = Demography(graduate_growth_after_last_year=0.02)
    np.testing.assert_allclose(cohort(growing, 2025), cohort(demo, 2023) * 1.02**2)
    falling = Demography(graduate_decline_from_year=2024, graduate_decline_per_year=0.1)
    np.testing.assert_array_equal(cohort(falling, 2023), cohort(demo, 2023))
    np.testing.assert_allclose(cohort(falling, 2025), cohort(demo, 2023) * 0.9**2)
    halved = Demography(graduate_cohort_factor=0.5)
    np.testing.assert_allclose(cohort(halved, 2015), cohort(demo, 2015) / 2)


# ----------------------------------------------------------------------------- helpers
@settings(max_examples=150, deadline=None)
@given(
    groups=st.lists(st.integers(0, 4), min_size=0, max_size=60),
    k=st.lists(st.integers(0, 8), min_size=5, max_size=5),
    seed=st.integers(0, 2**32 - 1),
)
def test_first_k_per_group_property(groups, k, seed):
    group = np.array(groups, dtype=np.intp)
    items = np.arange(len(group)) * 10 + 3
    k = np.array(k)
    chosen = first_k_per_group(items, group, k, np.random.default_rng(seed))
    assert len(np.unique(chosen)) == len(chosen)
    assert np.all(np.isin(chosen, items))
    chosen_group = group[(chosen - 3) // 10]
    for g in range(5):
        assert np.sum(chosen_group == g) == min(k[g], np.sum(group == g))
    # Grouped in ascending order of group, as _match relies on.
    assert np.all(np.diff(chosen_group) >= 0)


def test_first_k_per_group_is_uniform():
    rng = np.random.default_rng(8)
    items, group, k = np.arange(10), np.zeros(10, dtype=np.intp), np.array([3])
    counts = np.zeros(10)
    for _ in range(20_000):
        counts[first_k_per_group(items, group, k, rng)] += 1
    # Each item is picked with probability 3/10.
    se = np.sqrt(0.3 * 0.7 / 20_000)
    np.testing.assert_array_less(np.abs(counts / 20_000 - 0.3), 5 * se)


# ----------------------------------------------------------------------------- run tables
def test_run_starting_after_2015():
    result = hubsim.run(BASELINE, overrides=["start=2016-01"], months=3, scale=20_000, plots=False)
    assert len(result.city_month) > 0
    growth = result.calibration[result.calibration.quantity.str.startswith("population growth")]
    assert growth.simulated.isna().all()  # no 2010-2015 window to compare with


@pytest.mark.parametrize(
    "start",
    [
        "2010-01",
        "2015-07",
    ],
)
def test_flows_year_matches_monthly_inflows_by_calendar_year(start):
    result = hubsim.run(
        BASELINE, overrides=[f"start={start}"], months=18, scale=20_000, plots=False
    )
    cm = result.city_month
    inflow = cm[cm.metric == "inflow"]
    monthly = inflow.groupby(inflow.date.dt.year)["value"].sum()
    yearly = result.flows_year.groupby("year")["movers"].sum()
    assert list(yearly.index) == list(monthly.index)
    np.testing.assert_allclose(yearly.to_numpy(), monthly.to_numpy(), rtol=1e-9)


def test_counts_are_kept_current_through_the_labour_market(monkeypatch):
    """Migration reads the incrementally updated counts; they must equal a full recount."""
    from hubsim.engine.phases import migration

    model = HubModel(resolve(BASELINE, months=26, scale=20_000))
    real = migration.run
    checked = []

    def check_then_migrate(state):
        fresh = accounts.city_counts(state)
        for key in ("population", "talent", "employed", "employed_talent"):
            np.testing.assert_array_equal(state.counts[key], fresh[key], err_msg=key)
        np.testing.assert_array_equal(state.staff, accounts.office_staff(state), err_msg="staff")
        np.testing.assert_allclose(state.wage_bill, accounts.wage_bill(state), rtol=1e-9, atol=1e-3)
        # Offices closed this month (exit, quarterly closing, relocation) kept nobody.
        employer = state.workers.employer[state.workers.employer >= 0]
        assert state.firms.office_open[employer].all(), "a worker is employed by a closed office"
        checked.append(state.calendar.month)
        real(state)

    monkeypatch.setattr(migration, "run", check_then_migrate)
    for _ in range(26):
        model.step()
        # At the end of each month too: the counts recorded and used for rents.
        fresh = accounts.city_counts(model.state)
        for key in ("population", "talent", "employed", "employed_talent"):
            np.testing.assert_array_equal(model.state.counts[key], fresh[key], err_msg=key)
    assert checked == list(range(26))
    np.testing.assert_array_equal(model.state.staff, accounts.office_staff(model.state))


def test_recorded_metrics_table_follows_metrics_order():
    """The DataCollector stores one (metric, node) array a month, rows in METRICS order."""
    from hubsim.engine.phases import record

    model = HubModel(resolve(BASELINE, months=3, scale=50_000))
    for _ in range(3):
        model.step()
    records = model.datacollector.model_vars["metric_table"]
    assert len(records) == 3
    assert records[-1].shape == (len(record.METRICS), model.state.cities.n)
    for i, name in enumerate(record.METRICS):
        np.testing.assert_array_equal(records[-1][i], model.city_metrics[name], err_msg=name)
    assert records[0] is not records[-1] and not np.array_equal(records[0], records[-1])


def test_world_reserves_rows_for_a_year_of_newcomers():
    """Rows are reserved at build so that the first year's arrivals copy no column."""
    from hubsim.engine.world import ROW_HEADROOM

    model = HubModel(resolve(BASELINE, months=12, scale=20_000))
    column = model.state.workers._cols["city"]
    assert len(column) >= len(model.state.workers) * (1 + ROW_HEADROOM)
    for _ in range(12):
        model.step()
    assert model.state.workers._cols["city"] is column


def test_july_newcomers_refill_removed_rows(monkeypatch):
    """The July cohort takes the rows of people removed since (no table growth for them)."""

    model = HubModel(resolve(BASELINE, months=8, scale=20_000))
    real = demography.graduate_cohort
    seen = []

    def check(state, month):
        w = state.workers
        removed, size = int((w.city < 0).sum()), len(w)
        alive = int((w.city >= 0).sum())
        real(state, month)
        added = int((w.city >= 0).sum()) - alive
        assert added > removed > 0  # at this scale the cohort outnumbers the removed rows
        assert (w.city < 0).sum() == 0  # every removed row was refilled ...
        assert len(w) - size == added - removed  # ... and only the rest appended
        seen.append(month)

    monkeypatch.setattr(demography, "graduate_cohort", check)
    for _ in range(8):
        model.step()
    assert seen == [6]


def test_job_seekers_from_the_lay_off_pass_are_everyone_without_a_job(monkeypatch):
    """When the lay-off pass hands its rows to matching, they are exactly the jobless rows."""
    from hubsim.engine import accounts
    from hubsim.engine.phases import labour

    model = HubModel(resolve(BASELINE, months=14, scale=20_000))
    real = labour._match
    handed = []

    def check(state, seekers, rng):
        np.testing.assert_array_equal(
            np.sort(seekers),
            np.flatnonzero(state.workers.employer < 0),
            err_msg=f"month {state.calendar.month}",
        )
        handed.append(len(seekers))
        real(state, seekers, rng)

    monkeypatch.setattr(labour, "_match", check)
    real_lay_off = accounts.lay_off
    passes = []

    def record_lay_off(state, closed):
        rows = real_lay_off(state, closed)
        passes.append(rows)
        return rows

    monkeypatch.setattr(accounts, "lay_off", record_lay_off)
    for _ in range(14):
        model.step()
    assert len(handed) == 14
    assert sum(p is not None for p in passes) >= 10  # most months the pass is reused
