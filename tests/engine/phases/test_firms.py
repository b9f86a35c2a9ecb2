"""The firms phase (engine.phases.firms) on a small model: desired headcount, lay-offs, grants."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine import HubModel
from hubsim.engine.phases import firms
from hubsim.engine.rules.firms import desired_headcount
from hubsim.scenario import scenario_from_dict


def small_model(**extra) -> HubModel:
    return HubModel(scenario_from_dict({"name": "firms", "months": 12, "scale": 50_000, **extra}))


def test_desired_headcount_is_the_rule_for_every_open_office_and_zero_for_closed() -> None:
    model = small_model()
    state = model.state
    state.firms.office_open[0] = False  # one closed office
    firms.run(state, dynamic=False)
    f = state.firms
    expected = desired_headcount(
        f.productivity[f.office_firm],
        firms.office_productivity(state),
        state.unit_cost[f.office_city, f.office_sector],
        0.0,
        state.behaviour.firms.labour_elasticity,
    )
    assert state.desired[0] == 0.0
    np.testing.assert_allclose(state.desired[1:], expected[1:], rtol=1e-12)
    share = state.talent_share_jobs[f.office_city, f.office_sector]
    np.testing.assert_allclose(state.desired_talent, state.desired * share, rtol=1e-12)
    assert state.jobless is None  # nothing closed by the phase itself without dynamics


def test_desire_by_parts_is_the_rule_to_rounding_as_firms_come_and_go() -> None:
    model = small_model()
    for _ in range(12):  # entry, exit, branches opening and closing: the cache follows
        model.step()
    state = model.state
    state.branch_grant_share[:] = 0.2  # grants for branches enter the monthly term
    np.testing.assert_allclose(
        firms.desired_by_parts(state), firms.office_desired(state), rtol=1e-12
    )
    assert len(state.desire_parts[0]) == state.firms.n_offices


def test_desire_by_parts_follows_firms_moving_headquarters() -> None:
    model = small_model(
        behaviour={"firms": {"relocation_hazard_per_year": 1.0, "office_opening_hurdle": 1.0}}
    )
    state = model.state
    firms.desired_by_parts(state)  # the cache, then a quarter of the tradable firms review a move
    hq_before = state.firms.hq_city.copy()
    firms._relocate(state)
    assert (state.firms.hq_city != hq_before).any()
    np.testing.assert_allclose(
        firms.desired_by_parts(state), firms.office_desired(state), rtol=1e-12
    )


def test_a_branch_brings_part_of_its_home_productivity() -> None:
    model = small_model()
    state = model.state
    firms.run(state, dynamic=False)
    f, beh = state.firms, state.behaviour.firms
    branch = np.flatnonzero(f.office_open & ~f.hq_offices())
    assert len(branch) > 0
    o = branch[0]
    hq, city, sector = f.office_hq[o], f.office_city[o], f.office_sector[o]
    a = state.city_productivity
    omega, kappa = beh.branch_local_productivity_share, beh.coordination_cost_per_1000km
    expected = (
        a[hq, sector] ** (1 - omega)
        * a[city, sector] ** omega
        * np.exp(-kappa * state.cities.distance_1000km[hq, city])
        * f.fit[f.office_firm[o], city]
    )
    assert firms.office_productivity(state)[o] == pytest.approx(expected, rel=1e-6)


def test_static_firms_open_and_close_nothing() -> None:
    model = small_model(behaviour={"switches": {"firm_dynamics": False}})
    before = (model.state.firms.n_firms, model.state.firms.n_offices)
    open_before = model.state.firms.office_open.copy()
    for _ in range(6):
        model.step()
    assert (model.state.firms.n_firms, model.state.firms.n_offices) == before
    np.testing.assert_array_equal(model.state.firms.office_open, open_before)


def test_staff_of_closed_offices_are_laid_off_and_handed_to_matching() -> None:
    model = small_model(behaviour={"firms": {"exit_hazard_per_year": 0.9}})
    state = model.state
    model.step()  # month 0: a quarter month, heavy exit
    w, f = state.workers, state.firms
    employed = w.employer >= 0
    assert f.office_open[w.employer[employed]].all()  # nobody works for a closed office
    assert (~f.office_open).sum() > 0  # the control: offices did close this month
    np.testing.assert_array_equal(state.staff[~f.office_open], 0)


def grant_month(**grant) -> tuple[HubModel, HubModel, np.ndarray, np.ndarray]:
    """Month 0 with static firms, without and with a 20 % firm grant in Chengdu: the two
    models, each office's desired headcount ratio (granted / base) and the offices open."""
    grant = {"city": "chengdu", "start": "2010-01", "instrument": "firm_grant", "amount": 0.2,
             **grant}  # fmt: skip
    static = {"switches": {"firm_dynamics": False}}
    base = small_model(behaviour=static)
    granted = small_model(behaviour=static, programmes=[grant])
    granted.bill_before = granted.state.office_wage_bill.copy()  # what month 0's grant pays on
    for model in (base, granted):
        model.step()
    ratio = granted.state.desired / np.where(base.state.desired > 0, base.state.desired, 1.0)
    return base, granted, ratio, base.state.desired > 0


