"""The firms phase (engine.phases.firms) on a small model: desired headcount, lay-offs, grants."""

from __future__ import annotations

import numpy as np

from hubsim.engine import HubModel
from hubsim.engine.phases import firms, policies
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
    city = f.office_city.astype(int)
    expected = desired_headcount(
        f.productivity[f.office_firm],
        state.city_productivity[city],
        state.real_wage()[city],
        state.grant_share[city],
        state.behaviour.firms.labour_elasticity,
    )
    assert state.desired[0] == 0.0
    np.testing.assert_allclose(state.desired[1:], expected[1:], rtol=1e-12)
    assert state.jobless is None  # nothing closed by the phase itself without dynamics


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


def test_a_firm_grant_raises_desired_headcount_only_in_its_city() -> None:
    grant = {"city": "chengdu", "start": "2010-01", "instrument": "firm_grant", "amount": 0.2}
    base, granted = small_model(), small_model(programmes=[grant])
    for model in (base, granted):
        model.step()
    chengdu = base.state.cities.keys.index("chengdu")
    ratio = granted.state.desired / np.where(base.state.desired > 0, base.state.desired, 1.0)
    in_chengdu = granted.state.firms.office_city[: len(ratio)] == chengdu
    theta = base.state.behaviour.firms.labour_elasticity
    # L* ~ (1 / (1 - s))^(1 / (1 - theta)) at the same wages and productivity in month 0.
    expected = (1 / 0.8) ** (1 / (1 - theta))
    open_both = base.state.desired > 0
    np.testing.assert_allclose(ratio[in_chengdu & open_both], expected, rtol=0.02)
    assert np.all(np.abs(ratio[~in_chengdu & open_both] - 1.0) < 0.02)
    assert policies.grant_share(granted.state)[chengdu] == 0.2
