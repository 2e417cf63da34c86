"""Shared plotting conventions: a colour-blind-safe palette and small chart helpers.

Introduced in chapter 1. Colours are the Okabe–Ito palette, which stays distinguishable
for the common forms of colour-blindness; charts also differ by hatching or position, never
by colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._mathtext_cache import share_math_label_cache

# The book's figures repeat their math labels ($h_t$, $W_{hh}$, ...): parse each label once.
share_math_label_cache()

PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
SERIES_COLOURS = [PALETTE[name] for name in ("blue", "orange", "green", "vermillion", "purple", "sky")]
HATCHES = ["", "//", "..", "xx", "\\\\", "oo"]


def grouped_bars(ax, series: Mapping[str, np.ndarray], categories, title: str = "", ylabel: str = ""):
    """Draw one group of bars per category, one bar per series.

    Parameters
    ----------
    ax : matplotlib Axes
    series : dict label -> array of shape (n_categories,)
    categories : list of n_categories tick labels
    """
    n_series = len(series)
    width = 0.8 / max(n_series, 1)
    positions = np.arange(len(categories))
    for k, (label, values) in enumerate(series.items()):
        values = np.asarray(values, dtype=float)
        if values.shape != (len(categories),):
            raise ValueError(f"series {label!r} must have shape ({len(categories)},) to match categories; got {values.shape}")
        ax.bar(positions + (k - (n_series - 1) / 2) * width, values, width, label=label,
               color=SERIES_COLOURS[k % len(SERIES_COLOURS)], hatch=HATCHES[k % len(HATCHES)], edgecolor="white")
    ax.set_xticks(positions, list(categories))
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def finish_line_chart(ax, title: str):
    """Give a line chart the book's finish: small title, frameless legend, no top or right spine.

    Returns ``ax``. Introduced in chapter 5 (its log-scale curve plots).
    """
    ax.set_title(title, fontsize=11)
    return finish_chart(ax, fontsize=9, loc="lower left")


def finish_chart(ax, **legend):
    """Frameless legend (``legend`` passed on to ``ax.legend``), no top or right spine, tight
    layout. Returns ``ax``. Introduced in chapter 2."""
    ax.legend(frameon=False, **legend)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax
