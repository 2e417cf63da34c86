"""The training loop's printed lines, defaults and whole error messages, and what its three plots draw."""

import io
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import BoxStyle  # noqa: E402
from PIL import Image  # noqa: E402

from rnn_helpers.plots import PALETTE  # noqa: E402
from rnn_helpers.training import (  # noqa: E402
    History,
    _PredictionFigure,
    plot_hidden_states,
    plot_predictions,
    plot_training_curves,
    prediction_frames,
    prediction_table,
    train,
)
from reference import exactly  # noqa: E402


class Halve:
    """w <- w - 0.25 * grad; with loss w^2 (grad 2w) every update halves w and quarters the loss."""

    def step(self, params, grads):
        params["w"] -= 0.25 * grads["w"]


def square(params):
    return float(params["w"][0] ** 2), {"w": 2 * params["w"]}


def test_train_prints_every_log_every_updates_and_the_last_with_default_four_decimals():
    lines = []
    history = train(square, {"w": np.array([2.0])}, Halve(), updates=5, log_every=2,
                    track={"w": lambda p: p["w"][0]}, out=lines.append)
    # w = 2, 1, 0.5, 0.25, 0.125, 0.0625; loss = w^2
    assert history.losses == [4.0, 1.0, 0.25, 0.0625, 0.015625, 0.00390625]
    assert lines == [
        "update   0 | loss 4.0000 | w 2.0000",
        "update   2 | loss 0.2500 | w 0.5000",
        "update   4 | loss 0.0156 | w 0.1250",
        "update   5 | loss 0.0039 | w 0.0625",
    ]


def test_train_prints_the_record_where_stop_when_ends_it_and_is_silent_by_default():
    lines = []
    history = train(square, {"w": np.array([2.0])}, Halve(), updates=5, log_every=10, decimals=1,
                    stop_when=lambda h: h.losses[-1] < 0.3, out=lines.append)
    assert history.updates == 2
    assert lines == ["update   0 | loss 4.0", "update   2 | loss 0.2"]
    silent = []
    train(square, {"w": np.array([2.0])}, Halve(), updates=2, out=silent.append)
    assert silent == []


@pytest.mark.parametrize("kwargs, error, message", [
    ({"updates": -1}, ValueError, "updates must be a non-negative integer (log_every 0 = silent); got -1"),
    ({"updates": 2.5}, ValueError, "updates must be a non-negative integer (log_every 0 = silent); got 2.5"),
    ({"log_every": -1}, ValueError, "log_every must be a non-negative integer (log_every 0 = silent); got -1"),
    ({"decimals": -2}, ValueError, "decimals must be a non-negative integer (log_every 0 = silent); got -2"),
    ({"loss_and_grads": 3}, TypeError, "loss_and_grads must be a function params -> (loss, grads); got int"),
    ({"params": [1.0]}, TypeError, "params must be a dict of numpy arrays; got list"),
    ({"optimizer": None}, TypeError,
     "optimizer must have a step(params, grads) method, e.g. Adagrad(params); got None"),
])
def test_train_refuses_bad_arguments_with_whole_messages(kwargs, error, message):
    arguments = {"loss_and_grads": square, "params": {"w": np.array([2.0])}, "optimizer": Halve(), "updates": 2}
    with pytest.raises(error, match=exactly(message)):
        train(**{**arguments, **kwargs})


