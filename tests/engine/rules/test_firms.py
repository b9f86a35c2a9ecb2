"""Firm rules (engine.rules.firms): desired headcount, agglomeration, office choice."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine.rules import firms as firm_rules


def test_desired_headcount_against_hand_computation():
    z = np.array([1.0, 2.0, 1.5])
    a = np.array([3.0e4, 3.0e4, 5.0e4])
    w = np.array([40_000.0, 40_000.0, 60_000.0])
    s = np.array([0.0, 0.0, 0.2])
    theta = 0.7
    got = firm_rules.desired_headcount(z, a, w, s, theta)
    # By hand: L* = (theta z A / (w (1 - s)))^(1 / (1 - theta)).
    expected = [
        (0.7 * 1.0 * 3.0e4 / 40_000.0) ** (1 / 0.3),
        (0.7 * 2.0 * 3.0e4 / 40_000.0) ** (1 / 0.3),
        (0.7 * 1.5 * 5.0e4 / (60_000.0 * 0.8)) ** (1 / 0.3),
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # Doubling productivity multiplies headcount by 2^(1/(1-theta)).
    assert got[1] / got[0] == pytest.approx(2 ** (1 / 0.3), rel=1e-12)


def test_agglomeration():
    base = np.array([[2.0, 1.0], [3.0, 1.0]])
    talent = np.array([[200.0, 10.0], [0.0, 10.0]])
    start = np.array([[100.0, 10.0], [10.0, 10.0]])
    population, population_start = np.array([400.0, 100.0]), np.array([100.0, 100.0])
    got = firm_rules.agglomeration(base, talent, start, population, population_start, 0.05, 0.03)
    # Localisation per (city, sector), urbanisation per city; a count of 0 is floored at 1.
    expected = [
        [2.0 * 2.0**0.05 * 4.0**0.03, 1.0 * 4.0**0.03],
        [3.0 * 0.1**0.05, 1.0],
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_local_services_desire_grows_exactly_with_population_whatever_the_wage():
    theta = 0.7
    base, cost0 = np.array([2.0]), np.array([40_000.0])
    for cost in (40_000.0, 60_000.0):
        a = firm_rules.local_services_productivity(
            base, np.array([150.0]), np.array([100.0]), np.array([cost]), cost0, theta
        )
        ratio = firm_rules.desired_headcount(1.0, a, cost, 0.0, theta) / (
            firm_rules.desired_headcount(1.0, base, cost0, 0.0, theta)
        )
        assert ratio[0] == pytest.approx(1.5, rel=1e-12)


def branch(home_wage, local_wage, distance, fit, omega=0.4, kappa=0.25, theta=0.7):
    return firm_rules.branch_ratio(
        np.array(1.0), np.array(home_wage), np.array(1.0), np.array(local_wage),
        np.array(distance), np.array(fit), omega, kappa, theta,
    )  # fmt: skip


def test_branch_ratio_by_hand():
    theta, omega, kappa = 0.7, 0.4, 0.25
    got = firm_rules.branch_ratio(
        np.array(2.0), np.array(60_000.0), np.array(1.5), np.array(36_000.0),
        np.array(1.2), np.array(1.1), omega, kappa, theta,
    )  # fmt: skip
    a_branch = 2.0**0.6 * 1.5**0.4 * np.exp(-0.25 * 1.2) * 1.1
    expected = (a_branch / 36_000.0**theta / (2.0 / 60_000.0**theta)) ** (1 / (1 - theta))
    assert float(got) == pytest.approx(expected, rel=1e-12)


def test_a_branch_opens_where_the_wage_gap_beats_the_coordination_cost_and_not_elsewhere():
    hurdle = 1.15
    # Three cities for one Beijing-like firm: near and 40 % cheaper, far and 40 % cheaper,
    # near at the same wage. Equal productivity everywhere, average fit.
    ratio = np.array(
        [[branch(65_000, 39_000, 0.3, 1.0), branch(65_000, 39_000, 3.0, 1.0),
          branch(65_000, 65_000, 0.3, 1.0)]]
    )  # fmt: skip
    assert ratio[0, 0] > hurdle  # the wage gap beats a short distance
    assert ratio[0, 1] < hurdle  # 3,000 km of coordination eat the gap
    assert ratio[0, 2] < 1.0  # same wage: a branch never beats headquarters
    present = np.zeros((1, 3), dtype=bool)
    best, best_ratio = firm_rules.best_branch_city(ratio, present, np.ones(3, dtype=bool))
    assert best[0] == 0 and best_ratio[0] > hurdle
    # Where the firm is already present, or seats are full, the next best is offered.
    present[0, 0] = True
    best, best_ratio = firm_rules.best_branch_city(ratio, present, np.ones(3, dtype=bool))
    assert best[0] in (1, 2) and best_ratio[0] < hurdle
    best, _ = firm_rules.best_branch_city(
        ratio, np.zeros((1, 3), dtype=bool), np.array([False, True, True])
    )
    assert best[0] != 0


def test_firm_grants_lower_the_branch_cost_like_lower_wages():
    # A 20 % grant on a city's wage cost is the same as wages 20 % lower there.
    assert float(branch(60_000, 40_000 * 0.8, 1.0, 1.0)) == pytest.approx(
        float(branch(60_000, 32_000, 1.0, 1.0)), rel=1e-12
    )


def test_fitted_talent_shares_give_each_city_its_talent_jobs():
    jobs = np.array([[50.0, 30.0, 20.0], [10.0, 10.0, 80.0]])
    sector_share = np.array([0.7, 0.4, 0.1])
    talent_jobs = np.array([45.0, 12.0])
    got = firm_rules.fit_talent_shares(jobs, sector_share, talent_jobs)
    np.testing.assert_allclose((jobs * got).sum(axis=1), talent_jobs, rtol=1e-9)
    # The sectors keep their order in every city (one shift per city on the log-odds).
    assert np.all(np.diff(got, axis=1) < 0)


def test_pareto_weight_mean_against_sampling():
    rng = np.random.default_rng(5)
    draws = firm_rules.pareto_productivity(2_000_000, 5.0, rng)
    sampled = np.power(draws, 1 / 0.3).mean()
    # The mean of z^3.33 is dominated by the tail: 2e6 draws give it to about 1 %.
    assert firm_rules.pareto_weight_mean(5.0, 1 / 0.3) == pytest.approx(sampled, rel=0.03)
