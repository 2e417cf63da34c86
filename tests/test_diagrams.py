"""The drawings hold the parts they promise (boxes, arrows, labels) for several T, and refuse bad T."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from rnn_helpers.diagrams import (  # noqa: E402
    MAX_CHAIN_STEPS,
    MLP_TO_RNN_STAGES,
    count_parts,
    describe_unrolled,
    draw_mlp_to_rnn,
    draw_rnn_chain,
    draw_rolled_cell,
    draw_sequence_shapes,
    draw_unrolled,
    plain_label,
)


pytestmark = pytest.mark.usefixtures("close_figures")


def texts(ax, gid=None):
    return [t.get_text() for t in ax.texts if gid is None or t.get_gid() == gid]


@pytest.mark.parametrize("steps", [1, 2, 5, 9, MAX_CHAIN_STEPS])
def test_chain_has_every_labelled_part(steps):
    ax = draw_rnn_chain(steps)
    parts = count_parts(ax)
    for row in ("input", "hidden", "output"):
        assert parts[f"{row}-box"] == steps and parts[f"{row}-label"] == steps
    assert parts["input-arrow"] == parts["output-arrow"] == steps
    assert parts["recurrent-arrow"] == steps  # h_0 -> h_1, then one arrow between each pair of steps
    assert parts["initial-box"] == 1
    labels = texts(ax)
    for t in range(1, steps + 1):
        assert {f"$x_{{{t}}}$", f"$h_{{{t}}}$", f"$y_{{{t}}}$"} <= set(labels)
    weights = texts(ax, "weight-label")
    assert len(weights) == 3 * steps
    # Shared weights: one name per kind of arrow, however long the chain.
    assert set(weights) == {"$W_{ih}$", "$W_{hh}$", "$W_{hy}$"}
    assert weights.count("$W_{hh}$") == steps


@pytest.mark.parametrize("steps", [1, 3, 7])
def test_many_to_one_chain_without_initial_state(steps):
    ax = draw_rnn_chain(steps, outputs="last", initial_state=None, recurrent_weight="$W_2$", input_weight=None)
    parts = count_parts(ax)
    assert parts["output-box"] == 1 and f"$y_{{{steps}}}$" in texts(ax, "output-label")
    assert parts.get("recurrent-arrow", 0) == steps - 1
    assert "initial-box" not in parts
    assert sorted(texts(ax, "weight-label")) == ["$W_2$"] * (steps - 1) + ["$W_{hy}$"]


def test_chain_takes_words_as_inputs():
    words = "What time is it ?".split()
    ax = draw_rnn_chain(5, inputs=words, outputs=[None] * 4 + ["intent"])
    assert texts(ax, "input-label") == words
    assert texts(ax, "output-label") == ["intent"]


@pytest.mark.parametrize("steps", [0, -3, MAX_CHAIN_STEPS + 1, 1000])
def test_chain_refuses_out_of_range_steps(steps):
    with pytest.raises(ValueError, match=rf"steps must be from 1 to {MAX_CHAIN_STEPS} .*; got {steps}"):
        draw_rnn_chain(steps)


@pytest.mark.parametrize("steps", [2.5, 3.0, "3", True, None])
def test_chain_refuses_steps_that_are_not_whole_numbers(steps):
    with pytest.raises(TypeError, match="steps must be a whole number of time steps"):
        draw_rnn_chain(steps)


def test_chain_refuses_mismatched_labels():
    with pytest.raises(ValueError, match=r"inputs must have one label per step \(4\); got 3"):
        draw_rnn_chain(4, inputs=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"outputs must be 'every', 'last', 'none'"):
        draw_rnn_chain(4, outputs="first")
    with pytest.raises(ValueError, match=r"outputs must have one label \(or None\) per step \(4\); got 2"):
        draw_rnn_chain(4, outputs=["a", "b"])


def test_draw_unrolled_defaults_keep_the_chapter_1_drawing():
    words = ["Deep", "learning", "is", "amazing"]
    ax = draw_unrolled(words, [None] * 4)
    parts = count_parts(ax)
    assert parts == {"hidden-box": 4, "hidden-label": 4, "input-arrow": 4, "input-box": 4, "input-label": 4,
                     "recurrent-arrow": 3}
    # The layout rule of chapter 1: width from the longest label, a gap of 0.45 between columns.
    width = 0.14 * len("learning") + 0.2
    spacing = width + 0.45
    assert ax.get_xlim() == pytest.approx((-spacing / 2, spacing * 3.5))
    # No outputs: the empty top row is left out, so the figure is lower.
    assert tuple(ax.figure.get_size_inches()) == pytest.approx((spacing * 4 + 0.4, 2.3))
    assert ax.get_ylim() == pytest.approx((-0.55, 1.95))
    assert texts(ax, "hidden-label") == ["$h_{1}$", "$h_{2}$", "$h_{3}$", "$h_{4}$"]


def test_draw_unrolled_weight_labels_per_arrow_and_bad_counts():
    ax = draw_unrolled(["a", "b", "c"], [None, None, "y"], recurrent_weights=["$U$", "$V$"],
                       output_weights=[None, None, "$W$"])
    assert sorted(texts(ax, "weight-label")) == ["$U$", "$V$", "$W$"]
    with pytest.raises(ValueError, match=r"recurrent_weights must be one str for every arrow or a list of 2 labels .* got 3"):
        draw_unrolled(["a", "b", "c"], [None] * 3, recurrent_weights=["1", "2", "3"])
    with pytest.raises(ValueError, match=r"recurrent_weights .* list of 3 labels"):
        draw_unrolled(["a", "b", "c"], [None] * 3, recurrent_weights=["1", "2"], initial_state="$h_0$")
    with pytest.raises(ValueError, match="inputs and outputs must be non-empty"):
        draw_unrolled([], [])
    for gap in (0, -1, "wide", 9):
        with pytest.raises(ValueError, match="column_gap must be a number"):
            draw_unrolled(["a"], ["b"], column_gap=gap)


def test_sequence_shapes_draw_five_panels_with_both_many_to_many():
    fig = draw_sequence_shapes()
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 5 and titles[2].startswith("many to one")
    assert count_parts(fig.axes[2])["output-box"] == 1
    assert titles[3].startswith("many to many, in step") and count_parts(fig.axes[3])["output-box"] == 4
    assert titles[4].startswith("many to many, encoder") and count_parts(fig.axes[4])["output-box"] == 2
    # The decoder is a second network: its states are coloured apart and the halves are named.
    decoder = count_parts(fig.axes[4])
    assert decoder["hidden-box"] == 3 and decoder["decoder-box"] == 2
    assert texts(fig.axes[4], "stage-label") == ["encoder", "decoder"]
    assert "decoder-box" not in count_parts(fig.axes[3])


def test_rolled_cell_has_one_of_each_part_and_a_loop():
    ax = draw_rolled_cell()
    parts = count_parts(ax)
    assert parts["input-box"] == parts["hidden-box"] == parts["output-box"] == 1
    assert parts["recurrent-arrow"] == 1
    assert sorted(texts(ax, "weight-label")) == ["$W_{hh}$", "$W_{hy}$", "$W_{ih}$"]
    ax.figure.canvas.draw()
    box = next(p for p in ax.patches if p.get_gid() == "hidden-box").get_window_extent()
    loop = next(p for p in ax.patches if p.get_gid() == "recurrent-arrow").get_window_extent()
    # The feedback arrow leaves the state box on its right and comes back into it.
    assert loop.x1 > box.x1 and box.x0 < loop.x0 < box.x1 + 2
    assert box.y0 < loop.y0 < loop.y1 < box.y1 + 2 * box.height
    without_output = count_parts(draw_rolled_cell(output_label=None, weights=False))
    assert "output-box" not in without_output and "weight-label" not in without_output


def test_mlp_to_rnn_stages():
    parts = {stage: count_parts(draw_mlp_to_rnn(stage)) for stage in MLP_TO_RNN_STAGES}
    assert parts[1]["hidden-box"] == 1
    assert parts[2]["hidden-box"] == 3 and parts[2]["input-box"] == 1
    assert parts[3]["input-box"] == parts[4]["input-box"] == 3
    assert parts[5]["hidden-box"] == 1 and parts[5]["recurrent-arrow"] == 1
    assert "$W_{ih}^{(1)}$" in texts(draw_mlp_to_rnn(2), "weight-label")  # as in its equation
    untied = texts(draw_mlp_to_rnn(3), "weight-label")
    tied = texts(draw_mlp_to_rnn(4), "weight-label")
    assert len(untied) == len(tied) == 6
    assert len(set(untied)) == 6  # every layer its own weights
    assert set(tied) == {"$W_{ih}$", "$W_{hh}$", "$W_{hy}$"}  # the same weights everywhere
    limits = {tuple(draw_mlp_to_rnn(stage).get_xlim()) for stage in (2, 3, 4)}
    assert len(limits) == 1  # the middle stages line up, so the slider only changes labels
    for stage in (0, 6, "1", True):
        with pytest.raises(ValueError, match=r"stage must be one of \[1, 2, 3, 4, 5\]"):
            draw_mlp_to_rnn(stage)


def test_alt_text_names_what_is_drawn():
    words = "What time is it ?".split()
    text = describe_unrolled(words, [None] * 4 + ["intent"], recurrent_weights="$W_{hh}$", initial_state="$h_0$")
    assert "5 steps" in text and "h_0" in text and "same weight W_hh" in text
    assert all(f"step {t + 1} reads {word}" in text for t, word in enumerate(words))
    assert "step 5 emits intent" in text and "step 4 emits" not in text
    single = describe_unrolled(["x"], ["y"], ["h"])
    assert "1 step," in single and "passing an arrow" not in single
    listed = describe_unrolled(["a", "b"], [None, None], input_weights=["$U_{1}$", "$U_{2}$"])
    assert "labelled U_1, U_2" in listed
    assert plain_label("$W_{hh}^{(2)}$") == "W_hh(2)"
    assert plain_label(None) == ""
    assert plain_label("$\\hat{y}_5$") == plain_label("$\\hat y_5$") == "y-hat_5"


def test_describe_unrolled_names_a_list_of_weights_per_arrow_kind_in_the_plural():
    text = describe_unrolled(["a", "b", "c"], [None, None, "y"], recurrent_weights=["$W_{hh}^{(2)}$", "$W_{hh}^{(3)}$"],
                             input_weights=["$U_1$", "$U_2$", "$U_3$"])
    assert "the arrows between states are labelled W_hh(2), W_hh(3)." in text
    assert "the input arrows are labelled U_1, U_2, U_3." in text
    assert "statess" not in text