def test_plot_predictions_draws_the_probabilities_with_the_correct_bar_in_blue():
    probs = np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]])
    fig = plot_predictions(probs, ["a", "b", "c"], inputs=["x", "a"], targets=["b", "c"], title="after 3 updates")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2
    # two charts, 3.5 inches, would be narrower than the legend: widened to 4.15, legend on two lines
    assert fig.get_size_inches() == pytest.approx((4.15, 2.45 + 0.35 + 0.15), rel=1e-12)
    assert fig._suptitle.get_text() == "after 3 updates"
    for t, (ax, correct) in enumerate(zip(axes, [1, 2])):
        bars = ax.patches
        assert [bar.get_height() for bar in bars] == list(probs[t])
        for i, bar in enumerate(bars):
            assert to_rgba(bar.get_facecolor()) == to_rgba(PALETTE["blue"] if i == correct else "0.75")
        assert ax.get_title() == ["read 'x'", "read 'a'"][t]
        assert [label.get_text() for label in ax.get_xticklabels()] == ["a", "b", "c"]
        assert ax.get_ylim() == (0, 1.12)
        texts = [text for text in ax.texts if text.get_text()]
        assert [text.get_text() for text in texts] == [f"{probs[t, correct]:.2f}"]
        assert texts[0].get_position() == pytest.approx((correct, probs[t, correct] + 0.03))
    assert axes[0].get_ylabel() == "p(next character)"
    plt.close(fig)


def test_plot_predictions_without_a_title_leaves_it_empty():
    fig = plot_predictions(np.array([[0.4, 0.6]]), ["a", "b"], inputs=["a"], targets=["a"])
    assert fig._suptitle.get_text() == ""
    plt.close(fig)


def test_plot_hidden_states_draws_h_transposed_on_a_blue_white_orange_scale():
    h = np.array([[-0.8, 0.5], [0.0, 0.25], [0.6, -0.5]])  # inside (-1, 1): the limits must not come from the data
    ax = plot_hidden_states(h, ["a", "b", "c"], title="states")
    fig = ax.figure
    assert fig.get_size_inches() == pytest.approx((0.6 * 3 + 2.2, 0.3 * 2 + 1.2), rel=1e-12)
    image = ax.images[0]
    np.testing.assert_array_equal(image.get_array(), h.T)
    assert image.get_clim() == (-1, 1)
    assert ax.get_aspect() == "auto"
    cmap = image.get_cmap()
    assert cmap(0.0) == pytest.approx(to_rgba(PALETTE["blue"]))
    assert cmap(0.5) == pytest.approx(to_rgba("white"), abs=0.01)
    assert cmap(1.0) == pytest.approx(to_rgba(PALETTE["orange"]))
    assert [label.get_text() for label in ax.get_xticklabels()] == ["1: a", "2: b", "3: c"]
    assert [label.get_text() for label in ax.get_yticklabels()] == ["1", "2"]
    assert ax.get_xlabel() == "step: character read"
    assert ax.get_ylabel() == "hidden unit"
    assert ax.get_title() == "states"
    assert ax.title.get_fontsize() == 11
    colorbar_axes = [other for other in fig.axes if other is not ax]
    assert len(colorbar_axes) == 1
    assert colorbar_axes[0].get_ylabel() == "value of $h_t$"
    # shrink=0.9: the colour bar is 0.9 of the heatmap's height
    fig.canvas.draw()
    assert colorbar_axes[0].get_position().height == pytest.approx(0.9 * ax.get_position().height, rel=1e-6)
    plt.close(fig)
    untitled = plot_hidden_states(h, ["a", "b", "c"])
    assert untitled.get_title() == ""
    plt.close(untitled.figure)


def test_plot_hidden_states_errors_are_whole_messages():
    with pytest.raises(ValueError, match=exactly(
            "h must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index (0, 1)")):
        plot_hidden_states([[0.0, np.nan]], ["a"])
    with pytest.raises(ValueError, match=exactly("h must be 2-D (T, H): one hidden state per step; got shape (3,) (1-D)")):
        plot_hidden_states([0.0, 0.1, 0.2], ["a", "b", "c"])


def curves_history(tracked):
    return History(losses=[2.0, 1.5, 0.5], tracked={"p": tracked}, updates=2)


def line_style(line):
    return to_rgba(line.get_color()), line.get_marker(), line.get_markersize(), line.get_linestyle(), line.get_linewidth()


