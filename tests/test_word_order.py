"""Chapter 1's word-order demonstration: bag of words against the RNN state, and its slider."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnn_helpers import rnn_forward  # noqa: E402
from rnn_helpers.init import init_rnn_params  # noqa: E402
from rnn_helpers.vocab import Vocabulary  # noqa: E402
from rnn_helpers.word_order import (  # noqa: E402
    reading_figure, reading_slider, reading_summary, show_reading_step, states_while_reading,
)

VOCAB = Vocabulary(["Deep", "learning", "is", "amazing"])
SENTENCES = {"ordered": ["Deep", "learning", "is", "amazing"], "jumbled": ["learning", "amazing", "Deep", "is"]}
PARAMS = init_rnn_params(input_size=4, hidden_size=3, seed=0)


def bar_heights(fig):
    return [[[bar.get_height() for bar in bars] for bars in ax.containers] for ax in fig.axes]


def test_states_while_reading_is_the_rnn_on_one_hot_words():
    words = SENTENCES["jumbled"]
    expected, _ = rnn_forward(VOCAB.one_hot(words), PARAMS)
    np.testing.assert_array_equal(states_while_reading(words, VOCAB, PARAMS), expected)


def test_summary_same_words_after_the_last_word_but_different_states():
    end = reading_summary(4, SENTENCES, VOCAB, PARAMS)
    assert "differ in 0 place(s)" in end
    gap = np.linalg.norm(states_while_reading(SENTENCES["ordered"], VOCAB, PARAMS)[-1]
                         - states_while_reading(SENTENCES["jumbled"], VOCAB, PARAMS)[-1])
    assert gap > 0.01 and f"{gap:.3f} apart" in end
    assert "differ in 2 place(s)" in reading_summary(1, SENTENCES, VOCAB, PARAMS)  # "Deep" vs "learning"


@pytest.mark.parametrize("step", [1, 2, 3, 4])
def test_redrawn_figure_shows_what_a_fresh_figure_shows(step):
    fresh = reading_figure(step, SENTENCES, VOCAB, PARAMS)
    reused = show_reading_step(reading_figure(4 if step != 4 else 1, SENTENCES, VOCAB, PARAMS), step,
                               SENTENCES, VOCAB, PARAMS)
    np.testing.assert_allclose(bar_heights(reused)[0], bar_heights(fresh)[0])
    np.testing.assert_allclose(bar_heights(reused)[1], bar_heights(fresh)[1])
    assert [ax.get_title() for ax in reused.axes] == [ax.get_title() for ax in fresh.axes]
    counts = bar_heights(fresh)[0]
    assert counts == [list(VOCAB.bag_of_words(words[:step])) for words in SENTENCES.values()]
    plt.close("all")


# The slider (one frame per word, opening at one word, no figure left open) is checked in
# tests/test_word_order_exact.py, with its pictures, alt texts and captions.


@pytest.mark.parametrize("step", [0, 5])
def test_step_outside_the_sentence_is_refused(step):
    with pytest.raises(ValueError, match=r"step must be from 1 to 4 \(words read\); got " + str(step)):
        reading_figure(step, SENTENCES, VOCAB, PARAMS)


@pytest.mark.parametrize("sentences", [{"one": ["Deep", "is"]},
                                       {"a": ["Deep", "is"], "b": ["Deep", "is", "amazing"]}])
def test_sentences_must_be_two_or_more_of_one_length(sentences):
    with pytest.raises(ValueError, match="two or more labels to word lists of one length"):
        reading_slider(sentences, VOCAB, PARAMS)


def test_unknown_word_names_the_word():
    with pytest.raises(ValueError, match="gradients"):
        reading_figure(2, {"a": ["Deep", "gradients"], "b": ["is", "Deep"]}, VOCAB, PARAMS)


def test_redrawing_another_figure_is_refused():
    other = reading_figure(2, {**SENTENCES, "third": ["is", "is", "is", "is"]}, VOCAB, PARAMS)
    with pytest.raises(ValueError, match="fig must be a reading_figure of these sentences"):
        show_reading_step(other, 1, SENTENCES, VOCAB, PARAMS)
    plt.close("all")
