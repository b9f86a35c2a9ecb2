"""The markdown report of an explore: what was varied, which inputs move each outcome, the
PRIM boxes, and what was left out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hubsim.experiments.explore.result import ExploreResult


def write_report(result: ExploreResult, path: Path) -> Path:
    path.write_text(report_text(result), encoding="utf-8")
    return path


def report_text(result: ExploreResult, top: int = 3) -> str:
    explore = result.explore
    method = explore.method
    lines = [
        f"# Explore {explore.name} ({explore.explore_id})",
        "",
        explore.spec.question or "",
        "",
        f"{method.title()} over {len(explore.inputs)} inputs on {explore.base.name} "
        f"(scale {explore.base.scale:g}, {explore.base.months} months from {explore.base.start}): "
        f"{len(result.samples)} points x {explore.replications} replications = "
        f"{result.total_runs} runs.",
        "",
        "## Inputs",
        "",
        "| input | keys | range |",
        "|---|---|---|",
    ]
    for item in explore.inputs:
        kind = "x base value" if item.factor is not None else ""
        keys = ", ".join(item.keys[:3]) + (
            f" (+{len(item.keys) - 3})" if len(item.keys) > 3 else ""
        )
        lines.append(f"| {item.name} | {keys} | {item.low:.4g} to {item.high:.4g} {kind} |")
    lines += ["", "## Which inputs move each outcome", ""]
    key = "mu_star" if method == "morris" else "ST"
    conf = f"{key}_conf"
    meaning = (
        "mu*: mean absolute change of the outcome when the input moves across its range "
        "(elementary effects), +- its 95 % bootstrap half-width"
        if method == "morris"
        else "ST: share of the outcome's variance the input accounts for, with its "
        "interactions, +- its 95 % bootstrap half-width"
    )
    lines += [meaning + ".", "", "| outcome | most influential inputs |", "|---|---|"]
    for outcome, table in result.indices.groupby("outcome", sort=False):
        best = "; ".join(
            f"{r.input} {getattr(r, key):.3g} +- {getattr(r, conf):.2g}"
            for r in table.head(top).itertuples()
        )
        lines.append(f"| {outcome} | {best} |")
    if result.skipped:
        lines += ["", "Outcomes without indices:", ""]
        lines += [f"- {outcome}: {why}" for outcome, why in result.skipped.items()]
    lines += ["", "## Scenario discovery (PRIM)", ""]
    lines += [
        "Coverage: share of the runs with the event inside the box; density: share of the "
        "runs inside the box with the event. The box is the densest on the peeling "
        f"trajectory that keeps coverage {explore.spec.discover.min_coverage:g}.",
        "",
    ]
    for box in result.boxes:
        if not box.found:
            lines.append(f"- {box.what}: {box.note}.")
            continue
        stats = box.trajectory.iloc[box.chosen]
        bounds = (
            "; ".join(f"{r.input} {r.low:.4g} to {r.high:.4g}" for r in box.limits.itertuples())
            or "no input restricted"
        )
        lines.append(
            f"- {box.what} (in {box.share:.0%} of runs): coverage {stats.coverage:.2f}, "
            f"density {stats.density:.2f}, mass {stats.mass:.2f}; box: {bounds}."
        )
    if not result.boxes:
        lines.append("No hub event was recorded (add reached@CITY or ghost@CITY outcomes).")
    lines += [
        "",
        "## Files",
        "",
        "samples.csv (inputs per point), outcomes.csv (point, replication, outcome, value), "
        "indices.csv, prim_boxes.csv, prim_tradeoff.csv, plots/, manifest.json.",
        "",
    ]
    return "\n".join(lines)
