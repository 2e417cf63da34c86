"""Exact artists, layouts, alt texts and whole messages of rnn_helpers.diagrams (issue 20).

Each test here was written against mutants that got past tests/test_diagrams.py: where every box,
arrow and label of a drawing sits (in data units), its colours, line styles, font sizes and arrow
heads, the figure sizes and limits, the alt text word for word, and the whole error messages.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402

from rnn_helpers.diagrams import (  # noqa: E402
    describe_unrolled,
    draw_mlp_to_rnn,
    draw_rnn_chain,
    draw_rolled_cell,
    draw_sequence_shapes,
    draw_unrolled,
    plain_label,
)
from rnn_helpers.plots import PALETTE  # noqa: E402
from reference import exactly  # noqa: E402

INPUT, HIDDEN, OUTPUT = (to_rgba(PALETTE[name]) for name in ("orange", "green", "sky"))
WHITE, BLACK, WEIGHT = to_rgba("white"), to_rgba("black"), to_rgba(PALETTE["vermillion"])


pytestmark = pytest.mark.usefixtures("close_figures")


def r(value):
    return round(float(value), 6)


def boxes(ax):
    """(gid, x, y, width, height, facecolour, linestyle) of every box, in drawing order."""
    return [(p.get_gid(), r(p.get_x()), r(p.get_y()), r(p.get_width()), r(p.get_height()), p.get_facecolor(),
             p.get_linestyle()) for p in ax.patches if isinstance(p, FancyBboxPatch)]


def arrows(ax):
    """(gid, start, end) of every straight arrow, (gid, vertices, codes) of a curved one."""
    found = []
    for p in ax.patches:
        if isinstance(p, FancyArrowPatch):
            if p._posA_posB is not None:
                found.append((p.get_gid(), tuple(map(r, p._posA_posB[0])), tuple(map(r, p._posA_posB[1]))))
            else:
                path = p._path_original
                found.append((p.get_gid(), [tuple(map(r, v)) for v in path.vertices], [int(c) for c in path.codes]))
    return found


def labels(ax):
    """(gid, text, x, y, ha, va, fontsize, colour) of every text, in drawing order."""
    return [(t.get_gid(), t.get_text(), r(t.get_position()[0]), r(t.get_position()[1]), t.get_ha(), t.get_va(),
             t.get_fontsize(), to_rgba(t.get_color())) for t in ax.texts]


def assert_house_style(ax):
    """Every box: black 1.2 outline, round corners padded 0.02; every arrow: black, 1.2 wide, a filled head."""
    for p in ax.patches:
        assert p.get_edgecolor() == BLACK and p.get_linewidth() == 1.2
        if isinstance(p, FancyBboxPatch):
            style = p.get_boxstyle()
            assert type(style).__name__ == "Round" and style.pad == 0.02
        else:
            assert p.get_facecolor() == BLACK  # the head, filled
            assert type(p.get_arrowstyle()).__name__ == "CurveFilledB"  # "-|>"
            assert p.get_mutation_scale() == 12


def box(gid, x, y, width, colour, style="-"):
    return (gid, r(x - width / 2), r(y - 0.35), r(width), 0.7, colour, style)


def text(gid, content, x, y, ha="center", va="center", size=11.0, colour=BLACK):
    return (gid, content, r(x), r(y), ha, va, size, colour)


def weight(content, x, y, ha="left", va="center"):
    return text("weight-label", content, x, y, ha, va, 10.0, WEIGHT)


def assert_framed(ax, xlim, ylim=(-0.55, 3.35), title=""):
    assert tuple(map(r, ax.get_xlim())) == tuple(map(r, xlim))
    assert tuple(map(r, ax.get_ylim())) == tuple(map(r, ylim))
    assert ax.get_aspect() == 1.0 and not ax.axison
    assert ax.get_title() == title
    if title:
        assert ax.title.get_fontsize() == 11


# ---- draw_rolled_cell

ROLLED_DEFAULT_TEXTS = [
    text("hidden-label", "$h_t$", 0, 1.4), text("input-label", "$x_t$", 0, 0), text("output-label", "$y_t$", 0, 2.8),
    weight("$W_{ih}$", 0.07, 0.7), weight("$W_{hy}$", 0.07, 2.1), weight("$W_{hh}$", 0.35 + 0.65, 1.48, va="bottom"),
    text("loop-note", "next step", 0.35 + 0.65, 1.35, "left", "top", 8.0, to_rgba("0.3")),
]


def test_rolled_cell_defaults_draw_every_part_exactly():
    ax = draw_rolled_cell()
    assert tuple(ax.figure.get_size_inches()) == (3.6, 3.2)
    assert boxes(ax) == [box("hidden-box", 0, 1.4, 0.7, HIDDEN), box("input-box", 0, 0, 0.7, INPUT),
                         box("output-box", 0, 2.8, 0.7, OUTPUT)]
    # The loop leaves the box's right side 0.2 above its middle, swings 0.75 out, and comes back 0.2 below.
    curve = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]
    assert arrows(ax) == [("input-arrow", (0, 0.35), (0, 1.05)), ("output-arrow", (0, 1.75), (0, 2.45)),
                          ("recurrent-arrow", [(0.35, 1.6), (1.1, 1.95), (1.1, 0.85), (0.35, 1.2)], curve)]
    assert labels(ax) == ROLLED_DEFAULT_TEXTS
    assert_house_style(ax)
    assert_framed(ax, (-1.3, 1.9))


def test_rolled_cell_widens_for_a_long_state_label_and_draws_into_the_given_axes():
    fig, ax = plt.subplots()
    assert draw_rolled_cell(ax, input_label="in", hidden_label="$state_{t}$", output_label=None, title="Cell") is ax
    width = 0.14 * len("statet") + 0.2  # the label as shown, without its TeX markup
    assert boxes(ax) == [box("hidden-box", 0, 1.4, width, HIDDEN), box("input-box", 0, 0, width, INPUT)]
    right = width / 2
    assert arrows(ax) == [("input-arrow", (0, 0.35), (0, 1.05)),
                          ("recurrent-arrow", [(r(right), 1.6), (r(right + 0.75), 1.95), (r(right + 0.75), 0.85),
                                               (r(right), 1.2)], [1, 4, 4, 4])]
    assert labels(ax) == [text("hidden-label", "$state_{t}$", 0, 1.4), text("input-label", "in", 0, 0),
                          weight("$W_{ih}$", 0.07, 0.7), weight("$W_{hh}$", right + 0.65, 1.48, va="bottom"),
                          text("loop-note", "next step", right + 0.65, 1.35, "left", "top", 8.0, to_rgba("0.3"))]
    assert_house_style(ax)
    assert_framed(ax, (-1.3, 1.9), title="Cell")


def test_outlines_arrows_and_font_sizes_stay_whatever_the_default_style():
    with plt.rc_context({"patch.edgecolor": "red", "patch.facecolor": "red", "patch.force_edgecolor": True,
                         "font.size": 7}):
        cell = draw_rolled_cell()
        assert_house_style(cell)
        assert labels(cell) == ROLLED_DEFAULT_TEXTS
        assert_house_style(draw_unrolled(["a", "b"], ["c", None], initial_state="$h_0$"))


def test_rolled_cell_without_weights_has_no_weight_or_note():
    ax = draw_rolled_cell(weights=False)
    assert [t[0] for t in labels(ax)] == ["hidden-label", "input-label", "output-label"]


# ---- draw_unrolled

def test_unrolled_chain_with_initial_state_and_weights_draws_every_part_exactly():
    ax = draw_unrolled(["hello", None, "$x_3$"], [None, "b", "$y_3$"], title="T", initial_state="$h_0$",
                       input_weights="$U$", recurrent_weights=["$W_1$", None, "$W_{long}$"],
                       output_weights=[None, "$V$", None])
    width = 0.14 * 5 + 0.2  # "hello" is the longest label
    gap = 0.13 * len("Wlong") + 0.3  # room above the recurrent arrow for the longest weight name
    s = width + gap  # 1.85 between the centres of neighbouring columns
    assert tuple(ax.figure.get_size_inches()) == pytest.approx((4 * s + 0.4, 3.2))  # h_0 + 3 steps
    assert boxes(ax) == [
        box("initial-box", -s, 1.4, width, WHITE, "--"),
        box("hidden-box", 0, 1.4, width, HIDDEN), box("input-box", 0, 0, width, INPUT),
        box("hidden-box", s, 1.4, width, HIDDEN), box("output-box", s, 2.8, width, OUTPUT),
        box("hidden-box", 2 * s, 1.4, width, HIDDEN), box("input-box", 2 * s, 0, width, INPUT),
        box("output-box", 2 * s, 2.8, width, OUTPUT)]
    link = [(r(x - s + width / 2), 1.4) for x in (0, s, 2 * s)]
    assert arrows(ax) == [
        ("input-arrow", (0, 0.35), (0, 1.05)), ("recurrent-arrow", link[0], (r(-width / 2), 1.4)),
        ("output-arrow", (r(s), 1.75), (r(s), 2.45)), ("recurrent-arrow", link[1], (r(s - width / 2), 1.4)),
        ("input-arrow", (r(2 * s), 0.35), (r(2 * s), 1.05)), ("output-arrow", (r(2 * s), 1.75), (r(2 * s), 2.45)),
        ("recurrent-arrow", link[2], (r(2 * s - width / 2), 1.4))]
    assert labels(ax) == [
        text("initial-label", "$h_0$", -s, 1.4),
        text("hidden-label", "$h_{1}$", 0, 1.4), text("input-label", "hello", 0, 0), weight("$U$", 0.07, 0.7),
        weight("$W_1$", -s / 2, 1.48, "center", "bottom"),
        text("hidden-label", "$h_{2}$", s, 1.4), text("output-label", "b", s, 2.8), weight("$V$", s + 0.07, 2.1),
        text("hidden-label", "$h_{3}$", 2 * s, 1.4), text("input-label", "$x_3$", 2 * s, 0),
        weight("$U$", 2 * s + 0.07, 0.7), text("output-label", "$y_3$", 2 * s, 2.8),
        weight("$W_{long}$", 1.5 * s, 1.48, "center", "bottom")]
    assert_house_style(ax)
    assert_framed(ax, (-1.5 * s, 2.5 * s), title="T")


@pytest.mark.parametrize("kwargs, gap", [
    ({}, 0.45),  # chapter 1: no weight names
    ({"recurrent_weights": "$W$"}, 0.45),  # a short name fits in the smallest gap
    ({"input_weights": "$W_{verylong}$"}, 0.45),  # only names above recurrent arrows need room
    ({"recurrent_weights": "$W_{abcdefgh}$"}, 0.13 * 9 + 0.3),
    ({"recurrent_weights": "$W_{abcdefgh}$", "input_weights": "$U$", "output_weights": "$V$"}, 0.13 * 9 + 0.3),
    ({"recurrent_weights": "$W_{abcdefgh}$", "column_gap": 0.25}, 0.25),  # a given gap wins
    ({"column_gap": 5}, 5.0),
])
def test_unrolled_gap_between_columns(kwargs, gap):
    ax = draw_unrolled(["a", "b"], ["c", None], **kwargs)
    hidden = [p.get_x() for p in ax.patches if p.get_gid() == "hidden-box"]
    assert hidden[1] - hidden[0] == pytest.approx(0.7 + gap)
    assert ax.get_xlim() == pytest.approx((-(0.7 + gap) / 2, 1.5 * (0.7 + gap)))
    assert ax.get_title() == ""


def test_unrolled_whole_messages():
    with pytest.raises(ValueError, match=exactly("inputs and outputs must be non-empty lists of the same length; got 2 and 3")):
        draw_unrolled(["a", "b"], ["c", "d", "e"])
    with pytest.raises(ValueError, match=exactly("hidden_labels must have 2 entries, one per step; got 1")):
        draw_unrolled(["a", "b"], ["c", "d"], hidden_labels=["h"])
    with pytest.raises(ValueError, match=exactly(
            "input_weights must be one str for every arrow or a list of 2 labels (one per arrow); got 1")):
        draw_unrolled(["a", "b"], ["c", "d"], input_weights=["w"])
    with pytest.raises(ValueError, match=exactly(
            "output_weights must be one str for every arrow or a list of 2 labels (one per arrow); got 3")):
        draw_unrolled(["a", "b"], ["c", "d"], output_weights=["w", "v", "u"])
    for gap in (True, 5.01, 0.0, "1"):
        with pytest.raises(ValueError, match=exactly(
                f"column_gap must be a number of data units above 0 and at most 5 (a box is 0.7 high); got {gap!r}")):
            draw_unrolled(["a"], ["b"], column_gap=gap)


# ---- draw_rnn_chain

def test_chain_labels_its_steps_and_shared_weights_in_order():
    ax = draw_rnn_chain(2, outputs="last", title="Chain")
    assert [(t[0], t[1]) for t in labels(ax)] == [
        ("initial-label", "$h_0$"),
        ("hidden-label", "$h_{1}$"), ("input-label", "$x_{1}$"), ("weight-label", "$W_{ih}$"),
        ("weight-label", "$W_{hh}$"),
        ("hidden-label", "$h_{2}$"), ("input-label", "$x_{2}$"), ("weight-label", "$W_{ih}$"),
        ("output-label", "$y_{2}$"), ("weight-label", "$W_{hy}$"), ("weight-label", "$W_{hh}$")]
    assert ax.get_title() == "Chain"
    fig, ax = plt.subplots()
    assert draw_rnn_chain(2, outputs="none", ax=ax, initial_state=None, input_weight=None, recurrent_weight=None) is ax
    assert [t[1] for t in labels(ax)] == ["$h_{1}$", "$x_{1}$", "$h_{2}$", "$x_{2}$"]
    assert ax.get_title() == ""


def test_chain_whole_messages():
    with pytest.raises(TypeError, match=exactly("steps must be a whole number of time steps (an int), got float 2.0")):
        draw_rnn_chain(2.0)
    with pytest.raises(ValueError, match=exactly("steps must be from 1 to 16 (more steps do not fit on a page); got 17")):
        draw_rnn_chain(17)
    with pytest.raises(ValueError, match=exactly("inputs must have one label per step (2); got 1")):
        draw_rnn_chain(2, inputs=["a"])
    with pytest.raises(ValueError, match=exactly("outputs must be 'every', 'last', 'none' or a list of 2 labels; got 'all'")):
        draw_rnn_chain(2, outputs="all")
    with pytest.raises(ValueError, match=exactly("outputs must have one label (or None) per step (2); got 3")):
        draw_rnn_chain(2, outputs=["a", "b", "c"])


# ---- draw_mlp_to_rnn

MIDDLE_STAGE_TEXTS = {
    2: [("hidden-label", "$h_1$"), ("input-label", "$x$"), ("weight-label", "$W_{ih}^{(1)}$"),
        ("hidden-label", "$h_2$"), ("weight-label", "$W_{hh}^{(2)}$"),
        ("hidden-label", "$h_3$"), ("output-label", "$y$"), ("weight-label", "$W_{hy}$"), ("weight-label", "$W_{hh}^{(3)}$")],
    3: [("hidden-label", "$h_1$"), ("input-label", "$x_1$"), ("weight-label", "$W_{ih}^{(1)}$"),
        ("hidden-label", "$h_2$"), ("input-label", "$x_2$"), ("weight-label", "$W_{ih}^{(2)}$"),
        ("weight-label", "$W_{hh}^{(2)}$"),
        ("hidden-label", "$h_3$"), ("input-label", "$x_3$"), ("weight-label", "$W_{ih}^{(3)}$"),
        ("output-label", "$y$"), ("weight-label", "$W_{hy}$"), ("weight-label", "$W_{hh}^{(3)}$")],
    4: [("hidden-label", "$h_1$"), ("input-label", "$x_1$"), ("weight-label", "$W_{ih}$"),
        ("hidden-label", "$h_2$"), ("input-label", "$x_2$"), ("weight-label", "$W_{ih}$"), ("weight-label", "$W_{hh}$"),
        ("hidden-label", "$h_3$"), ("input-label", "$x_3$"), ("weight-label", "$W_{ih}$"),
        ("output-label", "$y$"), ("weight-label", "$W_{hy}$"), ("weight-label", "$W_{hh}$")],
}


@pytest.mark.parametrize("stage", [2, 3, 4])
def test_mlp_to_rnn_middle_stages_exact_labels_and_shared_layout(stage):
    fig, ax = plt.subplots()
    assert draw_mlp_to_rnn(stage, ax=ax) is ax
    assert [(t[0], t[1]) for t in labels(ax)] == MIDDLE_STAGE_TEXTS[stage]
    assert ax.get_title() == {2: "2. A deeper stack", 3: "3. An input into every layer",
                              4: "4. One set of shared weights"}[stage]
    spacing = 0.7 + 1.2  # a box and the fixed gap, so the three stages line up
    assert ax.get_xlim() == pytest.approx((-spacing / 2, 2.5 * spacing))


def test_mlp_to_rnn_first_and_last_stages():
    fig, (first, last) = plt.subplots(1, 2)
    assert draw_mlp_to_rnn(1, ax=first) is first
    assert [(t[0], t[1]) for t in labels(first)] == [
        ("hidden-label", "$h$"), ("input-label", "$x$"), ("weight-label", "$W_{ih}$"),
        ("output-label", "$y$"), ("weight-label", "$W_{hy}$")]
    assert first.get_title() == "1. One hidden layer"
    assert draw_mlp_to_rnn(5, ax=last) is last
    assert labels(last) == ROLLED_DEFAULT_TEXTS
    assert last.get_title() == "5. Rolled into one recurrent layer"
    with pytest.raises(ValueError, match=exactly("stage must be one of [1, 2, 3, 4, 5]; got 2.0")):
        draw_mlp_to_rnn(2.0)


# ---- draw_sequence_shapes

def test_sequence_shapes_layout_fonts_and_encoder_decoder_marks():
    fig = draw_sequence_shapes()
    assert tuple(fig.get_size_inches()) == (6.4, 7.4)
    spans = [(ax.get_subplotspec().get_geometry()[:2], ax.get_subplotspec().rowspan, ax.get_subplotspec().colspan)
             for ax in fig.axes]
    # three rows of a 10-column grid: the narrow first panel, then two halves, then the wide last one
    assert spans == [((3, 10), range(0, 1), range(0, 3)), ((3, 10), range(0, 1), range(3, 10)),
                     ((3, 10), range(1, 2), range(0, 5)), ((3, 10), range(1, 2), range(5, 10)),
                     ((3, 10), range(2, 3), range(1, 9))]
    assert [ax.get_title() for ax in fig.axes] == [
        "one to one\n(image classification)", "one to many\n(image captioning)", "many to one\n(sentiment analysis)",
        "many to many, in step\n(tagging each word)", "many to many, encoder–decoder\n(translation)"]
    for ax in fig.axes:
        assert {t.get_fontsize() for t in [ax.title, *ax.texts]} == {14}
        assert {t.get_text() for t in ax.texts if t.get_gid() == "hidden-label"} == {""}  # unlabelled states
    last = fig.axes[4]
    spacing = 0.7 + 0.45
    states = [(p.get_gid(), p.get_facecolor()) for p in last.patches if p.get_gid() in ("hidden-box", "decoder-box")]
    assert states == [("hidden-box", HIDDEN)] * 3 + [("decoder-box", to_rgba(PALETTE["purple"]))] * 2
    # "encoder" under the middle of the three encoder states, "decoder" under the middle of the last two
    below = -0.35 - 0.2
    assert [t for t in labels(last) if t[0] == "stage-label"] == [
        text("stage-label", "encoder", spacing, below, "center", "top", 14.0),
        text("stage-label", "decoder", 3.5 * spacing, below, "center", "top", 14.0)]
    assert last.get_ylim() == pytest.approx((below - 0.6, 3.35))


# ---- describe_unrolled and plain_label

def test_alt_text_word_for_word():
    assert describe_unrolled(["a", "b"], ["z", "y"]) == (
        "A recurrent network unrolled over 2 steps, drawn left to right. Hidden states h_1, h_2 form the middle "
        "row, each passing an arrow to the next. Inputs below: step 1 reads a, step 2 reads b. Outputs above: "
        "step 1 emits z, step 2 emits y.")
    assert describe_unrolled(["$x$"], ["$y$"], ["$h$"], initial_state="$h_0$", recurrent_weights="$W_{hh}$",
                             input_weights=["$U$"], output_weights="$V$") == (
        "A recurrent network unrolled over 1 step, drawn left to right. A dashed initial state h_0 stands before "
        "the first step. Hidden state h forms the middle row, reached by an arrow from the initial state; every "
        "arrow between states is labelled with the same weight W_hh. Inputs below: step 1 reads x; the input arrow "
        "is labelled U. Outputs above: step 1 emits y; every output arrow is labelled with the same weight V.")
    assert describe_unrolled([None, None], [None, None], ["", ""], input_weights=[None, None],
                             output_weights=["$V_1$", "$V_2$"]) == (
        "A recurrent network unrolled over 2 steps, drawn left to right. Unlabelled hidden states form the "
        "middle row, each passing an arrow to the next. No step reads an input. No step emits an output.")
    assert describe_unrolled(["a"], ["b"], ["h"], input_weights=[None], output_weights=["$V$"]) == (
        "A recurrent network unrolled over 1 step, drawn left to right. Hidden state h forms the middle row. "
        "Inputs below: step 1 reads a. Outputs above: step 1 emits b; the output arrow is labelled V.")
    assert describe_unrolled(["a"], ["b"], [""]) == (
        "A recurrent network unrolled over 1 step, drawn left to right. An unlabelled hidden state forms the "
        "middle row. Inputs below: step 1 reads a. Outputs above: step 1 emits b.")
    assert describe_unrolled(["a", "b"], ["z", "y"], recurrent_weights=["$W_1$", "$W_2$"], input_weights=["$U$", None]) == (
        "A recurrent network unrolled over 2 steps, drawn left to right. Hidden states h_1, h_2 form the middle "
        "row, each passing an arrow to the next; the arrows between states are labelled W_1, W_2. Inputs below: "
        "step 1 reads a, step 2 reads b; the input arrow is labelled U. Outputs above: step 1 emits z, step 2 "
        "emits y.")


def test_alt_text_of_several_steps_with_an_initial_state_and_of_one_step_with_a_recurrent_weight():
    assert describe_unrolled(["a", "b"], ["y", "z"], initial_state="$h_0$", output_weights=["$V_1$", "$V_2$"]) == (
        "A recurrent network unrolled over 2 steps, drawn left to right. A dashed initial state h_0 stands before "
        "the first step. Hidden states h_1, h_2 form the middle row, each passing an arrow to the next. Inputs "
        "below: step 1 reads a, step 2 reads b. Outputs above: step 1 emits y, step 2 emits z; the output arrows "
        "are labelled V_1, V_2.")
    # one step and no initial state: no arrow between states, so its weight is not mentioned
    assert describe_unrolled(["a"], ["b"], recurrent_weights="$W$") == (
        "A recurrent network unrolled over 1 step, drawn left to right. Hidden state h_1 forms the middle row. "
        "Inputs below: step 1 reads a. Outputs above: step 1 emits b.")


@pytest.mark.parametrize("label, heard", [
    ("$\\alpha_t$", "alpha_t"),  # a TeX command loses its backslash
    ("$\\mathbf{x}_t$", "mathbfx_t"),  # and its braces
    ("$x^{2}$", "x^2"),
    ("$W_{hh}^{(2)}$", "W_hh(2)"),
    ("$\\hat{y}_{t}$", "y-hat_t"),
    # capital X beside markup (a Roman twenty) stays as it is
    ("$XX_{XX}$", "XX_XX"),
    ("$XX^{XX}$", "XX^XX"),
    ("$W^{(XX)}XX$", "W(XX)XX"),
])
def test_plain_label_removes_tex_markup(label, heard):
    assert plain_label(label) == heard


def test_plain_label_refuses_a_non_string():
    with pytest.raises(TypeError, match=exactly("label must be a string (or None); got int 3")):
        plain_label(3)
