"""Figure margins set by hand, and the city palette, shared by every figure module.

A city has one colour in every figure (run, comparison, dashboard): `city_colours`.
"""

from __future__ import annotations

from collections.abc import Iterable

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from hubsim.scenario import CITY_KEYS

# One colour per city, in CITY_KEYS order. Chosen so that every pair differs by at least 20
# (CIEDE2000; tab10's closest pair, red and brown, is 16) and only Xiamen is near-black: two
# dark colours (the old black and navy) looked alike in thin bars. No grey, which stands for
# the rest of China and for reference runs. tests/output/plots/test_plot_run.py checks both.
CITY_COLOURS = (
    "#1f78b4",  # Beijing
    "#ff7f0e",  # Shanghai
    "#2ca02c",  # Shenzhen
    "#e31a1c",  # Guangzhou
    "#604e97",  # Hangzhou
    "#b3446c",  # Chengdu
    "#e377c2",  # Nanjing
    "#008080",  # Suzhou
    "#bcbd22",  # Wuhan
    "#17becf",  # Xi'an
    "#000000",  # Xiamen
    "#fb9a99",  # Fuzhou
    "#8c6d31",  # Guiyang
)
REST_OF_CHINA_COLOUR = "#bbbbbb"


def city_colours(cities: Iterable[str]) -> dict[str, str]:
    """Each city key's colour; keys that are not one of the 13 take the colours left over."""
    cities = list(cities)
    colours = {c: CITY_COLOURS[CITY_KEYS.index(c)] for c in cities if c in CITY_KEYS}
    spare = [c for c in CITY_COLOURS if c not in colours.values()] or list(CITY_COLOURS)
    others = [c for c in cities if c not in colours]
    colours |= {c: spare[i % len(spare)] for i, c in enumerate(others)}
    return {c: colours[c] for c in cities}


def integer_ticks(axis, most: int = 6) -> None:
    """Whole-number ticks only (at most `most`), for counts such as trials or rounds and for
    calendar years: no "round 0.5", no 2012.5."""
    axis.set_major_locator(MaxNLocator(nbins=most, integer=True, steps=[1, 2, 5, 10]))


def fixed_margins(
    fig: Figure,
    *,
    left: float,
    right: float,
    top: float,
    bottom: float,
    wspace: float | None = None,
    hspace: float | None = None,
) -> None:
    """Fixed margins in inches (gaps between panels in inches too).

    Constrained layout measured every label on each of its passes: most of the figures' time.
    The run figures' labels are known in advance, so their margins are set once, by hand.
    """
    width, height = fig.get_size_inches()
    grid = fig.axes[0].get_subplotspec().get_gridspec() if fig.axes else None
    nrows, ncols = grid.get_geometry() if grid is not None else (1, 1)
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        wspace=_gap(wspace, ncols, width - left - right),
        hspace=_gap(hspace, nrows, height - top - bottom),
    )


def _gap(inches: float | None, panels: int, span: float) -> float | None:
    """A gap in inches as matplotlib wants it: a fraction of the mean panel size."""
    if inches is None:
        return None
    return inches * panels / max(span - inches * (panels - 1), 0.1)