def test_plot_training_curves_draws_loss_and_tracked_quantity_with_their_styles():
    fig = plot_training_curves(curves_history([0.1, 0.5, 0.95]), "p", ylabel="p(e)", title="Probability of e",
                               threshold=0.9, baseline=2.5, baseline_label="uniform guess")
    ax_loss, ax_tracked = fig.axes
    assert tuple(fig.get_size_inches()) == (6.4, 3.0)
    assert ax_loss.get_position().x0 < ax_tracked.get_position().x0  # side by side
    loss_line, baseline = ax_loss.lines
    assert list(loss_line.get_ydata()) == [2.0, 1.5, 0.5]
    assert line_style(loss_line)[:3] == (to_rgba(PALETTE["vermillion"]), "o", 3)
    assert list(baseline.get_ydata()) == [2.5, 2.5]
    assert line_style(baseline)[0] == to_rgba("0.5") and line_style(baseline)[3:] == ("--", 1)
    (label,) = ax_loss.texts
    assert label.get_text() == "uniform guess"
    assert label.get_position() == pytest.approx((2, 2.55))
    assert label.get_ha() == "right" and to_rgba(label.get_color()) == to_rgba("0.3")
    assert label.get_fontsize() == pytest.approx(plt.rcParams["font.size"])  # "medium"
    assert (ax_loss.get_xlabel(), ax_loss.get_ylabel(), ax_loss.get_title()) == ("update", "mean cross-entropy", "Loss")
    assert ax_loss.get_ylim() == pytest.approx((0, 1.1 * 2.5))  # the baseline is above every loss
    tracked_line, threshold = ax_tracked.lines
    assert list(tracked_line.get_ydata()) == [0.1, 0.5, 0.95]
    assert line_style(tracked_line)[:3] == (to_rgba(PALETTE["blue"]), "o", 3)
    assert list(threshold.get_ydata()) == [0.9, 0.9]
    assert line_style(threshold)[0] == to_rgba("0.5") and line_style(threshold)[3:] == ("--", 1)
    assert (ax_tracked.get_xlabel(), ax_tracked.get_ylabel(), ax_tracked.get_title()) == ("update", "p(e)", "Probability of e")
    assert ax_tracked.get_ylim() == (0, 1.02)
    for ax in (ax_loss, ax_tracked):
        assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
        assert ax.spines["left"].get_visible() and ax.spines["bottom"].get_visible()
    plt.close(fig)


@pytest.mark.parametrize("tracked, probability", [([0.0, 0.5, 1.0], True), ([0.5, 1.5, 0.2], False),
                                                  ([-0.1, 0.5, 0.2], False)])
def test_plot_training_curves_uses_0_to_1_only_for_probabilities(tracked, probability):
    fig = plot_training_curves(curves_history(tracked), "p", ylabel="q", title="q")
    ax_loss, ax_tracked = fig.axes
    assert ax_loss.get_ylim() == pytest.approx((0, 1.1 * 2.0))  # no baseline: the largest loss sets the top
    assert not ax_loss.texts
    assert (ax_tracked.get_ylim() == (0, 1.02)) == probability
    plt.close(fig)


def test_plot_training_curves_default_baseline_label_is_empty_and_errors_are_whole():
    fig = plot_training_curves(curves_history([0.1, 0.2, 0.3]), "p", ylabel="p", title="p", baseline=0.5)
    assert fig.axes[0].texts[0].get_text() == ""
    assert fig.axes[0].get_ylim() == pytest.approx((0, 1.1 * 2.0))
    plt.close(fig)
    small = plot_training_curves(History(losses=[0.5, 0.25], tracked={"p": [0.1, 0.2]}), "p", ylabel="p", title="p")
    assert small.axes[0].get_ylim() == pytest.approx((0, 1.1 * 0.5))  # losses below 1: the top follows them
    plt.close(small)
    with pytest.raises(TypeError, match=exactly("history must be the History returned by train(...), got dict")):
        plot_training_curves({"losses": [1.0]}, "p", ylabel="p", title="p")
    with pytest.raises(ValueError, match=exactly("history holds no updates to plot")):
        plot_training_curves(History(tracked={"p": []}), "p", ylabel="p", title="p")


def test_prediction_table_without_targets_pads_every_cell_to_decimals_plus_three():
    table = prediction_table([[0.125, 0.875], [0.5, 0.5]], ["a", "b"], ["x", "a"], decimals=3)
    assert table.splitlines() == [
        "step  read       a      b",
        "   1     x   0.125  0.875",
        "   2     a   0.500  0.500",
    ]


