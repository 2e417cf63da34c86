"""Exact checks of rnn_helpers.forget_gate (chapter 5): edge values, whole texts and what the figures show.

Complements tests/test_forget_gate.py (issue 20: each test here fails on a change of the code
that the older tests let through).
"""

import base64
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from PIL import Image

from rnn_helpers.forget_gate import (
    FIGSIZE,
    FLOOR,
    ForgetGateFigure,
    cell_state_connectivity,
    forget_gate_figure,
    forget_gate_frames,
    forget_gate_sweep,
    frame_alt,
    frame_caption,
    plot_gradient_curves,
    power_text,
    rnn_state_gradient_norms,
)
from rnn_helpers.plots import PALETTE, SERIES_COLOURS
from reference import exactly


# ---------------------------------------------------------------- values

def test_cell_state_connectivity_accepts_gates_of_exactly_0_and_1():
    # f_2 = 0 closes the cell path for step 1; f_3 = 1 passes everything:
    # entry t - 1 is f_{t+1} ... f_4: [0 * 1 * 0.8, 1 * 0.8, 0.8, 1].
    np.testing.assert_array_equal(cell_state_connectivity(np.array([0.5, 0.0, 1.0, 0.8])), [0.0, 0.8, 0.8, 1.0])
    np.testing.assert_array_equal(cell_state_connectivity(np.array([0.0, 0.5])), [0.5, 1.0])
    np.testing.assert_array_equal(cell_state_connectivity(np.array([1.0, 1.0])), [1.0, 1.0])


def test_cell_state_connectivity_underflows_to_0_even_when_the_caller_raises_on_underflow():
    # 1e-200 * 1e-200 is below the smallest float64 (about 5e-324): exactly 0.
    with np.errstate(all="raise"):
        values = cell_state_connectivity(np.full(4, 1e-200))
    np.testing.assert_array_equal(values, [0.0, 0.0, 1e-200, 1.0])


def test_rnn_state_gradient_norms_underflow_to_0_even_when_the_caller_raises_on_underflow():
    # One unit with W_hh = 1e-120: h_t = tanh(0.5 x_t + 0.1) (the recurrent term is far below
    # float64's resolution of a), and d h_T / d h_t = prod_{s > t} (1 - h_s^2) W_hh.
    w = 1e-120
    params = {"weight_ih": np.array([[0.5]]), "weight_hh": np.array([[w]]), "bias_ih": np.array([0.1]),
              "bias_hh": np.array([0.0])}
    x = np.array([1.0, -1.0, 2.0, 0.5, 1.0])
    slopes = 1 - np.tanh(0.5 * x + 0.1) ** 2
    expected = [1.0, slopes[4] * w, slopes[3] * w * slopes[4] * w]  # for t = 5, 4, 3
    with np.errstate(all="raise"):
        norms = rnn_state_gradient_norms(x[:, None], params)
    np.testing.assert_allclose(norms[::-1][:3], expected, rtol=1e-12)
    np.testing.assert_array_equal(norms[:2], 0.0)  # w^3 = 1e-360 and less: below float64


def test_power_text_at_the_switch_to_powers_of_ten_and_below_a_mantissa_of_10():
    assert power_text(0.01) == "0.010"
    assert power_text(0.00999) == "1.0 × 10⁻²"  # 9.99 rounds to 10.0 with one decimal
    assert power_text(9.6e-5) == "9.6 × 10⁻⁵"
    assert power_text(9.94e-5) == "9.9 × 10⁻⁵"
    assert power_text(-3.2e-7) == "3.2 × 10⁻⁷"  # a size: the sign is dropped


# ---------------------------------------------------------------- texts

def hand_sweep():
    """A sweep written by hand, so each number in the texts can be traced (T = 12 steps)."""
    return {
        "biases": np.array([1.0, 2.5]),
        "forget": np.array([0.7311, 0.9241]),
        "lstm": np.array([[1e-25, 3.1e-4] + [0.5] * 10,
                          [0.0042, 0.0051] + [0.7] * 10]),
        "cell_path": np.array([0.0318, 0.4201]),
        "rnn": np.array([FLOOR, 2.7e-12] + [0.9] * 10),
        "w2": 1.5,
        "inputs": np.zeros(12),
    }


