"""Figures and the report of a comparison: overlays, paired differences, attainment, cost.

`report.md` and `report.html` (plots embedded) are written for a policy reader.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hubsim.engine.cities import city_table
from hubsim.experiments.compare import sources
from hubsim.experiments.compare.comparison import Comparison
from hubsim.output.layout import city_colours, fixed_margins
from hubsim.output.plots.figure import date_axis, stamp_figure, subplots
from hubsim.scenario import CITY_KEYS

COLOURS = matplotlib.colormaps["tab10"].colors
CAVEATS = [
    "Talent targets other than Wuhan's are assumptions of the baseline, not city plans.",
    "Several 2010 inputs are estimates (wages of Shanghai, Hangzhou, Chengdu, Nanjing, Suzhou, "
    "Wuhan, Xiamen, Fuzhou, Guiyang; some house prices; talent shares); see "
    "src/hubsim/data/cities_2010.csv and its source columns.",
    "City amenities are fitted to 2000-2010 census growth; the years after 2015 are projections.",
    "Programme budgets are unlimited unless a scenario sets them; housing discounts and hukou "
    "reforms have no recorded public cost.",
    "Bands and intervals show simulation noise across replications, not uncertainty in the inputs.",
]


def _tight(fig: Figure, right: float = 1.0) -> None:
    """Tight layout leaving a strip at the foot for the stamp (and `right` for outside legends)."""
    fig.tight_layout(rect=(0, 0.3 / fig.get_figheight(), right, 1))


def _names() -> dict[str, str]:
    return city_table()["name"].to_dict()


def _grid(n: int) -> tuple[Figure, list]:
    """Panels for n cities, 4 a row, with fixed margins: tight layout measured every label of
    the 13 panels, most of the figure's time (the stamp keeps a strip at the foot)."""
    cols = 4
    rows = int(np.ceil(n / cols))
    fig, axes = subplots(rows, cols, figsize=(13, 2.6 * rows + 0.8), sharex=True)
    panels = list(axes.flat)  # a list: every scenario loops over the same panels again
    date_axis(panels[0])  # shared x: one locator and formatter serve every panel
    for ax in panels[max(n - cols, 0) : n]:  # the lowest panel of each column: its dates under it
        ax.tick_params(labelbottom=True)
    for ax in panels[n:]:
        ax.set_visible(False)
    fixed_margins(fig, left=0.6, right=0.15, top=0.6, bottom=0.75, wspace=0.6, hspace=0.45)
    return fig, panels


def _talent_stats(city_month: pd.DataFrame) -> pd.DataFrame:
    talent = city_month[city_month.metric == "talent"]
    grouped = talent.groupby(["city", "date"])["value"]
    return pd.DataFrame(
        {"mean": grouped.mean(), "lo": grouped.quantile(0.025), "hi": grouped.quantile(0.975)}
    )


def overlay_figure(comparison: Comparison) -> Figure:
    """Talent per city, one line (mean) and band (95 % range) per scenario."""
    fig, axes = _grid(len(CITY_KEYS))
    names = _names()
    for k, arm in enumerate(comparison.arms):
        data = _talent_stats(arm.city_month)
        for ax, city in zip(axes, CITY_KEYS, strict=False):
            series = data.loc[city] / 1e6
            ax.plot(series.index, series["mean"], color=COLOURS[k], lw=1.4, label=arm.name)
            ax.fill_between(series.index, series["lo"], series["hi"], color=COLOURS[k], alpha=0.2)
            ax.set_title(names[city], fontsize=10)
            ax.grid(alpha=0.3)
    reps = comparison.arms[0].replications
    fig.suptitle(f"Talent (million people) by scenario: mean and 95 % range of {reps} replications")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower right", bbox_to_anchor=(0.98, 0.05), fontsize=10)
    return fig


