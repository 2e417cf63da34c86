"""Every artist of the LSTM cell drawing, exactly, for the whole cell and for each step (issue 20).

Written against mutants that got past tests/test_lstm_diagram.py. The drawing below is spelled out
by hand in data coordinates, part by part: where each line, arrow, circle, box and text sits, its
colour, width, font size and zorder. The rules of the highlight are the documented ones: a part of
the highlighted step keeps its colour (arrows drawn 0.6 thicker), every other part is faded grey.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import ArrowStyle, Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402

from rnn_helpers.lstm_diagram import EQUATIONS, STEPS, TITLES, draw_lstm_cell  # noqa: E402
from rnn_helpers.plots import PALETTE  # noqa: E402
from reference import exactly  # noqa: E402

BLUE, ORANGE, GREEN = PALETTE["blue"], PALETTE["orange"], PALETTE["green"]
FADED, FADED_TEXT, FADED_FILL = "0.82", "0.65", "#F2F2F2"
HEAD, NO_HEAD = type(ArrowStyle("-|>")), type(ArrowStyle("-"))


pytestmark = pytest.mark.usefixtures("close_figures")


def r(value):
    return round(float(value), 9)


def point(xy):
    return (r(xy[0]), r(xy[1]))


def describe(ax):
    """The drawing as plain tuples, in the order it was drawn: lines, patches, texts."""
    lines = [("line", tuple(zip(map(r, line.get_xdata()), map(r, line.get_ydata()))), to_rgba(line.get_color()),
              r(line.get_linewidth()), line.get_solid_capstyle(), line.get_zorder()) for line in ax.lines]
    patches = []
    for p in ax.patches:
        if isinstance(p, FancyArrowPatch):
            (a, b) = p._posA_posB  # no public getter for the two end points
            patches.append(("arrow", point(a), point(b), type(p.get_arrowstyle()), p.get_mutation_scale(),
                            p.get_edgecolor(), p.get_facecolor(), r(p.get_linewidth()), p.shrinkA, p.shrinkB,
                            p.get_zorder()))
        elif isinstance(p, Circle):
            patches.append(("circle", point(p.get_center()), r(p.get_radius()), p.get_facecolor(),
                            p.get_edgecolor(), r(p.get_linewidth()), p.get_zorder()))
        else:
            assert isinstance(p, FancyBboxPatch)
            style = p.get_boxstyle()
            patches.append(("box", point((p.get_x(), p.get_y())), point((p.get_width(), p.get_height())),
                            type(style).__name__, r(style.pad), p.get_facecolor(), p.get_edgecolor(),
                            r(p.get_linewidth()), p.get_zorder()))
    texts = [("text", point(t.get_position()), t.get_text(), t.get_ha(), t.get_va(), t.get_fontsize(),
              t.get_zorder(), to_rgba(t.get_color())) for t in ax.texts]
    return lines, patches, texts


def expected_drawing(highlight):
    """The cell as the chapter describes it, in data coordinates, with the highlight's colours."""
    lines, patches, texts = [], [], []

    def on(part):
        return highlight is None or part in STEPS[highlight]

    def colour(part, normal):
        return to_rgba(normal if on(part) else FADED)

    def arrow(part, points, normal="0.2", width=1.5, head=True):
        c = colour(part, normal)
        width = width + 0.6 if highlight is not None and on(part) else width
        for a, b in zip(points[:-2], points[1:-1]):
            lines.append(("line", (point(a), point(b)), c, r(width), "round", 2))
        patches.append(("arrow", point(points[-2]), point(points[-1]), HEAD if head else NO_HEAD, 13, c, c,
                        r(width), 0, 0, 1))

    def node(part, x, y, symbol, normal="0.2"):
        c = colour(part, normal)
        patches.append(("circle", point((x, y)), 0.27, to_rgba("white"), c, 1.6, 3))
        texts.append(("text", point((x, y)), symbol, "center", "center", 15, 4, c))

    def box(part, x, y, symbol, name, fill):
        patches.append(("box", point((x - 0.42, y - 0.28)), (0.84, 0.56), "Round", 0.03,
                        to_rgba(fill if on(part) else FADED_FILL), to_rgba("black" if on(part) else FADED),
                        1.2, 3))
        ink = to_rgba("black" if on(part) else FADED_TEXT)
        texts.append(("text", point((x, y)), symbol, "center", "center", 12, 4, ink))
        texts.append(("text", point((x + 0.1, y + 0.32)), name, "left", "bottom", 13, 3, ink))

    def label(part, x, y, text, ha, normal="black"):
        texts.append(("text", point((x, y)), text, ha, "bottom", 15, 3, colour(part, normal)))

    patches.append(("box", (0.9, 0.45), (8.0, 4.75), "Round", 0.05, to_rgba("#F7F7F7"), to_rgba("0.7"), 1.0, 1))
    # the cell state along y = 4.6: in, x f_t at x = 2.7, + i_t g_t at x = 5.3, out
    arrow("c_in", [(0.0, 4.6), (2.43, 4.6)], BLUE, 3.2)
    arrow("c_mid", [(2.97, 4.6), (5.03, 4.6)], BLUE, 3.2)
    arrow("c_out", [(5.57, 4.6), (9.8, 4.6)], BLUE, 3.2)
    node("f_times", 2.7, 4.6, "×", BLUE)
    node("plus", 5.3, 4.6, "+", BLUE)
    label("c_in", 0.0, 4.75, "$c_{t-1}$", "left", BLUE)
    label("c_out", 9.8, 4.75, "$c_t$", "right", BLUE)
    # h_{t-1} from the left, x_t from below, onto the bus at y = 1.45
    arrow("h_in", [(0.0, 0.95), (1.4, 0.95), (1.4, 1.45)], head=False)
    arrow("x_in", [(1.9, -0.1), (1.9, 1.45)], head=False)
    lines.append(("line", ((1.4, 1.45), (6.6, 1.45)), colour("bus", "0.2"), 1.5, "projecting", 2))
    label("h_in", 0.0, 1.05, "$h_{t-1}$", "left")
    label("x_in", 2.0, -0.1, "$x_t$", "left")
    for part, x in (("f_gate", 2.7), ("i_gate", 4.0), ("g_gate", 5.3), ("o_gate", 6.6)):
        arrow(part, [(x, 1.45), (x, 2.25)])
    box("f_gate", 2.7, 2.55, "σ", "$f_t$", ORANGE)
    box("i_gate", 4.0, 2.55, "σ", "$i_t$", ORANGE)
    box("g_gate", 5.3, 2.55, "tanh", "$g_t$", GREEN)
    box("o_gate", 6.6, 2.55, "σ", "$o_t$", ORANGE)
    # f_t up to the x on the cell state; i_t and g_t to their product at y = 3.6, then up to the +
    arrow("f_arrow", [(2.7, 2.85), (2.7, 4.33)])
    node("ig_times", 5.3, 3.6, "×")
    arrow("i_arrow", [(4.0, 2.85), (4.0, 3.6), (5.03, 3.6)])
    arrow("g_arrow", [(5.3, 2.85), (5.3, 3.33)])
    arrow("ig_arrow", [(5.3, 3.87), (5.3, 4.33)])
    # h_t = o_t * tanh(c_t) at x = 7.9
    arrow("tanh_c", [(7.9, 4.6), (7.9, 3.95)], BLUE, 1.5)
    patches.append(("box", (7.52, 3.45), (0.76, 0.46), "Round", 0.03, to_rgba("white"),
                    to_rgba("black" if on("tanh_c") else FADED), 1.1, 3))
    texts.append(("text", (7.9, 3.68), "tanh", "center", "center", 11, 4,
                  to_rgba("black" if on("tanh_c") else FADED_TEXT)))
    node("o_times", 7.9, 2.55, "×")
    arrow("tanh_c", [(7.9, 3.45), (7.9, 2.82)])
    arrow("o_arrow", [(7.02, 2.55), (7.63, 2.55)])
    arrow("h_out", [(7.9, 2.28), (7.9, 0.95), (9.8, 0.95)])
    label("h_out", 9.8, 1.05, "$h_t$", "right")
    return lines, patches, texts


