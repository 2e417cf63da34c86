"""Exact artists, defaults and whole messages of rnn_helpers.unrolling_plots (issue 20).

Each test here was written against mutants that got past tests/test_unrolling_plots.py: the
figure sizes, colours, line widths and styles, limits, labels and legends the chapter-2 charts
set, their documented defaults, and the whole error messages that name the wrong argument.
"""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from rnn_helpers.activations import NONLINEARITIES  # noqa: E402
from rnn_helpers.plots import PALETTE, SERIES_COLOURS  # noqa: E402
from rnn_helpers.unrolling_plots import plot_input_factors, plot_nonlinearities, plot_what_moves  # noqa: E402
from reference import exactly  # noqa: E402


pytestmark = pytest.mark.usefixtures("close_figures")


# ---- plot_nonlinearities

def test_nonlinearities_defaults_draw_every_artist_exactly():
    fig = plot_nonlinearities()  # tanh, sigmoid, relu from -4 to 4
    ax = fig.axes[0]
    np.testing.assert_array_equal(fig.get_size_inches(), [6.5, 3.2])
    *curves, zero = ax.lines
    assert [line.get_label() for line in curves] == ["tanh", "sigmoid", "relu"]
    a = np.linspace(-4.0, 4.0, 401)
    for line, style, colour in zip(curves, ["-", "--", ":"], SERIES_COLOURS):
        np.testing.assert_array_equal(line.get_xdata(), a)
        np.testing.assert_array_equal(line.get_ydata(), NONLINEARITIES[line.get_label()][0](a))
        assert line.get_linestyle() == style
        assert to_rgba(line.get_color()) == to_rgba(colour)
        assert line.get_linewidth() == 2
    # the zero line: y = 0, light grey, thin
    np.testing.assert_array_equal(zero.get_ydata(), [0, 0])
    assert to_rgba(zero.get_color()) == to_rgba("0.6")
    assert zero.get_linewidth() == 0.8
    assert ax.get_ylim() == (-1.3, 2.3)
    assert ax.get_xlabel() == "$a_t$ (the sum inside the cell)"
    assert ax.get_ylabel() == "$h_t = f(a_t)$"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["tanh", "sigmoid", "relu"]


def test_nonlinearities_take_four_names_and_a_small_limit():
    fig = plot_nonlinearities(["tanh", "sigmoid", "relu", "linear"], limit=0.5)
    curves = fig.axes[0].lines[:4]
    assert [line.get_linestyle() for line in curves] == ["-", "--", ":", "-."]
    assert curves[3].get_xdata()[0] == -0.5 and curves[3].get_xdata()[-1] == 0.5


def test_nonlinearities_whole_messages():
    with pytest.raises(ValueError, match=exactly("names must hold 1 to 4 nonlinearities, got 5")):
        plot_nonlinearities(["tanh"] * 5)
    with pytest.raises(ValueError, match=exactly(
            "limit must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index ()")):
        plot_nonlinearities(["tanh"], float("nan"))


# ---- plot_what_moves

def test_what_moves_draws_every_artist_exactly():
    fig = plot_what_moves(["What", "time"], [0.5, 0.25], [0.125, 0.0])
    ax = fig.axes[0]
    np.testing.assert_array_equal(fig.get_size_inches(), [5.2, 3.4])
    bars = ax.containers[0]
    assert bars.get_label() == "state: distance from $h_{t-1}$ to $h_t$"
    assert [bar.get_x() + bar.get_width() / 2 for bar in bars] == [1, 2]
    for bar in bars:
        assert bar.get_facecolor() == to_rgba(PALETTE["green"])
    line = ax.lines[0]
    assert line.get_label() == "parameters: largest change"
    np.testing.assert_array_equal(line.get_xdata(), [1, 2])  # step t, under its bar
    np.testing.assert_array_equal(line.get_ydata(), [0.125, 0.0])
    assert (line.get_marker(), line.get_linestyle()) == ("o", "-")
    assert to_rgba(line.get_color()) == to_rgba(PALETTE["vermillion"])
    assert ax.get_ylim()[0] == -0.25
    assert ax.get_xlabel() == "reading step"
    assert ax.get_ylabel() == "distance moved"
    assert ax.get_title() == "What changes while the network reads"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "parameters: largest change", "state: distance from $h_{t-1}$ to $h_t$"]  # matplotlib: lines first


@pytest.mark.parametrize("state, weight, message", [
    ([np.nan], [0.0], "state_moves must be finite, but it holds 1 NaN or infinite value(s); "
                      "the first is nan at index (0,)"),
    ([0.0], [np.inf], "weight_moves must be finite, but it holds 1 NaN or infinite value(s); "
                      "the first is inf at index (0,)"),
    ([[0.0]], [0.0], "state_moves must be 1-D (T,): one value per word; got shape (1, 1) (2-D)"),
    ([0.0], [[0.0]], "weight_moves must be 1-D (T,): one value per word; got shape (1, 1) (2-D)"),
    ([0.0], [0.0, 1.0], "weight_moves must have 1 values, one per word; got 2"),
])
def test_what_moves_whole_messages(state, weight, message):
    with pytest.raises(ValueError, match=exactly(message)):
        plot_what_moves(["a"], state, weight)


# ---- plot_input_factors

def test_input_factors_size_limits_ticks_and_legend():
    factors = {0.5: np.array([0.25, 0.5, 1.0]), 2.0: np.array([4.0, 2.0, 1.0])}
    fig = plot_input_factors(factors)
    ax = fig.axes[0]
    np.testing.assert_array_equal(fig.get_size_inches(), [5.2, 3.4])
    assert ax.get_ylim()[1] == pytest.approx(4.0 * 60)  # headroom above the largest factor
    formatter = ax.yaxis.get_major_formatter()
    assert [formatter(value, 0) for value in (0.0001, 0.5, 10.0)] == ["0.0001", "0.5", "10"]
    assert ax.get_ylabel() == "factor (log scale)"
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["$W_2$ = 0.5", "$W_2$ = 2.0"]
    assert legend._ncols == 2  # the two W2 side by side, above the bars


@pytest.mark.parametrize("factors, error, message", [
    ([1.0], TypeError, "factors must be a non-empty dict W2 -> (T,) array, got list"),
    ({0.5: [np.nan]}, ValueError,
     "factors[0.5] must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index (0,)"),
    ({0.5: [[1.0]]}, ValueError, "factors[0.5] must be 1-D (T,): one factor per input; got shape (1, 1) (2-D)"),
])
def test_input_factors_whole_messages(factors, error, message):
    with pytest.raises(error, match=exactly(message)):
        plot_input_factors(factors)