def difference_figure(comparison: Comparison) -> Figure:
    """Each scenario minus the first, paired by replication, with 95 % intervals."""
    fig, axes = _grid(len(CITY_KEYS))
    names = _names()
    diff = comparison.differences
    for k, scenario in enumerate(diff.scenario.unique(), start=1):
        mine = diff[diff.scenario == scenario]
        for ax, city in zip(axes, CITY_KEYS, strict=False):
            d = mine[mine.city == city].sort_values("date")
            ax.plot(d.date, d["mean"] / 1e3, color=COLOURS[k], lw=1.4, label=scenario)
            ax.fill_between(d.date, d.lo95 / 1e3, d.hi95 / 1e3, color=COLOURS[k], alpha=0.25)
            ax.axhline(0, color="black", lw=0.8)
            ax.set_title(names[city], fontsize=10)
            ax.grid(alpha=0.3)
    base = comparison.arms[0].name
    fig.suptitle(
        f"Talent difference from '{base}' (thousand people), paired by replication, 95 % interval"
    )
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower right", bbox_to_anchor=(0.98, 0.05), fontsize=10)
    return fig


def _share_of_target(comparison: Comparison, order: list[str]) -> pd.DataFrame:
    """City x scenario: what the run shows at the target date as a share of the target (mean
    over replications; NaN without a judged target)."""
    columns = {}
    for arm in comparison.arms:
        summary = arm.summary.set_index("city")
        share = summary.get("share_of_target", pd.Series(np.nan, index=summary.index))
        columns[arm.name] = pd.to_numeric(share, errors="coerce")
    return pd.DataFrame(columns).reindex(index=list(CITY_KEYS), columns=order)


def attainment_heatmap(comparison: Comparison) -> Figure:
    """City x scenario: each cell coloured by how far the city got towards its target (% of the
    target at its date, mean over replications; white at 100 %) and labelled with that and the
    share of replications reaching it; "ghost" marks ghost hubs.

    Coloured by the share reaching, most cells were 100 % and the figure one colour; the
    percentage of the target shows how near or far each city is even when every replication
    reaches it."""
    table = comparison.attainment
    reached = table.pivot(index="city", columns="scenario", values="reached_share")
    ghost = table.pivot(index="city", columns="scenario", values="ghost_share")
    order = [a.name for a in comparison.arms]
    reached, ghost = reached.loc[list(CITY_KEYS), order], ghost.loc[list(CITY_KEYS), order]
    percent = 100 * _share_of_target(comparison, order)
    percent = percent.where(reached.notna())  # no judged target: no colour
    finite = percent.to_numpy()[np.isfinite(percent.to_numpy())]
    reach = max(float(np.abs(finite - 100).max()) if finite.size else 0.0, 10.0)
    norm = TwoSlopeNorm(vcenter=100, vmin=100 - min(reach, 100), vmax=100 + reach)
    cmap = matplotlib.colormaps["RdBu"].with_extremes(bad="#eeeeee")
    fig, ax = subplots(figsize=(1.9 * len(order) + 3.6, 7.2))
    image = ax.imshow(np.ma.masked_invalid(percent.to_numpy()), cmap=cmap, norm=norm,
                      aspect="auto")  # fmt: skip
    notes = table.pivot(index="city", columns="scenario", values="target_note")
    notes = notes.loc[list(CITY_KEYS), order].fillna("")
    for (i, j), value in np.ndenumerate(reached.to_numpy()):
        text = _attainment_cell(value, percent.iloc[i, j], ghost.iloc[i, j], notes.iloc[i, j])
        shade = norm(percent.iloc[i, j]) if np.isfinite(percent.iloc[i, j]) else 0.5
        ink = "white" if abs(shade - 0.5) > 0.35 else "black"  # dark ends of the scale
        ax.text(j, i, text, ha="center", va="center", fontsize=8.5, color=ink)
    names = _names()
    ax.set_yticks(range(len(reached)), [names[c] for c in reached.index])
    ax.set_xticks(range(len(order)), order, rotation=20, ha="right")
    ax.set_title(
        "Target attainment: colour and first line, talent (or graduates staying) at the target\n"
        "date as % of the target (mean); second line, share of replications reaching it",
        fontsize=10,
    )
    bar = fig.colorbar(image, ax=ax, label="% of the target at its date", fraction=0.04)
    bar.ax.axhline(100, color="black", lw=0.8)
    _tight(fig)
    return fig


