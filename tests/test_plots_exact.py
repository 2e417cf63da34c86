"""Exact drawing of the shared chart helpers in rnn_helpers.plots: grouped_bars, finish_chart and
finish_line_chart (issue 20).

Each test here was written against mutants that got past every other test: a bar's position,
width, colour, hatch or label, the zero line, the title's or the legend's size and place. The book
draws these charts in several chapters, so a reader would see the difference.
"""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from rnn_helpers.plots import HATCHES, PALETTE, SERIES_COLOURS, finish_chart, finish_line_chart, grouped_bars  # noqa: E402
from reference import exactly  # noqa: E402

# A reader's own matplotlib style must not change these charts: every size and place below is
# chosen by the helpers, not left to these defaults.
ODD_STYLE = {"lines.linewidth": 4.0, "lines.color": "red", "legend.fontsize": 5.0, "legend.frameon": True,
             "legend.loc": "upper right", "axes.titlesize": 7.0, "hatch.color": "red"}


def r(*values):
    """Numbers rounded to 9 places (a tuple), so that 0.1 + 0.2 and 0.3 compare equal."""
    return tuple(round(float(v), 9) for v in values)


def test_palette_and_series_order_are_okabe_ito():
    assert SERIES_COLOURS == [PALETTE[name] for name in ("blue", "orange", "green", "vermillion", "purple", "sky")]
    assert HATCHES == ["", "//", "..", "xx", "\\\\", "oo"]


def test_grouped_bars_draws_each_series_beside_the_others():
    fig, ax = plt.subplots()
    with plt.rc_context(ODD_STYLE):
        returned = grouped_bars(ax, {"a": [1, 2], "b": np.array([3.0, -4.0]), "c": [5, 6]}, ("x", "y"),
                                title="Bars", ylabel="size")
    assert returned is ax
    width = 0.8 / 3
    bars = ax.patches
    assert len(bars) == 6
    # series k sits at category + (k - 1) * width: a left of the centre, b on it, c right of it
    assert r(*(bar.get_x() + bar.get_width() / 2 for bar in bars)) == r(
        -width, 1 - width, 0, 1, width, 1 + width)
    assert r(*(bar.get_width() for bar in bars)) == r(*[width] * 6)
    assert [bar.get_height() for bar in bars] == [1.0, 2.0, 3.0, -4.0, 5.0, 6.0]
    assert [to_rgba(bar.get_facecolor()) for bar in bars] == [to_rgba(SERIES_COLOURS[k]) for k in (0, 0, 1, 1, 2, 2)]
    assert [bar.get_hatch() or "" for bar in bars] == ["", "", "//", "//", "..", ".."]
    assert {to_rgba(bar.get_edgecolor()) for bar in bars} == {to_rgba("white")}
    assert [container.get_label() for container in ax.containers] == ["a", "b", "c"]
    assert ax.get_legend_handles_labels()[1] == ["a", "b", "c"]
    assert list(ax.get_xticks()) == [0, 1]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["x", "y"]
    (zero,) = ax.lines
    assert (tuple(zero.get_ydata()), to_rgba(zero.get_color()), zero.get_linewidth()) == ((0, 0), to_rgba("0.3"), 0.8)
    assert (ax.get_title(), ax.get_ylabel()) == ("Bars", "size")
    assert ax.spines["top"].get_visible() is False and ax.spines["right"].get_visible() is False
    assert ax.spines["left"].get_visible() and ax.spines["bottom"].get_visible()
    plt.close(fig)


def test_grouped_bars_one_series_fills_0_8_of_each_slot_and_leaves_title_and_label_empty():
    fig, ax = plt.subplots()
    grouped_bars(ax, {"only": [2.0, 1.0, 0.5]}, ["p", "q", "r"])
    assert r(*(bar.get_x() for bar in ax.patches)) == r(-0.4, 0.6, 1.6)
    assert r(*(bar.get_width() for bar in ax.patches)) == r(0.8, 0.8, 0.8)
    assert (ax.get_title(), ax.get_ylabel()) == ("", "")
    plt.close(fig)


def test_grouped_bars_cycles_colours_and_hatches_after_six_series():
    fig, ax = plt.subplots()
    grouped_bars(ax, {f"s{k}": [float(k + 1)] for k in range(7)}, ["one"])
    assert [to_rgba(bar.get_facecolor()) for bar in ax.patches] == [to_rgba(c) for c in SERIES_COLOURS + SERIES_COLOURS[:1]]
    assert [bar.get_hatch() or "" for bar in ax.patches] == HATCHES + HATCHES[:1]
    plt.close(fig)


def test_grouped_bars_reads_values_as_floats_so_a_missing_value_is_a_gap():
    fig, ax = plt.subplots()
    grouped_bars(ax, {"a": [1, None, 3]}, ["x", "y", "z"])
    heights = [bar.get_height() for bar in ax.patches]
    assert heights[0] == 1.0 and np.isnan(heights[1]) and heights[2] == 3.0
    plt.close(fig)


def test_grouped_bars_refuses_a_series_of_the_wrong_length_with_the_whole_message():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=exactly("series 'b' must have shape (2,) to match categories; got (3,)")):
        grouped_bars(ax, {"a": [1, 2], "b": [1, 2, 3]}, ["x", "y"])
    plt.close(fig)


def test_finish_chart_hides_the_legend_frame_and_two_spines_and_passes_legend_options_on():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="line")
    with plt.rc_context(ODD_STYLE):
        assert finish_chart(ax, loc="center", fontsize=6) is ax
    legend = ax.get_legend()
    assert legend.get_frame_on() is False
    assert legend._loc == 10  # "center"
    assert [(text.get_text(), text.get_fontsize()) for text in legend.get_texts()] == [("line", 6)]
    assert ax.spines["top"].get_visible() is False and ax.spines["right"].get_visible() is False
    assert ax.spines["left"].get_visible() and ax.spines["bottom"].get_visible()
    plt.close(fig)


def test_finish_line_chart_sets_title_11_and_a_frameless_lower_left_legend_at_9():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 2], label="loss")
    with plt.rc_context(ODD_STYLE):
        assert finish_line_chart(ax, "Loss per step") is ax
    assert (ax.get_title(), ax.title.get_fontsize()) == ("Loss per step", 11)
    legend = ax.get_legend()
    assert legend.get_frame_on() is False
    assert legend._loc == 3  # "lower left"
    assert [(text.get_text(), text.get_fontsize()) for text in legend.get_texts()] == [("loss", 9)]
    assert ax.spines["top"].get_visible() is False and ax.spines["right"].get_visible() is False
    plt.close(fig)
