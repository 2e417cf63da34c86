"""The W2 slider to the letter: every word of its captions, every value its picture sets, the
latch figure's every line and label, and the whole messages of its input checks."""

import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from reference import exactly  # noqa: E402

from rnn_helpers.connectivity import connectivity, first_input_pulse, fixed_point, noisy_latch  # noqa: E402
from rnn_helpers.plots import PALETTE  # noqa: E402
from rnn_helpers.w2_slider import (  # noqa: E402
    ConnectivityFigure,
    frame_alt,
    plot_latch,
    readout,
    share_words,
    step_ticks,
    w2_frames,
    w2_grid,
    w2_lag_slider,
    w2_slider,
)

GREY_BAND = to_rgba("#e4e4e4")


# ---- words and numbers


@pytest.mark.parametrize("steps, ticks", [
    (1, [1]), (2, [1, 2]), (8, [1, 2, 3, 4, 5, 6, 7, 8]), (9, [1, 5]), (25, [1, 5, 10, 15, 20, 25]),
    (26, [1, 10, 20]), (60, [1, 10, 20, 30, 40, 50, 60]), (61, [1, 20, 40, 60]), (100, [1, 20, 40, 60, 80, 100]),
])
def test_step_ticks_at_every_change_of_spacing(steps, ticks):
    assert step_ticks(steps) == ticks


@pytest.mark.parametrize("share, linear, tanh", [
    (0.0, "nothing of x₁ arrives", "a small change of x₁ does not move y₇"),
    (1e-300, "x₁ has all but vanished", "a small change of x₁ hardly moves y₇"),
    (0.0099, "x₁ has all but vanished", "a small change of x₁ hardly moves y₇"),
    (0.01, "x₁ arrives shrunk", "a small change of x₁ moves y₇ less"),
    (0.8999, "x₁ arrives shrunk", "a small change of x₁ moves y₇ less"),
    (0.9, "x₁ arrives at about its own size", "a small change of x₁ moves y₇ about as much"),
    (1.1, "x₁ arrives at about its own size", "a small change of x₁ moves y₇ about as much"),
    (1.1000001, "x₁ is amplified and outweighs the recent inputs", "a small change of x₁ is amplified in y₇"),
])
def test_share_words_at_every_threshold(share, linear, tanh):
    assert share_words(share, "linear", 7) == linear
    assert share_words(share, "tanh", 7) == tanh


def test_share_words_defaults_are_the_linear_neuron_at_t_5():
    assert share_words(0.5) == "x₁ arrives shrunk"
    assert share_words(0.5, "tanh") == "a small change of x₁ moves y₅ less"


@pytest.mark.parametrize("args, text", [
    ((0.1, 5), "W₂ = 0.10, T = 5, x₁ = 1. linear neuron: ∂y₅\u2060/\u2060∂x₁ = 0.0001, x₁ has all but vanished; "
               "tanh neuron: ∂y₅\u2060/\u2060∂x₁ = 0.000042, a small change of x₁ hardly moves y₅."),
    ((2.0, 12, 0.01), "W₂ = 2.00, T = 12, x₁ = 0.01. linear neuron: ∂y₁₂\u2060/\u2060∂x₁ = 2000, x₁ is amplified "
                      "and outweighs the recent inputs; tanh neuron: ∂y₁₂\u2060/\u2060∂x₁ = 0.047, a small change of "
                      "x₁ moves y₁₂ less."),
    ((0.0, 3, 10.0), "W₂ = 0.00, T = 3, x₁ = 10. linear neuron: ∂y₃\u2060/\u2060∂x₁ = 0, nothing of x₁ arrives; "
                     "tanh neuron: ∂y₃\u2060/\u2060∂x₁ = 0, a small change of x₁ does not move y₃."),
])
def test_readout_whole_caption(args, text):
    assert readout(*args) == text


def test_readout_defaults_are_t_5_and_x1_1():
    assert readout(1.0) == readout(1.0, 5, 1.0)
    assert readout(1.0).startswith("W₂ = 1.00, T = 5, x₁ = 1. linear neuron: ∂y₅\u2060/\u2060∂x₁ = 1, ")


