"""Exact checks of the long-lag figures, tables and memory-unit summaries (chapter 5).

Every figure is drawn from small hand-made arrays (no training), and the tests read back the
values the code sets: data, colours, line styles, widths, font sizes, texts, limits and ticks.
"""

import matplotlib

matplotlib.use("Agg")

import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgba

from rnn_helpers.long_lag import (
    Adam,
    Experiment,
    ModelSpec,
    TrainConfig,
    default_workers,
    describe_memory_unit,
    long_lag_batch,
    lstm_gate_traces,
    make_model,
    memory_unit,
    plot_gate_heatmaps,
    plot_results,
    plot_task_example,
    plot_training_losses,
    results_table,
    run_experiment,
    run_line,
    test_accuracy,
    test_set,
    train_model,
)
from rnn_helpers.plots import PALETTE, SERIES_COLOURS
from tests.reference import exactly


def same_colour(actual, expected):
    return to_rgba(actual) == to_rgba(expected)


def left_title(ax):
    return ax.get_title(loc="left"), ax._left_title.get_fontsize()


def legend_loc(legend):
    return legend._loc  # 2 is "upper left", 3 is "lower left"


# --- plot_task_example ------------------------------------------------------------------


def sequence(values):
    x = np.zeros((len(values), 2))
    x[:, 0] = values
    x[0, 1] = 1.0
    return x


def test_task_example_draws_every_bar_label_limit_and_the_answer():
    values = [-1.0, 1.0, 1.0, -1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0]  # step 1 holds -1
    with plt.rc_context({"font.size": 14}):  # the sizes are the function's own, whatever the style
        ax = plot_task_example(sequence(values), 0.0)
    assert tuple(ax.figure.get_size_inches()) == (9.4, 2.9)
    distraction, first = ax.containers
    assert distraction.get_label() == "distraction: a random ±1, no marker"
    assert first.get_label() == "step 1: the bit to remember, with the marker"
    assert [bar.get_height() for bar in distraction] == values[1:]
    assert [bar.get_x() + bar.get_width() / 2 for bar in distraction] == list(range(2, 11))
    for bar in distraction:
        assert bar.get_width() == pytest.approx(0.7)
        assert same_colour(bar.get_facecolor(), PALETTE["sky"]) and not bar.get_hatch()
    (bar,) = first
    assert bar.get_height() == -1.0 and bar.get_x() + bar.get_width() / 2 == 1.0
    assert bar.get_width() == pytest.approx(0.7) and bar.get_hatch() == "//"
    assert same_colour(bar.get_facecolor(), PALETTE["orange"]) and same_colour(bar.get_edgecolor(), "black")

    (note,) = ax.texts
    assert note.get_text() == "answer due after step 10:\nthe bit of step 1, -1"
    assert note.xy == (10.6, 0) and note.xyann == (9.6, 2.2)
    assert (note.get_ha(), note.get_va(), note.get_fontsize()) == ("right", "center", 10)
    assert type(note.arrow_patch.get_arrowstyle()).__name__ == "CurveFilledB"  # "-|>"
    assert same_colour(note.arrow_patch.get_edgecolor(), "0.3")

    (zero,) = ax.lines
    assert list(zero.get_ydata()) == [0, 0] and same_colour(zero.get_color(), "0.3") and zero.get_linewidth() == 0.8
    assert ax.get_xlim() == (0.2, 10.8) and ax.get_ylim() == (-1.3, 2.7)
    assert list(ax.get_yticks()) == [-1, 0, 1] and list(ax.get_xticks()) == list(range(1, 11))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step $t$", "value input")
    legend = ax.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == [distraction.get_label(), first.get_label()]
    assert legend_loc(legend) == 2 and not legend.get_frame_on()
    assert [text.get_fontsize() for text in legend.get_texts()] == [9, 9]
    assert ax.spines["top"].get_visible() is False and ax.spines["right"].get_visible() is False
    plt.close(ax.figure)


@pytest.mark.parametrize("target, answer", [(1.0, "+1"), (0.0, "-1"), (0.5, "-1")])
def test_task_example_states_the_answer_of_step_1(target, answer):
    ax = plot_task_example(sequence([1.0, -1.0, 1.0]), target)
    assert ax.texts[0].get_text() == f"answer due after step 3:\nthe bit of step 1, {answer}"
    plt.close(ax.figure)


@pytest.mark.parametrize("steps, ticks", [(25, list(range(1, 26))), (26, [1, 6, 11, 16, 21, 26])])
def test_task_example_labels_every_step_up_to_25_then_every_fifth(steps, ticks):
    fig, ax = plt.subplots()
    assert plot_task_example(sequence(np.ones(steps)), 1.0, ax=ax) is ax
    assert list(ax.get_xticks()) == ticks
    plt.close(fig)