def test_prediction_table_with_targets_adds_the_next_token_and_its_probability():
    assert prediction_table([[0.25, 0.75]], ["a", "b"], ["a"], ["b"]).splitlines() == [
        "step  read      a     b  next  p(next)",
        "   1     a   0.25  0.75     b     0.75",
    ]


@pytest.mark.parametrize("probs, inputs, targets, message", [
    ([[0.5, np.nan]], ["a"], None,
     "probs must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index (0, 1)"),
    ([0.5, 0.5], ["a"], None, "probs must be 2-D (T, V); got shape (2,) (1-D)"),
    ([[0.5, 0.5], [0.5, 0.5]], ["a", "b"], ["a"],
     "probs has shape (2, 2): tokens needs 2 entries and inputs (and targets) 2; got 2, 2, 1"),
    ([[0.5, 0.5], [0.5, 0.5]], ["a"], None,
     "probs has shape (2, 2): tokens needs 2 entries and inputs (and targets) 2; got 2, 1"),
    ([[0.5, 0.5], [-0.25, 1.25]], ["a", "b"], None,
     "probs must hold probabilities between 0 and 1; got -0.25 at index (1, 0)"),
    ([[0.5, 0.5], [0.25, 1.25]], ["a", "b"], None,
     "probs must hold probabilities between 0 and 1; got 1.25 at index (1, 1)"),
    ([[0.5, 0.5], [0.25, 0.5]], ["a", "b"], None,
     "each row of probs must sum to 1 (a distribution over the 2 tokens); row 1 sums to 0.75"),
    ([[0.5, 0.502], [0.5, 0.5]], ["a", "b"], None,
     "each row of probs must sum to 1 (a distribution over the 2 tokens); row 0 sums to 1.002"),
])
def test_prediction_table_errors_are_whole_messages(probs, inputs, targets, message):
    with pytest.raises(ValueError, match=exactly(message)):
        prediction_table(probs, ["a", "b"], inputs, targets)


def check_tight_layout(fig, legend_bottom, legend_height):
    """The axes lie inside the figure and fill it above the legend: tight_layout again with that rect moves
    none of them vertically (horizontally matplotlib's tight_layout takes two passes to settle)."""
    renderer = fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
    assert min(box.x0 for box in boxes) >= 0 and max(box.x1 for box in boxes) <= fig.bbox.width
    height = fig.get_figheight()
    vertical = [bound for ax in fig.axes for bound in ax.get_position().bounds[1::2]]
    fig.tight_layout(rect=(0, (legend_bottom * height + legend_height) / height, 1, 1))
    assert [bound for ax in fig.axes for bound in ax.get_position().bounds[1::2]] == pytest.approx(vertical, rel=1e-9)


def test_plot_predictions_bars_labels_titles_legend_and_layout():
    probs = np.array([[0.2, 0.5, 0.3], [0.1, 0.6, 0.3]])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Tight layout not applied")
        fig = plot_predictions(probs, "abc", inputs=["x", "a"], targets=["b", "b"], title="after 3 updates")
    axes = fig.axes
    for ax in axes:
        for bar in ax.patches:
            assert to_rgba(bar.get_edgecolor()) == to_rgba("black") and bar.get_linewidth() == 0.5
        (label,) = [text for text in ax.texts]
        assert label.get_ha() == "center" and label.get_fontsize() == 9
        assert ax.title.get_fontsize() == 10
        assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
        assert ax.spines["left"].get_visible() and ax.spines["bottom"].get_visible()
    assert axes[0].get_shared_y_axes().joined(axes[0], axes[1])
    assert [label.get_visible() for label in axes[1].get_yticklabels()] == [False] * len(axes[1].get_yticklabels())
    assert fig._suptitle.get_fontsize() == 11
    (legend,) = figure_texts(fig)
    assert legend.get_text() == ("blue bar: the correct next character (its probability above it);\n"
                                 "grey bars: the other characters")
    assert legend.get_position() == (0.5, 0.02)
    assert (legend.get_ha(), legend.get_va(), legend.get_fontsize()) == ("center", "bottom", 9)
    assert to_rgba(legend.get_color()) == to_rgba("0.25")
    check_tight_layout(fig, 0.02, 0.22 + 0.15)
    plt.close(fig)


