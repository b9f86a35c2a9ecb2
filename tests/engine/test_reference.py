"""The plain per-agent Mesa reference (benchmarks/reference_mesa.py) and the engine agree.

Same scenario, independent seeds: the means over replications of each city's outcomes must match.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from hubsim.engine import HubModel
from hubsim.engine.accounts import city_counts
from hubsim.engine.phases import firms, migration
from hubsim.engine.rules.workers import reconsider_hazard_per_month
from hubsim.experiments.replications import resolve
from hubsim.scenario import CITY_KEYS, Hazards

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SCALE = 30_000.0  # people per agent: about 3,400 worker agents in the 13 cities
# At this scale both models floor the baseline's 5,000-person offices at MIN_OFFICE_AGENTS
# (10) agents: about 330 firms, their offices staffed.
# Open offices (headquarters and branches) check the firms' rules: entry, exit, branches, moves.
OUTCOMES = ("population_share", "unemployment_rate", "rent", "offices")
# Tolerance: every |Welch t| of (reference mean - engine mean) must be at most 4 standard errors.
# 13 cities x 4 outcomes = 52 comparisons; with 30 replications a side each |t| > 4 has
# probability about 2e-4 when the models agree, so a false alarm in the family is about 1 %.
# The seeds are fixed, so the test itself is deterministic.
MAX_T = 4.0


def _load_reference():
    path = ROOT / "benchmarks" / "reference_mesa.py"
    spec = importlib.util.spec_from_file_location("reference_mesa", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["reference_mesa"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


reference_mesa = _load_reference()


def scenario(
    months: int, overrides: tuple[str, ...] = (), scale: float = SCALE, path: Path = BASELINE
):
    return resolve(path, overrides=list(overrides), months=months, scale=scale)


def engine_outcomes(model: HubModel) -> np.ndarray:
    """(4, 13): population share, unemployment rate, nominal rent and open offices of the 13
    cities."""
    metrics = model.city_metrics
    population = metrics["population"][:-1]
    working_age = population * model.state.cities.working_age_share
    return np.array(
        [
            population / population.sum(),
            metrics["unemployed"][:-1] / np.maximum(working_age, 1.0),
            metrics["rent"][:-1],
            metrics["offices"][:-1],
        ]
    )


@functools.cache
def replications(
    kind: str, months: int, runs: int, overrides: tuple[str, ...] = (), path: Path = BASELINE
):
    """(runs, 4, 13) outcomes after `months` of the engine or the reference, seeds fixed."""
    params = scenario(months, overrides, path=path)
    results = []
    for run, seed in enumerate(np.random.SeedSequence(20_240_505).spawn(runs)):
        if kind == "engine":
            model = HubModel(params, seed)
        else:
            model = reference_mesa.ReferenceModel(params, seed=100_000 + run)
        for _ in range(months):
            model.step()
        if kind == "engine":
            results.append(engine_outcomes(model))
        else:
            outcomes = model.city_outcomes()
            results.append(np.array([outcomes[name] for name in OUTCOMES]))
    return np.array(results)


def welch_t(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Difference of means over the first axis in units of its standard error."""
    error = np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))
    difference = a.mean(axis=0) - b.mean(axis=0)
    return np.divide(difference, error, out=np.where(difference == 0, 0.0, np.inf), where=error > 0)


def worst_disagreement(reference: np.ndarray, engine: np.ndarray) -> tuple[float, str]:
    """The largest |t| and where it is, e.g. (2.1, 'rent in xian')."""
    t = np.abs(welch_t(reference, engine))
    outcome, city = np.unravel_index(np.argmax(t), t.shape)
    return float(t[outcome, city]), f"{OUTCOMES[outcome]} in {CITY_KEYS[city]}"


def disagreement(
    months: int,
    runs: int,
    overrides: tuple[str, ...] = (),
    path: Path = BASELINE,
    engine_only: tuple[str, ...] = (),
) -> tuple[float, str]:
    """`worst_disagreement` of the two models on one scenario; `engine_only` overrides change
    the engine alone (the negative control)."""
    engine = replications("engine", months, runs, overrides + engine_only, path)
    reference = replications("reference", months, runs, overrides, path)
    return worst_disagreement(reference, engine)


# ----------------------------------------------------------------------------- agreement
@pytest.mark.slow  # 30 s of reference runs: with the slow tests, which CI runs too
def test_reference_and_engine_agree_after_24_months():
    t, where = disagreement(24, 30)
    assert t <= MAX_T, f"reference and engine differ: |t| = {t:.1f} for {where}"


@pytest.mark.slow  # shares the reference runs above
def test_check_detects_a_doubled_wage_weight():
    # Negative control: the engine with b_w doubled (1.6 -> 3.2) against the unchanged reference.
    t, where = disagreement(24, 30, engine_only=("behaviour.migration.b_w=3.2",))
    assert t > MAX_T, f"doubling b_w went unnoticed (largest |t| = {t:.1f}, {where})"