def test_frame_alt_names_both_ends_of_both_neurons():
    values = {activation: connectivity(0.5, first_input_pulse(4), activation) for activation in ("linear", "tanh")}
    assert frame_alt(0.5, 4, values) == (
        "Two bar charts on a log scale, side by side, of how much each input x_t reaches the last output y4 for "
        "W₂ = 0.50: linear neuron from 0.12 at x1 to 1 at x4; tanh neuron from 0.044 at x1 to 0.99 at x4.")


# ---- the grid of W2 values


def test_grid_rounds_to_ten_decimals_and_takes_the_whole_range_as_one_step():
    np.testing.assert_array_equal(w2_grid(2.5 / 3), [0.0, 0.8333333333, 1.6666666667, 2.5])
    np.testing.assert_array_equal(w2_grid(2.5), [0.0, 2.5])
    np.testing.assert_array_equal(w2_grid(0.5, top=1.0), [0.0, 0.5, 1.0])


@pytest.mark.parametrize("step, message", [
    (0.0, "step must be in (0, 2.5], got 0.0"),
    (-0.5, "step must be in (0, 2.5], got -0.5"),
    (2.6, "step must be in (0, 2.5], got 2.6"),
    (0.3, "step must divide 2.5 into whole steps, got 0.3"),
])
def test_grid_refuses_a_step_it_cannot_use(step, message):
    with pytest.raises(ValueError, match=exactly(message)):
        w2_grid(step)


# ---- the picture (ConnectivityFigure)


def test_figure_layout_fixed_parts():
    # the layout and title colour the SVG mirrors, whatever the reader's style
    with matplotlib.rc_context({"figure.subplot.left": 0.3, "text.color": "red"}):
        picture = ConnectivityFigure()
    assert picture.values == {} and picture.bars == [] and picture.x_labels == []  # nothing drawn yet
    fig = picture.figure
    assert tuple(fig.get_size_inches()) == (9.4, 4.7) and fig.get_dpi() == 80
    params = fig.subplotpars
    assert (params.left, params.right, params.bottom, params.top, params.wspace) == (0.125, 0.965, 0.12, 0.82, 0.17)
    left, right = picture.axes
    assert left.get_position().x1 < right.get_position().x0  # side by side
    assert left.get_shared_y_axes().joined(left, right)
    title = picture.title
    assert title.get_position() == (0.545, 0.975) and title.get_text() == ""
    assert (title.get_fontsize(), title.get_fontweight(), title.get_ha(), title.get_va()) == (18, "bold", "center", "top")
    assert to_rgba(title.get_color()) == to_rgba(PALETTE["black"]) and title.get_animated()
    assert [ax.get_title() for ax in picture.axes] == ["linear neuron", "tanh neuron"]
    assert left.get_ylabel() == r"$|\,\partial y_T / \partial x_t\,|$" and right.get_ylabel() == ""
    assert left.yaxis.label.get_fontsize() == 17
    assert [label.get_text() for label in left.get_yticklabels()] == [
        "$10^{-6}$", "$10^{-4}$", "$10^{-2}$", "1", "$10^{2}$", "$10^{4}$"]
    assert all(label.get_fontsize() == 17 for label in left.get_yticklabels())
    for ax, text, note in zip(picture.axes, picture.share_texts, picture.notes):
        assert ax.title.get_fontsize() == 17
        assert ax.get_yscale() == "log" and ax.get_ylim() == pytest.approx((1e-6 / 30, 1e4 * 8), rel=1e-15)
        np.testing.assert_array_equal(ax.get_yticks(), [1e-6, 1e-4, 1e-2, 1.0, 1e2, 1e4])
        formatter = ax.yaxis.get_major_formatter()  # (the right panel shares it and hides its labels)
        assert [formatter(tick, k) for k, tick in enumerate(ax.get_yticks())] == [
            "$10^{-6}$", "$10^{-4}$", "$10^{-2}$", "1", "$10^{2}$", "$10^{4}$"]
        assert ax.yaxis.get_tick_params()["labelsize"] == 17
        assert ax.yaxis.get_minorticklocs().size == 0 and list(ax.get_xticks()) == []
        assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
        assert ax.spines["left"].get_visible() and ax.spines["bottom"].get_visible()
        (one,) = ax.lines
        assert list(one.get_ydata()) == [1.0, 1.0] and one.get_linestyle() == ":" and one.get_linewidth() == 1.2
        assert to_rgba(one.get_color()) == to_rgba(PALETTE["black"])
        low, high = ax.patches[:2]  # the grey bands: below the floor, above the ceiling
        assert low.get_y() == pytest.approx(1e-6 / 30) and low.get_y() + low.get_height() == pytest.approx(1e-6)
        assert high.get_y() == pytest.approx(1e4) and high.get_y() + high.get_height() == pytest.approx(8e4)
        for band in (low, high):
            assert (band.get_x(), band.get_width()) == (0, 1)  # the whole width of the panel
            assert band.get_facecolor() == GREY_BAND and band.get_edgecolor()[3] == 0 and band.get_zorder() == 0
        assert text.get_position() == (0.03, 1e4 * 2.8) and text.get_transform() == ax.get_yaxis_transform()
        assert (text.get_ha(), text.get_va(), text.get_fontsize(), text.get_fontweight()) == ("left", "center", 17, "bold")
        assert text.get_animated() and text.get_text() == ""
        assert note.get_position() == (0.97, 1e-6 / 5.5) and note.get_transform() == ax.get_yaxis_transform()
        assert (note.get_ha(), note.get_va(), note.get_fontsize()) == ("right", "center", 17)
        assert to_rgba(note.get_color()) == to_rgba("0.2") and note.get_animated() and note.get_text() == ""
    plt.close("all")