def test_bad_arguments_whole_messages():
    with pytest.raises(ValueError, match=exactly(
            "highlight must be None or one of ['forget', 'input', 'cell', 'output'], got 'gate'")):
        draw_lstm_cell(highlight="gate")
    with pytest.raises(TypeError, match=exactly("equation must be True or False, got str 'yes'")):
        draw_lstm_cell(equation="yes")


@pytest.mark.parametrize("highlight", [None, *STEPS])
def test_every_artist_of_the_cell(highlight):
    with plt.rc_context({"lines.linewidth": 4.0, "patch.linewidth": 4.0}):  # widths do not follow the style
        ax = draw_lstm_cell(highlight=highlight)
    lines, patches, texts = describe(ax)
    want_lines, want_patches, want_texts = expected_drawing(highlight)
    assert lines == want_lines
    assert patches == want_patches
    assert texts == want_texts


def test_the_frame_of_the_drawing():
    ax = draw_lstm_cell(highlight="output")
    assert list(ax.figure.get_size_inches()) == [7.6, 4.4]
    assert ax.get_xlim() == (-0.1, 10.0) and ax.get_ylim() == (-0.2, 5.35)
    assert ax.get_aspect() == 1.0 and not ax.axison
    title = ax._left_title  # the Text of the left title; get_title gives only its string
    assert title.get_text() == f"{TITLES['output']}\n{EQUATIONS['output']}"
    assert title.get_fontsize() == 13
    assert ax.get_title() == "" and ax.get_title(loc="right") == ""


def test_draws_into_the_axes_it_is_given():
    fig, given = plt.subplots(figsize=(3.0, 2.0))
    ax = draw_lstm_cell(given, "cell", False)
    assert ax is given and plt.get_fignums() == [fig.number]
    assert ax.get_title(loc="left") == TITLES["cell"]
    assert [part for part, shown in ax.lstm_parts.items() if shown] == sorted(STEPS["cell"])