def test_task_example_refuses_a_batch_or_a_non_array():
    with pytest.raises(TypeError, match=exactly("x must be a numpy array of real numbers, got str")):
        plot_task_example("1, -1", 1.0)
    with pytest.raises(ValueError, match=exactly("x must be 2-D (T, 2), one sequence; got shape (4, 3, 2) (3-D)")):
        plot_task_example(np.zeros((4, 3, 2)), 1.0)


# --- plot_training_losses ---------------------------------------------------------------


def test_training_losses_draw_every_run_in_its_own_style_and_the_guessing_line():
    losses = {"a": [0.7, 0.5, 0.002], "b": [0.6, 0.3], "c": [0.65], "d": [0.69, 0.5], "e": [0.4, 0.3, 0.2]}
    with plt.rc_context({"font.size": 14, "lines.linewidth": 2.0, "lines.linestyle": "--"}):
        ax = plot_training_losses(losses, title="five runs")
    assert tuple(ax.figure.get_size_inches()) == (9.4, 3.4)
    *curves, guess = ax.lines
    assert [line.get_label() for line in curves] == list(losses)
    assert [line.get_linestyle() for line in curves] == ["-", "--", "-.", ":", "-"]
    assert [line.get_linewidth() for line in curves] == [3.0, 1.4, 1.4, 1.4, 1.4]
    for k, (line, values) in enumerate(zip(curves, losses.values())):
        assert same_colour(line.get_color(), SERIES_COLOURS[k])
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(values) + 1))
        np.testing.assert_array_equal(line.get_ydata(), values)
    assert list(guess.get_ydata()) == [np.log(2)] * 2 and same_colour(guess.get_color(), "0.4")
    assert (guess.get_linewidth(), guess.get_linestyle()) == (0.9, ":")
    (note,) = ax.texts
    assert note.get_text() == "guessing:\nlog 2" and note.get_position() == (1.005, np.log(2))
    assert note.get_transform() is ax.get_yaxis_transform()
    assert (note.get_ha(), note.get_va(), note.get_fontsize()) == ("left", "center", 8)
    assert same_colour(note.get_color(), "0.3")
    assert ax.get_yscale() == "log"
    ticks = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]  # down to half the lowest loss, 0.001
    assert list(ax.get_yticks()) == ticks
    assert [label.get_text() for label in ax.get_yticklabels()] == [f"{t:g}" for t in ticks]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("update", "training loss", "five runs")
    plt.close(ax.figure)