def test_figure_ticks_and_notes_follow_floor_and_ceiling():
    picture = ConnectivityFigure(floor=1e-4, ceiling=1e2)
    assert (picture.floor, picture.ceiling) == (1e-4, 1e2) and type(picture.floor) is float
    for ax in picture.axes:
        np.testing.assert_array_equal(ax.get_yticks(), [1e-4, 1e-2, 1.0, 1e2])
        assert ax.get_ylim() == pytest.approx((1e-4 / 30, 800.0), rel=1e-15)
    values = picture.draw(2.5, first_input_pulse(40))
    assert values["tanh"][0] < 1e-4 < 1e2 < values["linear"][0]
    assert [note.get_text() for note in picture.notes] == [r"hatched: cut at $10^{2}$", r"grey: below $10^{-4}$"]
    with pytest.raises(ValueError, match=exactly("floor and ceiling must satisfy 0 < floor < 1 < ceiling; "
                                                 "got 0.001 and 1.0")):
        ConnectivityFigure(floor=1e-3, ceiling=1.0)
    with pytest.raises(ValueError, match=exactly("floor and ceiling must satisfy 0 < floor < 1 < ceiling; "
                                                 "got 0 and 10")):
        ConnectivityFigure(floor=0, ceiling=10)
    with pytest.raises(ValueError, match=exactly("floor and ceiling must satisfy 0 < floor < 1 < ceiling; "
                                                 "got 1 and 10")):
        ConnectivityFigure(floor=1, ceiling=10)
    plt.close("all")


def test_figure_draws_bars_labels_and_texts_for_each_t():
    picture = ConnectivityFigure(figsize=(4.0, 2.0), dpi=50)
    assert tuple(picture.figure.get_size_inches()) == (4.0, 2.0) and picture.figure.get_dpi() == 50
    values = picture.draw(2.0, first_input_pulse(12, 0.01))
    np.testing.assert_array_equal(values["linear"], connectivity(2.0, first_input_pulse(12, 0.01), "linear"))
    np.testing.assert_array_equal(values["tanh"], connectivity(2.0, first_input_pulse(12, 0.01), "tanh"))
    assert picture.values is values
    assert picture.title.get_text() == "W₂ = 2.00,  T = 12,  x₁ = 0.01"
    for k, (ax, colour) in enumerate(zip(picture.axes, (PALETTE["blue"], PALETTE["vermillion"]))):
        assert ax.get_xlim() == (0.3, 12.7)
        bars, labels = picture.bars[k], picture.x_labels[k]
        assert len(bars) == 12
        for t, bar in enumerate(bars, start=1):
            assert bar.axes is ax and bar.get_x() == pytest.approx(t - 0.35) and bar.get_width() == 0.7
            assert bar.get_y() == 1e-6 and bar.get_animated()
            assert bar.get_facecolor() == to_rgba(colour) and bar.get_edgecolor() == to_rgba("white")
            assert bar.get_linewidth() == 0
        assert [label.get_text() for label in labels] == ["x₁", "x₅", "x₁₀"]
        for label, t in zip(labels, (1, 5, 10)):
            assert label.axes is ax and label.get_position() == (t, -0.03)
            assert label.get_transform() == ax.get_xaxis_transform()
            assert (label.get_ha(), label.get_va(), label.get_fontsize()) == ("center", "top", 17)
            assert label.get_animated()
    linear = [bar.get_height() + 1e-6 for bar in picture.bars[0]]
    np.testing.assert_allclose(linear, values["linear"], rtol=1e-12)  # 2^11 .. 1, all in range
    assert all(bar.get_visible() and bar.get_hatch() in ("", None) for bar in picture.bars[0])
    assert [text.get_text() for text in picture.share_texts] == ["x₁: 2000", f"x₁: {values['tanh'][0]:.2g}"]
    assert [note.get_text() for note in picture.notes] == ["", ""]
    plt.close("all")


