"""Chapter 6's pictures and text layouts, checked as the reader sees them: the truncated-BPTT
drawing, the loss curves, the temperature bars, the guess lines under a passage, the sample
frames, the coloured text, the text features, the wrapped samples and the unit/feature
correlations. (test_char_lm.py has a first, coarser check of several of them.)"""

from __future__ import annotations

from collections import Counter

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.patches import ArrowStyle, FancyArrowPatch, Rectangle  # noqa: E402

from rnn_helpers.lm_display import (coloured_text, draw_truncated_bptt, guess_lines, plot_loss_curves,  # noqa: E402
                                    plot_temperature_bars, sample_frames, text_features,
                                    unit_feature_correlations, wrap_text)
from rnn_helpers.plots import PALETTE, SERIES_COLOURS  # noqa: E402
from rnn_helpers.vocab import Vocabulary  # noqa: E402
from reference import exactly  # noqa: E402

BLUE, VERMILLION = to_rgba(PALETTE["blue"]), to_rgba(PALETTE["vermillion"])

# A reader's own matplotlib style must not change the chapter's pictures: every width, edge, face
# and legend setting below is chosen by the helpers, not left to these defaults.
ODD_STYLE = {"patch.linewidth": 2.5, "lines.linewidth": 4.0, "patch.edgecolor": "red", "patch.force_edgecolor": True,
             "patch.facecolor": "green", "font.size": 7.0, "legend.fontsize": 5.0, "legend.frameon": True,
             "legend.loc": "lower left"}


def r(*values):
    """Numbers rounded to 6 places (a tuple), so that 0.1 + 0.2 and 0.3 compare equal."""
    return tuple(round(float(v), 6) for v in values)


# ---------------------------------------------------------------- draw_truncated_bptt

def _rectangles(ax):
    return Counter((r(p.get_x(), p.get_y(), p.get_width(), p.get_height()), p.get_facecolor(), p.get_edgecolor(),
                    p.get_linewidth(), p.get_linestyle())
                   for p in ax.patches if isinstance(p, Rectangle))


def _arrows(ax):
    """(from, to, arrow head, head sizes, mutation scale, edge and face colour, width, style) of every arrow."""
    found = []
    for p in ax.patches:
        if isinstance(p, FancyArrowPatch):
            (x0, y0), (x1, y1) = p._posA_posB
            style = p.get_arrowstyle()
            found.append((r(x0, y0), r(x1, y1), type(style).__name__,
                          r(style.head_length, style.head_width), p.get_mutation_scale(),
                          p.get_edgecolor(), p.get_facecolor(), p.get_linewidth(), p.get_linestyle()))
    return Counter(found)


def _texts(ax):
    found = []
    for t in ax.texts:
        box = t.get_bbox_patch()
        if box is not None:
            box = (box.get_facecolor(), box.get_edgecolor(), r(box.get_boxstyle().pad))
        found.append((r(*t.get_position()), t.get_text(), t.get_horizontalalignment(),
                      t.get_verticalalignment(), t.get_fontsize(), to_rgba(t.get_color()), box))
    return Counter(found)