def test_training_losses_ticks_start_at_half_the_lowest_loss():
    fig, ax = plt.subplots()
    assert plot_training_losses({"run": [1, 0.0025]}, ax=ax) is ax
    assert list(ax.get_yticks()) == [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
    assert ax.get_title() == ""
    plt.close(fig)
    ax = plot_training_losses({"whole numbers": [2, 1]})
    assert ax.lines[0].get_ydata().dtype == np.float64  # drawn as floats, like every other run
    assert list(ax.get_yticks()) == [0.5, 1.0]
    plt.close(ax.figure)


# --- plot_gate_heatmaps -----------------------------------------------------------------


def hand_made_traces(steps=7, batch=14, hidden=10, seed=0):
    rng = np.random.default_rng(seed)
    return {"f": rng.uniform(0.05, 0.95, (steps, batch, hidden)), "c": rng.normal(0, 1, (steps, batch, hidden))}


Y14 = np.array([1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0], dtype=float)


def test_gate_heatmaps_layout_panels_frame_and_colour_bars():
    traces = hand_made_traces()
    with plt.rc_context({"font.size": 7, "image.aspect": "equal", "image.interpolation": "bilinear",
                         "image.cmap": "viridis", "lines.linewidth": 3.0, "lines.linestyle": ":",
                         "figure.subplot.right": 0.8, "xtick.labelbottom": False}):
        fig = plot_gate_heatmaps(traces, Y14, unit=5)
    assert tuple(fig.get_size_inches()) == (6.4, 8.6)
    pars = fig.subplotpars
    assert (pars.left, pars.right, pars.top, pars.bottom) == (0.11, 0.9, 0.96, 0.07)
    forget, gap, cell, forget_bar, gap_bar = fig.axes
    grid = forget.get_subplotspec().get_gridspec()
    assert (grid.nrows, grid.ncols) == (3, 2)
    assert grid.get_width_ratios() == [30, 1] and grid.get_height_ratios() == [1, 1, 1.15]
    assert (grid.wspace, grid.hspace) == (0.05, 0.5)
    cells = [(ax.get_subplotspec().get_gridspec(), ax.get_subplotspec().rowspan, ax.get_subplotspec().colspan)
             for ax in fig.axes]
    assert cells == [(grid, range(row, row + 1), range(col, col + 1)) for row, col in ((0, 0), (1, 0), (2, 0), (0, 1), (1, 1))]
    assert forget.get_shared_x_axes().joined(forget, gap) and forget.get_shared_x_axes().joined(forget, cell)

    plus = Y14 > 0.5
    expected_gap = traces["c"][:, plus].mean(axis=1) - traces["c"][:, ~plus].mean(axis=1)
    largest = np.abs(expected_gap).max()
    panels = ((forget, forget_bar, traces["f"].mean(axis=1), (0.0, 1.0), "forget gate $f_t$ (mean)", "$f_t$"),
              (gap, gap_bar, expected_gap, (-largest, largest), "cell-state gap, bit +1 minus bit -1", "gap"))
    for ax, bar_ax, values, limits, title, bar_label in panels:
        (image,) = ax.images
        np.testing.assert_allclose(image.get_array(), values.T)
        assert image.get_clim() == limits and list(image.get_extent()) == [0.5, 7.5, 9.5, -0.5]
        assert ax.get_aspect() == "auto" and image.get_interpolation() == "nearest"
        (frame,) = ax.patches
        assert frame.get_xy() == (0.5, 4.25) and (frame.get_width(), frame.get_height()) == (7, 1.5)
        assert not frame.get_fill() and frame.get_clip_on() is False
        assert same_colour(frame.get_edgecolor(), PALETTE["vermillion"]) and frame.get_linewidth() == 1.8
        assert (ax.get_ylabel(), ax.yaxis.label.get_fontsize()) == ("unit", 12)
        assert left_title(ax) == (title, 13) and ax.get_title() == ""
        assert list(ax.get_yticks()) == [0, 5, 8, 9]  # every 4th unit, the framed one, the last; not 4, next to 5
        assert list(ax.get_xticks()) == [1, 5]
        for tick in ax.xaxis.get_major_ticks() + ax.yaxis.get_major_ticks():
            assert tick.label1.get_visible() is True and tick.label1.get_fontsize() == 11
        colour_bar = bar_ax._colorbar
        assert colour_bar.mappable is image and bar_ax.get_ylim() == limits
        assert (bar_ax.get_ylabel(), bar_ax.yaxis.label.get_fontsize()) == (bar_label, 12)
        assert {tick.label2.get_fontsize() for tick in bar_ax.yaxis.get_major_ticks()} == {10}
    assert forget.images[0].get_cmap().name == "cividis"
    diverging = gap.images[0].get_cmap()
    assert diverging.name == "gap"
    assert diverging(0.0) == to_rgba(PALETTE["orange"]) and diverging(1.0) == to_rgba(PALETTE["blue"])
    np.testing.assert_allclose(diverging(0.5), to_rgba("white"), atol=0.005)  # 0 sits between two of 256 colours

    *paths, plus_key, minus_key, zero = cell.lines
    assert len(paths) == 12  # the first `lines` sequences
    for k, line in enumerate(paths):
        colour, style = (PALETTE["blue"], "-") if plus[k] else (PALETTE["orange"], "--")
        assert same_colour(line.get_color(), colour) and line.get_linestyle() == style and line.get_linewidth() == 1.5
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 8))
        np.testing.assert_array_equal(line.get_ydata(), traces["c"][:, k, 5])
    for key, colour, style, label in ((plus_key, PALETTE["blue"], "-", "bit +1"), (minus_key, PALETTE["orange"], "--", "bit -1")):
        assert same_colour(key.get_color(), colour) and key.get_linestyle() == style and key.get_label() == label
        assert len(key.get_xdata()) == 0 and len(key.get_ydata()) == 0
    assert list(zero.get_ydata()) == [0, 0] and same_colour(zero.get_color(), "0.5") and zero.get_linewidth() == 0.7
    assert left_title(cell) == ("cell state $c_t$ of unit 5", 13) and cell.get_title() == ""
    assert (cell.get_ylabel(), cell.yaxis.label.get_fontsize()) == ("$c_t$", 12)
    assert (cell.get_xlabel(), cell.xaxis.label.get_fontsize()) == ("step $t$", 12)
    for tick in cell.xaxis.get_major_ticks() + cell.yaxis.get_major_ticks():
        assert tick.label1.get_fontsize() == 11
    legend = cell.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == ["bit +1", "bit -1"]
    assert [text.get_fontsize() for text in legend.get_texts()] == [11, 11]
    assert legend_loc(legend) == 2 and legend.get_frame_on() is False
    assert cell.spines["top"].get_visible() is False and cell.spines["right"].get_visible() is False
    plt.close(fig)


def test_gate_heatmaps_draw_at_most_the_batch_and_a_unit_scale_for_no_gap():
    traces = hand_made_traces(steps=3, batch=13, hidden=10)
    traces["c"][:] = 0.0  # no gap at all: the scale is -1 to 1, not -0 to 0
    y = np.array([0.5, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0])  # 0.5 counts as bit -1
    fig = plot_gate_heatmaps(traces, y, unit=6, lines=13)
    forget, gap, cell = fig.axes[:3]
    assert gap.images[0].get_clim() == (-1.0, 1.0)
    assert list(gap.get_yticks()) == [0, 4, 6, 8, 9]  # 4 and 8 are two units away from 6: kept
    assert len(cell.lines) == 13 + 3 and cell.lines[0].get_linestyle() == "--"
    plt.close(fig)
    fig = plot_gate_heatmaps(hand_made_traces(steps=2, batch=14, hidden=4), Y14, unit=0)
    assert len(fig.axes[2].lines) == 12 + 3  # 12 sequences by default
    plt.close(fig)


