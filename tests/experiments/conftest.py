"""Fixtures the experiments' figure tests share: the figures saved, whole-number ticks."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.figure import Figure


@pytest.fixture
def drawn(monkeypatch):
    """Every figure saved while the test runs, by the name of the file it was saved to."""
    figures: dict[str, Figure] = {}
    save = Figure.savefig

    def recording(fig, target, *args, **kwargs):
        figures[Path(str(target)).name] = fig
        return save(fig, target, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", recording)
    return figures


@pytest.fixture
def whole_ticks():
    """A check: True when every tick inside an axis's view is a whole number (no trial 0.5)."""

    def check(axis) -> bool:
        low, high = sorted(axis.get_view_interval())
        ticks = [t for t in axis.get_majorticklocs() if low <= t <= high]
        return bool(ticks) and all(float(t).is_integer() for t in ticks)

    return check