def test_a_firm_grant_raises_desired_headcount_only_in_its_tradable_offices() -> None:
    base, granted, ratio, open_both = grant_month()
    chengdu = base.state.cities.keys.index("chengdu")
    f = base.state.firms
    tradable = firms.TRADABLE[f.office_sector]
    in_chengdu = f.office_city == chengdu
    theta = base.state.behaviour.firms.labour_elasticity
    # L* ~ (1 / (1 - s))^(1 / (1 - theta)) at the same wages and productivity in month 0,
    # for headquarters and branches alike; local services get no grant.
    expected = (1 / 0.8) ** (1 / (1 - theta))
    np.testing.assert_allclose(ratio[in_chengdu & tradable & open_both], expected, rtol=1e-9)
    np.testing.assert_allclose(ratio[~(in_chengdu & tradable) & open_both], 1.0, rtol=1e-9)
    assert granted.state.grant_share[chengdu] == pytest.approx(0.2)  # unlimited: paid in full


def test_a_firm_grant_spreads_its_budget_over_the_year() -> None:
    grant = {
        "city": "chengdu", "start": "2010-01", "instrument": "firm_grant", "amount": 0.2,
        "budget_yuan_per_year": 1e9,
    }  # fmt: skip
    model = small_model(programmes=[grant])
    chengdu = model.state.cities.keys.index("chengdu")
    paid, shares = [], []
    for _ in range(12):
        model.step()
        paid.append(model.state.tallies.spent_yuan[chengdu])
        shares.append(model.state.grant_share[chengdu])
    # A tenth of the wage bill's 20 % would spend 1 bn in a month: the budget is spread over
    # the months left, so it pays every month, all of it by December, and firms see the
    # share actually paid (well under 20 %).
    assert all(p > 0 for p in paid)
    assert sum(paid) == pytest.approx(1e9, rel=1e-9)
    assert paid[0] == pytest.approx(1e9 / 12, rel=1e-9)
    assert 0 < max(shares) < 0.2


def test_a_grant_for_branches_lowers_only_branch_costs_in_its_city() -> None:
    base, granted, ratio, open_both = grant_month(grant_offices="branches")
    chengdu = base.state.cities.keys.index("chengdu")
    f = base.state.firms
    branch_here = (f.office_city == chengdu) & ~f.hq_offices() & open_both
    assert branch_here.sum() > 0
    theta = base.state.behaviour.firms.labour_elasticity
    np.testing.assert_allclose(ratio[branch_here], (1 / 0.8) ** (1 / (1 - theta)), rtol=1e-9)
    np.testing.assert_allclose(ratio[~branch_here & open_both], 1.0, rtol=1e-9)
    assert granted.state.branch_grant_share[chengdu] == pytest.approx(0.2)
    assert granted.state.grant_share[chengdu] == 0.0
    # It paid 20 % of the wage bill of Chengdu's branches, nothing for headquarters.
    bill = granted.bill_before[branch_here].sum() * granted.state.scale / 12
    spent = granted.state.tallies.spent_yuan[chengdu]
    assert spent == pytest.approx(0.2 * bill * granted.state.wage_trend, rel=1e-9)


def test_grant_offices_is_only_for_firm_grants() -> None:
    from hubsim.errors import ScenarioError

    cash = {"city": "chengdu", "start": "2010-01", "instrument": "cash", "amount": 1000,
            "grant_offices": "branches"}  # fmt: skip
    with pytest.raises(ScenarioError, match="grant_offices"):
        small_model(programmes=[cash])
