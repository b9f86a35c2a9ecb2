"""The programme book (engine.programmes): arrays, budgets and what each offers whom."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine import HubModel, programmes
from hubsim.engine.cities import NODES
from hubsim.engine.phases import migration, policies
from hubsim.engine.rules import programmes as programme_rules
from hubsim.scenario import TALENT_DEGREE, Programme, scenario_from_dict

CITY = {key: i for i, key in enumerate(NODES)}


def make_book(*given: dict, start: str = "2010-01") -> programmes.ProgrammeBook:
    return programmes.ProgrammeBook.from_programmes([Programme(**p) for p in given], NODES, start)


def test_programme_book_from_programmes():
    book = make_book(
        {
            "city": "nanjing",
            "start": "2011-03",
            "instrument": "rent",
            "months": 36,
            "amount": 600,
            "amount_by_degree": {"master": 800, "phd": 2000},
            "eligibility": {"min_degree": "bachelor", "graduated_within_years": 3},
            "budget_yuan_per_year": 1e6,
        },
        {"city": "chengdu", "start": "2009-07", "end": "2010-06", "instrument": "hukou"},
    )
    assert len(book) == 2
    np.testing.assert_array_equal(book.city, [CITY["nanjing"], CITY["chengdu"]])
    np.testing.assert_array_equal(book.start, [14, -6])
    np.testing.assert_array_equal(book.end, [10**6, 5])
    np.testing.assert_array_equal(
        book.yuan_by_degree, [[600, 600, 600, 800, 2000], [0, 0, 0, 0, 0]]
    )
    np.testing.assert_array_equal(book.graduated_within_months, [36.0, np.inf])
    np.testing.assert_array_equal(book.budget_per_year, [1e6, np.inf])
    np.testing.assert_array_equal(book.remaining, book.budget_per_year)
    assert not book.active.any()  # switched on by the model's events, not at construction
    assert book.instrument[0] == programmes.INSTRUMENTS.index("rent")


def test_each_instrument_amount_lands_in_its_own_field():
    """A share, a seat count, a cap and a factor never pass for yuan per person, nor each other."""
    kinds = {
        "housing_discount": ("discount_share", 0.3),
        "firm_grant": ("grant_share", 0.1),
        "office_capacity": ("seats", 50_000.0),
        "population_cap": ("cap_people", 23_000_000.0),
        "housing_supply": ("supply_factor", 2.0),
    }
    book = make_book(
        *(
            {"city": "guiyang", "start": "2012-01", "instrument": k, "amount": v}
            for k, (_, v) in kinds.items()
        ),
        {"city": "wuhan", "start": "2012-01", "instrument": "cash", "amount": 5000},
    )
    for p, (field, value) in enumerate(kinds.values()):
        for other, _ in kinds.values():
            expected = value if other == field else 0.0
            assert getattr(book, other)[p] == expected, (field, other)
        np.testing.assert_array_equal(book.yuan_by_degree[p], 0.0)
    np.testing.assert_array_equal(book.yuan_by_degree[-1], 5000.0)
    assert all(getattr(book, f)[-1] == 0.0 for f, _ in kinds.values())


def test_paying_charge_and_reset():
    book = make_book(
        {
            "city": "shenzhen",
            "start": "2010-01",
            "instrument": "cash",
            "amount": 15000,
            "budget_yuan_per_year": 100_000,
        },
        {"city": "hangzhou", "start": "2010-01", "instrument": "cash", "amount": 10000},
        {"city": "wuhan", "start": "2010-01", "instrument": "rent", "amount": 600},
    )
    assert len(book.of("cash")) == 0  # nothing active yet
    book.active[:] = True
    np.testing.assert_array_equal(book.of("cash"), [0, 1])
    np.testing.assert_array_equal(book.paying("cash"), [0, 1])
    book.charge(0, 90_000.0, 120_000.0)
    assert book.remaining[0] == 10_000.0
    assert book.spent_yuan[0] == 90_000.0
    assert book.refused_yuan[0] == 30_000.0
    book.charge(0, 10_000.0, 10_000.0)
    np.testing.assert_array_equal(book.paying("cash"), [1])  # budget spent: stops paying
    np.testing.assert_array_equal(book.of("cash"), [0, 1])  # ... but is still in force
    book.reset_budgets()
    assert book.remaining[0] == 100_000.0 and np.isinf(book.remaining[1])
    assert book.spent_yuan[0] == 100_000.0  # spending history is kept
    np.testing.assert_array_equal(book.paying("cash"), [0, 1])
    np.testing.assert_allclose(
        book.per_city(np.array([1.0, 2.0, 3.0]), len(NODES))[
            [CITY["shenzhen"], CITY["hangzhou"], CITY["wuhan"]]
        ],
        [1.0, 2.0, 3.0],
    )


def test_hukou_open_base_rules_and_programme():
    n = len(NODES)
    base_min_degree = np.full(n, 99)  # closed everywhere
    base_min_degree[CITY["guiyang"]] = 0  # open to everyone
    base_max_age = np.full(n, 99.0)
    book = make_book(
        {
            "city": "chengdu",
            "start": "2010-01",
            "instrument": "hukou",
            "eligibility": {"min_degree": "bachelor", "max_age": 40},
        },
        {
            "city": "wuhan",
            "start": "2010-01",
            "instrument": "hukou",
            "eligibility": {"min_degree": "master", "graduated_within_years": 3},
        },
    )
    degree = np.array([0, 2, 2, 3, 3])  # none, bachelor, bachelor, master, master
    age = np.array([25, 30, 45, 30, 30])
    since = np.array([10**6, 12, 12, 12, 48])
    closed = programmes.hukou_open(book, base_min_degree, base_max_age, degree, age, since)
    assert closed.shape == (5, n)
    # Programmes not active: only the base rule (Guiyang) is open.
    assert np.all(closed[:, CITY["guiyang"]])
    assert not np.delete(closed, CITY["guiyang"], axis=1).any()
    book.active[:] = True
    opened = programmes.hukou_open(book, base_min_degree, base_max_age, degree, age, since)
    np.testing.assert_array_equal(opened[:, CITY["chengdu"]], [False, True, False, True, True])
    np.testing.assert_array_equal(opened[:, CITY["wuhan"]], [False, False, False, True, False])
    others = np.delete(opened, [CITY["guiyang"], CITY["chengdu"], CITY["wuhan"]], axis=1)
    assert not others.any()
    # The base age limit binds as well.
    base_max_age[CITY["guiyang"]] = 28
    aged = programmes.hukou_open(book, base_min_degree, base_max_age, degree, age, since)
    np.testing.assert_array_equal(aged[:, CITY["guiyang"]], [True, False, False, False, False])


def test_subsidy_value_yuan_cash_plus_rent_stream():
    n = len(NODES)
    book = make_book(
        {
            "city": "shenzhen",
            "start": "2010-01",
            "instrument": "cash",
            "amount": 15000,
            "amount_by_degree": {"master": 25000, "phd": 30000},
            "eligibility": {"min_degree": "bachelor", "graduated_within_years": 1},
        },
        {
            "city": "nanjing",
            "start": "2010-01",
            "instrument": "rent",
            "months": 36,
            "amount": 600,
            "amount_by_degree": {"master": 800, "phd": 2000},
            "eligibility": {"min_degree": "bachelor", "graduated_within_years": 3},
        },
        {
            "city": "nanjing",
            "start": "2010-01",
            "instrument": "cash",
            "amount": 1000,
            "eligibility": {"min_degree": "phd"},
        },
    )
    book.active[:] = True
    degree = np.array([0, 2, 3, 4, 4, 2])  # none, bachelor, master, phd, phd, bachelor
    age = np.array([30, 23, 26, 30, 30, 23])
    since = np.array([10**6, 6, 6, 6, 30, 6])
    received = np.zeros(6, dtype=np.int64)
    received[5] = programme_rules.mark_received(received[5:6], 0)[0]  # already got Shenzhen's cash
    value = programmes.subsidy_value_yuan(book, np.arange(3), degree, age, since, received, n)
    assert value.shape == (6, n)
    np.testing.assert_array_equal(value[:, CITY["shenzhen"]], [0, 15000, 25000, 30000, 0, 0])
    # Rent is monthly x months; PhD row 3 also gets Nanjing's PhD cash (values add up).
    np.testing.assert_array_equal(
        value[:, CITY["nanjing"]],
        [0, 600 * 36, 800 * 36, 2000 * 36 + 1000, 2000 * 36 + 1000, 600 * 36],
    )
    others = np.delete(value, [CITY["shenzhen"], CITY["nanjing"]], axis=1)
    assert np.all(others == 0)
    # Only the programmes passed count (e.g. the paying ones).
    only_rent = programmes.subsidy_value_yuan(book, np.array([1]), degree, age, since, received, n)
    assert only_rent[:, CITY["shenzhen"]].sum() == 0
    np.testing.assert_array_equal(
        only_rent[:, CITY["nanjing"]], [0, 21600, 28800, 72000, 72000, 21600]
    )


def test_housing_discount_takes_largest_eligible_share():
    n = len(NODES)
    book = make_book(
        {
            "city": "wuhan",
            "start": "2010-01",
            "instrument": "housing_discount",
            "amount": 0.2,
            "eligibility": {"min_degree": "bachelor"},
        },
        {
            "city": "wuhan",
            "start": "2010-01",
            "instrument": "housing_discount",
            "amount": 0.3,
            "eligibility": {"min_degree": "master"},
        },
    )
    degree, age, since = np.array([0, 2, 3]), np.array([30, 30, 30]), np.array([5, 5, 5])
    assert np.all(programmes.housing_discount(book, degree, age, since, n) == 0)  # not active
    book.active[:] = True
    got = programmes.housing_discount(book, degree, age, since, n)
    np.testing.assert_allclose(got[:, CITY["wuhan"]], [0.0, 0.2, 0.3])
    assert np.all(np.delete(got, CITY["wuhan"], axis=1) == 0)


# ------------------------------------------------------------------ programmes in the engine
CASH_YUAN = 50_000.0


def small_model(programmes_: list[dict], scale: float = 20_000, **migration_keys) -> HubModel:
    """The default world, one month, only migration running; the given programmes start with
    the run."""
    quiet = {"labour_market": False, "housing": False, "firm_dynamics": False, "demography": False}
    return HubModel(
        scenario_from_dict(
            {
                "name": "programmes",
                "months": 1,
                "scale": scale,
                "seed": 3,
                "behaviour": {"switches": quiet, "migration": migration_keys},
                "programmes": [{"start": "2010-01", **p} for p in programmes_],
            }
        )
    )


def choosers_values(model: HubModel) -> tuple[np.ndarray, np.ndarray]:
    """V_ij of every settled worker outside Xiamen (the phase's own utility), and their
    degrees."""
    state, w = model.state, model.state.workers
    rows = np.flatnonzero((w.city >= 0) & (w.city != CITY["xiamen"]))
    profile = migration._chooser_profile(state, rows)
    return migration.utility(state, state.counts, **profile)[0], profile["degree"]


def check_budgets_switch_the_subsidy_term_off() -> None:
    model = small_model(
        [{"city": "xiamen", "instrument": "cash", "amount": CASH_YUAN, "budget_yuan_per_year": 1e9}]
    )
    state, book = model.state, model.state.book
    without, degree = choosers_values(model)  # before the programme switches on
    policies.switch_programmes(state, 0)  # the dated event of its start
    with_budget, _ = choosers_values(model)
    book.remaining[0] = 0.0  # the year's budget spent
    spent, _ = choosers_values(model)
    # Budget left: movers to Xiamen with a degree value the cash, b_s x 50,000 / 10,000 (at
    # the start's wage level); nothing else in V changes. Exact to float rounding.
    mig = state.behaviour.migration
    gain = mig.b_s_per_10k_yuan * CASH_YUAN / (state.wage_trend * 10_000.0)
    expected = np.where(degree >= TALENT_DEGREE, gain, 0.0)
    assert (degree >= TALENT_DEGREE).sum() > 100 and (degree < TALENT_DEGREE).sum() > 100
    xiamen = CITY["xiamen"]
    np.testing.assert_allclose(with_budget[:, xiamen] - without[:, xiamen], expected, atol=1e-12)
    np.testing.assert_array_equal(np.delete(with_budget, xiamen, 1), np.delete(without, xiamen, 1))
    # Budget spent: the programme is worth nothing any more.
    np.testing.assert_array_equal(spent, without, err_msg="a spent budget is still valued")


def test_budgets_switch_the_subsidy_term_off():
    check_budgets_switch_the_subsidy_term_off()


@pytest.mark.parametrize("broken", ["spent_budgets_still_valued"], indirect=True)
def test_negative_control_spent_budgets_still_valued(broken):
    with pytest.raises(AssertionError, match="a spent budget is still valued"):
        check_budgets_switch_the_subsidy_term_off()


def check_hukou_programmes_grant_hukou() -> None:
    """Beijing (hukou stringency 5: closed to all but its standing rule) opens hukou to
    bachelor-and-above movers; everyone reconsiders once."""
    everyone = {k: 1e4 for k in ("base_per_year", "young_per_year", "unemployed_per_year",
                                 "new_graduate_per_year")}  # fmt: skip
    model = small_model(
        [{"city": "beijing", "instrument": "hukou"}],
        scale=5_000,  # about 20,000 agents: some hundreds move to Beijing
        hazards={**everyone, "outside_per_year": 0.0},
    )
    w, beijing = model.state.workers, CITY["beijing"]
    standing = model.state.cities.hukou_min_degree[beijing]
    assert standing > TALENT_DEGREE  # the programme, not the standing rule, opens it to them
    before = w.city.copy()
    model.step()
    arrived = (w.city[: len(before)] == beijing) & (before != beijing)
    graduates = arrived & (w.degree[: len(before)] >= TALENT_DEGREE)
    others = arrived & (w.degree[: len(before)] < TALENT_DEGREE)
    assert graduates.sum() > 50 and others.sum() > 50
    hukou = w.hukou[: len(before)] == beijing
    # Every eligible mover holds Beijing hukou on arrival; no one outside the rules does.
    assert hukou[graduates].all(), (
        f"hukou not granted by the programme: {np.count_nonzero(~hukou[graduates])} of "
        f"{graduates.sum()} eligible movers went without"
    )
    assert not hukou[others].any()


def test_hukou_programmes_grant_hukou():
    check_hukou_programmes_grant_hukou()


@pytest.mark.parametrize("broken", ["no_hukou_from_programmes"], indirect=True)
def test_negative_control_no_hukou_from_programmes(broken):
    with pytest.raises(AssertionError, match="hukou not granted by the programme"):
        check_hukou_programmes_grant_hukou()