def test_frame_caption_whole_text():
    sweep = hand_sweep()
    assert frame_caption(sweep, 0) == (
        "Forget-gate bias 1.0, so f = σ(1.0) = 0.731. LSTM: ∂y₁₂/∂x₁ = 1.0 × 10⁻²⁵, which is f¹¹ = 0.032 "
        "times ∂y₁₂/∂x₁₂. Chapter 4's tanh neuron (W₂ = 1.5): ∂y₁₂/∂x₁ = 1.0 × 10⁻²⁰.")
    assert frame_caption(sweep, 1) == (
        "Forget-gate bias 2.5, so f = σ(2.5) = 0.924. LSTM: ∂y₁₂/∂x₁ = 4.2 × 10⁻³, which is f¹¹ = 0.420 "
        "times ∂y₁₂/∂x₁₂. Chapter 4's tanh neuron (W₂ = 1.5): ∂y₁₂/∂x₁ = 1.0 × 10⁻²⁰.")


def test_frame_alt_whole_text_with_values_below_at_and_above_the_floor():
    sweep = hand_sweep()
    # Frame 0: the LSTM's 1e-25 at step 1 lies on the floor (though step 2 is above it);
    # the tanh neuron's value is exactly FLOOR, which is drawn as a value, not on the floor.
    assert frame_alt(sweep, 0) == (
        "Log-scale plot of |∂y₁₂/∂xₜ| against the step t from 1 to 12. The LSTM with forget-gate bias 1.0 "
        "(f = 0.731) gives a straight line that falls by a factor f per step back, down to the plot's floor "
        "line at 10⁻²⁰, where it lies at step 1 (the plot draws smaller values on that line); the tanh neuron "
        "with W₂ = 1.5 falls much faster and unevenly, reaching 1.0 × 10⁻²⁰ at step 1.")
    assert frame_alt(sweep, 1) == (
        "Log-scale plot of |∂y₁₂/∂xₜ| against the step t from 1 to 12. The LSTM with forget-gate bias 2.5 "
        "(f = 0.924) gives a straight line that falls by a factor f per step back, reaching 4.2 × 10⁻³ at "
        "step 1; the tanh neuron with W₂ = 1.5 falls much faster and unevenly, reaching 1.0 × 10⁻²⁰ at step 1.")


def test_plot_gradient_curves_names_a_bad_curve_in_its_error():
    open_before = plt.get_fignums()
    with pytest.raises(TypeError, match=exactly("curves['lstm'] must be a numpy array of real numbers, got str")):
        plot_gradient_curves({"ok": np.ones(3), "lstm": "abc"})
    assert plt.get_fignums() == open_before  # checked before a figure is made


# ---------------------------------------------------------------- plot_gradient_curves

def test_plot_gradient_curves_styles_labels_and_sizes():
    curves = {f"curve {k}": np.geomspace(10.0 ** -(k + 1), 1.0, 4) for k in range(5)}
    ax = plot_gradient_curves(curves)
    fig = ax.figure
    np.testing.assert_allclose(fig.get_size_inches(), (7.2, 4.6))
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--", "-.", ":", "-"]
    assert [line.get_color() for line in ax.lines] == SERIES_COLOURS[:5]
    assert [line.get_linewidth() for line in ax.lines] == [2.0] * 5
    for line, values in zip(ax.lines, curves.values()):
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
        np.testing.assert_array_equal(line.get_ydata(), values)
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "step $t$ that the gradient reaches, back from the last"
    assert ax.get_ylabel() == "gradient size"
    assert ax.xaxis.label.get_fontsize() == 12 and ax.yaxis.label.get_fontsize() == 12
    assert ax.get_title() == "" and ax.title.get_fontsize() == 12
    for axis in (ax.xaxis, ax.yaxis):
        assert {tick.label1.get_fontsize() for tick in axis.get_major_ticks()} == {11}
    legend = ax.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == list(curves)
    assert {text.get_fontsize() for text in legend.get_texts()} == {11}
    assert legend.get_frame_on() is False
    assert legend._loc == 4  # "lower right": the curves fall towards the left
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    plt.close(fig)


def test_plot_gradient_curves_title_and_given_axes():
    open_before = plt.get_fignums()
    fig, ax = plt.subplots()
    assert plot_gradient_curves({"a": np.array([0.5, 1.0])}, ax=ax, title="What is left") is ax
    assert ax.get_title() == "What is left" and ax.title.get_fontsize() == 12
    assert plt.get_fignums() == [*open_before, fig.number]  # no figure of its own
    plt.close(fig)


# ---------------------------------------------------------------- the slider's figure

