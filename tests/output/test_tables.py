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
    assert set(NOT_APPLICABLE["rest_of_china"]) == {
        "office_occupancy", "office_vacancy", "office_seats", "office_seats_vacant", "cohort_6m",
    }  # fmt: skip
    assert not outside.metric.isin(NOT_APPLICABLE["rest_of_china"]).any()
    assert {"talent", "population", "rent"} <= set(outside.metric)  # the rest stays
    # every city keeps its office rows: 13 cities x 6 months x 2 replications each
    for metric in ("office_occupancy", "office_seats", "office_seats_vacant"):
        rows = cm[cm.metric == metric]
        assert len(rows) == 13 * 6 * 2 and np.isfinite(rows.value).all()
    # Vacant seats are the seats less the talent in tradable sectors that fill them.
    wide = cm[cm.city != "rest_of_china"].pivot_table(
        index=["date", "city", "replication"], columns="metric", values="value"
    )
    filled = wide.office_seats - wide.office_seats_vacant
    np.testing.assert_allclose(filled / wide.office_seats, wide.office_occupancy, rtol=1e-9)
    assert (wide.office_seats_vacant >= 0).all()
    # readers cope: the summary still has every city's occupancy
    assert result.summary.office_occupancy_end.notna().all()
    with pytest.raises(OutcomeError, match="does not apply to rest_of_china"):
        parse_outcome("office_occupancy@rest_of_china@end", result.scenario)


def test_city_sector_month_adds_up_to_the_city_table() -> None:
    result = hubsim.run(BASELINE, months=4, scale=20000, replications=2, plots=False)
    csm, cm = result.city_sector_month, result.city_month
    assert not csm.value.isna().any()
    assert "rest_of_china" not in set(csm.city)  # no offices there: no rows
    keys = ["date", "city", "replication"]
    by_sector = csm[(csm.headquarters == "all") & (csm.metric == "jobs")]
    jobs = by_sector.groupby(keys)["value"].sum()
    employed = cm[(cm.metric == "employed") & (cm.city != "rest_of_china")].set_index(keys)
    np.testing.assert_allclose(jobs.sort_index(), employed["value"].sort_index(), rtol=1e-9)
    # Talent jobs are part of jobs; vacancies by sector sum to the city's posted vacancies.
    talent = csm[(csm.headquarters == "all") & (csm.metric == "talent_jobs")]
    assert (talent.value.to_numpy() <= by_sector.value.to_numpy() + 1e-9).all()
    vacancies = csm[(csm.headquarters == "all") & (csm.metric == "vacancies")]
    posted = cm[(cm.metric == "vacancies") & (cm.city != "rest_of_china")].set_index(keys)
    np.testing.assert_allclose(
        vacancies.groupby(keys)["value"].sum().sort_index(), posted["value"].sort_index()
    )
    # Branches by headquarters city and by sector count the same offices.
    branches = csm[csm.metric == "branch_offices"]
    by_hq = branches[branches.headquarters != "all"].groupby(keys)["value"].sum()
    by_sec = branches[branches.headquarters == "all"].groupby(keys)["value"].sum()
    np.testing.assert_allclose(by_hq.sort_index(), by_sec.reindex(by_hq.index), rtol=1e-12)
    assert by_hq.sum() > 0  # the control: branches exist
    assert (branches.headquarters != branches.city).all()  # never at home
