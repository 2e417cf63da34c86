"""The charts of chapter 2: the cell's nonlinearities, what moves while a network reads, and
how much of each input the scalar neuron's final state keeps.

Each function takes the numbers the chapter computed, draws them, and returns the figure;
the chapter prints the same numbers below it. Introduced in chapter 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._validate import check_choice, check_ndim, real_array
from .activations import NONLINEARITIES
from .plots import PALETTE, SERIES_COLOURS, finish_chart, grouped_bars

_LINE_STYLES = ("-", "--", ":", "-.")


def plot_nonlinearities(names: Sequence[str] = ("tanh", "sigmoid", "relu"), limit: float = 4.0):
    """f(a) for a from -limit to limit, one line per nonlinearity (up to four).

    ``names`` are keys of ``rnn_helpers.activations.NONLINEARITIES``. Lines differ by style as
    well as colour. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    names = [names] if isinstance(names, str) else list(names)  # one name alone is one line, not its letters
    if not 1 <= len(names) <= len(_LINE_STYLES):
        raise ValueError(f"names must hold 1 to {len(_LINE_STYLES)} nonlinearities, got {len(names)}")
    names = [check_choice(name, "names[...]", NONLINEARITIES) for name in names]
    limit = real_array(limit, "limit")
    if limit.ndim != 0:
        raise ValueError(f"limit must be a single number, got shape {limit.shape}")
    limit = float(limit)
    if not limit > 0:
        raise ValueError(f"limit must be positive, got {limit}")
    a = np.linspace(-limit, limit, 401)
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    for name, style, colour in zip(names, _LINE_STYLES, SERIES_COLOURS):
        f, _ = NONLINEARITIES[name]
        ax.plot(a, f(a), style, color=colour, linewidth=2, label=name)
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.set_ylim(-1.3, 2.3)
    ax.set_xlabel("$a_t$ (the sum inside the cell)")
    ax.set_ylabel("$h_t = f(a_t)$")
    finish_chart(ax)
    return fig


def plot_what_moves(words: Sequence[str], state_moves, weight_moves):
    """Bars: how far the state moved at each reading step; line: how far the parameters moved.

    ``state_moves`` and ``weight_moves`` are (T,), one value per word of ``words`` (the
    distance from h_{t-1} to h_t, and the largest change of any parameter during step t).
    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    words = list(words)
    state_moves = real_array(state_moves, "state_moves")
    weight_moves = real_array(weight_moves, "weight_moves")
    for name, values in (("state_moves", state_moves), ("weight_moves", weight_moves)):
        check_ndim(values, name, {1: "(T,): one value per word"})
        if len(values) != len(words):
            raise ValueError(f"{name} must have {len(words)} values, one per word; got {len(values)}")
    fig, ax = plt.subplots(figsize=(5.2, 3.4))  # narrow: readable on a phone
    steps = np.arange(1, len(words) + 1)
    ax.bar(steps, state_moves, color=PALETTE["green"], label="state: distance from $h_{t-1}$ to $h_t$")
    ax.plot(steps, weight_moves, "o-", color=PALETTE["vermillion"], label="parameters: largest change")
    ax.set_xticks(steps, [f"{t}: {word}" for t, word in zip(steps, words)])
    ax.set_ylim(-0.25, None)  # room below 0, so that a line of zeros stays visible
    ax.set_xlabel("reading step")
    ax.set_ylabel("distance moved")
    ax.set_title("What changes while the network reads")
    finish_chart(ax)
    return fig


def plot_input_factors(factors: Mapping[float, np.ndarray]):
    """Grouped bars on a log scale: the factor of each input x_1 ... x_T in h_T, per W2.

    ``factors`` maps W2 to the (T,) factors of ``unrolling.unrolled_terms`` (all positive,
    the same T for every W2). Returns the Figure.
    """
    import matplotlib.pyplot as plt

    if not isinstance(factors, Mapping) or not factors:
        raise TypeError(f"factors must be a non-empty dict W2 -> (T,) array, got {type(factors).__name__}")
    series = {}
    for w2, values in factors.items():
        values = real_array(values, f"factors[{w2!r}]")
        check_ndim(values, f"factors[{w2!r}]", {1: "(T,): one factor per input"})
        if values.size == 0:
            raise ValueError(f"factors[{w2!r}] must hold at least one factor, got none")
        if np.any(values <= 0):
            raise ValueError(f"factors[{w2!r}] must be positive to go on a log scale, got {values}")
        series[f"$W_2$ = {w2}"] = values
    lengths = {len(values) for values in series.values()}
    if len(lengths) != 1:
        raise ValueError(f"every W2 needs the same number of factors, got lengths {sorted(lengths)}")
    steps = lengths.pop()
    fig, ax = plt.subplots(figsize=(5.2, 3.4))  # narrow: readable on a phone
    grouped_bars(ax, series, [f"$x_{k}$" for k in range(1, steps + 1)],
                 title=f"The factor $W_2^{{{steps}-k}}$ of each input in $h_{{{steps}}}$")
    ax.set_yscale("log")
    top = max(values.max() for values in series.values())
    ax.set_ylim(top=top * 60)  # headroom on the log scale: the legend stays above the bars
    ax.yaxis.set_major_formatter(lambda value, _: f"{value:g}")  # 0.0001 ... 10, plain numbers
    ax.set_ylabel("factor (log scale)")
    finish_chart(ax, ncols=2)
    return fig


__all__ = ["plot_nonlinearities", "plot_what_moves", "plot_input_factors"]