@pytest.mark.slow
def test_reference_and_engine_agree_with_programmes_and_budgets():
    # 2016-07 to 2018-06: cash, rent, hukou, housing-discount and population-cap programmes
    # switch on; Shenzhen's cash and Nanjing's rent subsidy get budgets that run out.
    policies = (
        "start=2016-07",
        "programmes.0.budget_yuan_per_year=2e9",
        "programmes.9.budget_yuan_per_year=1e9",
    )
    t, where = disagreement(24, 60, policies)
    assert t <= MAX_T, f"reference and engine differ: |t| = {t:.1f} for {where}"


@pytest.mark.slow
def test_reference_and_engine_agree_with_grants_for_branches():
    # secondary-offices.yaml from 2019-07: its grants for branches in Chengdu, Xi'an and Wuhan
    # pay from 2020-01, within their budgets.
    t, where = disagreement(
        24, 60, ("start=2019-07",), BASELINE.with_name("secondary-offices.yaml")
    )
    assert t <= MAX_T, f"reference and engine differ: |t| = {t:.1f} for {where}"


@pytest.mark.slow
def test_reference_and_engine_agree_over_three_years():
    t, where = disagreement(36, 60)
    assert t <= MAX_T, f"reference and engine differ: |t| = {t:.1f} for {where}"


def test_reference_is_reproducible_from_its_seed():
    params = scenario(3, scale=300_000.0)
    runs = []
    for _ in range(2):
        model = reference_mesa.ReferenceModel(params, seed=11)
        for _ in range(3):
            model.step()
        runs.append(model.datacollector.get_agenttype_vars_dataframe(reference_mesa.City))
    assert runs[0].equals(runs[1])


# ----------------------------------------------------------------------------- single agents
def test_worker_hazard_is_the_engine_rule():
    model = reference_mesa.ReferenceModel(scenario(1, scale=300_000.0), seed=1)
    hazards: Hazards = model.beh.migration.hazards
    worker = next(iter(model.agents_by_type[reference_mesa.Worker]))
    for age in (20, 30, 31, 45):
        for unemployed in (False, True):
            for since in (-5, 0, 11, 12, 10**5):
                worker.birth = model.now - 12 * age - 3
                worker.graduated = model.now - since
                worker.office = None if unemployed else object()
                expected = reconsider_hazard_per_month(
                    np.array([age]), np.array([unemployed]), np.array([since]), hazards
                )[0]
                assert worker.reconsider_hazard() == pytest.approx(expected, rel=1e-12)


def test_one_persons_utility_is_the_engine_utility():
    # In 2019 cash, rent, hukou, housing-discount and cap programmes are all in force.
    params = scenario(3, ("start=2019-01",), scale=100_000.0)
    engine = HubModel(params, 3)
    for _ in range(2):
        engine.step()
    reference = reference_mesa.ReferenceModel(params, seed=3)
    reference.month, reference.book = engine.state.calendar.month, engine.state.book
    for city in reference.city_agents:
        city.wage_index = engine.state.wage_index[city.index].copy()
        city.rent = float(engine.state.rent[city.index])
    counts = city_counts(engine.state)
    # Graduates' expected income reads who holds the talent jobs (the engine's open offices).
    counts["sector_talent"] = firms.sector_talent(engine.state)
    reference.board = reference.location_board(counts)
    people = _people(300, len(engine.state.book), np.random.default_rng(5))
    expected, expected_hukou = migration.utility(engine.state, counts, *people)
    for i in range(300):
        degree, age, since, current, origin, hukou, settled, received = (c[i] for c in people)
        paid = {p for p in range(len(engine.state.book)) if (int(received) >> p) & 1}
        value, hukou_ok = reference.utility(
            int(degree), int(age), int(since), int(current), int(origin), int(hukou),
            bool(settled), paid,
        )  # fmt: skip
        np.testing.assert_allclose(value, expected[i], rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(hukou_ok, expected_hukou[i])


def _people(n: int, programmes: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Columns of n made-up people: degree, age, months since graduation, current, origin,
    hukou city, settled, and programmes already received (bit mask)."""
    degree = rng.integers(0, 5, size=n)
    since = np.where(degree > 0, rng.integers(0, 60, size=n), 10**6)
    received = rng.integers(0, 2, size=(n, programmes)) @ (1 << np.arange(programmes))
    return (
        degree,
        rng.integers(20, 60, size=n),
        since,
        rng.integers(0, 13, size=n),
        rng.integers(0, 14, size=n),
        rng.integers(0, 14, size=n),
        rng.random(n) < 0.7,
        received.astype(np.int64),
    )