def _attainment_cell(reached: float, percent: float, ghost: float, note: str) -> str:
    """A heatmap cell's label: % of the target and share reaching, or why there is none."""
    if np.isnan(reached):
        if str(note).startswith("not judged"):
            why = "after the horizon" if "after the horizon" in note else "starts before the run"
            return f"not judged:\n{why}"
        return "no target"
    first = f"{percent:.0f} %" if np.isfinite(percent) else "?"
    return f"{first}\n{reached:.0%} reach" + ("\nghost" if ghost >= 0.5 else "")


# Few, unlike markers for the scenarios (circle, square, triangle...): round markers such as
# the hexagon and octagon are not told from a circle at this size.
SCENARIO_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def efficiency_figure(comparison: Comparison) -> Figure:
    """Extra spending and extra talent against the first scenario, per city and scenario.

    Colour is the city (the palette of every figure) and marker the scenario. Cities whose
    spending did not move at all get a strip of their own under the plot (one row a scenario)
    instead of piling on its zero line; the spending axis is symmetric-log when the spending
    spans over two orders of magnitude; the city legend runs under the axes.
    """
    table = comparison.attainment
    first = comparison.arms[0].name
    others = [a.name for a in comparison.arms[1:]]
    fig, (ax, strip) = subplots(2, 1, figsize=(11, 8.4), sharex=True,
                                height_ratios=[4, 0.35 + 0.3 * len(others)])  # fmt: skip
    fixed_margins(fig, left=1.6, right=0.3, top=0.85, bottom=1.6, hspace=0.25)
    names, colours = _names(), city_colours(CITY_KEYS)
    markers = dict(zip(others, SCENARIO_MARKERS * 4, strict=False))
    still = table.extra_spending_vs_first_yuan.abs() < 1.0  # less than a yuan: unchanged
    for k, name in enumerate(others):
        for row, flat in zip(table.itertuples(), still, strict=True):
            if row.scenario != name:
                continue
            at = (
                row.extra_talent_vs_first / 1e3,
                k if flat else row.extra_spending_vs_first_yuan / 1e9,
            )
            (strip if flat else ax).scatter(*at, color=colours[row.city], marker=markers[name],
                                            s=60, alpha=0.9, edgecolors="black",
                                            linewidths=0.4)  # fmt: skip
    for panel in (ax, strip):
        panel.axvline(0, color="black", lw=0.8)
        panel.grid(alpha=0.3)
    ax.axhline(0, color="black", lw=0.8)
    ax.margins(y=0.08)  # the highest and lowest points whole, not cut by the frame
    moved = table.extra_spending_vs_first_yuan.abs()[~still] / 1e9
    if len(moved) and moved.max() / moved.min() > 100:
        ax.set_yscale("symlog", linthresh=float(moved.min()))
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.3g}")
    strip.set_yticks(range(len(others)), others, fontsize=8)
    strip.set_ylim(len(others) - 0.5, -0.5)
    strip.set_title("Spending unchanged (no programme of the city's own changed)", fontsize=9,
                    loc="left")  # fmt: skip
    strip.set_xlabel(f"Extra talent at the horizon against '{first}' (thousand people)")
    scale = ", symmetric log scale" if ax.get_yscale() == "symlog" else ""
    ax.set_ylabel(f"Extra programme spending against '{first}'\n(billion yuan{scale})")
    ax.set_title(
        "Spending efficiency: up and to the left = paying more for little extra talent;\n"
        "the slope from the origin is the cost of one extra talent (paired replications)"
    )
    scenario_handles = [
        Line2D([], [], color="#555555", marker=markers[n], linestyle="", label=n) for n in others
    ]
    city_handles = [Patch(color=colours[c], label=names[c]) for c in CITY_KEYS]
    ax.add_artist(ax.legend(handles=scenario_handles, title="scenario (marker)", fontsize=9,
                            loc="upper left"))  # fmt: skip
    fig.legend(handles=city_handles, title="city (colour)", fontsize=9, ncols=7,
               loc="lower center", bbox_to_anchor=(0.5, 0.35 / fig.get_figheight()))  # fmt: skip
    return fig


