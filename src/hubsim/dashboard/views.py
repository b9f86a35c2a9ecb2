"""What the dashboard shows, computed from a PolicyDashboard: figure inputs and the city table.

Pure functions of the model's two traces, so the page (app.py) only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from hubsim.dashboard import figures
from hubsim.dashboard.engine import CITY_KEYS, Scenario, months_between, target_goal
from hubsim.dashboard.model import PolicyDashboard, Trace

CITY_NAMES = {key: "Xi'an" if key == "xian" else key.capitalize() for key in CITY_KEYS}
N_CITIES = len(CITY_KEYS)  # the outside node (rest of China) is not shown


def decimal_year(start: str, offset_months: float) -> float:
    year, month = map(int, start.split("-"))
    return year + (month - 1 + offset_months) / 12


def row_years(model: PolicyDashboard, trace: Trace) -> np.ndarray:
    """Decimal year of each trace row: the start, then the end of each simulated month."""
    return np.array([decimal_year(model.start, k) for k in range(len(trace.rows))])


def horizon(model: PolicyDashboard) -> tuple[float, float]:
    return decimal_year(model.start, 0), decimal_year(model.start, model.months)


@dataclass(frozen=True)
class TargetStatus:
    goal: float  # what the target asks by its date (people): talent, or graduates staying
    text: str  # "reached", "missed", "62 % of the goal by 2025-12" or "from 2017-01"
    talent_level: bool  # whether the goal is a level of talent (drawn on the talent panel)


def target_status(trace: Trace, params: Scenario, city: str) -> TargetStatus | None:
    """A city's target as hubsim's summary judges it, so far in this run (None: no target)."""
    target = params.targets.get(city)
    if target is None:
        return None
    i = CITY_KEYS.index(city)
    base, goal = target_goal(params, city)
    if target.kind == "graduates_staying_people":
        first = months_between(params.start, target.start) + 1
        if first >= len(trace.rows):
            return TargetStatus(goal, f"from {target.start}", False)
        last = months_between(params.start, target.by) + 1
        stayers = trace.series(f"graduate_newcomers_{target.within_years}y")[first : last + 1]
        now, done = float(stayers[:, i].sum()), last < len(trace.rows)
    else:
        # a college_and_above target counts junior-college people too
        metrics = ("talent", "college") if target.measure == "college_and_above" else ("talent",)
        at_date = [trace.at(m, target.by) for m in metrics]
        done = at_date[0] is not None
        values = [
            a if a is not None else trace.rows[-1][m] for a, m in zip(at_date, metrics, strict=True)
        ]
        now = float(sum(float(v[i]) for v in values))
    level = target.kind != "graduates_staying_people"
    if done:
        return TargetStatus(goal, "reached" if now >= goal else "missed", level)
    share = (now - base) / max(goal - base, 1.0)
    what = "the targeted gain" if base > 0 else "the goal"
    return TargetStatus(goal, f"{share:.0%} of {what} by {target.by}", level)


def talent_view(model: PolicyDashboard) -> Figure:
    policy, reference = model.snapshot()
    targets = {}
    for city in CITY_KEYS:
        status = target_status(policy, model.policy_params, city)
        if status is not None and status.talent_level and np.isfinite(status.goal):
            target = model.policy_params.targets[city]
            # an absolute level: drawn from the start of the run to its date
            by = decimal_year(model.start, months_between(model.start, target.by) + 1)
            targets[city] = (decimal_year(model.start, 0), by, status.goal)
    return figures.talent_figure(
        row_years(model, policy),
        policy.series("talent")[:, :N_CITIES],
        reference.series("talent")[:, :N_CITIES],
        CITY_KEYS,
        targets,
        horizon(model),
        CITY_NAMES,
    )


def rent_view(model: PolicyDashboard) -> Figure:
    policy, reference = model.snapshot()
    return figures.rent_figure(
        row_years(model, policy),
        policy.series("rent")[:, :N_CITIES],
        reference.series("rent")[:, :N_CITIES],
        list(CITY_NAMES.values()),
        horizon(model),
    )


def cumulative(trace: Trace, metric: str) -> np.ndarray:
    """A monthly flow summed over the months simulated (the initial row is a state, not a flow)."""
    return trace.series(metric)[1:, :N_CITIES].sum(axis=0)


def migration_view(model: PolicyDashboard) -> Figure:
    policy, reference = model.snapshot()
    return figures.city_bars_figure(
        cumulative(policy, "net_migration") / 1e3,
        cumulative(reference, "net_migration") / 1e3,
        list(CITY_NAMES.values()),
        "Net migration since the start (thousand people)",
    )


def spending_view(model: PolicyDashboard) -> Figure:
    policy, reference = model.snapshot()
    return figures.city_bars_figure(
        cumulative(policy, "subsidy_spent") / 1e9,
        cumulative(reference, "subsidy_spent") / 1e9,
        list(CITY_NAMES.values()),
        "Programme spending since the start (bn yuan)",
    )


def city_table(model: PolicyDashboard) -> list[dict[str, str]]:
    """One row per city: talent in both runs, the difference, target and status, spending."""
    policy, reference = model.snapshot()
    talent = policy.rows[-1]["talent"]
    talent_ref = reference.rows[-1]["talent"]
    spent = cumulative(policy, "subsidy_spent")
    spent_ref = cumulative(reference, "subsidy_spent")
    rows = []
    for i, city in enumerate(CITY_KEYS):
        status = target_status(policy, model.policy_params, city)
        status_ref = target_status(reference, model.reference_params, city)
        target = model.policy_params.targets.get(city)
        goal = "" if status is None or not np.isfinite(status.goal) else f"{status.goal / 1e6:.2f}"
        rows.append(
            {
                "city": CITY_NAMES[city],
                "talent (M)": f"{talent[i] / 1e6:.2f}",
                "unmodified (M)": f"{talent_ref[i] / 1e6:.2f}",
                "difference (k)": f"{(talent[i] - talent_ref[i]) / 1e3:+.0f}",
                "target (M)": goal,
                "by": target.by if target else "",
                "status": status.text if status else "no target",
                "unmodified status": status_ref.text if status_ref else "no target",
                "spent (bn yuan)": f"{spent[i] / 1e9:.1f}",
                "unmodified spent": f"{spent_ref[i] / 1e9:.1f}",
            }
        )
    return rows


def table_html(rows: list[dict[str, str]]) -> str:
    """The city table as HTML; each row carries its city key (`data-city`) for tests."""
    if not rows:
        return "<table></table>"
    cell = 'style="padding:2px 10px;text-align:{};border-bottom:1px solid #ddd"'
    left, right = cell.format("left"), cell.format("right")
    head = "".join(f"<th {left if i == 0 else right}>{name}</th>" for i, name in enumerate(rows[0]))
    body = "".join(
        f'<tr data-city="{key}">'
        + "".join(f"<td {left if i == 0 else right}>{v}</td>" for i, v in enumerate(row.values()))
        + "</tr>"
        for key, row in zip(CITY_KEYS, rows, strict=True)
    )
    return (
        '<table id="city-table" style="border-collapse:collapse;font-size:13px">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
