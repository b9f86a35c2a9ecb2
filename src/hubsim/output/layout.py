"""Figure margins set by hand, shared by every figure module."""

from __future__ import annotations

from matplotlib.figure import Figure


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