def _expected_bptt(chunks, length, input_width=1.0):
    """The picture the docstring and chapter 6 describe, step t (from 0) centred at x = t.
    (The input arrows keep the style's patch width, ``input_width``.)"""
    steps = chunks * length
    grey4, white, black = to_rgba("0.4"), to_rgba("white"), to_rgba("black")
    none = (0.0, 0.0, 0.0, 0.0)
    rects = Counter()
    arrows = Counter()
    texts = Counter()
    lines = Counter()
    head = ("CurveFilledB", r(0.4, 0.2))  # "-|>" with its default head
    for t in range(steps):
        # state box: 0.6 wide and high around (t, 1.0), white with a thin black edge
        rects[(r(t - 0.3, 0.7, 0.6, 0.6), white, black, 1.0, "solid")] += 1
        texts[(r(t, 1.0), f"$h_{{{t + 1}}}$", "center", "center", 14.0, black, None)] += 1
        texts[(r(t, 0.15), f"$x_{{{t + 1}}}$", "center", "center", 14.0, black, None)] += 1
        # the input x_t feeds the state from below, in grey
        arrows[(r(t, 0.3), r(t, 0.68), *head, 12, grey4, grey4, input_width, "solid")] += 1
    for t in range(steps - 1):
        # forward: every pair of neighbours, across chunk borders too, just above the middle
        arrows[(r(t + 0.32, 1.08), r(t + 0.68, 1.08), *head, 13, BLUE, BLUE, 1.5, "solid")] += 1
    for k in range(chunks):
        for t in range(k * length, (k + 1) * length - 1):
            # backward: from t + 1 to t only inside chunk k, just below the middle
            arrows[(r(t + 0.68, 0.9), r(t + 0.32, 0.9), *head, 13, VERMILLION, VERMILLION, 1.5, "--")] += 1
        first, last = k * length, (k + 1) * length - 1
        # a dotted frame from 0.15 left of the chunk's first box to 0.15 right of its last one
        rects[(r(first - 0.45, 0.55, last - first + 0.9, 1.15), none, to_rgba("0.6"), 1.0, ":")] += 1
        texts[(r((first + last) / 2, 1.85), f"chunk {k + 1}: loss, backward, update", "center", "baseline", 13.0,
               black, None)] += 1
    for k in range(1, chunks):
        border = k * length - 0.5  # half-way between the last step of chunk k and the first of chunk k + 1
        lines[(r(border, border), r(0.6, 1.45), to_rgba("0.3"), 3.0, "-")] += 1
        texts[(r(border, 1.5), "detach", "center", "bottom", 12.0, to_rgba("0.3"),
               (to_rgba("white"), none, (0.08,)))] += 1  # pad 1 point = 1/12 of the font size (kept to 2 places)
    return rects, arrows, texts, lines


def _lines(ax):
    return Counter((r(*line.get_xdata()), r(*line.get_ydata()), to_rgba(line.get_color()), line.get_linewidth(),
                    line.get_linestyle()) for line in ax.lines)


@pytest.mark.parametrize("chunks, length, style", [(2, 3, {}), (3, 4, ODD_STYLE)])
def test_truncated_bptt_draws_boxes_arrows_frames_and_detach_bars(chunks, length, style):
    with plt.rc_context(style):
        ax = draw_truncated_bptt(chunks=chunks, length=length)
    rects, arrows, texts, lines = _expected_bptt(chunks, length, style.get("patch.linewidth", 1.0))
    assert _rectangles(ax) == rects
    assert _arrows(ax) == arrows
    assert _texts(ax) == texts
    assert _lines(ax) == lines
    assert len(ax.patches) == sum(rects.values()) + sum(arrows.values())
    steps = chunks * length
    # 0.4 of room left of the first box and right of the last one; the chunk titles at 1.85 fit under 2.1
    assert ax.get_xlim() == pytest.approx((-0.7, steps - 0.3))
    assert ax.get_ylim() == pytest.approx((0, 2.1))
    assert not ax.axison
    # one inch per step and one to spare, 2.9 inches high
    assert tuple(ax.figure.get_size_inches()) == pytest.approx((steps + 1, 2.9))
    plt.close(ax.figure)


def test_truncated_bptt_defaults_to_three_chunks_of_four_steps():
    ax = draw_truncated_bptt()
    rects, arrows, texts, lines = _expected_bptt(3, 4)
    assert _rectangles(ax) == rects
    assert _texts(ax) == texts
    assert tuple(ax.figure.get_size_inches()) == pytest.approx((13, 2.9))
    plt.close(ax.figure)


