"""The start's world (engine.world): firm sizes set whatever the number of drop rounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hubsim.engine import HubModel, world
from hubsim.experiments.replications import resolve

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def _firms(monkeypatch, drop_rounds: int):
    monkeypatch.setattr(world, "DROP_ROUNDS", drop_rounds)
    model = HubModel(resolve(BASELINE, scale=50_000.0, months=1), seed=1)
    return model.state.firms


def test_the_firms_are_sized_even_with_no_drop_rounds(monkeypatch) -> None:
    """The sizing round runs at least once: zero drop rounds build the world one round does
    (the size factors were unbound when the loop did not run)."""
    none, one = _firms(monkeypatch, 0), _firms(monkeypatch, 1)
    assert np.isfinite(none.productivity).all()
    np.testing.assert_array_equal(none.productivity, one.productivity)
    np.testing.assert_array_equal(none.office_firm, one.office_firm)