@pytest.mark.parametrize("steps, ticks", [(3, [1, 2, 3]), (5, [1, 5]), (9, [1, 5]), (10, [1, 5, 10])])
def test_gate_heatmaps_label_step_1_and_every_fifth(steps, ticks):
    fig = plot_gate_heatmaps(hand_made_traces(steps=steps, batch=2, hidden=2), np.array([1.0, 0.0]), unit=1, lines=1)
    assert [list(ax.get_xticks()) for ax in fig.axes[:3]] == [ticks] * 3
    plt.close(fig)


def test_gate_heatmaps_refuse_targets_without_both_answers():
    traces = hand_made_traces(steps=2, batch=3, hidden=2)
    message = "y must hold one target per sequence, shape (3,), with both answers; got shape (3,) with 3 sequences of bit +1"
    with pytest.raises(ValueError, match=exactly(message)):
        plot_gate_heatmaps(traces, np.ones(3), unit=0)


# --- lstm_gate_traces, memory_unit, describe_memory_unit --------------------------------


def test_gate_traces_return_the_hidden_states_torch_computes():
    model = make_model("lstm", hidden=3, seed=1)
    x = np.random.default_rng(0).choice([-1.0, 1.0], size=(4, 5, 2))
    traces = lstm_gate_traces(model, x)
    with torch.no_grad():
        h_torch, _ = model.recurrent(torch.from_numpy(x.astype(np.float32)))
    assert traces["h"].shape == (4, 5, 3)
    np.testing.assert_allclose(traces["h"], h_torch.numpy(), atol=1e-6)
    with pytest.raises(TypeError, match=exactly("x must be a numpy array of real numbers, got str")):
        lstm_gate_traces(model, "x")
    with pytest.raises(ValueError, match=exactly("x must be 3-D (T, batch, 2); got shape (4, 2) (2-D)")):
        lstm_gate_traces(model, np.zeros((4, 2)))


def test_memory_unit_returns_the_correlation_of_units_with_offsets_and_small_spread():
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    rng = np.random.default_rng(3)
    c_last = np.empty((6, 4))
    c_last[:, 0] = 10.0 + 0.01 * rng.normal(size=6)  # far from 0, tiny spread: denominators below 1
    c_last[:, 1] = 20.0 + 0.01 * (2 * y - 1) + 0.004 * rng.normal(size=6)
    c_last[:, 2] = -30.0 - 0.01 * (2 * y - 1) + 0.001 * rng.normal(size=6)  # the clearest, negatively
    c_last[:, 3] = 7.0  # constant: correlation 0, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        unit, correlation = memory_unit({"c": np.stack([np.zeros_like(c_last), c_last])}, y)
    assert unit == 2
    assert correlation == pytest.approx(np.corrcoef(c_last[:, 2], y)[0, 1], rel=1e-12)
    assert correlation < -0.99


def test_memory_unit_refuses_bad_traces_and_targets():
    message = "traces must be the dict lstm_gate_traces(model, x) returns (with the cell states 'c')"
    with pytest.raises(TypeError, match=exactly(message)):
        memory_unit({"h": np.zeros((2, 3, 4))}, np.ones(3))
    with pytest.raises(TypeError, match=exactly(message)):
        memory_unit(np.zeros((2, 3, 4)), np.ones(3))
    traces = {"c": np.zeros((2, 3, 4))}
    with pytest.raises(TypeError, match=exactly("y must be a numpy array of real numbers, got str")):
        memory_unit(traces, "101")
    with pytest.raises(ValueError, match=exactly("y must have one target per sequence, shape (3,); got (3, 1)")):
        memory_unit(traces, np.ones((3, 1)))


def hand_made_unit_traces():
    """Four steps, four sequences (bits +1, -1, +1, -1), three units; unit 1 is described.

    Unit 1 holds (step number) * bit at every step; unit 0 knows the bit only at the last step;
    unit 2 ends constant. Every gate of unit 1 is 0.9 at step 1 and 0.1, 0.2, 0.3 after it.
    """
    bit = np.array([1.0, -1.0, 1.0, -1.0])
    steps = np.arange(1, 5)[:, None]
    gate = np.broadcast_to(np.array([0.9, 0.1, 0.2, 0.3])[:, None, None], (4, 4, 3)).copy()
    c = np.empty((4, 4, 3))
    c[:, :, 0] = [0.3, 0.3, -0.2, -0.2]  # uncorrelated with the bit ...
    c[-1, :, 0] = 2.0 * bit + [0.1, 0.0, -0.1, 0.05]  # ... until the last step
    c[:, :, 1] = steps * bit
    c[:, :, 2] = [0.3, 0.3, -0.2, -0.2]
    c[-1, :, 2] = 0.7
    rng = np.random.default_rng(4)
    return {"i": gate, "f": gate.copy(), "o": gate.copy(), "g": rng.normal(size=(4, 4, 3)), "c": c}


