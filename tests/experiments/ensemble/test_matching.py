"""History matching on synthetic trials tables with known answers; the identification bands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hubsim.experiments.ensemble import matching

WEIGHTS = {"a": 1.0, "b": 1.0, "shown": 0.0}


def _fits(rows: list[tuple[float, float, float, float]]) -> list[dict]:
    """(z_a, se_a, z_b, se_b) per candidate; the weight-0 moment is always far off."""
    return [{"a": [za, sa], "b": [zb, sb], "shown": [50.0, 0.0]} for za, sa, zb, sb in rows]


def test_the_cut_keeps_exactly_the_sets_below_three_on_every_weighted_moment():
    params = pd.DataFrame({"source": ["t0", "t1", "t2", "t3"], "x": [0.1, 0.2, 0.3, 0.4]})
    fits = _fits(
        [
            (1.0, 0.0, -2.9, 0.0),  # kept: max 2.9
            (3.5, 0.0, 0.0, 0.0),  # out: a at 3.5
            (3.5, 1.0, 0.0, 0.0),  # kept: 3.5 / sqrt(2) = 2.47, the replications' noise counts
            (0.0, 0.0, -3.2, 0.5),  # kept: 3.2 / sqrt(1.25) = 2.86
        ]
    )
    matched = matching.match(params, fits, WEIGHTS, discrepancy=0.0)
    expected = np.array([2.9, 3.5, 3.5 / np.sqrt(2.0), 3.2 / np.sqrt(1.25)])
    np.testing.assert_allclose(matched.candidates.implausibility_max, expected, rtol=1e-12)
    assert list(matched.candidates.kept) == [True, False, True, True]
    assert matched.misfit == []  # the weight-0 moment is not judged at all


def test_negative_control_every_set_far_off_on_a_moment_that_varies_keeps_none():
    """Moment a is matched by one set only, which fails b: nothing is kept (no set aside)."""
    params = pd.DataFrame({"source": ["t0", "t1"], "x": [0.0, 1.0]})
    matched = matching.match(
        params, _fits([(0.5, 0.0, 4.0, 0.0), (6.0, 0.0, 0.5, 0.0)]), WEIGHTS, discrepancy=0.0
    )
    assert not matched.candidates.kept.any()
    assert matched.members.empty and matched.misfit == []


def test_a_moment_no_set_matches_is_set_aside_as_the_models_misfit():
    params = pd.DataFrame({"source": ["t0", "t1"], "x": [0.0, 1.0]})
    matched = matching.match(
        params, _fits([(0.5, 0.0, 4.0, 0.0), (2.0, 0.0, 5.0, 0.0)]), WEIGHTS, discrepancy=0.0
    )
    assert matched.misfit == ["b"]
    assert list(matched.candidates.kept) == [True, True]


def test_a_candidate_missing_a_weighted_moment_is_ruled_out():
    params = pd.DataFrame({"source": ["t0", "t1"], "x": [0.0, 1.0]})
    fits = _fits([(0.5, 0.0, 0.5, 0.0), (0.5, 0.0, float("nan"), 0.0)])
    assert list(matching.match(params, fits, WEIGHTS, discrepancy=0.0).candidates.kept) == [
        True,
        False,
    ]


def test_standardised_errors_and_their_standard_error_over_replications():
    reps = pd.DataFrame({"m": [1.0, 2.0, 3.0]})
    fit = matching.standardised(reps, lambda s: (s - 1.0) / 0.5)
    z, se = fit["m"]
    assert z == pytest.approx(2.0)
    assert se == pytest.approx(np.std([0.0, 2.0, 4.0], ddof=1) / np.sqrt(3))
    assert matching.standardised(reps.head(1), lambda s: s)["m"][1] == 0.0


def test_refinement_points_stay_in_the_survivors_box_and_the_search_bounds():
    members = pd.DataFrame({"x": [0.2, 0.6, 0.4], "y": [-1.0, 1.0, 0.0]})
    points = matching.refinement_points(members, ["x", "y"], 50, seed=3, bounds={"x": (0, 0.5)})
    assert len(points) == 50
    assert points.x.between(0.2, 0.5).all() and points.y.between(-1.0, 1.0).all()
    # Latin hypercube: each of the 50 strata of x holds exactly one point
    strata = np.floor((points.x - 0.2) / 0.3 * 50).clip(0, 49)
    assert sorted(strata.astype(int)) == list(range(50))
    again = matching.refinement_points(members, ["x", "y"], 50, seed=3, bounds={"x": (0, 0.5)})
    pd.testing.assert_frame_equal(points, again)


def test_identification_calls_a_narrow_band_pinned_and_a_wide_one_not():
    members = pd.DataFrame(
        {"narrow": np.linspace(0.50, 0.55, 21), "wide": np.linspace(0, 1, 21), "amenity": 0.3}
    )
    bounds = {"narrow": (0.0, 1.0), "wide": (0.0, 1.0)}
    report = matching.identification(members, bounds, ["narrow", "wide", "amenity"])
    verdict = dict(zip(report.parameter, report.verdict, strict=True))
    assert verdict == {
        "narrow": "pinned",
        "wide": "not pinned",
        "amenity": "no search range (fixed point)",
    }
    wide = report.set_index("parameter").loc["wide"]
    assert (wide["min"], wide["max"]) == (0.0, 1.0)
    assert wide.p05 == pytest.approx(0.05) and wide.p95 == pytest.approx(0.95)


def test_with_many_moments_a_set_may_miss_the_cut_on_one_in_twenty() -> None:
    """40 moments: the cut reads the third largest implausibility (k = 1 + 5 % of 40), so a set
    far off on two moments is kept and one far off on three is not (the negative control)."""
    kth, match = matching.kth, matching.match
    assert [kth(n) for n in (1, 19, 20, 40, 100)] == [1, 1, 2, 3, 6]
    keys = [f"m{i}" for i in range(40)]
    two_off = {k: [0.5, 0.0] for k in keys} | {"m0": [9.0, 0.0], "m1": [9.0, 0.0]}
    three_off = two_off | {"m2": [9.0, 0.0]}
    near = {k: [0.1, 0.0] for k in keys}
    params = pd.DataFrame({"source": ["a", "b", "c"], "x": [1.0, 2.0, 3.0]})
    matched = match(params, [two_off, three_off, near], {k: 1.0 for k in keys}, discrepancy=0.0)
    assert list(matched.candidates.kept) == [True, False, True]
    assert matched.candidates.implausibility_max.iloc[0] == 9.0


def test_the_models_discrepancy_widens_the_cut_as_a_second_tolerance() -> None:
    """With d = 1 an error of 4 tolerances reads 4 / sqrt(2) = 2.83 (kept); without it, 4 (out)."""
    params = pd.DataFrame({"source": ["a", "b"], "x": [1.0, 2.0]})
    fits = [{"m": [4.0, 0.0]}, {"m": [0.5, 0.0]}]  # b matches m, so m is no misfit
    assert matching.match(params, fits, {"m": 1.0}).candidates.kept.iloc[0]
    assert not matching.match(params, fits, {"m": 1.0}, discrepancy=0.0).candidates.kept.iloc[0]
    assert matching.implausibility(fits).iloc[0, 0] == pytest.approx(4.0 / np.sqrt(2.0))