def test_plot_predictions_layout_does_not_depend_on_which_bar_is_correct_at_a_larger_font():
    """No room is kept for labels before they are drawn (at 15 points a label over a first bar would stick out)."""
    probs = np.array([[0.2, 0.5, 0.3], [0.1, 0.6, 0.3], [0.3, 0.4, 0.3]])
    positions = []
    with plt.rc_context({"font.size": 15}):
        for targets in ("bbb", "bca"):
            fig = plot_predictions(probs, "abc", inputs="xab", targets=targets, title="after 3 updates")
            positions.append([bound for ax in fig.axes for bound in ax.get_position().bounds])
            check_tight_layout(fig, 0.02, (0.22 + 0.15) * 1.5)  # legend on two lines
            plt.close(fig)
    assert positions[1] == pytest.approx(positions[0], rel=1e-12)


@pytest.mark.parametrize("font_size", [10, 12])
@pytest.mark.parametrize("steps", [1, 2, 3, 4, 5, 7])
def test_the_prediction_legend_fits_inside_the_figure(steps, font_size):
    """One line where the charts are wide enough for it, else two, and a figure of one or two charts
    is widened to hold them (it once ran off both sides of a two-chart figure)."""
    with plt.rc_context({"font.size": font_size}):
        fig = plot_predictions(np.full((steps, 3), 1 / 3), "abc", inputs="abcabca"[:steps], targets="bcabcab"[:steps])
    (legend,) = figure_texts(fig)
    box = legend.get_window_extent(fig.canvas.get_renderer())
    assert 0 < box.x0 and box.x1 < fig.bbox.width
    scale = font_size / 10
    one_line = 1.55 * steps + 0.4 >= 6.2 * scale
    assert legend.get_text().count("\n") == (0 if one_line else 1)
    assert fig.get_figwidth() == pytest.approx(max(1.55 * steps + 0.4, 4.15 * scale), rel=1e-12)
    plt.close(fig)


def test_the_prediction_legend_takes_one_line_from_exactly_the_width_it_needs(monkeypatch):
    import rnn_helpers.training as training

    monkeypatch.setitem(training._LEGEND_INCHES, 1, 1.55 * 4 + 0.4)  # four charts: exactly wide enough
    fig = plot_predictions(np.full((4, 3), 1 / 3), "abc", inputs="abca", targets="bcab")
    (legend,) = figure_texts(fig)
    assert legend.get_text() == ("blue bar: the correct next character (its probability above it); "
                                 "grey bars: the other characters")
    plt.close(fig)


def test_the_chapter_3_slider_figure_keeps_its_size():
    """Chapter 3's frames: five charts in rows of three at font size 12 (wide enough: not widened)."""
    with plt.rc_context({"font.size": 12}):
        figure = _PredictionFigure("Pleas", "Pleas", "lease", ruler=["0", "1"], ruler_name="updates:", columns=3)
    assert figure.fig.get_size_inches() == pytest.approx((1.55 * 3 + 0.4, 2.45 * 2 + 0.35 + (0.35 + 0.15) * 1.2))
    plt.close(figure.fig)


def test_prediction_table_accepts_a_row_that_sums_to_1_within_a_thousandth():
    assert prediction_table([[0.5, 0.5009]], ["a", "b"], ["a"]).splitlines()[1].split() == ["1", "a", "0.50", "0.50"]


def test_plot_predictions_refuses_probabilities_outside_0_to_1_and_closes_its_figure():
    open_before = set(plt.get_fignums())
    with pytest.raises(ValueError, match=exactly("probs must hold probabilities between 0 and 1; got -0.5 at index (0, 0)")):
        plot_predictions(np.array([[-0.5, 1.5]]), ["a", "b"], inputs=["a"], targets=["b"])
    assert set(plt.get_fignums()) == open_before