def test_describe_memory_unit_gate_means_cells_by_bit_and_knowing_units():
    traces = hand_made_unit_traces()
    x = np.zeros((4, 4, 2))
    x[:, :, 0] = np.random.default_rng(5).choice([-1.0, 1.0], size=(4, 4))
    y = np.array([1.0, 0.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the constant unit 2 is left out, not correlated with a warning
        summary = describe_memory_unit(traces, x, y, 1)
    for name in "ifo":
        assert summary["gate_means"][name] == (pytest.approx(0.9), pytest.approx(0.2))
    assert summary["cell_by_bit"] == {1: (1.0, -1.0), 4: (4.0, -4.0)}
    assert summary["units_that_know"] == 2  # units 0 and 1, at the last step
    candidate = traces["g"][1:, :, 1]
    assert summary["candidate_vs_input"] == pytest.approx(np.corrcoef(candidate.ravel(), x[1:, :, 0].ravel())[0, 1])
    bits = np.broadcast_to(2 * y - 1, candidate.shape)
    assert summary["candidate_vs_bit"] == pytest.approx(np.corrcoef(candidate.ravel(), bits.ravel())[0, 1])
    # A target of 0.5 is not above 0.5: it counts with bit -1 (as everywhere in the module).
    halfway = describe_memory_unit(traces, x, np.array([1.0, 0.0, 1.0, 0.5]), 1)
    assert halfway["cell_by_bit"][1] == (1.0, -1.0)


def test_describe_memory_unit_counts_a_unit_only_above_0_9():
    # This cell state has a correlation with the bit of exactly 0.9 (as a float): it does not count.
    c_last = np.array([0.4593161535432604, -1.8921283466536203, 0.8310362979822689,
                       -0.7161409806102117, 1.770474481200854, -0.9256559711121983])
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    if np.corrcoef(c_last, 2 * y - 1)[0, 1] != 0.9:
        pytest.skip("this numpy rounds the constructed correlation differently")
    c = np.stack([np.zeros((6, 1)), c_last[:, None]])
    traces = {name: np.full((2, 6, 1), 0.5) for name in ("i", "f", "o", "g")} | {"c": c}
    traces["g"][1, :, 0] = np.arange(6.0)
    x = np.zeros((2, 6, 2))
    x[:, :, 0] = [1.0, -1.0, -1.0, 1.0, 1.0, -1.0]
    summary = describe_memory_unit(traces, x, y, 0)
    assert summary["units_that_know"] == 0
    assert summary["cell_by_bit"] == {1: (0.0, 0.0), 2: (pytest.approx(np.mean(c_last[::2])), pytest.approx(np.mean(c_last[1::2])))}


def test_describe_memory_unit_refuses_bad_input_with_whole_messages():
    traces = hand_made_unit_traces()
    x, y = np.zeros((4, 4, 2)), np.array([1.0, 0.0, 1.0, 0.0])
    with pytest.raises(TypeError, match=exactly("x must be a numpy array of real numbers, got str")):
        describe_memory_unit(traces, "x", y, 1)
    with pytest.raises(TypeError, match=exactly("y must be a numpy array of real numbers, got str")):
        describe_memory_unit(traces, x, "y", 1)
    one_step = {name: values[:1] for name, values in traces.items()}
    with pytest.raises(ValueError, match=exactly("describe_memory_unit needs sequences of at least 2 steps")):
        describe_memory_unit(one_step, x[:1], y, 1)


# --- results_table ----------------------------------------------------------------------


def hand_made_experiment():
    rows = [{"model": "tanh RNN", "lag": 20, "parameters": 1185, "accuracy": 0.512},
            {"model": "LSTM & bias", "lag": 5, "parameters": 1297, "accuracy": 1.0},
            {"model": "tanh RNN", "lag": 5, "parameters": 1185, "accuracy": 0.9876}]
    return Experiment(rows=rows)  # the LSTM was not run at lag 20


def test_results_table_as_markdown_whole():
    assert results_table(hand_made_experiment()) == (
        "| lag T | tanh RNN (1,185 params) | LSTM & bias (1,297 params) |\n"
        "|---:|---:|---:|\n"
        "| 5 | 98.8 % | 100.0 % |\n"
        "| 20 | 51.2 % | – |")


def test_results_table_as_html_whole():
    assert results_table(hand_made_experiment(), fmt="html", decimals=2) == (
        '<table class="long-lag-results"><caption>Test accuracy on 1,000 fixed test sequences (chance is 50 %)'
        '</caption><thead><tr><th scope="col">lag\u00a0T</th><th scope="col">tanh RNN (1,185\u00a0params)</th>'
        '<th scope="col">LSTM &amp; bias (1,297\u00a0params)</th></tr></thead><tbody>'
        '<tr><th scope="row">5</th><td>98.76 %</td><td>100.00 %</td></tr>'
        '<tr><th scope="row">20</th><td>51.20 %</td><td>–</td></tr></tbody></table>')


def test_results_table_refuses_an_empty_experiment_with_the_whole_message():
    with pytest.raises(ValueError, match=exactly("experiment must be the result of run_experiment with at least one run")):
        results_table(Experiment())


def test_experiment_accuracy_is_the_one_of_the_asked_lag():
    assert hand_made_experiment().accuracy("tanh RNN", 5) == 0.9876  # not the row of lag 20 listed before it


# --- plot_results -----------------------------------------------------------------------


def test_results_plot_chance_line_limits_and_legend():
    experiment = hand_made_experiment()
    experiment.rows.append({"model": "LSTM & bias", "lag": 20, "parameters": 1297, "accuracy": 0.75})
    experiment.models = {(row["model"], row["lag"]): None for row in experiment.rows}  # only the keys are read
    with plt.rc_context({"font.size": 14, "lines.linewidth": 2.5, "lines.linestyle": ":"}):
        ax = plot_results(experiment)
    assert tuple(ax.figure.get_size_inches()) == (9.4, 3.6)
    bars = sorted(ax.patches, key=lambda bar: bar.get_x())
    np.testing.assert_allclose([bar.get_height() for bar in bars], [98.76, 100.0, 51.2, 75.0])
    assert [label.get_text() for label in ax.get_xticklabels()] == ["T = 5", "T = 20"]
    assert ax.get_ylabel() == "test accuracy (%)"
    chance = ax.lines[-1]
    assert list(chance.get_ydata()) == [50, 50] and same_colour(chance.get_color(), "0.2")
    assert (chance.get_linewidth(), chance.get_linestyle()) == (1.0, "--")
    (note,) = ax.texts
    assert note.get_text() == "chance" and note.get_position() == (1.005, 50)
    assert note.get_transform() is ax.get_yaxis_transform()
    assert (note.get_ha(), note.get_va(), note.get_fontsize()) == ("left", "center", 9)
    assert ax.get_ylim() == (0, 118) and list(ax.get_yticks()) == [0, 25, 50, 75, 100]
    legend = ax.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == ["tanh RNN", "LSTM & bias"]
    assert [text.get_fontsize() for text in legend.get_texts()] == [9, 9]
    assert legend._loc == 9 and legend._ncols == 2 and legend.get_frame_on() is False  # 9 is "upper center"
    anchor = legend.get_bbox_to_anchor()
    np.testing.assert_allclose((anchor.x0, anchor.y0, anchor.width), (*ax.transAxes.transform((0.5, 1.02)), 0))
    plt.close(ax.figure)


def test_results_plot_refuses_an_empty_experiment_with_the_whole_message():
    message = "experiment must be the result of run_experiment with at least one run"
    for empty in (Experiment(), {"rows": [1]}):
        with pytest.raises(ValueError, match=exactly(message)):
            plot_results(empty)


# --- run_line and default_workers -------------------------------------------------------


def test_run_line_whole_for_a_solved_and_an_unsolved_run():
    solved = {"model": "LSTM", "lag": 5, "accuracy": 1.0, "updates": 37, "solved": True}
    unsolved = {"model": "tanh RNN", "lag": 50, "accuracy": 0.5124, "updates": 500, "solved": False}
    assert run_line(solved) == "lag  5 | LSTM                 | test accuracy 100.0 % | solved at update 37"
    assert run_line(unsolved) == "lag 50 | tanh RNN             | test accuracy  51.2 % | unsolved after 500"


@pytest.mark.parametrize("usable, workers", [({0}, 1), ({0, 1}, 2), ({0, 1, 2}, 2)])
def test_default_workers_counts_the_cores_this_process_may_use(monkeypatch, usable, workers):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: usable, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 1 if len(usable) > 1 else 8)  # the machine's count is not used
    assert default_workers() == workers


@pytest.mark.parametrize("count, workers", [(1, 1), (2, 2), (4, 2), (None, 1)])
def test_default_workers_falls_back_on_the_cpu_count(monkeypatch, count, workers):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)  # as on macOS and Windows
    monkeypatch.setattr(os, "cpu_count", lambda: count)
    assert default_workers() == workers