def test_truncated_bptt_legend_names_both_arrows_under_the_picture():
    with plt.rc_context(ODD_STYLE):
        ax = draw_truncated_bptt(chunks=2, length=2)
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["state value, forward",
                                                         "gradient, backward (within a chunk only)"]
    assert [t.get_fontsize() for t in legend.get_texts()] == [13.0, 13.0]
    keys = legend.legend_handles
    assert [to_rgba(h.get_color()) for h in keys] == [BLUE, VERMILLION]
    assert [h.get_linewidth() for h in keys] == [1.5, 1.5]
    assert [h.get_linestyle() for h in keys] == ["-", "--"]
    assert legend._loc == 9  # "upper center" of the legend at the anchor
    anchor = legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted())
    assert (anchor.x0, anchor.y0) == pytest.approx((0.5, 0.02))  # centred, just above the axes' bottom
    assert legend._ncols == 2
    assert not legend.get_frame_on()
    plt.close(ax.figure)


def test_truncated_bptt_draws_on_the_axes_it_is_given():
    fig, ax = plt.subplots(figsize=(3, 2))
    assert draw_truncated_bptt(chunks=1, length=2, ax=ax) is ax
    assert plt.gcf() is fig and len(fig.axes) == 1
    rects, arrows, texts, lines = _expected_bptt(1, 2)
    assert _arrows(ax) == arrows and _lines(ax) == lines == Counter()  # one chunk: no detach bar
    assert tuple(fig.get_size_inches()) == (3, 2)
    plt.close(fig)


# ---------------------------------------------------------------- unit_feature_correlations

