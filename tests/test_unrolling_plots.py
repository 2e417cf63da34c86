"""Chapter 2's charts draw exactly the numbers they are given and refuse numbers that do not fit."""

import re

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from rnn_helpers.activations import NONLINEARITIES
from rnn_helpers.unrolling import unrolled_terms
from rnn_helpers.unrolling_plots import plot_input_factors, plot_nonlinearities, plot_what_moves


pytestmark = pytest.mark.usefixtures("close_figures")


def test_nonlinearities_draw_each_function_over_the_range():
    fig = plot_nonlinearities(["tanh", "relu"], limit=3.0)
    ax = fig.axes[0]
    curves = [line for line in ax.lines if line.get_label() in ("tanh", "relu")]
    assert [line.get_label() for line in curves] == ["tanh", "relu"]
    assert curves[0].get_linestyle() != curves[1].get_linestyle()  # not by colour alone
    for line in curves:
        a = line.get_xdata()
        assert a[0] == -3.0 and a[-1] == 3.0
        np.testing.assert_allclose(line.get_ydata(), NONLINEARITIES[line.get_label()][0](a))


@pytest.mark.parametrize("names, limit, message", [
    (["tanh", "swish"], 4.0, r"names\[\.\.\.\] must be one of"),
    ([], 4.0, "names must hold 1 to 4 nonlinearities, got 0"),
    (["tanh"], 0.0, "limit must be positive, got 0.0"),
    (["tanh"], float("nan"), "limit"),
])
def test_nonlinearities_refuse_bad_input(names, limit, message):
    with pytest.raises(ValueError, match=message):
        plot_nonlinearities(names, limit)


def test_what_moves_puts_one_bar_and_one_point_per_word():
    words = ["What", "time", "is"]
    fig = plot_what_moves(words, [0.5, 0.25, 0.75], [0.0, 0.0, 0.0])
    ax = fig.axes[0]
    assert [bar.get_height() for bar in ax.patches] == [0.5, 0.25, 0.75]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [0.0, 0.0, 0.0])
    assert [label.get_text() for label in ax.get_xticklabels()] == ["1: What", "2: time", "3: is"]
    assert ax.get_ylim()[0] < 0  # a line of zeros stays above the axis


def test_what_moves_needs_one_value_per_word():
    with pytest.raises(ValueError, match="state_moves must have 3 values, one per word; got 2"):
        plot_what_moves(["a", "b", "c"], [0.1, 0.2], [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="weight_moves"):
        plot_what_moves(["a"], [0.1], [np.inf])


def test_input_factors_are_grouped_bars_on_a_log_scale():
    factors = {w2: unrolled_terms(np.ones(5), w2) for w2 in (0.1, 2.0)}
    fig = plot_input_factors(factors)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, np.concatenate(list(factors.values())))
    assert [label.get_text() for label in ax.get_xticklabels()] == [f"$x_{k}$" for k in range(1, 6)]
    assert ax.get_title() == "The factor $W_2^{5-k}$ of each input in $h_{5}$"


def test_input_factors_refuse_what_a_log_scale_cannot_show():
    with pytest.raises(ValueError, match=r"factors\[0.0\] must be positive"):
        plot_input_factors({0.0: unrolled_terms(np.ones(3), 0.0)})
    with pytest.raises(ValueError, match=r"the same number of factors, got lengths \[3, 4\]"):
        plot_input_factors({0.5: np.ones(3), 2.0: np.ones(4)})
    with pytest.raises(TypeError, match="factors must be a non-empty dict"):
        plot_input_factors({})


def test_plot_nonlinearities_reads_one_name_given_alone_as_one_line():
    fig = plot_nonlinearities("tanh")
    assert [line.get_label() for line in fig.axes[0].lines if not line.get_label().startswith("_")] == ["tanh"]


def test_plot_nonlinearities_takes_a_name_held_in_a_numpy_string():
    fig = plot_nonlinearities([np.array("relu"), np.str_("tanh")])
    assert [line.get_label() for line in fig.axes[0].lines if not line.get_label().startswith("_")] == ["relu", "tanh"]


@pytest.mark.parametrize("call, message", [
    (lambda: plot_nonlinearities(["tanh"], [1.0, 2.0]), "limit must be a single number, got shape (2,)"),
    (lambda: plot_input_factors({0.5: np.array([])}), "factors[0.5] must hold at least one factor, got none"),
])
def test_chapter2_charts_refuse_an_array_limit_and_empty_factors_by_name(call, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        call()
