"""Per-city summaries (output.summary): the ghost-hub rule and targets, on hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hubsim.output.summary import is_ghost, summarize_replication
from hubsim.scenario import scenario_from_dict
from hubsim.scenario.schema import GhostRule

RULE = GhostRule(occupancy_below=0.6, target_share_below=0.5)


@pytest.mark.parametrize(
    ("judged", "occupancy", "share", "ghost"),
    [
        (True, 0.40, 0.20, True),  # empty seats and little of the target: a ghost hub
        (True, 0.40, 0.80, False),  # most of the target won: not a ghost, however empty
        (True, 0.90, 0.20, False),  # seats filled: a missed target alone is no ghost
        (True, 0.60, 0.20, False),  # thresholds are strict: exactly 0.6 occupancy is not below
        (True, 0.40, 0.50, False),
        (False, 0.10, np.nan, False),  # no judged target: never a ghost
    ],
)
def test_ghost_rule_examples(judged, occupancy, share, ghost) -> None:
    assert is_ghost(judged, occupancy, share, RULE) is ghost


def test_summary_flags_the_hub_that_built_ahead_and_stayed_empty() -> None:
    """Two hand-made cities with the same target; only the empty, far-off one is a ghost."""
    scenario = scenario_from_dict(
        {
            "name": "ghosts",
            "targets": {
                "guiyang": {"start": "2010-01", "by": "2012-01", "gain_people": 100.0},
                "chengdu": {"start": "2010-01", "by": "2012-01", "gain_people": 100.0},
            },
        }
    )
    months = ["2009-12", "2010-01", "2011-01", "2012-01"]
    talent = pd.DataFrame(
        {"guiyang": [1000.0, 1000.0, 1010.0, 1020.0], "chengdu": [1000.0, 1000.0, 1060.0, 1120.0]},
        index=months,
    )
    occupancy = pd.Series({"guiyang": 0.3, "chengdu": 0.3})
    table = summarize_replication(scenario, talent, occupancy, pd.Series(dtype=float))
    by_city = table.set_index("city")
    assert by_city.loc["guiyang", "target_share_achieved"] == pytest.approx(0.2)
    assert bool(by_city.loc["guiyang", "ghost"]) is True
    assert by_city.loc["chengdu", "reached"] == 1.0
    assert bool(by_city.loc["chengdu", "ghost"]) is False