def test_figure_clips_at_the_ceiling_and_hides_below_the_floor():
    picture = ConnectivityFigure(floor=0.25, ceiling=4.0)
    values = picture.draw(2.0, first_input_pulse(4))  # linear: 8, 4, 2, 1
    assert values["linear"].tolist() == [8.0, 4.0, 2.0, 1.0]
    bars = picture.bars[0]
    assert [bar.get_height() for bar in bars] == [3.75, 3.75, 1.75, 0.75]
    assert [bar.get_hatch() for bar in bars] == ["//", "", "", ""]  # exactly at the ceiling is not cut
    assert all(bar.get_visible() for bar in bars)
    assert picture.share_texts[0].get_text() == "x₁: 8 (cut)"
    assert picture.notes[0].get_text() == r"hatched: cut at $10^{1}$"
    assert picture.title.get_text() == "W₂ = 2.00,  T = 4"
    picture.draw(2.0, first_input_pulse(3))  # linear: 4, 2, 1: x₁ exactly at the ceiling, not cut
    assert picture.share_texts[0].get_text() == "x₁: 4" and picture.notes[0].get_text() == ""
    assert [bar.get_hatch() for bar in picture.bars[0]] == ["", "", ""]
    values = picture.draw(0.5, first_input_pulse(3))  # linear: 0.25, 0.5, 1 (at the floor: shown)
    assert [bar.get_visible() for bar in picture.bars[0]] == [True, True, True]
    assert [bar.get_height() for bar in picture.bars[0]] == [0.0, 0.25, 0.75]
    assert picture.notes[0].get_text() == "" and picture.share_texts[0].get_text() == "x₁: 0.25"
    values = picture.draw(0.4, first_input_pulse(3, 10.0))  # linear: 0.16, 0.4, 1
    assert [bar.get_visible() for bar in picture.bars[0]] == [False, True, True]
    assert picture.bars[0][0].get_height() == 0.0  # sits on the floor, hidden
    assert picture.share_texts[0].get_text() == "x₁: 0.16 (below)"
    assert picture.notes[0].get_text() == r"grey: below $10^{-1}$"
    assert picture.title.get_text() == "W₂ = 0.40,  T = 3,  x₁ = 10"
    both = ConnectivityFigure(floor=0.8, ceiling=10.0)
    values = both.draw(2.5, first_input_pulse(8, 0.001))
    assert values["tanh"][0] > 10 and values["tanh"][-1] < 0.8
    assert both.notes[1].get_text() == r"grey: below $10^{0}$;  hatched: cut at $10^{1}$"
    # a value of exactly 0 is not "below": nothing arrives
    zero = ConnectivityFigure()
    zero.draw(0.0, first_input_pulse(3))
    assert zero.share_texts[0].get_text() == "x₁: 0" and not zero.bars[0][0].get_visible()
    assert zero.notes[0].get_text() == r"grey: below $10^{-6}$"
    # not a pulse: the title does not name x₁
    zero.draw(1.0, [0.5, 0.3, 0.0])
    assert zero.title.get_text() == "W₂ = 1.00,  T = 3"
    zero.draw(1.0, [1.0, 0.0, 0.0])
    assert zero.title.get_text() == "W₂ = 1.00,  T = 3"
    with pytest.raises(ValueError, match=exactly("inputs must be finite, but it holds 1 NaN or infinite value(s); "
                                                 "the first is nan at index (1,)")):
        zero.draw(1.0, [1.0, float("nan")])
    plt.close("all")


