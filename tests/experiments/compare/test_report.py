"""The comparison report's figures: an attainment heatmap that shows its variation and a
spending figure that can be read."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb

from hubsim.experiments.compare import report as compare_report
from hubsim.experiments.compare.comparison import Arm, Comparison
from hubsim.output.layout import CITY_COLOURS
from hubsim.scenario import CITY_KEYS


def a_comparison(shares: dict[str, list[float]], spending: dict[str, list[float]]) -> Comparison:
    """Three scenarios whose every city reaches its target, at different margins."""
    arms, rows = [], []
    for k, name in enumerate(shares):
        summary = pd.DataFrame({"city": list(CITY_KEYS), "share_of_target": shares[name]})
        arms.append(
            Arm(name, "", "", pd.DataFrame(), summary, pd.DataFrame(), "2010-01", 12, 1, 3, None)
        )
        for i, city in enumerate(CITY_KEYS):
            rows.append(
                {
                    "city": city, "scenario": name, "reached_share": 1.0, "ghost_share": 0.0,
                    "target_note": "judged", "extra_talent_vs_first": 1e4 * (i - 6) * k,
                    "extra_spending_vs_first_yuan": spending[name][i],
                }
            )  # fmt: skip
    return Comparison(arms, pd.DataFrame(rows), pd.DataFrame())


def test_attainment_heatmap_shows_how_far_past_its_target_each_city_is():
    rng = np.random.default_rng(1)
    shares = {n: list(rng.uniform(1.0, 2.5, 13)) for n in ("a", "b", "c")}
    zero = {n: [0.0] * 13 for n in shares}
    fig = compare_report.attainment_heatmap(a_comparison(shares, zero))
    image = fig.axes[0].images[0]
    colours = image.cmap(image.norm(image.get_array()))
    # every city reaches its target in every replication: coloured by that, one colour
    assert len({tuple(np.round(c, 3)) for c in colours.reshape(-1, 4)}) > 13
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert f"{100 * shares['b'][4]:.0f} %\n100% reach" in texts


def test_spending_efficiency_separates_every_point_and_uses_the_page():
    shares = {n: [1.2] * 13 for n in ("a", "b", "c")}
    spending = {"a": [0.0] * 13, "b": [0.0] * 12 + [5e10], "c": [0.0] * 11 + [2e8, -3e9]}
    fig = compare_report.efficiency_figure(a_comparison(shares, spending))
    ax, strip = fig.axes[:2]
    points = [(c, s) for s in (ax, strip) for c in s.collections if len(c.get_offsets())]
    assert len(points) == 26  # 13 cities x the two scenarios after the first
    # unchanged spending goes to its own strip: nothing piles on the main plot's zero line
    assert all(c.get_offsets()[0][1] != 0 for c, s in points if s is ax)
    assert sum(s is strip for _c, s in points) == 23
    # the scenarios' markers are unlike (no circle beside a hexagon and an octagon)
    used = set(compare_report.SCENARIO_MARKERS[:2])
    assert used.isdisjoint({"h", "H", "8", "p"}) and len(used) == 2
    # a point's colour is its city's in every figure
    for c, _s in points:
        assert tuple(np.round(c.get_facecolor()[0][:3], 3)) in {
            tuple(np.round(to_rgb(h), 3)) for h in CITY_COLOURS
        }
    plotted = sum(a.get_position().width * a.get_position().height for a in (ax, strip))
    assert plotted > 0.5  # the axes fill over half the canvas (the legends went below)