def style(line):
    return (line.get_linestyle(), to_rgba(line.get_color()), line.get_linewidth(), line.get_marker(),
            line.get_markersize(), to_rgba(line.get_markerfacecolor()))


def test_forget_gate_figure_draws_both_curves_with_their_styles():
    sweep = hand_sweep()
    sweep["lstm"][1, :3] = [FLOOR, 1e-30, 0.01]  # exactly FLOOR is drawn as a value, 1e-30 on the floor
    fig = forget_gate_figure(sweep, 1)
    ax = fig.axes[0]
    np.testing.assert_allclose(fig.get_size_inches(), FIGSIZE)
    assert fig.dpi == 80
    rnn_line, rnn_above, rnn_below, lstm_line, lstm_above, lstm_below = ax.lines[:6]
    t = np.arange(1, 13)
    np.testing.assert_array_equal(rnn_line.get_xdata(), t)
    np.testing.assert_array_equal(rnn_line.get_ydata(), sweep["rnn"])
    np.testing.assert_array_equal(lstm_line.get_xdata(), t)
    np.testing.assert_array_equal(lstm_line.get_ydata(), np.maximum(sweep["lstm"][1], FLOOR))
    np.testing.assert_array_equal(lstm_above.get_xdata(), np.delete(t, 1))
    np.testing.assert_array_equal(lstm_above.get_ydata(), np.delete(sweep["lstm"][1], 1))
    np.testing.assert_array_equal(lstm_below.get_xdata(), [2])
    np.testing.assert_array_equal(lstm_below.get_ydata(), [FLOOR])
    np.testing.assert_array_equal(rnn_above.get_xdata(), t)  # rnn[0] is exactly FLOOR
    assert len(rnn_below.get_xdata()) == 0
    vermillion, blue, white = to_rgba(PALETTE["vermillion"]), to_rgba(PALETTE["blue"]), to_rgba("white")
    assert style(rnn_line)[:3] == ("--", vermillion, 1.6) and style(lstm_line)[:3] == ("-", blue, 1.6)
    assert style(rnn_above) == ("None", vermillion, style(rnn_above)[2], "s", 3.5, vermillion)
    assert style(rnn_below)[1:] == (vermillion, style(rnn_below)[2], "s", 3.5, white)
    assert style(lstm_above) == ("None", blue, style(lstm_above)[2], "o", 3.5, blue)
    assert style(lstm_below)[1:] == (blue, style(lstm_below)[2], "o", 3.5, white)
    assert rnn_below.get_linestyle() == "None" and lstm_below.get_linestyle() == "None"
    legend = ax.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == [
        "LSTM cell, forget gate f = 0.924", "tanh neuron, $W_2$ = 1.5 (chapter 4)"]
    assert [to_rgba(handle.get_color()) for handle in legend.legend_handles] == [blue, vermillion]
    assert ax.get_title() == "Forget-gate bias 2.5: what reaches y₁₂ from each step"
    assert ax.get_ylabel() == r"$|\partial y_{12} / \partial x_t|$"
    plt.close(fig)


def test_forget_gate_figure_parts_are_named_by_model():
    sweep = hand_sweep()
    drawing = ForgetGateFigure(sweep, dpi=40)
    assert set(drawing.parts) == {"rnn", "lstm"}
    np.testing.assert_array_equal(drawing.parts["rnn"][0].get_ydata(), sweep["rnn"])
    np.testing.assert_array_equal(drawing.parts["lstm"][0].get_ydata(), np.maximum(sweep["lstm"][0], FLOOR))
    assert drawing.figure.dpi == 40
    drawing.close()


def frame_pixels(frame: str) -> np.ndarray:
    """The picture of a frame's <img src="data:image/png;base64,...">, as an array."""
    png = base64.b64decode(frame.split("base64,")[1].split('"')[0])
    return np.asarray(Image.open(io.BytesIO(png)))