def test_figure_keeps_the_bars_of_each_t_and_brings_them_back():
    picture = ConnectivityFigure()
    picture.draw(1.0, first_input_pulse(5))
    five = picture.bars
    picture.draw(1.0, first_input_pulse(9))
    assert len(picture.bars[0]) == 9 and picture.axes[0].get_xlim() == (0.3, 9.7)
    assert [label.get_text() for label in picture.x_labels[1]] == ["x₁", "x₅"]
    picture.draw(0.5, first_input_pulse(5))
    assert picture.bars is five and picture.axes[1].get_xlim() == (0.3, 5.7)
    assert sorted(picture._made) == [5, 9]
    plt.close("all")


def test_png_is_the_canvas_picture_in_64_colours_at_zlib_level_6():
    from PIL import Image

    picture = ConnectivityFigure(dpi=40)
    picture.draw(2.5, first_input_pulse(30))  # a cut bar, a hidden one, both notes
    data = picture.png()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (376, 188) and image.mode == "P" and image.info == {}
    canvas = picture.figure.canvas
    drawn = Image.frombuffer("RGBA", (376, 188), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    quantized = drawn.quantize(64, method=Image.Quantize.FASTOCTREE)
    expected = io.BytesIO()
    quantized.save(expected, format="png", compress_level=6)
    assert data == expected.getvalue()
    assert picture.png() == data  # the same picture, the same bytes
    # later frames restore the kept bitmap of the fixed parts instead of drawing the whole figure again
    full_draws = []
    canvas.draw = lambda *args, **kwargs: full_draws.append(args)
    picture.draw(2.5, first_input_pulse(30))
    assert picture.png() == data and full_draws == []
    del canvas.draw
    # what the canvas holds: the bands and bars at their places, and every text drawn
    rgb = np.asarray(image.convert("RGB")).astype(int)
    renderer = canvas.get_renderer()

    def colour_at(ax, x, y):
        px, py = ax.transData.transform((x, y))
        return rgb[int(188 - py), int(px)]

    def dark_inside(artist):
        box = artist.get_window_extent(renderer)
        patch = rgb[int(188 - box.y1):int(188 - box.y0) + 1, int(box.x0):int(box.x1) + 1]
        return patch.size > 0 and patch.min() < 100

    left, right = picture.axes
    assert np.abs(colour_at(left, 20, 1e-2) - np.array(to_rgba(PALETTE["blue"])[:3]) * 255).max() < 12
    assert np.abs(colour_at(right, 29.6, 1.3e4) - 228).max() < 6  # the grey band above the cut
    assert np.abs(colour_at(right, 1, 1e-7) - 228).max() < 6  # x1 of tanh: below the floor, no bar
    for artist in (picture.title, *picture.share_texts, *picture.notes, picture.x_labels[0][0], picture.x_labels[1][-1]):
        assert dark_inside(artist), artist.get_text()
    plt.close("all")


# ---- frames and sliders


def test_frames_are_image_frames_of_the_picture_with_alt_and_caption():
    import base64
    import html

    frames, labels, shares = w2_frames([0.5, 2.0], steps=3, size=0.1, dpi=40)
    assert labels == ["0.50", "2.00"]
    picture = ConnectivityFigure(dpi=40)
    for frame, w2 in zip(frames, (0.5, 2.0)):
        values = picture.draw(w2, first_input_pulse(3, 0.1))
        png = base64.b64encode(picture.png()).decode("ascii")
        assert frame == (f'<img src="data:image/png;base64,{png}" alt="{html.escape(frame_alt(w2, 3, values))}" '
                         f'style="max-width:100%"><p class="frame-caption" role="status">'
                         f'{html.escape(readout(w2, 3, 0.1))}</p>')
    for activation in ("linear", "tanh"):
        expected = [connectivity(w2, first_input_pulse(3, 0.1), activation)[0] for w2 in (0.5, 2.0)]
        np.testing.assert_array_equal(shares[activation], expected)
    assert "x₁ = 0.1" in frames[0]
    frames, labels, _ = w2_frames([1.0], dpi=20)  # T = 5 and x₁ = 1 by default
    assert labels == ["1.00"] and "W₂ = 1.00, T = 5, x₁ = 1. linear neuron: ∂y₅" in frames[0]
    assert "output y5 for W₂ = 1.00: linear neuron from 1 at x1 to 1 at x5;" in frames[0]
    with pytest.raises(ValueError, match=exactly("w2_values must be finite, but it holds 1 NaN or infinite value(s); "
                                                 "the first is nan at index (1,)")):
        w2_frames([1.0, float("nan")])
    plt.close("all")


@pytest.mark.parametrize("w2_values,shape", [([[0.5, 1.0]], "(1, 2)"), (1.0, "()"), ([], "(0,)")],
                         ids=["a-row", "one-number", "empty"])
def test_w2_frames_names_a_wrong_shaped_w2_values(w2_values, shape):
    with pytest.raises(ValueError, match=exactly(
            f"w2_values must be a 1-D array of one or more W2 values; got shape {shape}")):
        w2_frames(w2_values)


def test_slider_defaults_open_at_w2_1_with_x1_1():
    widget, labels, shares = w2_slider(w2_values=[1.0])
    slider, pages = widget.children
    assert slider.value == "1.00" and slider.description == "W₂" and pages.selected_index == 0
    assert "W₂ = 1.00, T = 5, x₁ = 1." in pages.children[0].value
    np.testing.assert_array_equal(shares["linear"], [1.0])
    widget, _, shares = w2_slider(steps=3, size=0.1, start_w2=2.0, w2_values=[1.0, 2.0])
    assert widget.children[0].value == "2.00" and "W₂ = 2.00, T = 3, x₁ = 0.1." in widget.children[1].children[1].value
    np.testing.assert_array_equal(shares["linear"], [1.0, 4.0])
    with pytest.raises(ValueError, match=exactly("start_w2 must be one of the slider's values ['0.00', '1.00']; "
                                                 "got 0.5")):
        w2_slider(start_w2=0.5, w2_values=[0.0, 1.0])
    plt.close("all")


def test_lag_slider_defaults_labels_and_messages():
    with pytest.raises(ValueError, match=exactly("start_lag must be one of lags [5, 20, 50]; got 7")):
        w2_lag_slider(start_lag=7, w2_values=[1.0])  # the default lags
    with pytest.raises(ValueError, match=exactly("start_lag must be one of lags [2, 3]; got 5")):
        w2_lag_slider(lags=(2, 3), w2_values=[1.0])  # the default start_lag
    widget, labels, shares = w2_lag_slider(lags=(3, 2), start_lag=2, w2_values=[1.0, 2.0])
    slider, buttons, pages = widget.children
    assert slider.value == "1.00" and slider.description == "W₂" and slider.readout is True
    assert buttons.options == ("T = 3", "T = 2") and buttons.tooltips == ("sequence length 3", "sequence length 2")
    assert buttons.description == "" and buttons.style.description_width == "initial"
    assert buttons.style.button_width == "5em"
    assert buttons.index == 1 and pages.selected_index == 1
    assert "W₂ = 1.00, T = 2, x₁ = 1." in pages.children[1].children[0].value
    np.testing.assert_array_equal(shares[3]["linear"], [1.0, 4.0])
    widget, _, _ = w2_lag_slider(lags=(2,), start_lag=2, size=0.1, start_w2=2.0, w2_values=[2.0])
    assert widget.children[0].value == "2.00" and "T = 2, x₁ = 0.1." in widget.children[2].children[0].children[0].value
    for lags in ((), (3, 3)):
        with pytest.raises(ValueError, match=exactly(f"lags must hold distinct sequence lengths; got {list(lags)}")):
            w2_lag_slider(lags=lags, start_lag=3, w2_values=[1.0])
    with pytest.raises(ValueError, match=exactly("start_w2 must be one of the slider's values ['0.00', '2.00']; "
                                                 "got 1.0")):
        w2_lag_slider(lags=(2,), start_lag=2, w2_values=[0.0, 2.0])
    plt.close("all")


# ---- the latch figure


def test_latch_figure_draws_the_trials_of_noisy_latch():
    fig = plot_latch()  # the chapter's figure: W2 = 2, T = 30, noise 0.3, 12 trials, seed 0
    left, right = fig.axes
    assert tuple(fig.get_size_inches()) == (9.4, 3.6)
    assert left.get_position().x1 < right.get_position().x0  # side by side
    runs = noisy_latch(2.0, (1.0, -1.0), 30, 0.3, trials=12, seed=0)
    lines = {"left": left.lines[:24], "right": right.lines}
    assert len(right.lines) == 24 and len(left.lines) == 27  # the trials, then the three fixed points
    for ax_lines, which in ((lines["left"], 0), (lines["right"], 1)):
        for k, line in enumerate(ax_lines):
            first, colour = ((1.0, PALETTE["vermillion"]), (-1.0, PALETTE["blue"]))[k // 12]
            np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 31))
            np.testing.assert_array_equal(line.get_ydata(), runs[first][which][k % 12])
            assert to_rgba(line.get_color()) == to_rgba(colour)
            assert line.get_linewidth() == 1 and line.get_alpha() == 0.7
            assert line.get_label() == ({0: "$x_1$ = +1", 12: "$x_1$ = -1"}[k] if k % 12 == 0 else f"_child{k}")
    h_star = fixed_point(2.0)
    for line, level, dash in zip(left.lines[24:], (h_star, -h_star, 0.0), ("--", "--", ":")):
        assert list(line.get_ydata()) == [level, level] and line.get_linestyle() == dash
        assert to_rgba(line.get_color()) == to_rgba(PALETTE["black"]) and line.get_linewidth() == 1
    texts = [(t.get_position(), t.get_text(), t.get_ha(), t.get_va(), t.get_fontsize()) for t in left.texts]
    assert texts == [((30, h_star + 0.09), f"fixed point +{h_star:.2f}", "right", "bottom", 8.5),
                     ((30, -h_star - 0.09), f"fixed point \u2212{h_star:.2f}", "right", "top", 8.5),
                     ((30, 0.05), "fixed point 0 (pushes away)", "right", "bottom", 8.5)]
    assert f"{h_star:.2f}" == "0.96"
    assert (left.get_xlabel(), left.get_ylabel(), left.get_title()) == ("step t", "state $h_t$", "the sign of $x_1$ is kept")
    assert left.get_ylim() == (-1.35, 1.35)
    assert (right.get_xlabel(), right.get_ylabel(), right.get_title()) == (
        "step t", r"$|\,\partial h_t / \partial x_1\,|$", "the gradient vanishes")
    assert right.get_yscale() == "log"
    for ax in (left, right):
        assert ax.get_xlim() == (0.5, 30.5)
        assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    legend = right.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == ["$x_1$ = +1", "$x_1$ = -1"]
    assert legend._loc == 1 and not legend.get_frame_on()  # "upper right"
    assert all(text.get_fontsize() == 8.5 for text in legend.get_texts())
    assert left.get_legend() is None
    assert fig._suptitle.get_text() == r"tanh neuron, $W_2$ = 2: 12 trials each with distractions $\mathcal{N}(0, 0.3^2)$"
    assert fig._suptitle.get_fontsize() == 10.5
    plt.close(fig)


