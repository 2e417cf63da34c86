"""What the reader of chapter 1's word-order figure and slider sees, exactly (issue 20).

Each test here was written against a mutant that got past tests/test_word_order.py: the bar
heights against the RNN run on each prefix, the figure's size, labels, limits, legend and layout,
and the slider's label, pictures, alt texts and captions.
"""

import base64
import html
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from rnn_helpers import rnn_forward  # noqa: E402
from rnn_helpers.init import init_rnn_params  # noqa: E402
from rnn_helpers.vocab import Vocabulary  # noqa: E402
from rnn_helpers.word_order import reading_figure, reading_slider, reading_summary  # noqa: E402

VOCAB = Vocabulary(["Deep", "learning", "is", "amazing"])
SENTENCES = {"ordered": ["Deep", "learning", "is", "amazing"], "jumbled": ["learning", "amazing", "Deep", "is"]}
PARAMS = init_rnn_params(input_size=4, hidden_size=3, seed=0)
# Word counts over the vocabulary (Deep, learning, is, amazing) after each number of words, by hand.
COUNTS = {
    1: {"ordered": [1, 0, 0, 0], "jumbled": [0, 1, 0, 0]},
    2: {"ordered": [1, 1, 0, 0], "jumbled": [0, 1, 0, 1]},
    3: {"ordered": [1, 1, 1, 0], "jumbled": [1, 1, 0, 1]},
    4: {"ordered": [1, 1, 1, 1], "jumbled": [1, 1, 1, 1]},
}
PLACES_DIFFERENT = {1: 2, 2: 2, 3: 2, 4: 0}  # entries where the two count vectors above differ


def state_after(words, step):
    """The hidden state after reading only the first ``step`` words (the RNN run on that prefix)."""
    h, _ = rnn_forward(np.eye(4)[[VOCAB.tokens.index(word) for word in words[:step]]], PARAMS)
    return h[-1]


def expected_summary(step):
    gap = np.linalg.norm(state_after(SENTENCES["ordered"], step) - state_after(SENTENCES["jumbled"], step))
    return (f"After {step} word(s): the word counts differ in {PLACES_DIFFERENT[step]} place(s); "
            f"the hidden states are {gap:.3f} apart.")


def figure_bboxes(fig):
    """Legend, each panel's tight box (with its tick labels and title) and the legend texts, in figure fractions."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_fraction = fig.transFigure.inverted().transform_bbox
    legend = fig.legends[0]
    return (to_fraction(legend.get_window_extent(renderer)),
            [to_fraction(ax.get_tightbbox(renderer)) for ax in fig.axes],
            [to_fraction(text.get_window_extent(renderer)) for text in legend.get_texts()])


@pytest.fixture  # per test: mutmut maps a function only to the test whose set-up called it
def figure():
    fig = reading_figure(2, SENTENCES, VOCAB, PARAMS)
    yield fig
    plt.close(fig)


@pytest.mark.parametrize("step", [1, 2, 3, 4])
def test_bars_are_the_counts_and_the_state_after_step_words(step):
    fig = reading_figure(step, SENTENCES, VOCAB, PARAMS)
    top, bottom = fig.axes
    for label, bars in zip(SENTENCES, top.containers):
        assert [bar.get_height() for bar in bars] == COUNTS[step][label]
    for words, bars in zip(SENTENCES.values(), bottom.containers):
        np.testing.assert_allclose([bar.get_height() for bar in bars], state_after(words, step), rtol=1e-12)
    plt.close(fig)


def test_figure_is_narrow_and_tall(figure):
    np.testing.assert_array_equal(figure.get_size_inches(), [4.6, 6.2])


def test_panels_have_their_titles_labels_ticks_and_limits(figure):
    top, bottom = figure.axes
    assert top.get_title() == "Bag of words after 2 word(s)"
    assert bottom.get_title() == "RNN hidden state after 2 word(s)"
    assert top.get_ylabel() == "count" and bottom.get_ylabel() == "value"
    assert [tick.get_text() for tick in top.get_xticklabels()] == ["Deep", "learning", "is", "amazing"]
    assert [tick.get_text() for tick in bottom.get_xticklabels()] == ["unit 1", "unit 2", "unit 3"]
    assert top.get_ylim() == (0.0, 1.2)  # a count of 1 with room above it
    assert bottom.get_ylim() == (-1.0, 1.0)  # the range of tanh


def test_legend_names_the_sentences_in_quotes_without_a_frame(figure):
    legend, = figure.legends
    assert [text.get_text() for text in legend.get_texts()] == ["“ordered”", "“jumbled”"]
    assert legend.get_frame_on() is False
    for panel in figure.axes:  # each legend key looks like that sentence's bars in both panels
        for handle, bars in zip(legend.legend_handles, panel.containers):
            assert to_rgba(handle.get_facecolor()) == to_rgba(bars[0].get_facecolor())
            assert handle.get_hatch() == bars[0].get_hatch()


def test_legend_is_one_column_centred_below_the_panels(figure):
    legend, panels, texts = figure_bboxes(figure)
    assert abs((legend.x0 + legend.x1) / 2 - 0.5) < 0.01  # centred
    assert 0 <= legend.y0 and legend.y1 <= 0.09  # in the strip that tight_layout leaves free
    assert texts[0].x0 == pytest.approx(texts[1].x0) and texts[1].y1 <= texts[0].y0  # one above the other
    assert legend.y1 < panels[1].y0  # nothing of the lower panel is drawn over it


def test_panels_fill_the_figure_above_the_legend_strip(figure):
    legend, (top, bottom), _ = figure_bboxes(figure)
    for box in (top, bottom):
        assert 0 <= box.x0 < 0.1 and 0.95 < box.x1 <= 1
    assert 0.95 < top.y1 <= 1
    assert 0.09 <= bottom.y0 < 0.15  # just above the strip kept for the legend
    assert bottom.y1 < top.y0  # the panels do not overlap


def test_summary_compares_the_first_two_of_three_sentences():
    three = {**SENTENCES, "third": ["is", "is", "is", "is"]}
    for step in (1, 4):
        assert reading_summary(step, three, VOCAB, PARAMS) == expected_summary(step)


def test_slider_frames_alt_texts_captions_and_label():
    """(Replaces test_word_order.py's slider test, whose checks are the first and last here: one slider run.)"""
    plt.close("all")
    slider = reading_slider(SENTENCES, VOCAB, PARAMS)
    control, pages = slider.children
    assert list(control.options) == ["1", "2", "3", "4"] and control.value == "1"  # it opens at one word
    assert control.description == "Words read"
    assert len(pages.children) == 4
    for step, page in enumerate(pages.children, start=1):
        match = re.fullmatch(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)" '
                             r'style="max-width:100%"><p class="frame-caption" role="status">(.*)</p>', page.value)
        assert match, page.value[:200]
        alt = f"Bar charts after {step} word(s) of each sentence: word counts above, hidden-state values below."
        assert match.group(2) == html.escape(alt)
        assert match.group(3) == html.escape(expected_summary(step))
        picture = plt.imread(io.BytesIO(base64.b64decode(match.group(1))), format="png")
        assert picture.shape[:2] == (496, 368)  # 6.2 x 4.6 inches at 80 dpi
    assert plt.get_fignums() == []  # the figure the frames were drawn from is closed