def _pearson(a, b):
    """Pearson's r written out from its definition (covariance over the product of deviations)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    da, db = a - a.sum() / len(a), b - b.sum() / len(b)
    return float(np.dot(da, db) / np.sqrt(np.dot(da, da) * np.dot(db, db)))


def test_unit_feature_correlations_match_pearsons_r():
    rng = np.random.default_rng(6)
    states = rng.normal(size=(9, 4)) + np.array([0.0, 2.0, -3.0, 5.0])  # units with different means
    features = {"ramp": np.arange(9.0), "flags": (rng.random(9) > 0.5).astype(float), "listed": [1, 0, 2, 0, 1, 3, 0, 0, 1]}
    found = unit_feature_correlations(states, features)
    assert list(found) == ["ramp", "flags", "listed"]
    for name, values in features.items():
        assert found[name].shape == (4,)
        assert found[name] == pytest.approx([_pearson(states[:, j], values) for j in range(4)], rel=1e-12, abs=1e-12)
        # the same as numpy's own corrcoef
        assert found[name] == pytest.approx(np.corrcoef(states.T, values)[-1, :-1], rel=1e-10, abs=1e-12)


def test_unit_feature_correlations_do_not_depend_on_the_scale_of_tiny_states():
    rng = np.random.default_rng(7)
    states = rng.normal(size=(8, 3))
    feature = rng.normal(size=8)
    expected = [_pearson(states[:, j], feature) for j in range(3)]
    # states and feature 1e-4 small: the product of their norms is far below 1, but not below the 1e-12 floor
    found = unit_feature_correlations(1e-4 * states, {"f": 1e-4 * feature})["f"]
    assert found == pytest.approx(expected, rel=1e-9)


def test_a_constant_unit_or_feature_correlates_zero_not_nan():
    states = np.array([[1.0, 2.0], [1.0, 4.0], [1.0, 9.0]])
    found = unit_feature_correlations(states, {"flat": [5, 5, 5], "up": [0, 1, 2]})
    assert found["flat"].tolist() == [0.0, 0.0]
    assert found["up"][0] == 0.0
    assert found["up"][1] == pytest.approx(_pearson([2, 4, 9], [0, 1, 2]), rel=1e-12)


def test_unit_feature_correlations_read_half_precision_features_in_double():
    # float16 values whose mean 125.25 float16 holds exactly, but 1001 - 125.25 = 875.75 it does not
    # (its step is 0.5 there): the centring must happen in float64.
    states = np.arange(16.0).reshape(8, 2) ** np.array([1.0, 2.0])
    feature = np.array([1001, 0, 0, 0, 0, 0, 0, 1], dtype=np.float16)
    found = unit_feature_correlations(states, {"f": feature})["f"]
    assert found == pytest.approx([_pearson(states[:, j], feature.astype(float)) for j in range(2)], rel=1e-12)


def test_unit_feature_correlations_errors_get_the_whole_message():
    with pytest.raises(ValueError, match=exactly("states must be 2-D (T, H); got shape (4,) (1-D)")):
        unit_feature_correlations(np.zeros(4), {})
    with pytest.raises(ValueError, match=exactly(
            "states must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index (1, 0)")):
        unit_feature_correlations([[0.0], [np.nan]], {})
    with pytest.raises(TypeError, match=exactly("states must be a numpy array of real numbers, got str")):
        unit_feature_correlations("h", {})


# ---------------------------------------------------------------- plot_loss_curves

def test_plot_loss_curves_draws_every_run_and_every_baseline():
    curves = {"run A": (np.array([10, 20, 30, 40]), np.array([4.0, 3.5, 3.0, 2.8])),
              "run B": (np.array([10, 50, 110]), np.array([4.2, 3.1, 2.5]))}
    levels = {"unigram": 4.3, "5-gram": 2.6, "3-gram": 3.4}
    with plt.rc_context(ODD_STYLE):
        ax = plot_loss_curves(curves, levels)
    assert tuple(ax.figure.get_size_inches()) == (8, 3.2)
    runs, baselines = ax.lines[:2], ax.lines[2:]
    for line, (label, (updates, bits)), colour in zip(runs, curves.items(), (PALETTE["blue"], PALETTE["orange"])):
        assert line.get_label() == label
        assert line.get_xdata().tolist() == updates.tolist()
        assert line.get_ydata().tolist() == bits.tolist()
        assert to_rgba(line.get_color()) == to_rgba(colour)
        assert line.get_linewidth() == 1.5
    assert len(baselines) == 3
    # the data run from 10 to 110: matplotlib's 5 % margins put the right edge at 115
    assert ax.get_xlim()[1] == pytest.approx(115)
    for k, (line, (label, bits)) in enumerate(zip(baselines, levels.items())):
        assert line.get_ydata() == [bits, bits]
        assert line.get_xdata() == [0, 1]  # the whole width, in axes coordinates
        assert line.get_transform() == ax.get_yaxis_transform()
        assert to_rgba(line.get_color()) == to_rgba("0.45")
        assert line.get_linewidth() == 1.0
        # 4-point dashes, the gaps 2, 4, 6 points wide, so that the baselines look different
        assert line._unscaled_dash_pattern == (0, (4, 2 + 2 * k))
        assert line._dash_pattern == (0, [4, 2 + 2 * k])
    names = [(r(*t.get_position()), t.get_text(), t.get_horizontalalignment(), t.get_verticalalignment(),
              t.get_fontsize(), to_rgba(t.get_color())) for t in ax.texts]
    # each baseline named just above its line, at the right edge
    assert names == [(r(115, bits + 0.08), label, "right", "bottom", 9.0, to_rgba("0.25"))
                     for label, bits in levels.items()]
    assert ax.get_xlabel() == "update"
    assert ax.get_ylabel() == "bits per character"
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["run A", "run B"]
    assert [to_rgba(h.get_color()) for h in legend.legend_handles] == [to_rgba(PALETTE["blue"]),
                                                                        to_rgba(PALETTE["orange"])]
    assert legend._loc == 1  # upper right
    assert not legend.get_frame_on()
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    plt.close(ax.figure)


def test_plot_loss_curves_gives_each_of_six_runs_its_own_colour_and_uses_the_axes_given():
    fig, ax = plt.subplots(figsize=(4, 3))
    curves = {f"run {k}": ([1, 2], [k, k + 1.0]) for k in range(6)}
    assert plot_loss_curves(curves, {}, ax=ax) is ax
    assert plt.gcf() is fig and len(fig.axes) == 1
    assert [to_rgba(line.get_color()) for line in ax.lines] == [to_rgba(c) for c in SERIES_COLOURS]
    assert len(set(to_rgba(c) for c in SERIES_COLOURS)) == 6
    assert len(ax.texts) == 0
    assert tuple(fig.get_size_inches()) == (4, 3)
    plt.close(fig)


# ---------------------------------------------------------------- guess_lines

def _one_hot_probs(vocab, guesses):
    """(T, V) probabilities whose most likely token at step t is guesses[t]."""
    probs = np.full((len(guesses), len(vocab)), 0.1 / len(vocab))
    for t, token in enumerate(guesses):
        probs[t, vocab.tokens.index(token)] += 0.9
    return probs


def test_guess_lines_puts_each_guess_under_the_character_it_predicts():
    vocab = Vocabulary(["a", "b", " ", "\n", "c"])
    text = "ab a\nc"
    # after "a" the model guessed "b", after "b" " ", after " " "c", after "a" "\n", after "\n" "a";
    # the guess after the last "c" (for a character not shown) is dropped
    probs = _one_hot_probs(vocab, ["b", " ", "c", "\n", "a", "b"])
    assert guess_lines(text, probs, vocab) == ("text  ab␣a↵c\n"
                                               "guess ·b␣c↵a")
    assert guess_lines(text, probs.tolist(), vocab, width=4) == ("text  ab␣a\n"
                                                                 "guess ·b␣c\n"
                                                                 "\n"
                                                                 "text  ↵c\n"
                                                                 "guess ↵a")
    assert guess_lines(text, probs, vocab, width=3) == ("text  ab␣\n"
                                                        "guess ·b␣\n"
                                                        "\n"
                                                        "text  a↵c\n"
                                                        "guess c↵a")


def test_guess_lines_wraps_at_72_characters_by_default():
    vocab = Vocabulary(["x", "y"])
    text = "x" * 72 + "yx"
    probs = _one_hot_probs(vocab, ["y"] * 74)
    assert guess_lines(text, probs, vocab).split("\n") == [
        "text  " + "x" * 72, "guess ·" + "y" * 71, "", "text  yx", "guess yy"]


def test_guess_lines_keeps_whatever_character_is_guessed_last():
    vocab = Vocabulary(["a", "\t", "X"])
    for last in ("\t", "X"):
        probs = _one_hot_probs(vocab, ["a", last, "a"])
        assert guess_lines("aaa", probs, vocab) == "text  aaa\nguess ·a" + last


def test_guess_lines_names_probs_in_its_errors():
    vocab = Vocabulary(["a"])
    with pytest.raises(ValueError, match=exactly(
            "probs must be finite, but it holds 1 NaN or infinite value(s); the first is inf at index (1, 0)")):
        guess_lines("aa", [[1.0], [np.inf]], vocab)


# ---------------------------------------------------------------- sample_frames

def test_sample_frames_show_the_prompt_in_bold_and_name_the_temperature():
    frames, labels = sample_frames(["x&y", "<z>"], [0.5, 1.234], "p<")
    assert labels == ["0.50", "1.23"]
    pre = ('<pre style="white-space:pre-wrap;max-width:44em;font-size:0.85em;line-height:1.35;'
           'border-left:3px solid #0072B2;padding-left:0.6em">')
    assert frames == [
        pre + '<b>p&lt;</b>x&amp;y</pre>'
        '<p class="frame-caption" role="status">Sample at temperature 0.50 (the prompt in bold).</p>',
        pre + '<b>p&lt;</b>&lt;z&gt;</pre>'
        '<p class="frame-caption" role="status">Sample at temperature 1.23 (the prompt in bold).</p>']


def test_sample_frames_refuse_unequal_or_empty_lists_with_the_whole_message():
    with pytest.raises(ValueError, match=exactly(
            "samples and temperatures must be non-empty and of equal length; got 1 and 2")):
        sample_frames(["a"], [0.5, 1.0], "p")
    with pytest.raises(ValueError, match=exactly(
            "samples and temperatures must be non-empty and of equal length; got 0 and 0")):
        sample_frames([], [], "p")


# ---------------------------------------------------------------- coloured_text

PRE = '<pre style="white-space:pre-wrap;max-width:44em;font-size:0.85em;line-height:1.5;color:black">'

# Every step of -1 to 1 by 0.25: each channel is 255 - 0.7 |v| (255 - c), c the channel of orange
# #E69F00 = (230, 159, 0) for v > 0 or blue #0072B2 = (0, 114, 178) for v < 0, worked out exactly and
# rounded (the two halves to even: 237.5 -> 238, 76.5 -> 76).
STEP_COLOURS = {-1.0: "rgb(76,156,201)", -0.75: "rgb(121,181,215)", -0.5: "rgb(166,206,228)",
                -0.25: "rgb(210,230,242)", 0.0: "rgb(255,255,255)", 0.25: "rgb(251,238,210)",
                0.5: "rgb(246,221,166)", 0.75: "rgb(242,205,121)", 1.0: "rgb(238,188,76)"}


def _span(colour, shown):
    return f'<span style="background:{colour}">{shown}</span>'


def test_coloured_text_gives_every_step_of_a_quarter_its_mix_of_white_and_the_palette():
    steps = sorted(STEP_COLOURS)
    found = coloured_text("abcdefghi", steps)
    assert found == PRE + "".join(_span(STEP_COLOURS[v], c) for v, c in zip(steps, "abcdefghi")) + "</pre>"


def test_coloured_text_rounds_to_the_nearest_quarter_and_clips_to_one():
    values = [0.1, 0.3, 0.4, 0.9, -0.6, -0.2, 2.0, -3.0, 1.3]
    nearest = [0.0, 0.25, 0.5, 1.0, -0.5, -0.25, 1.0, -1.0, 1.0]
    found = coloured_text("abcdefghi", values)
    assert found == PRE + "".join(_span(STEP_COLOURS[v], c) for v, c in zip(nearest, "abcdefghi")) + "</pre>"


def _luminance(rgb):
    """WCAG 2 relative luminance of an sRGB colour given as 0..255 channels."""
    linear = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_black_text_keeps_a_contrast_above_4_5_on_every_background():
    for colour in STEP_COLOURS.values():
        rgb = [int(c) for c in colour[4:-1].split(",")]
        assert (_luminance(rgb) + 0.05) / 0.05 > 4.5


def test_coloured_text_marks_line_ends_escapes_html_and_adds_an_optional_title():
    found = coloured_text('<a\n&"', [0.0] * 5, title="units & <b>")
    white = STEP_COLOURS[0.0]
    assert found == ("<p><b>units &amp; &lt;b&gt;</b></p>" + PRE + _span(white, "&lt;") + _span(white, "a")
                     + _span(white, "↵\n") + _span(white, "&amp;") + _span(white, "&quot;") + "</pre>")
    assert coloured_text("", []) == PRE + "</pre>"


def test_coloured_text_errors_name_the_activation_and_its_layout():
    with pytest.raises(ValueError, match=exactly(
            "activation must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index (1,)")):
        coloured_text("ab", [0.0, np.nan])
    with pytest.raises(TypeError, match=exactly("activation must be a numpy array of real numbers, got str")):
        coloured_text("ab", "01")
    with pytest.raises(ValueError, match=exactly("activation must be 1-D (len(text),); got shape (1, 2) (2-D)")):
        coloured_text("ab", [[0.0, 1.0]])
    with pytest.raises(ValueError, match=exactly("activation must have one value per character: 3; got 2")):
        coloured_text("abc", [0.0, 1.0])


# ---------------------------------------------------------------- text_features

def test_position_in_line_counts_columns_from_one_and_restarts_after_a_line_end():
    found = text_features("abc\nde")["position in line"]
    assert found.tolist() == pytest.approx([1 / 80, 2 / 80, 3 / 80, 0, 1 / 80, 2 / 80], rel=0, abs=0)


def test_indented_line_needs_four_spaces_at_the_start_of_a_line():
    assert text_features("    x")["indented line"].tolist() == [0, 0, 0, 1, 1]  # the first line counts too
    assert text_features("   x")["indented line"].tolist() == [0, 0, 0, 0]
    assert text_features("a    b")["indented line"].tolist() == [0] * 6  # spaces after text do not count
    assert text_features("x\n      y")["indented line"].tolist() == [0, 0, 0, 0, 0, 1, 1, 1, 1]


def test_inside_parentheses_follows_nesting_and_only_brackets_count():
    assert text_features("((a)b)c")["inside parentheses"].tolist() == [1, 1, 1, 1, 1, 0, 0]
    assert text_features("[a(b])c")["inside parentheses"].tolist() == [1, 1, 1, 1, 1, 0, 0]
    found = text_features("X(aXb)X")
    assert found["inside parentheses"].tolist() == [0, 1, 1, 1, 1, 0, 0]
    assert found["inside quotes"].tolist() == [0] * 7
    assert found["inside backticks"].tolist() == [0] * 7


def test_a_quote_closes_only_on_its_own_kind():
    found = text_features("a \"it's\" b")
    assert found["inside quotes"].tolist() == [0, 0, 1, 1, 1, 1, 1, 0, 0, 0]
    assert text_features("'say \"x\" (' y")["inside quotes"].tolist() == [1] * 10 + [0, 0, 0]
    assert text_features("'say \"x\" (' y")["inside parentheses"].tolist() == [0] * 13  # a ( in quotes is text


# ---------------------------------------------------------------- wrap_text

@pytest.mark.parametrize("width, error, message", [
    (0, ValueError, "width must be a positive integer; got 0"),  # it looped for ever: line[:0] shortens nothing
    (-3, ValueError, "width must be a positive integer; got -3"),
    (2.5, TypeError, "width must be a positive integer; got float 2.5"),
])
def test_wrap_text_refuses_a_width_that_cannot_shorten_a_line(width, error, message):
    with pytest.raises(error, match=exactly(message)):
        wrap_text("ab cd", width=width)


def test_wrap_text_keeps_line_ends_and_lines_of_exactly_the_width():
    assert wrap_text("ab\ncd", width=3) == "ab\ncd"
    assert wrap_text("abcde", width=5) == "abcde"
    assert wrap_text("abc de\nfghij", width=6) == "abc de\nfghij"


def test_wrap_text_may_break_at_a_space_right_after_the_first_character():
    assert wrap_text("a bcdef", width=3) == "a\nbcd\nef"


# ---------------------------------------------------------------- plot_temperature_bars

# ten tokens; their probabilities at T = 1 and, by hand, the eight largest in order:
# " " 0.30, "b" 0.20, "e" 0.15, "c" 0.12, "f" 0.08, "\n" 0.05, "" 0.04, "d" 0.03; "a" 0.02 and "g" 0.01 are the rest
TOKENS = ["a", " ", "\n", "", "b", "c", "d", "e", "f", "g"]
P1 = np.array([0.02, 0.30, 0.05, 0.04, 0.20, 0.12, 0.03, 0.15, 0.08, 0.01])
TOP8 = [1, 4, 7, 5, 8, 2, 3, 6]
NAMES8 = ["␣", "b", "e", "c", "f", "\\n", "?", "d"]  # a space shown as ␣, a line end as \n, an empty token as ?


def _at_temperature(p, temperature):
    """p ** (1 / T), renormalised: the same order, sharper or flatter."""
    q = p ** (1 / temperature)
    return q / q.sum()


def _bars(ax):
    return [(r(p.get_x() + p.get_width() / 2, p.get_y(), p.get_width()), p.get_height(), p.get_facecolor(),
             p.get_edgecolor(), p.get_linewidth()) for p in ax.patches]


def _check_panel(ax, p, order, names, title):
    """One panel: the chosen bars in order, then a grey "rest" bar 0.6 further right, 0..1 high."""
    black, blue = to_rgba("black"), to_rgba(PALETTE["blue"])
    top = len(order)
    bars = _bars(ax)
    assert len(bars) == top + 1
    for k, (index, bar) in enumerate(zip(order, bars)):
        assert bar[0] == r(k, 0, 0.8) and bar[1] == p[index] and bar[2:] == (blue, black, 0.5)
    rest = sum(p[i] for i in range(len(p)) if i not in order)
    assert bars[-1][0] == r(top + 0.6, 0, 0.8) and bars[-1][1] == pytest.approx(rest, abs=1e-12)
    assert bars[-1][2:] == (to_rgba("0.8"), black, 0.5)
    assert list(ax.get_xticks()) == pytest.approx(list(range(top)) + [top + 0.6])
    assert [t.get_text() for t in ax.get_xticklabels()] == names + ["rest"]
    assert [t.get_fontsize() for t in ax.get_xticklabels()] == [13.0] * (top + 1)
    assert ax.get_title() == title and ax.title.get_fontsize() == 12.0
    assert ax.get_ylim() == (0, 1)
    assert [ax.spines[side].get_visible() for side in ("top", "right", "left", "bottom")] == [False, False,
                                                                                             True, True]


def test_temperature_bars_side_by_side_by_default_with_the_eight_likeliest_characters():
    probs = {"T = 0.5": _at_temperature(P1, 0.5), "T = 1": P1}
    with plt.rc_context(ODD_STYLE):
        fig = plot_temperature_bars(probs, TOKENS)
    axes = fig.axes
    assert len(axes) == 2
    spec = axes[0].get_subplotspec().get_gridspec()
    assert (spec.nrows, spec.ncols) == (1, 2)
    assert tuple(fig.get_size_inches()) == pytest.approx((6.6, 2.8))  # 3.3 inches a panel
    for ax, (label, p) in zip(axes, probs.items()):
        _check_panel(ax, p, TOP8, NAMES8, label)
    assert axes[0].get_shared_y_axes().joined(axes[0], axes[1])
    assert [ax.get_ylabel() for ax in axes] == ["p(next character)", ""]  # the shared axis named once
    plt.close(fig)


def test_temperature_bars_stacked_name_every_panels_axis():
    probs = {f"T = {t}": _at_temperature(P1, t) for t in (0.5, 1.0, 2.0)}
    # a style whose negative margin would otherwise lift the axis above 0 and cut the bars' feet off
    with plt.rc_context({"axes.ymargin": -0.1}):
        fig = plot_temperature_bars(probs, TOKENS, top=3, stacked=True)
    axes = fig.axes
    spec = axes[0].get_subplotspec().get_gridspec()
    assert (spec.nrows, spec.ncols) == (3, 1)
    assert tuple(fig.get_size_inches()) == pytest.approx((5.2, 6.3))  # 2.1 inches a panel
    for ax, (label, p) in zip(axes, probs.items()):
        _check_panel(ax, p, TOP8[:3], NAMES8[:3], label)
    assert all(axes[0].get_shared_y_axes().joined(axes[0], ax) for ax in axes[1:])
    assert [ax.get_ylabel() for ax in axes] == ["p(next character)"] * 3
    plt.close(fig)


def test_temperature_bars_choose_the_characters_at_the_first_temperature():
    """Panels whose orders differ (not one distribution at several temperatures) all show the
    first panel's likeliest characters, in its order."""
    first = np.array([0.5, 0.1, 0.3, 0.1])
    second = np.array([0.1, 0.6, 0.1, 0.2])
    third = np.array([0.2, 0.2, 0.1, 0.5])
    probs = {"T = 0.5": first, "T = 1": second, "T = 2": third}
    fig = plot_temperature_bars(probs, ["w", "x", "y", "z"], top=2)
    for ax, (label, p) in zip(fig.axes, probs.items()):
        _check_panel(ax, p, [0, 2], ["w", "y"], label)
    plt.close(fig)


def test_temperature_bars_draw_a_single_temperature():
    p = np.array([0.1, 0.6, 0.3])
    for stacked, size in ((False, (3.3, 2.8)), (True, (5.2, 2.1))):
        fig = plot_temperature_bars({"T = 1": p}, ["x", "y", "z"], top=2, stacked=stacked)
        assert len(fig.axes) == 1
        assert tuple(fig.get_size_inches()) == pytest.approx(size)
        _check_panel(fig.axes[0], p, [1, 2], ["y", "z"], "T = 1")
        assert fig.axes[0].get_ylabel() == "p(next character)"
        plt.close(fig)
