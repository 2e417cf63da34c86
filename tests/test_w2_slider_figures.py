"""Chapter 4's two still figures of the W2 neuron, as a reader sees them: the unrolled chain with the
gradient's way back (draw_w2_chain) and the tanh neuron's states and factors (plot_tanh_neuron)."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.path import Path  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from rnn_helpers.diagrams import ROWS  # noqa: E402
from rnn_helpers.plots import PALETTE  # noqa: E402
from rnn_helpers.w2_slider import draw_w2_chain, plot_tanh_neuron  # noqa: E402
from reference import exactly  # noqa: E402


def by_gid(ax, gid):
    return [patch for patch in ax.patches if patch.get_gid() == gid]


def box_edges(box):
    return box.get_x(), box.get_x() + box.get_width()


@pytest.fixture  # per test: mutmut maps a function only to the test whose set-up called it
def chain():
    fig = draw_w2_chain(5)
    fig.canvas.draw()
    yield fig
    plt.close(fig)


def test_chain_shows_five_steps_one_output_and_w2_on_every_link(chain):
    assert tuple(chain.get_size_inches()) == (7.0, 3.3)
    (ax,) = chain.axes
    assert len(by_gid(ax, "hidden-box")) == 5 and len(by_gid(ax, "input-box")) == 5
    assert len(by_gid(ax, "output-box")) == 1  # only y_T: outputs="last"
    assert len(by_gid(ax, "recurrent-arrow")) == 4
    texts = [text.get_text() for text in ax.texts]
    assert texts.count("$W_2$") == 4
    # no other weight names and no h_0: the figure is about W2 alone
    assert not any(name in text for text in texts for name in ("W_{ih}", "W_{hy}", "W_{hh}", "h_0"))
    assert [t for t in texts if t.startswith("$x_")] == [f"$x_{{{t}}}$" for t in range(1, 6)]
    assert [t for t in texts if t.startswith("$y_")] == ["$y_{5}$"]
    output_box = by_gid(ax, "output-box")[0]
    last_hidden = by_gid(ax, "hidden-box")[-1]
    assert box_edges(output_box) == pytest.approx(box_edges(last_hidden))


def test_chain_gradient_arrow_runs_from_y_T_back_into_the_x1_box(chain):
    (ax,) = chain.axes
    (arrow,) = by_gid(ax, "gradient-arrow")
    boxes = by_gid(ax, "hidden-box")
    x1_box = by_gid(ax, "input-box")[0]
    y_box = by_gid(ax, "output-box")[0]
    vertices = arrow._path_original.vertices
    codes = list(arrow._path_original.codes)
    assert codes == [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO]
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = vertices
    first_left, _ = box_edges(boxes[0])
    y_left, _ = box_edges(y_box)
    # starts just left of the y_T box, at its height, and runs left along the top
    assert y0 == y1 == ROWS["output"] and 0 < y_left - x0 <= 0.1
    # goes down to the left of every box (still inside the picture) ...
    assert x1 == x2 < first_left and x2 > ax.get_xlim()[0]
    assert y2 == y3 == ROWS["input"]
    # ... and ends just short of the x_1 box, pointing right into it
    assert x3 > x2 and 0 < box_edges(x1_box)[0] - x3 <= 0.1
    assert arrow.get_arrowstyle().__class__.__name__ == "CurveFilledB"  # "-|>": a filled head at the end
    assert arrow.get_mutation_scale() == 12
    assert arrow.get_linestyle() == "--" and arrow.get_linewidth() == 1.4
    assert arrow.get_edgecolor() == to_rgba(PALETTE["vermillion"])


def test_chain_caption_names_the_product_of_four_factors(chain):
    (ax,) = chain.axes
    (caption,) = [text for text in ax.texts if "partial" in text.get_text()]
    assert caption.get_text() == r"$\partial y_{5}/\partial x_1$: back across 4 links, $\times W_2$ on each $= W_2^{4}$"
    boxes = by_gid(ax, "hidden-box")
    middle = (boxes[0].get_x() + boxes[-1].get_x() + boxes[0].get_width()) / 2
    x, y = caption.get_position()
    assert x == pytest.approx(middle - 0.3) and y == pytest.approx(ROWS["output"] + 0.12)
    assert (caption.get_ha(), caption.get_va()) == ("center", "bottom")
    assert caption.get_fontsize() == 10.5 and to_rgba(caption.get_color()) == to_rgba(PALETTE["vermillion"])
    # the whole caption and every box lie inside the figure
    renderer = chain.canvas.get_renderer()
    figure_box = chain.bbox
    inside = caption.get_window_extent(renderer)
    assert figure_box.x0 <= inside.x0 and inside.x1 <= figure_box.x1 and inside.y1 <= figure_box.y1


def test_chain_frames_the_boxes_with_one_box_width_each_side(chain):
    (ax,) = chain.axes
    boxes = by_gid(ax, "hidden-box")
    width = boxes[0].get_width()
    first_centre = boxes[0].get_x() + width / 2
    last_centre = boxes[-1].get_x() + width / 2
    assert ax.get_xlim() == pytest.approx((first_centre - width, last_centre + width))


@pytest.mark.parametrize("steps", [1, 2, 7])
def test_chain_caption_counts_the_links_of_any_length(steps):
    fig = draw_w2_chain(steps)
    (ax,) = fig.axes
    (caption,) = [text.get_text() for text in ax.texts if "partial" in text.get_text()]
    links = steps - 1
    assert caption == (rf"$\partial y_{{{steps}}}/\partial x_1$: back across {links} links, "
                       rf"$\times W_2$ on each $= W_2^{{{links}}}$")
    assert len(by_gid(ax, "hidden-box")) == steps
    plt.close(fig)


def test_chain_refuses_a_length_it_cannot_draw():
    with pytest.raises(TypeError, match=exactly("steps must be a whole number (the sequence length T), got float 2.5")):
        draw_w2_chain(2.5)


# ---- plot_tanh_neuron: h_t = tanh(W2 h_{t-1} + x_t) with x = (x1, 0, 0, ...), h_0 = 0


def tanh_neuron(w2, x1, steps):
    """States h_1..h_T, written out step by step."""
    h, states = 0.0, []
    for t in range(1, steps + 1):
        h = np.tanh(w2 * h + (x1 if t == 1 else 0.0))
        states.append(h)
    return np.array(states)


CASES = ((0.5, 1.0), (1.0, 1.0), (2.0, 1.0), (2.0, 0.01))


@pytest.fixture  # per test: mutmut maps a function only to the test whose set-up called it
def tanh_figure():
    fig = plot_tanh_neuron(CASES, steps=12)
    fig.canvas.draw()
    yield fig
    plt.close(fig)


def test_tanh_figure_plots_the_states_and_the_factor_per_step_back(tanh_figure):
    left, right = tanh_figure.axes
    assert tuple(tanh_figure.get_size_inches()) == (9.4, 3.8)
    assert len(left.lines) == 4 and len(right.lines) == 5  # four cases, and the line at 1 on the right
    for k, (w2, x1) in enumerate(CASES):
        h = tanh_neuron(w2, x1, 12)
        np.testing.assert_array_equal(left.lines[k].get_xdata(), np.arange(1, 13))
        np.testing.assert_allclose(left.lines[k].get_ydata(), h, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(right.lines[k].get_xdata(), np.arange(2, 13))
        # |d h_t / d h_{t-1}| = W2 (1 - h_t^2), from step 2 on
        np.testing.assert_allclose(right.lines[k].get_ydata(), w2 * (1 - h[1:] ** 2), rtol=1e-9, atol=1e-15)


def test_tanh_figure_styles_each_case_so_the_two_w2_2_runs_differ_by_dash(tanh_figure):
    left, right = tanh_figure.axes
    colours = [PALETTE["sky"], PALETTE["green"], PALETTE["vermillion"], PALETTE["vermillion"]]
    for ax in (left, right):
        for line, colour, dash in zip(ax.lines, colours, ["-", "-", "-", "--"]):
            assert to_rgba(line.get_color()) == to_rgba(colour)
            assert line.get_linestyle() == dash
            assert line.get_marker() == "o" and line.get_markersize() == 3
    labels = [line.get_label() for line in left.lines]
    assert labels == ["W2 = 0.5, x1 = 1", "W2 = 1, x1 = 1", "W2 = 2, x1 = 1", "W2 = 2, x1 = 0.01"]
    assert [line.get_label() for line in right.lines[:4]] == labels


def test_tanh_figure_marks_factor_one_and_says_what_either_side_means(tanh_figure):
    _, right = tanh_figure.axes
    one = right.lines[4]
    np.testing.assert_array_equal(one.get_ydata(), [1.0, 1.0])
    assert to_rgba(one.get_color()) == to_rgba(PALETTE["black"])
    assert one.get_linestyle() == ":" and one.get_linewidth() == 1
    above, below = right.texts
    assert above.get_text() == "above 1: the gradient grows"
    assert below.get_text() == "below 1: it shrinks"
    assert above.get_position() == (12, 1.04) and below.get_position() == (12, 0.7)
    assert (above.get_ha(), above.get_va()) == ("right", "bottom")
    assert (below.get_ha(), below.get_va()) == ("right", "center")
    assert above.get_fontsize() == below.get_fontsize() == 8.5


def test_tanh_figure_axes_read_as_the_chapter_says(tanh_figure):
    left, right = tanh_figure.axes
    assert (left.get_xlabel(), left.get_ylabel(), left.get_title()) == ("step t", "state $h_t$", "the state settles")
    assert (right.get_xlabel(), right.get_ylabel(), right.get_title()) == (
        "step t", r"$W_2\,(1 - h_t^2)$", "factor per step back")
    assert right.get_ylim() == (0, 2.2)
    for ax in (left, right):
        assert ax.spines["top"].get_visible() is False and ax.spines["right"].get_visible() is False
        assert ax.spines["left"].get_visible() and ax.spines["bottom"].get_visible()
        assert ax.get_xlim() == (0.5, 12.5)
        locator = ax.xaxis.get_major_locator()
        assert isinstance(locator, MaxNLocator)
        assert all(float(tick).is_integer() for tick in ax.get_xticks())


def test_tanh_figure_legend_sits_under_both_panels_in_one_row(tanh_figure):
    (legend,) = tanh_figure.legends
    assert [text.get_text() for text in legend.get_texts()] == [line.get_label() for line in tanh_figure.axes[0].lines]
    assert legend._ncols == 4 and not legend.get_frame_on()
    assert all(text.get_fontsize() == 9 for text in legend.get_texts())
    assert legend._loc == 8  # "lower center"
    renderer = tanh_figure.canvas.get_renderer()
    legend_top = legend.get_window_extent(renderer).y1
    for ax in tanh_figure.axes:
        # the panels (with their tick labels and x label) sit above the legend, inside the figure
        assert ax.get_tightbbox(renderer).y0 >= legend_top - 1
        assert ax.get_position().y0 > 0.08 and ax.get_position().y1 < 1
        assert 0 < ax.get_position().x0 and ax.get_position().x1 < 1
    left, right = tanh_figure.axes
    assert left.get_position().x1 < right.get_position().x0  # side by side, not stacked


def test_defaults_draw_what_chapter_4_shows():
    chain = draw_w2_chain()
    assert len(by_gid(chain.axes[0], "hidden-box")) == 5
    fig = plot_tanh_neuron()
    left, _ = fig.axes
    assert [line.get_label() for line in left.lines] == [
        "W2 = 0.5, x1 = 1", "W2 = 1, x1 = 1", "W2 = 2, x1 = 1", "W2 = 2, x1 = 0.01"]
    assert left.get_xlim() == (0.5, 20.5)
    plt.close(chain)
    plt.close(fig)


def test_only_a_first_input_below_a_tenth_is_dashed():
    fig = plot_tanh_neuron(((1.0, 0.1), (1.0, 0.0999)), steps=3)
    assert [line.get_linestyle() for line in fig.axes[0].lines] == ["-", "--"]
    plt.close(fig)