# --- test_set, test_accuracy, run_experiment: small and fast ----------------------------


def test_test_set_and_test_accuracy_accept_the_smallest_sizes_and_name_bad_lags():
    x, y = test_set(1, size=1)
    assert x.shape == (1, 1, 2) and y.shape == (1,)
    silent = make_model("lstm", hidden=1)
    with torch.no_grad():
        silent.readout.weight.zero_()
        silent.readout.bias.zero_()  # every logit is exactly 0: the answer "-1"
    _, y = test_set(1)
    assert test_accuracy(silent, 1) == float(np.mean(y == 0.0))
    for lag in (0, 1001):
        with pytest.raises(ValueError, match=exactly(f"lag must be from 1 to 1000, got {lag}")):
            test_accuracy(silent, lag)


def test_run_experiment_trains_each_spec_as_make_model_and_train_model_would():
    config = TrainConfig(steps=2, batch=4, patience=1000)
    spec = ModelSpec("lstm", hidden=2, keep_bias=1.0)
    for seed, kwargs in ((0, {}), (3, {"seed": 3})):
        experiment = run_experiment({"small": spec}, [1], config, progress=None, workers=1, **kwargs)
        model = make_model("lstm", 2, 1.0, seed=seed)
        result = train_model(model, 1, config, seed=seed)
        assert experiment.rows == [{"model": "small", "lag": 1, "parameters": 51, "accuracy": test_accuracy(model, 1),
                                    "updates": 2, "solved": False, "clipped": result.clipped}]
        assert experiment.losses == {("small", 1): result.losses}
        for a, b in zip(experiment.models[("small", 1)].parameters(), model.parameters()):
            assert torch.equal(a, b)


