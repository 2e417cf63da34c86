"""The training loop's printed lines, defaults and whole error messages, and what its three plots draw."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from rnn_helpers.plots import PALETTE  # noqa: E402
from rnn_helpers.training import History, plot_hidden_states, plot_predictions, plot_training_curves, train  # noqa: E402
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
    assert fig.get_size_inches() == pytest.approx((1.55 * 2 + 0.4, 2.45 + 0.35), rel=1e-12)
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
