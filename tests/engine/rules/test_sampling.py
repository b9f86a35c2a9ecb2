"""Sampling rules (engine.rules.sampling): unbiased rounding, hazards, group draws."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine.rules import sampling


def test_stochastic_round_is_unbiased_and_integral():
    rng = np.random.default_rng(2)
    values = np.array([0.0, 0.25, 1.5, 2.9, 7.0, 10.01, -0.3])
    n = 40_000
    draws = sampling.stochastic_round(np.tile(values, (n, 1)), rng)
    assert draws.dtype == np.int64
    # Each draw is floor or floor + 1.
    assert np.all((draws == np.floor(values)) | (draws == np.floor(values) + 1))
    # Mean within 5 standard errors of the value (sd of a Bernoulli(f) is sqrt(f (1 - f))).
    frac = values - np.floor(values)
    se = np.sqrt(frac * (1 - frac) / n)
    np.testing.assert_array_less(np.abs(draws.mean(axis=0) - values), 5 * se + 1e-12)


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
        picked = sampling.sample_by_hazard(
            candidates, lambda idx: hazard[idx - 1000], max_hazard, rng
        )
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
            len(sampling.sample_by_hazard(np.arange(n), lambda idx: np.full(len(idx), h), h, rng))
            for _ in range(reps)
        ]
    )
    assert abs(counts.mean() - n * h) < 5 * np.sqrt(n * h * (1 - h) / reps)
    # Sample variance of a Binomial: n h (1 - h) = 320; allow a generous band.
    assert 0.7 * n * h * (1 - h) < counts.var(ddof=1) < 1.4 * n * h * (1 - h)


def test_sample_by_hazard_edge_cases():
    rng = np.random.default_rng(0)
    empty = sampling.sample_by_hazard(np.arange(0), lambda idx: np.ones(len(idx)), 0.5, rng)
    assert len(empty) == 0
    none = sampling.sample_by_hazard(np.arange(100), lambda idx: np.zeros(len(idx)), 0.0, rng)
    assert len(none) == 0
    # Hazard one: everyone fires (full branch).
    everyone = sampling.sample_by_hazard(np.arange(100), lambda idx: np.ones(len(idx)), 1.0, rng)
    np.testing.assert_array_equal(np.sort(everyone), np.arange(100))
    # Zero hazard for some: they never fire.
    hz = np.where(np.arange(1000) % 2 == 0, 0.0, 0.1)
    for _ in range(20):
        picked = sampling.sample_by_hazard(np.arange(1000), lambda idx: hz[idx], 0.1, rng)
        assert np.all(picked % 2 == 1)


@pytest.mark.parametrize("p", [1e-10, 1e-9, 1e-4, 0.0247, 0.1093, 0.2499, 0.3333, 0.5])
def test_geometric_draws_what_numpy_draws(p):
    """The vectorised geometric gaps are numpy's own draws, leaving the stream where it does."""
    for seed in range(20):
        ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
        size = 1 + 997 * seed
        np.testing.assert_array_equal(
            sampling.geometric(p, size, ours), numpys.geometric(p, size=size)
        )
        assert ours.bit_generator.state == numpys.bit_generator.state