def test_plot_predictions_refuses_a_target_outside_the_tokens():
    open_before = set(plt.get_fignums())
    with pytest.raises(ValueError, match=exactly("targets must be tokens of ['a', 'b']; got 'z'")):
        plot_predictions(np.array([[0.4, 0.6]]), ["a", "b"], inputs=["a"], targets=["z"])
    assert set(plt.get_fignums()) == open_before  # the half-built figure was closed


def test_prediction_frames_close_their_figure_when_a_frame_is_bad():
    open_before = set(plt.get_fignums())
    good, bad = np.array([[0.4, 0.6]]), np.array([[0.4, np.inf]])
    with pytest.raises(ValueError, match=exactly(
            "probs must be finite, but it holds 1 NaN or infinite value(s); the first is inf at index (0, 1)")):
        prediction_frames([good, bad], ["a", "b"], ["a"], ["b"], titles=["first", "second"])
    assert set(plt.get_fignums()) == open_before


def test_plot_predictions_places_the_label_in_float64_above_a_float16_bar():
    probs = np.array([[0.7, 0.3]], dtype=np.float16)
    fig = plot_predictions(probs, ["a", "b"], inputs=["a"], targets=["a"])
    (label,) = fig.axes[0].texts
    x, y = label.get_position()
    assert (x, float(y)) == (0, float(np.float16(0.7)) + 0.03)  # float() so numpy does not compare in float16
    assert label.get_text() == "0.70"
    plt.close(fig)


def test_prediction_figure_marks_the_first_bar_for_a_target_outside_the_tokens():
    figure = _PredictionFigure(["a", "b"], ["a"], ["z"])
    assert figure.correct == [0]
    assert [to_rgba(bar.get_facecolor()) for bar in figure.bars[0]] == [to_rgba(PALETTE["blue"]), to_rgba("0.75")]
    plt.close(figure.fig)


def figure_texts(fig):
    """The figure's texts other than its title: the legend, then the ruler's name and labels."""
    return [text for text in fig.texts if text is not fig._suptitle]


def test_prediction_figure_with_ruler_and_columns_lays_out_rows_legend_and_ruler():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Tight layout not applied")
        figure = _PredictionFigure("abc", "xab", "bbb", ruler=["0", "1", "2"], ruler_name="updates:", columns=2)
    fig = figure.fig
    extra = 0.35 + 0.15  # the ruler row, and the legend's second line
    assert fig.get_size_inches() == pytest.approx((4.15, 2.45 * 2 + 0.35 + extra), rel=1e-12)
    assert len(fig.axes) == 4 and [ax.get_visible() for ax in fig.axes] == [True, True, True, False]
    assert [ax.get_ylabel() for ax in fig.axes[:3]] == ["p(next character)", "", "p(next character)"]
    legend, name, *labels = figure_texts(fig)
    assert legend.get_text() == ("blue bar: the correct next character (its probability above it);\n"
                                 "grey bars: the other characters")
    bottom = 0.02 + extra / fig.get_figheight()
    assert legend.get_position() == pytest.approx((0.5, bottom), rel=1e-12)
    assert name.get_text() == "updates:" and name.get_position() == (0.02, 0.03)
    assert (name.get_ha(), name.get_va(), name.get_fontsize()) == ("left", "bottom", 10)
    assert to_rgba(name.get_color()) == to_rgba("0.25")
    assert [label.get_text() for label in labels] == ["0", "1", "2"]
    assert [label.get_position()[0] for label in labels] == pytest.approx([0.2, 0.58, 0.96], rel=1e-12)
    assert [label.get_position()[1] for label in labels] == [0.03] * 3
    for label in labels:
        assert (label.get_ha(), label.get_va(), label.get_fontsize()) == ("center", "bottom", 10)
    check_tight_layout(fig, bottom, 0.22 + 0.15)
    plt.close(fig)


