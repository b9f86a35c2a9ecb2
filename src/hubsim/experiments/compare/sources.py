"""Where each hub's extra talent came from: a scenario's moves against the first scenario's.

For a hub, the net talent it gains by moves from an origin is the bachelor-and-above movers
from that origin into the hub less those from the hub to that origin (`flows_year`, all years
of the run). Origins fall in three groups: the other hubs (the tier-2 cities), the tier-1
cities, and the rest of China (which also sends the graduates of universities outside the 13
cities). The groups sum to the hub's net gain by moves. Against the first scenario each group
is paired by replication: what the scenario drew from, or lost to, each group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from hubsim.experiments.compare.comparison import TIER1, Arm, mean_interval
from hubsim.output.layout import fixed_margins
from hubsim.output.plots.figure import subplots
from hubsim.scenario import CITY_KEYS

TALENT_DEGREES = ("bachelor", "master", "phd")
REST = "rest_of_china"
GROUPS = ("other_hubs", "tier1", "rest_of_china")
GROUP_LABELS = {
    "other_hubs": "other hubs (tier 2)",
    "tier1": "tier-1 cities",
    "rest_of_china": "rest of China",
    "all_moves": "all moves",
    "talent_end": "talent at the horizon",
}
GROUP_COLOURS = {"other_hubs": "#4c72b0", "tier1": "#dd8452", "rest_of_china": "#55a868"}


def origin_group(origin: str, hub: str) -> str | None:
    """The group an origin belongs to for `hub`: None for the hub itself."""
    if origin == hub:
        return None
    if origin == REST:
        return "rest_of_china"
    if origin in TIER1:
        return "tier1"
    if origin in CITY_KEYS:
        return "other_hubs"
    raise ValueError(f"flows_year: unknown origin {origin!r} (expected a city key or {REST})")


def net_gain_by_group(flows_year: pd.DataFrame) -> pd.DataFrame:
    """Per replication, hub and origin group: talent movers in less movers out (people).

    Every (replication, hub, group) appears, zero where nobody moved."""
    talent = flows_year[flows_year.degree.isin(TALENT_DEGREES)]
    inflow = talent.groupby(["replication", "destination", "origin"])["movers"].sum()
    outflow = talent.groupby(["replication", "origin", "destination"])["movers"].sum()
    inflow.index.names = outflow.index.names = ["replication", "hub", "other"]
    net = inflow.sub(outflow, fill_value=0.0).reset_index(name="net")
    net = net[net.hub.isin(CITY_KEYS)]
    net["group"] = [origin_group(o, h) for o, h in zip(net.other, net.hub, strict=True)]
    net = net.dropna(subset=["group"])
    table = net.groupby(["replication", "hub", "group"])["net"].sum()
    replications = sorted(flows_year.replication.unique())
    full = pd.MultiIndex.from_product(
        [replications, list(CITY_KEYS), list(GROUPS)], names=["replication", "hub", "group"]
    )
    return table.reindex(full, fill_value=0.0).reset_index()


def talent_sources(arms: list[Arm]) -> pd.DataFrame:
    """Tidy: scenario, city, source, extra_talent (mean over replications of the paired
    difference against the first scenario, people), lo95, hi95, replications.

    Sources: the three origin groups, `all_moves` (their sum: the extra net gain by moves) and
    `talent_end` (the extra talent at the horizon, which also counts own graduates staying,
    retirements and degrees gained; empty when the arms have no per-replication summary).
    """
    base = _wide(arms[0])
    rows = []
    for arm in arms[1:]:
        diff = _wide(arm).sub(base)
        for (city, source), values in diff.items():
            mean, lo, hi = mean_interval(values)
            rows.append({"scenario": arm.name, "city": city, "source": source,
                         "extra_talent": mean, "lo95": lo, "hi95": hi,
                         "replications": int(values.notna().sum())})  # fmt: skip
    return pd.DataFrame(rows)


def _wide(arm: Arm) -> pd.DataFrame:
    """Replication rows, (city, source) columns: net gain by group, all moves, talent_end."""
    if arm.flows_year.empty:
        raise ValueError(f"{arm.name}: no flows_year table, so no sources of talent")
    net = net_gain_by_group(arm.flows_year).set_index(["replication", "hub", "group"])["net"]
    wide = net.unstack(["hub", "group"])
    columns = {}
    for city in CITY_KEYS:
        for group in GROUPS:
            columns[(city, group)] = wide[(city, group)]
        columns[(city, "all_moves")] = sum(wide[(city, g)] for g in GROUPS)
        if not arm.per_replication.empty:
            talent = arm.per_replication[arm.per_replication.city == city]
            columns[(city, "talent_end")] = talent.set_index("replication")["talent_end"]
    return pd.DataFrame(columns)


def sources_text(table: pd.DataFrame) -> str:
    """A short table per scenario: thousand people of extra talent by source, city rows."""
    blocks = []
    order = [s for s in (*GROUPS, "all_moves", "talent_end") if s in set(table.source)]
    for scenario, rows in table.groupby("scenario", sort=False):
        wide = rows.pivot(index="city", columns="source", values="extra_talent")
        wide = wide.reindex(index=list(CITY_KEYS), columns=order)
        head = "".join(f"{s[:13]:>14}" for s in order)
        lines = [
            f"Where {scenario}'s extra talent came from (thousand bachelor-and-above people, net "
            "moves summed over the run, minus the first scenario's; mean of paired replications)",
            f"{'city':<10}{head}",
        ]
        for city, values in wide.iterrows():
            lines.append(f"{city:<10}" + "".join(f"{v / 1e3:>+14,.1f}" for v in values))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def sources_figure(table: pd.DataFrame, names: dict[str, str] | None = None) -> Figure:
    """Stacked bars per hub and scenario: extra net talent from each origin group (gains
    above zero, losses below), a black tick at the sum (all moves)."""
    scenarios = list(dict.fromkeys(table.scenario))
    fig, axes = subplots(len(scenarios), 1, figsize=(11, 3.6 * len(scenarios) + 0.9), squeeze=False)
    names = names or {}
    for ax, scenario in zip(axes[:, 0], scenarios, strict=True):
        _stacked_bars(ax, table[table.scenario == scenario], names)
        ax.set_title(f"{scenario}: extra talent by where it came from, against the first scenario")
    axes[0, 0].legend(fontsize=8, loc="best", frameon=False)
    fixed_margins(fig, left=0.9, right=0.2, top=0.5, bottom=0.9, hspace=0.7)
    return fig


def _stacked_bars(ax, rows: pd.DataFrame, names: dict[str, str]) -> None:
    wide = rows.pivot(index="city", columns="source", values="extra_talent")
    wide = wide.reindex(list(CITY_KEYS)) / 1e3
    x = np.arange(len(wide))
    up, down = np.zeros(len(wide)), np.zeros(len(wide))
    for group in GROUPS:
        values = wide[group].to_numpy()
        bottom = np.where(values >= 0, up, down)
        ax.bar(x, values, bottom=bottom, color=GROUP_COLOURS[group], width=0.7,
               label=GROUP_LABELS[group])  # fmt: skip
        up, down = up + np.maximum(values, 0), down + np.minimum(values, 0)
    ax.scatter(x, wide["all_moves"], marker="_", s=250, color="black", zorder=3,
               label="net, all moves")  # fmt: skip
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(x, [names.get(c, c) for c in wide.index], rotation=30, ha="right")
    ax.set_ylabel("thousand people")