FIGURES = {
    "overlay_talent.png": overlay_figure,
    "difference_talent.png": difference_figure,
    "attainment_heatmap.png": attainment_heatmap,
    "spending_efficiency.png": efficiency_figure,
}
SOURCES_FIGURE = "talent_sources.png"


def attainment_markdown(comparison: Comparison) -> str:
    """The attainment table as Markdown: city rows, one column per scenario."""
    table = comparison.attainment
    order = [a.name for a in comparison.arms]
    names = _names()
    head = "| city | " + " | ".join(order) + " |\n|---|" + "---|" * len(order) + "\n"
    lines = []
    for city in CITY_KEYS:
        cells = []
        for scenario in order:
            row = table[(table.city == city) & (table.scenario == scenario)].iloc[0]
            ghost = ", ghost" if row.ghost_share >= 0.5 else ""
            reached = "no target" if np.isnan(row.reached_share) else f"{row.reached_share:.0%}"
            cells.append(
                f"{reached} reached{ghost}; {row.talent_end_mean / 1e6:.2f} M "
                f"({max(row.talent_end_lo95, 0) / 1e6:.2f} to {row.talent_end_hi95 / 1e6:.2f})"
            )
        lines.append(f"| {names[city]} | " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


def branches_markdown(comparison: Comparison) -> str:
    """Secondary offices per city at the horizon: the first scenario's mean and each other
    scenario's paired difference with its 95 % interval (all branches; of tier-1 firms)."""
    table = comparison.branches
    if table.empty:
        return ""
    names = _names()
    others = [a.name for a in comparison.arms[1:]]
    head = (
        f"| city | {comparison.arms[0].name}: all (tier-1 firms') | "
        + " | ".join(f"{o} - {comparison.arms[0].name}: all; tier-1 firms'" for o in others)
        + " |\n|---|---|"
        + "---|" * len(others)
        + "\n"
    )
    lines = []
    for city in CITY_KEYS:
        mine = table[table.city == city]
        first = mine[mine.scenario == others[0]].set_index("offices")["first_mean"]
        cells = [f"{first['branches']:.0f} ({first['tier1_branches']:.0f})"]
        for other in others:
            rows = mine[mine.scenario == other].set_index("offices")
            cells.append(
                "; ".join(
                    f"{rows.loc[k, 'difference']:+.1f} [{rows.loc[k, 'lo95']:+.1f}, "
                    f"{rows.loc[k, 'hi95']:+.1f}]"
                    for k in ("branches", "tier1_branches")
                )
            )
        lines.append(f"| {names[city]} | " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


def glance_lines(comparison: Comparison) -> list[str]:
    """One line per scenario: how many hubs reach their target, who misses, ghost hubs, cost."""
    names = _names()
    table = comparison.attainment
    lines = []
    for arm in comparison.arms:
        mine = table[table.scenario == arm.name]
        judged = mine[mine.reached_share.notna()]
        missed = [names[c] for c in judged[judged.reached_share < 0.5].city]
        ghosts = [names[c] for c in mine[mine.ghost_share >= 0.5].city]
        spent = mine.spending_yuan.sum() / 1e9
        extra = ""
        if arm is not comparison.arms[0]:
            talent = mine.extra_talent_vs_first.sum() / 1e3
            money = mine.extra_spending_vs_first_yuan.sum() / 1e9
            extra = (
                f" Against {comparison.arms[0].name}: {talent:+,.0f} thousand talent in the 13 "
                f"cities together, {money:+,.0f} billion yuan of spending."
            )
        sourced = _sourced_targets(arm)
        lines.append(
            f"- **{arm.name}**: {len(judged) - len(missed)} of {len(judged)} cities reach their "
            f"target in most replications (sourced: {', '.join(sourced) or 'none'}; the others "
            f"ASSUMPTION); missing: {', '.join(missed) or 'none'}; ghost hubs: "
            f"{', '.join(ghosts) or 'none'}; programme spending {spent:.0f} billion yuan."
            f"{_pool_sentence(arm)}{extra}"
        )
    return lines


def figures(comparison: Comparison) -> dict[str, Figure]:
    """The four figures, each stamped with what was compared."""
    built = {}
    for name, build in FIGURES.items():
        fig = build(comparison)
        stamp_figure(fig, comparison.stamp)
        built[name] = fig
    if not comparison.sources.empty:  # runs without flows tables have no sources of talent
        fig = sources.sources_figure(comparison.sources, _names())
        stamp_figure(fig, comparison.stamp)
        built[SOURCES_FIGURE] = fig
    return built


def _sourced_targets(arm) -> list[str]:
    """Cities whose target in this scenario cites a source (not an ASSUMPTION)."""
    if "target_source" not in arm.summary.columns:
        return []
    names = _names()
    rows = arm.summary.dropna(subset=["target_source"])
    return [
        names[c]
        for c, src in zip(rows.city, rows.target_source.astype(str), strict=True)
        if src.strip() and not src.strip().upper().startswith("ASSUMPTION")
    ]


def _pool_sentence(arm) -> str:
    """National talent at the horizon (the finite pool) and the 13 cities' share of it."""
    cm = arm.city_month
    talent = cm[(cm.metric == "talent") & (cm.date == cm.date.max())]
    national = talent.groupby("replication")["value"].sum().mean()
    in_13 = talent[talent.city.isin(CITY_KEYS)].groupby("replication")["value"].sum().mean()
    if not national > 0:
        return ""
    return (
        f" The pool at the horizon: {national / 1e6:.1f} M bachelor-and-above people of "
        f"working age in China, {in_13 / national:.0%} of them in the 13 cities."
    )


def write_report(comparison: Comparison, folder: Path) -> list[Path]:
    """Write the four figures, report.md and report.html into folder."""
    plots = folder / "plots"
    plots.mkdir(exist_ok=True)
    written = []
    for name, fig in figures(comparison).items():
        fig.savefig(plots / name, dpi=100)
        written.append(plots / name)
    markdown = report_markdown(comparison)
    (folder / "report.md").write_text(markdown)
    (folder / "report.html").write_text(_html(markdown, folder))
    return written


def report_markdown(comparison: Comparison) -> str:
    arms = comparison.arms
    first = arms[0]
    lines = [
        "# Can every hub reach its talent target?",
        "",
        f"{len(arms)} scenarios, {first.start} + {first.months} months, {first.replications} "
        f"replications each on the same seeds (seed {first.seed}): differences between "
        "scenarios are paired replication by replication.",
        "",
        "## Scenarios",
        "",
    ]
    lines += [f"- **{a.name}** ({a.source}): {a.question or 'no question stated'}" for a in arms]
    lines += ["", "## At a glance", "", *glance_lines(comparison)]
    lines += [
        "",
        "## Attainment",
        "",
        "Share of replications reaching each city's target by its date; talent at the horizon, "
        "mean and 95 % interval of the mean (million people). 'ghost': flagged a ghost hub in "
        "at least half of the replications.",
        "",
        attainment_markdown(comparison),
    ]
    branches = branches_markdown(comparison)
    if branches:
        when = pd.Timestamp(comparison.branches["date"].iloc[0]).strftime("%Y-%m")
        lines += [
            "## Secondary offices",
            "",
            f"Branches open in each city in {when} (offices of firms headquartered in another "
            "city, in model units); differences paired by replication, mean and 95 % interval.",
            "",
            branches,
        ]
    if not comparison.sources.empty:
        lines += [
            "## Where the extra talent came from",
            "",
            f"Each hub's bachelor-and-above net gain by moves (movers in less movers out, all "
            f"years) minus {first.name}'s, by origin group, paired by replication "
            "(`talent_sources.csv`; figure `plots/talent_sources.png`). 'talent_end' is the "
            "extra talent at the horizon: the part moves do not explain is graduates of the "
            "city's own universities staying, retirements and degrees gained.",
            "",
            "```",
            sources.sources_text(comparison.sources),
            "```",
            "",
        ]
    lines += [
        "## Figures",
        "",
    ]
    captions = {
        "overlay_talent.png": "Talent per city, by scenario",
        "difference_talent.png": f"Talent difference from {first.name}, paired",
        "attainment_heatmap.png": "Target attainment, city by scenario",
        "spending_efficiency.png": f"Extra spending against extra talent, relative to {first.name}",
    }
    if not comparison.sources.empty:
        captions[SOURCES_FIGURE] = f"Extra talent by origin group, against {first.name}"
    lines += [f"![{text}](plots/{name})\n" for name, text in captions.items()]
    lines += ["## Caveats", ""] + [f"- {c}" for c in CAVEATS]
    return "\n".join(lines) + "\n"


def _html(markdown: str, folder: Path) -> str:
    """A self-contained HTML rendering: headings, lists, the table and embedded images."""
    body = []
    table_rows: list[str] = []
    code: list[str] | None = None  # the lines of an open ``` block
    for line in markdown.splitlines():
        if line.startswith("```"):
            if code is not None:
                body.append("<pre>" + html.escape("\n".join(code)) + "</pre>")
            code = [] if code is None else None
            continue
        if code is not None:
            code.append(line)
            continue
        if line.startswith("|"):
            if not set(line) <= set("|-"):
                cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
                tag = "th" if not table_rows else "td"
                table_rows.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>")
            continue
        if table_rows:
            body.append("<table>" + "".join(table_rows) + "</table>")
            table_rows = []
        body.append(_html_line(line, folder))
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>hubsim comparison</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;font-size:0.9em}td,th{border:1px solid #ccc;"
        "padding:4px 8px}img{max-width:100%}</style></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )


def _html_line(line: str, folder: Path) -> str:
    if line.startswith("!["):
        alt, src = line[2:].split("](", 1)
        data = base64.b64encode((folder / src.rstrip(")")).read_bytes()).decode()
        return f"<figure><img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'></figure>"
    if line.startswith("## "):
        return f"<h2>{html.escape(line[3:])}</h2>"
    if line.startswith("# "):
        return f"<h1>{html.escape(line[2:])}</h1>"
    if line.startswith("- "):
        text = html.escape(line[2:]).replace("**", "")
        return f"<li>{text}</li>"
    return f"<p>{html.escape(line)}</p>" if line else ""


def attainment_text(comparison: Comparison) -> str:
    """City rows, scenario columns: share of replications reaching the target (G: ghost)."""
    table = comparison.attainment
    order = [a.name for a in comparison.arms]
    width = max(12, *(len(n) + 1 for n in order))
    lines = [
        "Share of replications reaching the talent target by its date (G: ghost hub in most)",
        "and talent at the horizon (million people, mean)",
        "",
        f"{'city':<10}" + "".join(f"{name:>{width}}" for name in order),
    ]
    for city, rows in table.groupby("city", sort=False):
        cells = []
        for name in order:
            row = rows[rows.scenario == name].iloc[0]
            ghost = "G" if row.ghost_share >= 0.5 else " "
            reached = "  - " if pd.isna(row.reached_share) else f"{row.reached_share:>4.0%}"
            cells.append(f"{reached}{ghost} {row.talent_end_mean / 1e6:5.2f}M")
        lines.append(f"{city:<10}" + "".join(f"{c:>{width}}" for c in cells))
    return "\n".join(lines)
