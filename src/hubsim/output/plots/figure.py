"""What every run figure shares: figures outside pyplot, the footer stamp, PNG saving,
the city order and names, short numbers and the colours of a target's status."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import MONTHLY, AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter
from PIL import Image  # Pillow ships with matplotlib

_DPI = 110
# Above this a PNG is re-encoded with a palette; continuous colour bars can band when
# palettised, so only figures close to the 300 KB budget (busy line charts) pay that price.
_PALETTE_ABOVE_BYTES = 240_000
REST = "rest_of_china"
BAND_ALPHA = 0.18
# Dark2 hues stay distinguishable for the common forms of colour blindness.
STATUS_COLOURS = {
    "reached": "#1b9e77",
    "missed": "#d95f02",
    "ghost": "#7570b3",
}
THOUSANDS = FuncFormatter(lambda v, _pos: f"{v:,.0f}")
# Plain decimals on log axes: policy readers shouldn't have to decode powers of ten.
PLAIN = FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 10 or v == round(v) else f"{v:g}")


def subplots(
    nrows: int = 1,
    ncols: int = 1,
    *,
    figsize: tuple[float, float],
    layout: str | None = None,
    **grid: object,
) -> tuple[Figure, Any]:
    """A `Figure` and its axes, like `pyplot.subplots` but outside pyplot's global state.

    No backend is switched and no figure is registered, so a notebook user's backend and open
    figures are left alone; the figure is freed when it is no longer referenced.
    """
    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(nrows, ncols, **grid)


def stamp_figure(fig: Figure, stamp: str) -> None:
    """Print what was run (scenario, overrides) in a strip at the foot of the figure."""
    if not stamp:
        return
    strip = 0.24 / fig.get_figheight()
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        engine.set(rect=(0, strip, 1, 1 - strip))
    lines = textwrap.wrap(stamp, width=int(fig.get_figwidth() * 17))  # about 17 characters an inch
    fig.text(0.006, 0.05 * strip, "\n".join(lines), fontsize=7, color="#555555", va="bottom")


def save(fig: Figure, path: Path) -> Path:
    """Write a figure as PNG and always release it, so long batches don't leak memory.

    Figures near the size budget (many noisy bands) are re-encoded with a
    256-colour palette, visually lossless for line art, to stay under 300 KB.
    """
    buffer = io.BytesIO()
    # zlib level 1 instead of 6: half the encoding time for files about 10 % larger
    fig.savefig(buffer, format="png", dpi=_DPI, pil_kwargs={"compress_level": 1})
    if buffer.tell() <= _PALETTE_ABOVE_BYTES:
        path.write_bytes(buffer.getvalue())
        return path
    buffer.seek(0)
    with Image.open(buffer) as image:
        # Fast octree: a seventh of median cut's time on these figures, and smaller files.
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
        palette.save(path, format="PNG")
    return path


def ordered_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Summary rows with tier-1 cities first, keeping the given order within a tier."""
    if "tier" not in summary.columns:
        return summary.reset_index(drop=True)
    return summary.sort_values("tier", kind="stable").reset_index(drop=True)


def city_order(summary: pd.DataFrame, extra: Iterable[str] = ()) -> list[str]:
    """City keys tier-1 first; keys only seen in the data go last, rest_of_china never."""
    order = [c for c in ordered_summary(summary).get("city", []) if c != REST]
    order += sorted({c for c in extra if c not in order and c != REST})
    return order


def display_names(summary: pd.DataFrame) -> dict[str, str]:
    """Map city key to display name, falling back to the key when the name is blank."""
    names = {REST: "Rest of China"}
    if "city" not in summary.columns:
        return names
    raw = summary["name"] if "name" in summary.columns else summary["city"]
    for key, name in zip(summary["city"], raw, strict=True):
        names[key] = name if isinstance(name, str) and name.strip() else key
    return names


def tier_one_cities(summary: pd.DataFrame) -> set[str]:
    """Keys of tier-1 cities; unknown tiers are drawn as tier 2."""
    if not {"city", "tier"} <= set(summary.columns):
        return set()
    return set(summary.loc[summary["tier"] == 1, "city"])


def date_axis(ax: Axes) -> None:
    """Few, short date ticks: years when the span allows, months otherwise."""
    locator = AutoDateLocator(minticks=3, maxticks=6)
    # Without 12 some spans of two to three years fit no monthly step and warn.
    locator.intervald[MONTHLY] = [1, 2, 3, 4, 6, 12]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))


def with_reps(title: str, n_rep: int, band: bool = True) -> str:
    """Append how many replications a figure averages, so readers can judge the band."""
    if n_rep > 1:
        shaded = ", shaded: 95 % range" if band else ""
        return f"{title} (mean of {n_rep} replications{shaded})"
    return f"{title} (single replication)"


def short_number(value: float) -> str:
    """Compact cell label in thousands: one decimal below 10, none above."""
    if value == 0:
        return "0"
    if abs(value) < 0.05:
        return "≈0"  # fewer than 50 people: a nonzero flow, but too small to state
    return f"{value:.1f}" if abs(value) < 10 else f"{value:,.0f}"


def staggered_marks(points: int, k: int, lines: int, per_line: int = 8) -> tuple[int, int]:
    """Where line k of `lines` puts its markers: about `per_line` of them, each line starting
    at its own offset, so that a line drawn over another (Wuhan's rent over Chengdu's) leaves
    the hidden line's markers in view."""
    every = max(points // per_line, 1)
    return (k * every // max(lines, 1), every)
