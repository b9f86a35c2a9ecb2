"""Tidy tables (output.tables): a metric that does not apply to a node has no row, never NaN."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hubsim
from hubsim.experiments.outcomes import OutcomeError, parse_outcome
from hubsim.output.tables import NOT_APPLICABLE

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"


def test_city_month_has_no_nan_and_no_rows_for_metrics_a_node_lacks() -> None:
    result = hubsim.run(BASELINE, months=6, scale=50000, replications=2, plots=False)
    cm = result.city_month
    assert not cm.value.isna().any()
    outside = cm[cm.city == "rest_of_china"]
    assert set(NOT_APPLICABLE["rest_of_china"]) == {"office_occupancy", "office_seats"}
    assert not outside.metric.isin(NOT_APPLICABLE["rest_of_china"]).any()
    assert {"talent", "population", "rent"} <= set(outside.metric)  # the rest stays
    # every city keeps its office rows: 13 cities x 6 months x 2 replications each
    for metric in ("office_occupancy", "office_seats"):
        rows = cm[cm.metric == metric]
        assert len(rows) == 13 * 6 * 2 and np.isfinite(rows.value).all()
    # readers cope: the summary still has every city's occupancy
    assert result.summary.office_occupancy_end.notna().all()
    with pytest.raises(OutcomeError, match="does not apply to rest_of_china"):
        parse_outcome("office_occupancy@rest_of_china@end", result.scenario)
