"""The live explorer's SVG is ConnectivityFigure's picture: every band, tick, bar, line and text sits
at the pixel where the matplotlib figure (752 x 376 at 80 dpi) puts it, with the same words."""

import html
import xml.etree.ElementTree as ET

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from rnn_helpers.connectivity import connectivity, first_input_pulse  # noqa: E402
from rnn_helpers.formatting import number_text  # noqa: E402
from rnn_helpers.plots import PALETTE  # noqa: E402
from rnn_helpers.w2_explorer import connectivity_svg, explorer_picture  # noqa: E402
from rnn_helpers.w2_slider import ConnectivityFigure, frame_alt, readout, step_ticks  # noqa: E402

NS = "{http://www.w3.org/2000/svg}"
HEIGHT = 376
SIZE = 17 * 80 / 72  # 17 pt in pixels at 80 dpi
PX = 0.051  # the SVG writes pixels to one decimal


def near(value, expected):
    return float(value) == pytest.approx(expected, abs=PX)


def pixel(ax, x, y):
    """Where the matplotlib figure draws the data point (x, y), in SVG pixels (y down)."""
    px, py = ax.transData.transform((x, y))
    return px, HEIGHT - py


def power(exponent):
    """10 to a whole power as the picture writes it."""
    return "1" if exponent == 0 else "10" + str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def text_of(element):
    return "".join(element.itertext())


def check_panel(children, ax, k, values, floor, ceiling, colour, label):
    """The elements of panel k, in the order the SVG writes them; returns what follows them."""
    box = ax.get_window_extent()
    left, right, top, bottom = box.x0, box.x1, HEIGHT - box.y1, HEIGHT - box.y0
    panel = right - left
    y_floor, y_ceiling = pixel(ax, 1, floor)[1], pixel(ax, 1, ceiling)[1]
    low, high, name, *rest = children
    for band, y, height in ((low, y_floor, bottom - y_floor), (high, top, y_ceiling - top)):
        assert band.tag == NS + "rect" and band.get("fill") == "#e4e4e4"
        assert near(band.get("x"), left) and near(band.get("width"), panel)
        assert near(band.get("y"), y) and near(band.get("height"), height)
    assert name.tag == NS + "text" and name.text == label and name.get("text-anchor") == "middle"
    assert near(name.get("x"), left + panel / 2) and near(name.get("y"), top - 0.35 * SIZE)
    exponents = range(round(np.log10(floor)), round(np.log10(ceiling)) + 1, 2)
    for exponent in exponents:
        tick, *rest = rest
        y = pixel(ax, 1, 10.0**exponent)[1]
        assert tick.tag == NS + "line" and tick.get("stroke") == "black"
        assert near(tick.get("x1"), left - 5) and near(tick.get("x2"), left)
        assert near(tick.get("y1"), y) and near(tick.get("y2"), y)
        if k == 0:  # the right panel shares the left one's tick labels
            number, *rest = rest
            assert number.tag == NS + "text" and number.get("text-anchor") == "end"
            assert number.text == power(exponent)
            assert near(number.get("x"), left - 9) and near(number.get("y"), y + 0.35 * SIZE)
    steps = len(values)
    for t in step_ticks(steps):
        under, *rest = rest
        assert under.tag == NS + "text" and under.text == "x" + str(t).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
        assert under.get("text-anchor") == "middle"
        assert near(under.get("x"), pixel(ax, t, 1)[0])
        assert near(under.get("y"), bottom + 0.03 * (bottom - top) + 0.95 * SIZE)
    group, one, frame, share, *rest = rest
    assert group.tag == NS + "g" and group.get("fill") == colour
    bars = list(group)
    for t, value in enumerate(values, start=1):
        if not value >= floor:
            continue
        x, y = pixel(ax, t - 0.35, min(value, ceiling))
        copies = 2 if value > ceiling else 1
        drawn, bars = bars[:copies], bars[copies:]
        for n, bar in enumerate(drawn):
            assert bar.tag == NS + "rect" and bar.get("fill") == (None if n == 0 else "url(#w2-hatch)")
            assert near(bar.get("x"), x) and near(bar.get("width"), pixel(ax, 0.7, 1)[0] - pixel(ax, 0, 1)[0])
            assert near(bar.get("y"), y) and near(bar.get("height"), y_floor - y)
    assert bars == []
    y_one = pixel(ax, 1, 1.0)[1]
    assert one.tag == NS + "line" and near(one.get("x1"), left) and near(one.get("x2"), right)
    assert near(one.get("y1"), y_one) and near(one.get("y2"), y_one)
    assert (one.get("stroke"), one.get("stroke-width"), one.get("stroke-dasharray")) == ("black", "1.5", "1.5 2.5")
    assert frame.tag == NS + "path" and (frame.get("fill"), frame.get("stroke")) == ("none", "black")
    assert frame.get("d") == f"M{left:.1f},{top:.1f}V{bottom:.1f}H{right:.1f}"
    first = values[0]
    clipped = " (cut)" if first > ceiling else " (below)" if 0 < first < floor else ""
    assert share.tag == NS + "text" and share.text == f"x₁: {number_text(first)}{clipped}"
    assert (share.get("text-anchor"), share.get("font-weight")) == ("start", "bold")
    assert near(share.get("x"), left + 0.03 * panel)
    assert near(share.get("y"), pixel(ax, 1, ceiling * 2.8)[1] + 0.35 * SIZE)
    notes = [f"grey: below {power(round(np.log10(floor)))}"] if np.any(values < floor) else []
    notes += [f"hatched: cut at {power(round(np.log10(ceiling)))}"] if np.any(values > ceiling) else []
    if notes:
        note, *rest = rest
        assert note.tag == NS + "text" and note.text == ";  ".join(notes) and note.get("text-anchor") == "end"
        assert (note.get("fill"), note.get("{http://www.w3.org/XML/1998/namespace}space")) == ("#333333", "preserve")
        assert near(note.get("x"), right - 0.03 * panel)
        assert near(note.get("y"), pixel(ax, 1, floor / 5.5)[1] + 0.35 * SIZE)
        return rest, note.text
    return rest, None