def test_run_experiment_refuses_bad_specs_and_lags_with_whole_messages():
    specs = {"small": ModelSpec("rnn", hidden=1)}
    for bad in ([ModelSpec("rnn")], {}):
        with pytest.raises(TypeError, match=exactly(f"specs must be a non-empty dict label -> ModelSpec, got {type(bad).__name__}")):
            run_experiment(bad, [1])
    for lag in (0, 1001):
        with pytest.raises(ValueError, match=exactly(f"lags[...] must be from 1 to 1000, got {lag}")):
            run_experiment(specs, [lag])
    with pytest.raises(ValueError, match=exactly("lags must hold at least one lag")):
        run_experiment(specs, [])


@pytest.mark.parametrize("workers", [1, 2])
def test_run_experiment_uses_as_many_threads_as_workers(monkeypatch, workers):
    import concurrent.futures

    import rnn_helpers.long_lag as long_lag

    sizes = []

    class Recording(concurrent.futures.ThreadPoolExecutor):
        def __init__(self, max_workers=None, *args, **kwargs):
            sizes.append(max_workers)
            super().__init__(max_workers, *args, **kwargs)

    monkeypatch.setattr(long_lag, "ThreadPoolExecutor", Recording)
    run_experiment({"small": ModelSpec("rnn", hidden=1)}, [1], TrainConfig(steps=1, batch=1), progress=None,
                   workers=workers)
    assert sizes == [workers]


# --- input checks: whole messages at and just past each bound ---------------------------


def test_make_model_keep_bias_is_closed_at_both_bounds_and_seed_at_least_0():
    for bound in (-20.0, 20.0):
        model = make_model("gru", hidden=1, keep_bias=bound)
        assert model.recurrent.bias_ih_l0[1].item() == bound
    for bad in (-20.5, 20.5):
        with pytest.raises(ValueError, match=exactly(f"keep_bias must be a finite number in [-20.0, 20.0], got {bad}")):
            make_model("lstm", hidden=1, keep_bias=bad)
    message = ("keep_bias applies to the gate that keeps the old state, which only 'lstm' and 'gru' have; "
               "got kind='rnn' with keep_bias=1.0")
    with pytest.raises(ValueError, match=exactly(message)):
        make_model("rnn", keep_bias=1.0)
    with pytest.raises(ValueError, match=exactly("seed must be at least 0, got -1")):
        make_model("rnn", hidden=1, seed=-1)


def test_make_model_seeds_with_0_by_default():
    default, zero, one = make_model("gru", hidden=2), make_model("gru", hidden=2, seed=0), make_model("gru", hidden=2, seed=1)
    for a, b in zip(default.parameters(), zero.parameters()):
        assert torch.equal(a, b)
    assert not torch.equal(default.recurrent.weight_hh_l0, one.recurrent.weight_hh_l0)


def test_one_sequence_without_a_batch_axis_gives_one_logit():
    model = make_model("rnn", hidden=3, seed=2)
    x = torch.from_numpy(np.random.default_rng(0).choice([-1.0, 1.0], size=(5, 1, 2)).astype(np.float32))
    with torch.no_grad():
        single, batched = model(x[:, 0]), model(x)
    assert single.shape == () and batched.shape == (1,)
    assert single.item() == pytest.approx(batched.item(), rel=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"batch": 0}, "batch must be from 1 to 100000, got 0"),
    ({"batch": 100_001}, "batch must be from 1 to 100000, got 100001"),
    ({"clip": 0.0}, "clip must be a finite number in (0.0, 1000000.0], got 0.0"),
    ({"clip": 1_000_000.5}, "clip must be a finite number in (0.0, 1000000.0], got 1000000.5"),
    ({"patience": 0}, "patience must be at least 1, got 0"),
])
def test_train_config_refuses_values_past_each_bound_with_whole_messages(kwargs, message):
    with pytest.raises(ValueError, match=exactly(message)):
        TrainConfig(**kwargs)