def test_prediction_figure_in_rows_without_a_ruler_keeps_the_legend_at_the_bottom():
    figure = _PredictionFigure("abc", "xab", "bbb", columns=2)
    fig = figure.fig
    assert fig.get_size_inches() == pytest.approx((4.15, 2.45 * 2 + 0.35 + 0.15), rel=1e-12)
    (legend,) = figure_texts(fig)
    assert legend.get_position() == (0.5, 0.02)
    check_tight_layout(fig, 0.02, 0.22 + 0.15)
    plt.close(fig)


def test_prediction_figure_text_and_space_grow_with_the_font_size():
    with plt.rc_context({"font.size": 20}):  # scale 2
        figure = _PredictionFigure("abc", "xab", "bbb", ruler=["0", "1"], ruler_name="updates:", columns=2)
        fig = figure.fig
        extra = (0.35 + 0.15) * 2
        assert fig.get_size_inches() == pytest.approx((4.15 * 2, 2.45 * 2 + 0.35 + extra), rel=1e-12)
        legend, name, *labels = figure_texts(fig)
        assert [label.get_position()[0] for label in labels] == pytest.approx([0.2, 0.96])
        assert [text.get_fontsize() for text in (legend, name, *labels)] == [18, 20, 20, 20]
        assert [text.get_fontsize() for text in figure.labels] == [18, 18, 18]
        assert [ax.title.get_fontsize() for ax in figure.axes] == [20, 20, 20]
        assert figure.title.get_fontsize() == 22
        bottom = 0.02 + extra / fig.get_figheight()
        assert legend.get_position() == pytest.approx((0.5, bottom), rel=1e-12)
        check_tight_layout(fig, bottom, (0.22 + 0.15) * 2)
    plt.close(fig)


def test_prediction_figure_draw_marks_only_the_ruler_label_at_position():
    figure = _PredictionFigure("ab", "x", "b", ruler=["0", "1", "2"])
    assert figure_texts(figure.fig)[1].get_text() == ""  # ruler_name defaults to nothing
    with plt.rc_context({"patch.edgecolor": "red", "patch.facecolor": "green", "patch.linewidth": 3}):
        figure.draw(np.array([[0.25, 0.75]]), "t", position=1)
    for k, label in enumerate(figure.ruler):
        box = label.get_bbox_patch()
        if k == 1:
            assert (label.get_fontweight(), label.get_color()) == ("bold", "black")
            assert isinstance(box.get_boxstyle(), BoxStyle.Round) and box.get_boxstyle().pad == 0.25
            assert box.get_facecolor() == to_rgba("#ffe9a8") and box.get_edgecolor() == to_rgba("black")
            assert box.get_linewidth() == 0.6
        else:
            assert (label.get_fontweight(), label.get_color()) == ("normal", "0.55")
            assert box.get_facecolor() == (0, 0, 0, 0) and box.get_edgecolor() == (0, 0, 0, 0)
    figure.draw(np.array([[0.25, 0.75]]))
    assert figure.title.get_text() == ""
    assert [label.get_fontweight() for label in figure.ruler] == ["normal"] * 3
    plt.close(figure.fig)


def frame_pixels(png):
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.mode == "RGB"
    return np.asarray(image).astype(int)


def drawn_pixels(figure, dpi, probs, title, position):
    """The same figure drawn whole (no blitting), as RGB pixels."""
    figure.fig.set_dpi(dpi)
    figure.draw(probs, title, position=position)
    figure.fig.canvas.draw()
    return np.asarray(figure.fig.canvas.buffer_rgba())[..., :3].astype(int)


def differing_rows(frame, drawn):
    assert frame.shape == drawn.shape
    return set(np.nonzero(np.abs(frame - drawn).max(axis=(1, 2)))[0].tolist())


def axis_rows(figure):
    """Pixel rows of the x axes, where blitted bars and the axis line may overlap in another order."""
    height = figure.fig.bbox.height
    return {int(height - ax.bbox.y0) + d for ax in figure.axes for d in (-1, 0, 1)}


