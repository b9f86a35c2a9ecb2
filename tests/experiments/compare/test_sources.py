"""Where each hub's extra talent came from (experiments.compare.sources), on hand-made flows."""

from __future__ import annotations

import pandas as pd
import pytest

from hubsim.experiments.compare.comparison import Arm
from hubsim.experiments.compare.sources import (
    net_gain_by_group,
    origin_group,
    sources_figure,
    sources_text,
    talent_sources,
)

COLUMNS = ["year", "origin", "destination", "degree", "movers", "replication"]


def _flows(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def _base_rows(r: int) -> list[tuple]:
    """Moves both scenarios share: Wuhan 100 in from Chengdu, 40 out to Beijing, and so on."""
    return [
        (2015, "chengdu", "wuhan", "bachelor", 100.0, r),
        (2015, "wuhan", "beijing", "master", 40.0, r),
        (2016, "rest_of_china", "wuhan", "phd", 10.0, r),
        (2016, "beijing", "shanghai", "bachelor", 70.0, r),
        (2016, "chengdu", "wuhan", "college", 500.0, r),  # not talent: never counted
    ]


def _arm(name: str, rows: list[tuple]) -> Arm:
    empty = pd.DataFrame()
    return Arm(
        name, "", "test", empty, empty, empty, "2010-01", 240, 1, 2, None,
        flows_year=_flows(rows),
    )  # fmt: skip


def test_each_origin_falls_in_its_group():
    assert origin_group("xian", "wuhan") == "other_hubs"
    assert origin_group("shenzhen", "wuhan") == "tier1"
    assert origin_group("rest_of_china", "wuhan") == "rest_of_china"
    assert origin_group("wuhan", "wuhan") is None
    # For a tier-1 city the other tier-1 cities are "tier1", the tier-2 hubs "other_hubs".
    assert origin_group("shanghai", "beijing") == "tier1"
    assert origin_group("chengdu", "beijing") == "other_hubs"
    with pytest.raises(ValueError, match="unknown origin"):
        origin_group("atlantis", "wuhan")


def test_net_gain_by_group_sums_to_the_hubs_net_talent_moves():
    table = net_gain_by_group(_flows(_base_rows(0)))
    wuhan = table[table.hub == "wuhan"].set_index("group")["net"]
    # in from Chengdu 100 (bachelor), out to Beijing 40 (master), in from the rest 10 (PhD);
    # the 500 college movers are not talent.
    assert wuhan.to_dict() == {"other_hubs": 100.0, "tier1": -40.0, "rest_of_china": 10.0}
    assert wuhan.sum() == 70.0
    beijing = table[table.hub == "beijing"].set_index("group")["net"]
    # Beijing: 40 in from Wuhan (a tier-2 hub), 70 out to Shanghai (tier 1).
    assert beijing.to_dict() == {"other_hubs": 40.0, "tier1": -70.0, "rest_of_china": 0.0}
    assert set(table.hub) >= {"guiyang"}  # cities without moves are there, at zero


def test_extra_talent_is_paired_and_sums_to_the_extra_net_gain():
    base = _arm("baseline", _base_rows(0) + _base_rows(1))
    # plans: Wuhan draws 30 more from Xi'an and 5 more from Shenzhen, loses 8 more to the rest
    # of China, in both replications; replication 1 also sends 4 more to Shanghai.
    extra = [
        (2020, "xian", "wuhan", "bachelor", 30.0, r) for r in (0, 1)
    ] + [(2021, "shenzhen", "wuhan", "master", 5.0, r) for r in (0, 1)] + [
        (2022, "wuhan", "rest_of_china", "bachelor", 8.0, r) for r in (0, 1)
    ] + [(2022, "wuhan", "shanghai", "phd", 4.0, 1)]  # fmt: skip
    plans = _arm("plans", _base_rows(0) + _base_rows(1) + extra)
    table = talent_sources([base, plans]).set_index(["city", "source"])
    wuhan = table.loc["wuhan"]
    assert wuhan.loc["other_hubs", "extra_talent"] == pytest.approx(30.0)
    assert wuhan.loc["tier1", "extra_talent"] == pytest.approx((5.0 + 1.0) / 2)  # 5, 5 - 4
    assert wuhan.loc["rest_of_china", "extra_talent"] == pytest.approx(-8.0)
    parts = wuhan.loc[["other_hubs", "tier1", "rest_of_china"], "extra_talent"].sum()
    assert wuhan.loc["all_moves", "extra_talent"] == pytest.approx(parts)
    assert wuhan.loc["other_hubs", "lo95"] == pytest.approx(30.0)  # the same in both: no noise
    # Xi'an lost what Wuhan gained from it: the other side of the same moves.
    assert table.loc[("xian", "other_hubs"), "extra_talent"] == pytest.approx(-30.0)
    assert (table.replications == 2).all()


def test_the_same_flows_give_no_extra_talent():
    """Negative control: a scenario identical to the first draws nothing from anywhere."""
    rows = _base_rows(0) + _base_rows(1)
    table = talent_sources([_arm("a", rows), _arm("b", rows)])
    assert (table.extra_talent == 0.0).all()


def test_text_and_figure_show_every_city():
    rows = _base_rows(0) + _base_rows(1)
    plans = rows + [(2020, "xian", "wuhan", "bachelor", 30.0, r) for r in (0, 1)]
    table = talent_sources([_arm("baseline", rows), _arm("plans", plans)])
    text = sources_text(table)
    assert "wuhan" in text and "+30.0" not in text and "+0.0" in text  # thousands: 0.03
    assert len(text.splitlines()) == 2 + 13
    fig = sources_figure(table)
    assert len(fig.axes[0].patches) == 3 * 13


def test_the_reports_html_keeps_the_sources_table_preformatted(tmp_path):
    from hubsim.experiments.compare.report import _html

    page = _html("## Where\n\n```\ncity  tier1\nwuhan <+3.0\n```\n\nafter\n", tmp_path)
    assert "<pre>city  tier1\nwuhan &lt;+3.0</pre>" in page
    assert "<p>after</p>" in page and "```" not in page