def test_train_config_accepts_each_bound():
    config = TrainConfig(batch=100_000, clip=1e6, patience=1)
    assert (config.batch, config.clip, config.patience) == (100_000, 1e6, 1)
    assert TrainConfig(batch=1, clip=1e-12).clip == 1e-12


def test_adam_betas_are_closed_and_eps_half_open_with_whole_messages():
    p = torch.zeros(1, requires_grad=True)
    optimizer = Adam([p], lr=0.1, betas=(0.0, 1.0), eps=1.0)
    assert (optimizer.beta1, optimizer.beta2, optimizer.eps) == (0.0, 1.0, 1.0)
    for betas, bad in (((-0.5, 0.999), -0.5), ((0.9, 1.5), 1.5)):
        with pytest.raises(ValueError, match=exactly(f"betas[...] must be a finite number in [0.0, 1.0], got {bad}")):
            Adam([p], lr=0.1, betas=betas)
    for eps in (0.0, 1.5):
        with pytest.raises(ValueError, match=exactly(f"eps must be a finite number in (0.0, 1.0], got {eps}")):
            Adam([p], lr=0.1, eps=eps)


def test_adam_skips_a_parameter_without_gradient_and_still_updates_the_others():
    unused, used = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    optimizer = Adam([unused, used], lr=0.1)
    used.grad = torch.tensor([1.0, -1.0])  # `unused` has no gradient (None)
    optimizer.step()
    assert unused.grad is None and torch.equal(unused.detach(), torch.zeros(2))
    assert used.tolist() == pytest.approx([-0.1, 0.1], rel=1e-6)  # Adam's first step is lr * sign(g)


def test_train_model_refuses_bad_models_lags_and_seeds_with_whole_messages():
    model, config = make_model("rnn", hidden=1), TrainConfig(steps=1, batch=1)
    with pytest.raises(TypeError, match=exactly("model must come from make_model(...), got Linear")):
        train_model(torch.nn.Linear(2, 1), 3, config)
    for lag in (0, 1001):
        with pytest.raises(ValueError, match=exactly(f"lag must be from 1 to 1000, got {lag}")):
            train_model(model, lag, config)
    with pytest.raises(ValueError, match=exactly("seed must be at least 0, got -1")):
        train_model(model, 3, config, seed=-1)


# --- train_model's bookkeeping: tiny runs whose every batch is known --------------------


def train_quietly(model, lag, config, **kwargs):
    result = train_model(model, lag, config, **kwargs)
    assert len(result.losses) == result.updates
    return result


def test_train_model_draws_its_batches_from_seed_0_by_default():
    config = TrainConfig(steps=2, batch=2, patience=1000)
    default = train_quietly(make_model("rnn", hidden=1), 2, config)
    assert default.losses == train_quietly(make_model("rnn", hidden=1), 2, config, seed=0).losses
    assert default.losses != train_quietly(make_model("rnn", hidden=1), 2, config, seed=1).losses


def constant_answer(logit):
    """A model whose logit is `logit` for every sequence (read-out weight 0, recurrent layer all 0)."""
    model = make_model("rnn", hidden=1)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.readout.bias.fill_(logit)
    return model


def test_training_stops_after_patience_perfect_batches_in_a_row():
    """A model that always answers +1 (and barely moves at lr 1e-6), one sequence per batch:
    a batch is perfect exactly when its bit is 1. With seed 3 the bits are 1, 0, 0, 0, 0, 1, 1:
    the first batch alone is not enough, and the run stops at update 7, the second 1 in a row."""
    config = TrainConfig(steps=20, batch=1, lr=1e-6, clip=1e-6, patience=2)
    rng = np.random.default_rng(3)
    assert [long_lag_batch(1, 1, rng)[1][0] for _ in range(7)] == [1, 0, 0, 0, 0, 1, 1]
    result = train_quietly(constant_answer(0.5), 1, config, seed=3)
    assert (result.updates, result.stopped_early) == (7, True)
    assert result.clipped == 7  # every gradient norm is above 1e-6, also in a run that stops early


def test_a_logit_of_exactly_0_answers_minus_1_and_a_norm_equal_to_clip_is_not_clipped():
    """All weights 0: the logit is exactly 0 and the only gradient is the read-out bias's,
    sigmoid(0) - y = 0.5 for the bit 0 that seed 1 draws first: its norm is exactly 0.5."""
    assert long_lag_batch(1, 1, np.random.default_rng(1))[1][0] == 0.0
    result = train_quietly(constant_answer(0.0), 1, TrainConfig(steps=1, batch=1, clip=0.5, patience=1), seed=1)
    assert (result.updates, result.stopped_early, result.clipped) == (1, True, 0)
    assert result.losses == [pytest.approx(np.log(2))]