def test_prediction_frames_are_the_figure_drawn_for_each_probabilities_title_and_ruler_position():
    series = [np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]]), np.array([[0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])]
    titles = ["after 0 updates", "after 1 update"]
    pngs = prediction_frames(series, "abc", "xa", "bc", titles, dpi=30, ruler=["0", "1"], ruler_name="updates:")
    assert len(pngs) == 2
    for k, png in enumerate(pngs):
        figure = _PredictionFigure("abc", "xa", "bc", ruler=["0", "1"], ruler_name="updates:")
        assert differing_rows(frame_pixels(png), drawn_pixels(figure, 30, series[k], titles[k], k)) <= axis_rows(figure)
        plt.close(figure.fig)


def test_prediction_frames_defaults_80_dpi_no_ruler_name_and_accepts_one_column():
    probs = np.array([[0.3, 0.7]])
    (png,) = prediction_frames([probs], "ab", "a", "b", ["t"], ruler=["0"])
    figure = _PredictionFigure("ab", "a", "b", ruler=["0"], ruler_name="")
    frame = frame_pixels(png)
    assert frame.shape == (round((2.45 + 0.35 + 0.35 + 0.15) * 80), round(4.15 * 80), 3)  # widened, legend on two lines
    assert differing_rows(frame, drawn_pixels(figure, 80, probs, "t", 0)) <= axis_rows(figure)
    plt.close(figure.fig)
    pngs = prediction_frames([np.array([[0.3, 0.7], [0.6, 0.4]])], "ab", "ab", "ba", ["t"], dpi=20, columns=1)
    assert frame_pixels(pngs[0]).shape == (round((2.45 * 2 + 0.35 + 0.15) * 20), round(4.15 * 20), 3)


def test_plot_hidden_states_colour_bar_shows_the_heatmaps_scale_from_minus_1_to_1():
    h = np.array([[-0.5, 0.5], [0.25, 0.0]])
    ax = plot_hidden_states(h, ["a", "b"])
    image = ax.images[0]
    colorbar = image.colorbar
    assert colorbar is not None and colorbar.mappable is image
    assert colorbar.ax.get_ylim() == (-1, 1)
    assert colorbar.cmap(0.0) == pytest.approx(to_rgba(PALETTE["blue"]))
    assert colorbar.cmap(1.0) == pytest.approx(to_rgba(PALETTE["orange"]))
    plt.close(ax.figure)


def test_prediction_figure_before_any_draw_has_empty_labels_at_the_foot_of_the_correct_bars():
    # Before the first draw: every probability label is empty and sits at (correct bar, 0.03),
    # the suptitle is a one-space placeholder (it reserves the title's line in the tight layout).
    figure = _PredictionFigure("abc", "xab", "cab")
    assert [label.get_text() for label in figure.labels] == ["", "", ""]
    assert [label.get_position() for label in figure.labels] == [(2, 0.03), (0, 0.03), (1, 0.03)]
    assert figure.title.get_text() == " " and figure.fig._suptitle is figure.title
    plt.close(figure.fig)


def test_prediction_figure_hides_the_top_and_right_spines_with_false():
    figure = _PredictionFigure("ab", "xa", "ba")
    for ax in figure.axes:
        assert [ax.spines[side].get_visible() for side in ("top", "right", "left", "bottom")] == [False, False, True, True]
    plt.close(figure.fig)


def test_prediction_figure_sizes_step_titles_10_and_labels_9_at_the_default_font():
    with plt.rc_context({"font.size": 10, "axes.titlesize": "large"}):
        figure = _PredictionFigure("ab", "xa", "ba")
    assert [ax.title.get_fontsize() for ax in figure.axes] == [10, 10]
    assert [ax.title.get_text() for ax in figure.axes] == ["read 'x'", "read 'a'"]
    assert [label.get_fontsize() for label in figure.labels] == [9, 9]
    assert figure.title.get_fontsize() == 11
    plt.close(figure.fig)


def test_prediction_table_accepts_a_certain_prediction_of_probability_exactly_1():
    assert prediction_table([[0.0, 1.0]], ["a", "b"], ["a"], ["b"]).splitlines()[1].split() == [
        "1", "a", "0.00", "1.00", "b", "1.00"]