def test_latch_figure_follows_its_arguments():
    fig = plot_latch(w2=1.5, steps=6, noise=0.5, shown=1, seed=3)
    left, right = fig.axes
    runs = noisy_latch(1.5, (1.0, -1.0), 6, 0.5, trials=1, seed=3)
    np.testing.assert_array_equal(left.lines[0].get_ydata(), runs[1.0][0][0])
    np.testing.assert_array_equal(right.lines[1].get_ydata(), runs[-1.0][1][0])
    assert left.get_xlim() == (0.5, 6.5) and left.texts[2].get_position() == (6, 0.05)
    assert fig._suptitle.get_text() == r"tanh neuron, $W_2$ = 1.5: 1 trial each with distractions $\mathcal{N}(0, 0.5^2)$"
    plt.close(fig)


@pytest.mark.parametrize("shown", [0, -1, 2.0, True, "3"])
def test_latch_figure_refuses_a_count_of_trials_that_is_not_whole(shown):
    with pytest.raises(ValueError, match=exactly(f"shown must be a whole number >= 1; got {shown!r}")):
        plot_latch(shown=shown)


def test_the_figure_names_inputs_that_are_not_one_sequence():
    picture = ConnectivityFigure(dpi=20)
    with pytest.raises(ValueError, match=exactly("inputs must be 1-D (T,), one number per step; got shape () (0-D)")):
        picture.draw(1.0, 5.0)
    plt.close(picture.figure)