@pytest.mark.parametrize("w2, inputs, floor, ceiling, notes", [
    # linear 4, 2, 1 cut at 2; tanh 0.29, 0.19.. below 0.25 at x2 and x3
    (2.0, first_input_pulse(3, 0.5), 0.25, 2.0, ["hatched: cut at 1", "grey: below 10⁻¹"]),
    # the chapter's scale; T = 12 labels x1, x5, x10; nothing outside
    (1.1, first_input_pulse(12), 1e-6, 1e4, [None, None]),
    # both notes in one panel (tanh), and a sequence that is not a pulse
    (2.5, [0.001, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5], 0.8, 10.0, ["hatched: cut at 10¹", "grey: below 1;  hatched: cut at 10¹"]),
])
def test_svg_puts_everything_where_the_matplotlib_figure_does(w2, inputs, floor, ceiling, notes):
    svg, values = connectivity_svg(w2, inputs, floor=floor, ceiling=ceiling)
    for activation in ("linear", "tanh"):
        np.testing.assert_array_equal(values[activation], connectivity(w2, inputs, activation))
    picture = ConnectivityFigure(floor=floor, ceiling=ceiling)
    picture.draw(w2, inputs)
    root = ET.fromstring(svg)
    assert root.get("viewBox") == "0 0 752 376" and root.get("aria-label") == frame_alt(w2, len(inputs), values)
    assert root.get("font-size") == "18.9" and root.get("role") == "img"
    defs, title, *rest = list(root)
    assert defs.tag == NS + "defs"
    assert title.text == picture.title.get_text() and title.get("text-anchor") == "middle"
    assert (title.get("font-weight"), title.get("font-size")) == ("bold", "20.0")
    assert title.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    assert near(title.get("x"), 0.545 * 752) and near(title.get("y"), 0.025 * HEIGHT + 1.05 * SIZE)
    written = []
    for k, (ax, (activation, colour, label)) in enumerate(zip(picture.axes, (
            ("linear", PALETTE["blue"], "linear neuron"), ("tanh", PALETTE["vermillion"], "tanh neuron")))):
        rest, note = check_panel(rest, ax, k, values[activation], floor, ceiling, colour, label)
        written.append(note)
    assert written == notes
    (label,) = rest
    assert text_of(label) == "|∂yT / ∂xt|"
    plt.close("all")


def test_svg_title_names_x1_only_for_a_pulse_other_than_one():
    assert ">W₂ = 0.50,  T = 3,  x₁ = 0.001</text>" in connectivity_svg(0.5, first_input_pulse(3, 0.001))[0]
    assert ">W₂ = 0.50,  T = 3</text>" in connectivity_svg(0.5, first_input_pulse(3))[0]
    assert ">W₂ = 0.50,  T = 3</text>" in connectivity_svg(0.5, [0.001, 0.0, 0.1])[0]


def test_svg_escapes_the_alt_text_and_writes_no_bar_at_zero():
    svg, values = connectivity_svg(0.0, first_input_pulse(2))  # 0 at x1: no bar, "grey" note
    assert values["linear"].tolist() == [0.0, 1.0]
    groups = ET.fromstring(svg).findall(NS + "g")
    assert [len(group) for group in groups] == [1, 1]
    assert f'aria-label="{html.escape(frame_alt(0.0, 2, values))}"' in svg
    assert svg.count(">grey: below 10⁻⁶</text>") == 2 and ">x₁: 0</text>" in svg


@pytest.mark.parametrize("w2, steps, size", [(1.0, 2, 1.0), (0.35, 9, 0.0018)])
def test_explorer_picture_is_the_svg_and_the_readout(w2, steps, size):
    svg, _ = connectivity_svg(w2, first_input_pulse(steps, size))
    assert explorer_picture(w2, steps, size) == f'{svg}<p class="live-caption">{html.escape(readout(w2, steps, size))}</p>'