def full_render(sweep, k, dpi):
    """Frame k drawn the ordinary way (everything drawn at once), as an RGB array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    drawing = ForgetGateFigure(sweep, dpi)
    canvas = FigureCanvasAgg(drawing.show(k))
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
    drawing.close()
    return pixels


def test_blitted_frames_are_the_same_pixels_as_frames_drawn_whole():
    inputs = np.random.default_rng(8).choice([-1.0, 1.0], size=15)
    sweep = forget_gate_sweep([0.0, 2.0, 4.0], inputs)
    frames, _ = forget_gate_frames(sweep, dpi=30)
    drawing = ForgetGateFigure(sweep, dpi=30)
    for k in (0, 2, 1):  # out of order: each frame shows only its own LSTM curve
        image = Image.open(io.BytesIO(drawing.png(k)))
        assert image.format == "PNG" and image.mode == "RGB"
        assert image.size == (round(FIGSIZE[0] * 30), round(FIGSIZE[1] * 30))
        np.testing.assert_array_equal(np.asarray(image), full_render(sweep, k, 30))
        np.testing.assert_array_equal(frame_pixels(frames[k]), np.asarray(image))
    drawing.close()


def test_frames_use_the_default_dpi():
    frames, _ = forget_gate_frames(forget_gate_sweep([1.0], np.ones(5)))
    assert frame_pixels(frames[0]).shape == (352, 576, 3)  # FIGSIZE (7.2, 4.4) inches at 80 dpi


# ---------------------------------------------------------------- the hand-set LSTM and the sweep

def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def one_step_derivative(x, input_bias=0.0, output_bias=0.0, candidate_weight=1.0):
    """|dh_1/dx_1| of the hand-set LSTM after one step from c_0 = 0, by the chain rule:
    g = tanh(w x), c = i g, h = o tanh(c), so dh/dx = o (1 - tanh(c)^2) i (1 - g^2) w."""
    i, o, g = sigmoid(input_bias), sigmoid(output_bias), np.tanh(candidate_weight * x)
    return abs(o * (1 - np.tanh(i * g) ** 2) * i * (1 - g ** 2) * candidate_weight)


def test_scalar_lstm_connectivity_of_one_step_and_its_gate_settings():
    from rnn_helpers.forget_gate import scalar_lstm_connectivity

    np.testing.assert_allclose(scalar_lstm_connectivity(0.0, [0.7]), [one_step_derivative(0.7)], rtol=1e-12)
    settings = {"input_bias": 2.0, "output_bias": -1.0, "candidate_weight": 0.5}
    np.testing.assert_allclose(scalar_lstm_connectivity(0.0, [0.7], **settings), [one_step_derivative(0.7, **settings)],
                               rtol=1e-12)


def test_scalar_lstm_connectivity_underflows_to_0_even_when_the_caller_raises_on_underflow():
    from rnn_helpers.forget_gate import scalar_lstm_connectivity

    with np.errstate(all="raise"):
        values = scalar_lstm_connectivity(-10.0, np.ones(120))  # f = 4.5e-5: f^119 is far below float64
    assert values[0] == 0.0
    shown = values > 1e-290
    np.testing.assert_allclose(values[shown][:-1] / values[shown][1:], sigmoid(-10.0), rtol=1e-9)


def test_scalar_lstm_params_defaults_and_bounds():
    from rnn_helpers.forget_gate import scalar_lstm_params

    params = scalar_lstm_params(-10.0)
    np.testing.assert_array_equal(params["bias_ih"], [0.0, -10.0, 0.0, 0.0])
    np.testing.assert_array_equal(params["weight_ih"][:, 0], [0.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(scalar_lstm_params(10.0)["bias_ih"], [0.0, 10.0, 0.0, 0.0])  # both ends are in range


@pytest.mark.parametrize("kwargs, error, message", [
    ({"input_bias": "a"}, TypeError, "input_bias must be a real number, got str 'a'"),
    ({"output_bias": 11.0}, ValueError, "output_bias must be a finite number in [-10.0, 10.0], got 11.0"),
    ({"candidate_weight": "a"}, TypeError, "candidate_weight must be a numpy array of real numbers, got str"),
])
def test_scalar_lstm_params_errors_name_the_argument(kwargs, error, message):
    from rnn_helpers.forget_gate import scalar_lstm_params

    with pytest.raises(error, match=exactly(message)):
        scalar_lstm_params(0.0, **kwargs)


@pytest.mark.parametrize("biases, inputs, error, message", [
    ([0.0], np.ones((2, 2)), ValueError, "inputs must be 1-D (T,), one number per step; got shape (2, 2) (2-D)"),
    ([0.0], np.ones(0), ValueError, "inputs is an empty sequence (T = 0); give at least one step"),
    ([0.0], "a", TypeError, "inputs must be a numpy array of real numbers, got str"),
    ([0.0, "x"], np.ones(3), TypeError, "biases[...] must be a real number, got str 'x'"),
    ([], np.ones(3), ValueError, "biases must hold at least one forget-gate bias"),
])
def test_forget_gate_sweep_errors_whole_messages(biases, inputs, error, message):
    with pytest.raises(error, match=exactly(message)):
        forget_gate_sweep(biases, inputs)


def test_forget_gate_sweep_of_one_step_default_w2_and_underflow():
    sweep = forget_gate_sweep([0.0], [0.7])
    assert sweep["w2"] == 1.0
    np.testing.assert_allclose(sweep["lstm"], [[one_step_derivative(0.7)]], rtol=1e-12)
    np.testing.assert_array_equal(sweep["cell_path"], [1.0])  # f^0
    with np.errstate(all="raise"):
        sweep = forget_gate_sweep([-10.0, 10.0], np.ones(120))
    np.testing.assert_array_equal(sweep["cell_path"][0], 0.0)  # (4.5e-5)^119 underflows
    np.testing.assert_allclose(sweep["cell_path"][1], sigmoid(10.0) ** 119, rtol=1e-12)


def test_forget_gate_figure_axes_floor_line_and_texts():
    sweep = hand_sweep()  # T = 12
    drawing = ForgetGateFigure(sweep, dpi=40)
    ax = drawing.ax
    # abs=0: approx's default absolute tolerance (1e-12) would let any lower limit near 1e-20 pass
    assert ax.get_ylim() == pytest.approx((FLOOR / 3, 3.0), rel=1e-12, abs=0) and ax.get_xlim() == (0, 13)
    exponents = [-20, -16, -12, -8, -4, 0]
    np.testing.assert_allclose(ax.get_yticks(), [10.0 ** e for e in exponents], rtol=1e-12)
    assert [label.get_text() for label in ax.get_yticklabels()] == ["10⁻²⁰", "10⁻¹⁶", "10⁻¹²", "10⁻⁸", "10⁻⁴", "10⁰"]
    assert [label.get_text() for label in ax.get_yticklabels(minor=True)] == [""] * len(ax.get_yticks(minor=True))
    floor = ax.lines[6]
    assert (floor.get_ydata()[0], to_rgba(floor.get_color()), floor.get_linewidth(), floor.get_linestyle()) == (
        FLOOR, to_rgba("0.6"), 0.8, ":")
    (note,) = ax.texts
    assert note.get_text() == "values below 10⁻²⁰ are drawn on this line"
    assert note.get_position() == pytest.approx((12.5, FLOOR * 1.6), rel=1e-12, abs=0)
    assert (note.get_ha(), note.get_va(), note.get_fontsize(), to_rgba(note.get_color())) == (
        "right", "bottom", 10, to_rgba("0.35"))
    assert ax.get_xlabel() == "step $t$ of the input $x_t$"
    assert ax.xaxis.label.get_fontsize() == 12 and ax.yaxis.label.get_fontsize() == 12
    for axis in (ax.xaxis, ax.yaxis):
        assert {tick.label1.get_fontsize() for tick in axis.get_major_ticks()} == {11}
    assert ax.title.get_fontsize() == 12
    legend = drawing.legend
    assert legend.get_frame_on() is False and legend._loc == 4
    assert {text.get_fontsize() for text in legend.get_texts()} == {11}
    assert tuple(legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted()).bounds[:2]) == pytest.approx((1.0, 0.08))
    assert ax.spines["top"].get_visible() is False and ax.spines["right"].get_visible() is False
    for line in ax.lines[:6]:
        assert line.get_linestyle() in ("-", "--", "None")
    for above_or_below in (*drawing.parts["rnn"][1:], *drawing.parts["lstm"][1:]):
        assert above_or_below.get_linestyle() == "None" and above_or_below.get_markersize() == 3.5
    figure = drawing.figure
    drawing.close()
    assert not plt.fignum_exists(figure.number)


def test_forget_gate_figure_font_sizes_do_not_follow_the_readers_rc_settings():
    with plt.rc_context({"font.size": 14}):
        drawing = ForgetGateFigure(hand_sweep(), dpi=40)
    (note,) = drawing.ax.texts
    assert note.get_fontsize() == 10 and drawing.ax.title.get_fontsize() == 12
    drawing.close()


def test_forget_gate_figure_close_closes_its_own_figure_only():
    drawing = ForgetGateFigure(hand_sweep(), dpi=40)
    other = plt.figure()  # now the current figure
    drawing.close()
    assert not plt.fignum_exists(drawing.figure.number) and plt.fignum_exists(other.number)
    plt.close(other)
