"""The migration phase (engine.phases.migration) on a hand-built town, one month.

Who reconsiders: each settled worker with the largest yearly hazard that applies (the base
one, or the young one up to `young_age_max`; the unemployed one; the new graduate one in the
first year after graduating), and every graduate of this July who has not chosen yet. Those
reconsidering choose a node by logit over V_ij: wages, rents, amenity, hukou, subsidies, less
moving costs and the cost of coming into a capped city. A mover arrives as a job seeker (the
old job ends), gets hukou where a hukou programme (or the city's own rule) admits them, and
claims the cash and rent subsidies of the new city, paid from its budget in queue order while
it lasts. The rest of China sends movers in aggregate; they become agents on arrival. Where a
scenario sets a removal rate, a city above its population cap displaces residents without
local hukou to the rest of China.

The tests make one choice overwhelming: Chengdu's amenity is 50 utility units, moving costs
nothing, and the hazards are 0 or certain (10,000 a year) but for one statistical test, so
who moves is decided by who reconsiders, and where to by the rule under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine.phases import migration, policies
from hubsim.engine.tables import NO_GRADUATION
from hubsim.scenario import TALENT_DEGREE

BEIJING, CHENGDU, OUTSIDE = 0, 1, 2
CERTAIN = 10_000.0  # a yearly hazard that fires within the month: 1 - exp(-10,000 / 12)
SCALE = 1000.0


def migration_town(town, hazards: dict | None = None, programmes=None, **migration_settings):
    """A town where everyone who reconsiders goes to Chengdu; no hazard fires unless given."""
    never = {"base_per_year": 0.0, "young_per_year": 0.0, "unemployed_per_year": 0.0,
             "new_graduate_per_year": 0.0, "outside_per_year": 0.0}  # fmt: skip
    settings = {
        "moving_cost_fixed": 0.0, "moving_cost_per_1000km": 0.0, "leaving_origin_cost": 0.0,
        "hazards": {**never, **(hazards or {})}, **migration_settings,
    }  # fmt: skip
    t = town(scale=SCALE, behaviour={"migration": settings}, programmes=programmes)
    t.state.cities.amenity[CHENGDU] = 50.0
    return t


def start(t):
    """The built state in its first month, its programmes in force."""
    state = t.build()
    t.start_month()
    policies.switch_programmes(state, 0)
    return state


def in_city(state, rows: np.ndarray, city: int) -> bool:
    return bool((state.workers.city[rows] == city).all())


def test_the_unemployed_reconsider_and_the_employed_do_not(town) -> None:
    t = migration_town(town, hazards={"unemployed_per_year": CERTAIN})
    office = t.office(BEIJING)
    employed = t.residents(BEIJING, 10, degree="none", age=40, employer=office)
    jobless = t.residents(BEIJING, 10, degree="none", age=40)
    state = start(t)
    migration.run(state)
    assert in_city(state, jobless, CHENGDU)
    assert in_city(state, employed, BEIJING)
    assert state.tallies.flows[BEIJING, CHENGDU, 0] == 10


def test_the_young_reconsider_up_to_the_young_age(town) -> None:
    t = migration_town(town, hazards={"young_per_year": CERTAIN, "young_age_max": 30})
    office = t.office(BEIJING)
    thirty = t.residents(BEIJING, 5, age=30, employer=office)
    thirty_one = t.residents(BEIJING, 5, age=31, employer=office)
    state = start(t)
    migration.run(state)
    assert in_city(state, thirty, CHENGDU)
    assert in_city(state, thirty_one, BEIJING)


def test_a_new_graduate_reconsiders_in_the_first_year_after_graduating(town) -> None:
    t = migration_town(town, hazards={"new_graduate_per_year": CERTAIN})
    office = t.office(BEIJING)
    new = t.residents(BEIJING, 5, age=23, employer=office, graduated_months_ago=11)
    older = t.residents(BEIJING, 5, age=23, employer=office, graduated_months_ago=12)
    state = start(t)
    migration.run(state)
    assert in_city(state, new, CHENGDU)
    assert in_city(state, older, BEIJING)


def test_a_yearly_hazard_h_is_a_monthly_chance_of_1_less_exp_of_minus_h_over_12(town) -> None:
    # 6 a year: 1 - exp(-0.5) = 39.3 % a month (not 6 / 12 = 50 %). Of 1,000 workers, 393
    # expected, sd 15.4; the tolerance is 4 sd (a fixed seed).
    t = migration_town(town, hazards={"base_per_year": 6.0})
    office = t.office(BEIJING)
    t.residents(BEIJING, 1000, age=40, employer=office)
    state = start(t)
    migration.run(state)
    moved = (state.workers.city == CHENGDU).sum()
    p = 1 - np.exp(-0.5)
    assert abs(moved - 1000 * p) < 4 * np.sqrt(1000 * p * (1 - p))


def test_this_julys_graduates_all_choose_whatever_the_hazards(town) -> None:
    t = migration_town(town)  # no hazard fires
    graduates = t.residents(BEIJING, 6, age=22, graduated_months_ago=0, settled=False)
    state = start(t)
    state.unsettled_rows = graduates
    migration.run(state)
    assert in_city(state, graduates, CHENGDU)
    assert state.workers.settled[graduates].all()
    # Counted as bachelors choosing Chengdu within 1 (and so 2, ... 5) years of graduating.
    np.testing.assert_array_equal(state.tallies.graduate_newcomers[CHENGDU], 6)


def test_a_mover_arrives_as_a_job_seeker(town) -> None:
    t = migration_town(town, hazards={"base_per_year": CERTAIN})
    office = t.office(BEIJING)
    movers = t.residents(BEIJING, 10, age=40, employer=office)
    state = start(t)
    migration.run(state)
    w = state.workers
    assert in_city(state, movers, CHENGDU)
    assert (w.employer[movers] == -1).all() and (w.wage[movers] == 0).all()
    assert (w.arrived[movers] == state.calendar.now).all()
    assert state.staff[office] == 0  # the Beijing office lost them
    assert state.counts["population"][:2].tolist() == [0, 10]
    assert state.counts["employed"][:2].tolist() == [0, 0]


def test_movers_collect_cash_from_the_city_budget_while_it_lasts(town) -> None:
    cash = {"city": "chengdu", "start": "2010-01", "instrument": "cash", "amount": 20_000,
            "budget_yuan_per_year": 3 * 20_000 * SCALE}  # three payments  # fmt: skip
    t = migration_town(town, hazards={"base_per_year": CERTAIN}, programmes=[cash])
    bachelors = t.residents(BEIJING, 5, age=40)
    no_degree = t.residents(BEIJING, 5, degree="none", age=40)
    state = start(t)
    migration.run(state)
    assert in_city(state, np.concatenate([bachelors, no_degree]), CHENGDU)
    book, paid = state.book, state.workers.received > 0
    assert paid[bachelors].sum() == 3  # the first three in the queue; two are refused
    assert not paid[no_degree].any()  # not eligible: a bachelor's degree or more
    assert book.spent_yuan[0] == pytest.approx(3 * 20_000 * SCALE)
    assert book.refused_yuan[0] == pytest.approx(2 * 20_000 * SCALE)
    assert book.remaining[0] == pytest.approx(0.0)
    assert state.tallies.spent_yuan.tolist() == pytest.approx([0.0, 6e7, 0.0])


def test_movers_start_a_rent_subsidy_stream(town) -> None:
    rent = {"city": "chengdu", "start": "2010-01", "instrument": "rent", "amount": 1500,
            "months": 24}  # fmt: skip
    t = migration_town(town, hazards={"base_per_year": CERTAIN}, programmes=[rent])
    movers = t.residents(BEIJING, 4, age=40)
    state = start(t)
    migration.run(state)
    w = state.workers
    np.testing.assert_array_equal(w.rent_subsidy[movers], 1500.0)
    np.testing.assert_array_equal(w.rent_subsidy_left[movers], 24)  # paid by policies
    assert state.tallies.spent_yuan.sum() == 0.0  # nothing paid on arrival


def hukou_month(town, programmes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = migration_town(town, hazards={"base_per_year": CERTAIN}, programmes=programmes)
    bachelors = t.residents(BEIJING, 5, age=40)
    no_degree = t.residents(BEIJING, 5, degree="none", age=40)
    state = start(t)
    migration.run(state)
    return state.workers.hukou, bachelors, no_degree


def test_a_hukou_programme_grants_hukou_to_the_movers_it_admits(town) -> None:
    hukou = {"city": "chengdu", "start": "2010-01", "instrument": "hukou",
             "eligibility": {"min_degree": "bachelor"}}  # fmt: skip
    registered, bachelors, no_degree = hukou_month(town, [hukou])
    assert (registered[bachelors] == CHENGDU).all()
    assert (registered[no_degree] == BEIJING).all()  # they keep their Beijing hukou


def test_without_a_hukou_programme_movers_keep_their_hukou(town) -> None:
    registered, bachelors, no_degree = hukou_month(town, [])  # Chengdu's own rule: closed
    assert (registered[np.concatenate([bachelors, no_degree])] == BEIJING).all()


def capped_chengdu(town, share_of_cap: float, **settings):
    """Ten residents in Chengdu, at `share_of_cap` of a population cap; ten would-be movers in
    Beijing. A resident stands for 1,000 / 0.7 people (agents are the working-age 70 %)."""
    people = 10 * SCALE / 0.7
    cap = {"city": "chengdu", "start": "2010-01", "instrument": "population_cap",
           "amount": people / share_of_cap}  # fmt: skip
    t = migration_town(town, hazards={"base_per_year": CERTAIN}, programmes=[cap], **settings)
    t.residents(CHENGDU, 10, age=40, hukou=OUTSIDE)
    movers = t.residents(BEIJING, 10, age=40)
    return start(t), movers


def test_a_cap_costs_its_strength_at_the_cap(town) -> None:
    state, _ = capped_chengdu(town, share_of_cap=1.0, population_cap_cost=2.0)
    cost = migration.cap_cost(state, state.counts)
    assert cost.tolist() == pytest.approx([0.0, 2.0, 0.0])


def test_almost_nobody_comes_into_a_city_far_above_a_strong_cap(town) -> None:
    # At twice its cap a strength of 10 costs about 19.5, more than Chengdu's pull (its amenity
    # set to 12 here): each mover's odds of Chengdu fall by about exp(-7.5), so none of the ten
    # comes. Negative control: without the cap's cost about half do (the rest of China draws
    # the others as much: Chengdu has no jobs to offer).
    for strength, coming in ((10.0, range(0, 1)), (0.0, range(3, 11))):
        state, movers = capped_chengdu(
            town, share_of_cap=2.0, population_cap_cost=strength,
            population_cap_removal_per_year=0.0,
        )  # fmt: skip
        state.cities.amenity[CHENGDU] = 12.0
        migration.run(state)
        assert np.count_nonzero(state.workers.city[movers] == CHENGDU) in coming


def test_a_city_above_its_cap_displaces_residents_without_its_hukou(town) -> None:
    cap = 12 * SCALE / 0.7  # the people of 12 residents: half its 24
    t = migration_town(
        town, population_cap_removal_per_year=1.0,
        programmes=[{"city": "chengdu", "start": "2010-01", "instrument": "population_cap",
                     "amount": cap}],
    )  # fmt: skip
    with_hukou = t.residents(CHENGDU, 22, age=40)
    without = t.residents(CHENGDU, 2, age=40, hukou=OUTSIDE)
    state = start(t)
    migration.run(state)
    # A twelfth of its residents a month at a removal rate of 1 a year: 2 of the 24,
    # never more than its excess (12); only residents without Chengdu hukou: those two.
    assert (state.workers.city[without] == -1).all()
    assert in_city(state, with_hukou, CHENGDU)
    assert state.outside_agents.sum() == 2
    assert state.tallies.flows[CHENGDU, OUTSIDE].sum() == 2


def test_the_rest_of_chinas_movers_become_agents_and_totals_are_kept(town) -> None:
    t = migration_town(town, hazards={"outside_per_year": 6.0})  # about 40 % within the month
    t.state.outside_agents[:] = [20.0, 20.0, 20.0, 20.0, 20.0]
    state = start(t)
    migration.run(state)
    w = state.workers
    arrived = np.flatnonzero(w.city >= 0)
    assert 0 < len(arrived) < 100
    assert in_city(state, arrived, CHENGDU)
    assert state.outside_agents.sum() + len(arrived) == 100  # nobody made or lost
    assert (w.employer[arrived] == -1).all() and (w.hukou[arrived] == OUTSIDE).all()
    by_degree = np.bincount(w.degree[arrived], minlength=5)
    np.testing.assert_array_equal(state.outside_agents + by_degree, 20.0)
    np.testing.assert_array_equal(state.tallies.flows[OUTSIDE, CHENGDU], by_degree)
    assert (w.graduated[arrived][w.degree[arrived] == 0] == NO_GRADUATION).all()


def test_talent_pays_its_share_of_a_caps_cost_and_others_all_of_it(town) -> None:
    # The cap's cost is 2 at the cap; a bachelor pays 0.25 of it, a mover without a degree all.
    # Negative control: at a share of 1 the bachelor pays as much as anyone.
    for share, paid in ((0.25, 0.5), (1.0, 2.0)):
        values = []
        for strength in (2.0, 0.0):
            state, movers = capped_chengdu(
                town, share_of_cap=1.0, population_cap_cost=strength,
                population_cap_talent_share=share,
            )  # fmt: skip
            state.workers.degree[movers[:5]] = TALENT_DEGREE  # five bachelors, five without
            state.workers.degree[movers[5:]] = 0
            profile = migration._chooser_profile(state, movers)
            values.append(migration.utility(state, state.counts, **profile)[0][:, CHENGDU])
        cost = values[1] - values[0]
        assert cost[:5] == pytest.approx(np.full(5, paid))
        assert cost[5:] == pytest.approx(np.full(5, 2.0))


def test_experienced_talent_flows_count_movers_a_year_past_graduating_only(town) -> None:
    # Liepin counts mid/high-end professionals: bachelors 12+ months past graduating who move
    # are tallied; this July's graduates choosing, those 11 months past and movers without a
    # degree are not (each is a negative control for one condition).
    t = migration_town(
        town,
        hazards={
            k: CERTAIN
            for k in (
                "base_per_year",
                "young_per_year",
                "unemployed_per_year",
                "new_graduate_per_year",
            )
        },
    )
    groups = [
        t.residents(BEIJING, 4, age=30, graduated_months_ago=12),
        t.residents(BEIJING, 3, age=23, graduated_months_ago=11),
        t.residents(BEIJING, 2, degree="none", age=40),
        t.residents(BEIJING, 5, age=22, graduated_months_ago=0, settled=False),
    ]
    state = start(t)
    state.unsettled_rows = groups[-1]
    migration.run(state)
    assert all(in_city(state, rows, CHENGDU) for rows in groups)
    assert state.tallies.experienced_flows[BEIJING, CHENGDU] == 4
    assert state.tallies.experienced_flows.sum() == 4
