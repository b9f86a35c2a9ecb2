"""Paired branch-office differences between scenarios (experiments.comparison.paired_branches)."""

from __future__ import annotations

import pandas as pd
import pytest

from hubsim.experiments.compare.comparison import Arm, branch_counts, paired_branches


def _arm(name: str, extra_in_chengdu: float) -> Arm:
    rows = []
    for r, noise in ((0, 0.0), (1, 2.0)):
        for date in ("2020-01-01", "2024-12-01"):
            later = date.startswith("2024")
            rows += [
                (date, "chengdu", "all", "beijing", "branch_offices",
                 10 + noise + (extra_in_chengdu + r if later else 0), r),
                (date, "chengdu", "all", "wuhan", "branch_offices", 4.0, r),
                (date, "xian", "all", "shanghai", "branch_offices", 7.0 + noise, r),
                (date, "chengdu", "internet", "all", "jobs", 1e6, r),
            ]  # fmt: skip
    table = pd.DataFrame(
        rows, columns=["date", "city", "sector", "headquarters", "metric", "value", "replication"]
    )
    empty = pd.DataFrame()
    return Arm(
        name, "", "test", empty, empty, empty, "2010-01", 180, 1, 2, None,
        table.assign(date=pd.to_datetime(table.date)),
    )  # fmt: skip


def test_branch_counts_split_tier1_firms_and_fill_missing_cities():
    counts = branch_counts(_arm("base", 0.0))
    at = counts.xs((0, pd.Timestamp("2024-12-01")), level=("replication", "date"))
    assert at.loc["chengdu", "branches"] == 14.0  # Beijing's 10 and Wuhan's 4
    assert at.loc["chengdu", "tier1_branches"] == 10.0  # Beijing's only
    assert at.loc["guiyang", "branches"] == 0.0  # no rows: zero, not missing


def test_paired_differences_are_per_replication_at_the_last_month():
    table = paired_branches([_arm("base", 0.0), _arm("grants", 5.0)])
    chengdu = table[(table.city == "chengdu") & (table.offices == "branches")].iloc[0]
    # grants - base in each replication: 5 + r - r = 5, exactly (pairing removes the noise).
    assert chengdu.difference == pytest.approx(5.0)
    assert chengdu.lo95 == pytest.approx(5.0) and chengdu.hi95 == pytest.approx(5.0)
    assert chengdu.first_mean == pytest.approx(15.5)  # (14 + 17) / 2
    xian = table[(table.city == "xian") & (table.offices == "tier1_branches")].iloc[0]
    assert xian.difference == pytest.approx(0.0)
    assert pd.Timestamp(chengdu.date) == pd.Timestamp("2024-12-01")


def test_arms_without_sector_tables_give_no_branch_table():
    old = _arm("old", 0.0)
    old.city_sector_month = pd.DataFrame()
    assert paired_branches([old, _arm("grants", 5.0)]).empty
