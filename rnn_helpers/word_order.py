"""Chapter 1's word-order demonstration: a bag of words against an RNN's hidden state.

Introduced in chapter 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .numpy_rnn import rnn_forward
from .plots import grouped_bars
from .vocab import Vocabulary
from .widgets import figure_to_png, frame_slider, image_frame


def states_while_reading(words: Sequence[str], vocab: Vocabulary, params) -> np.ndarray:
    """The hidden state after each word of ``words``: shape (T, hidden)."""
    h, _ = rnn_forward(vocab.one_hot(words), params)
    return h


def _check_sentences(sentences: Mapping[str, Sequence[str]]) -> int:
    lengths = {len(words) for words in sentences.values()}
    if len(sentences) < 2 or len(lengths) != 1:
        raise ValueError(f"sentences must map two or more labels to word lists of one length; got lengths "
                         f"{ {label: len(words) for label, words in sentences.items()} }")
    return lengths.pop()


def _reading_values(step: int, sentences: Mapping[str, Sequence[str]], vocab: Vocabulary, params):
    """Word counts (V,) and hidden state (hidden,) of each sentence after ``step`` words."""
    length = _check_sentences(sentences)
    if not 1 <= step <= length:
        raise ValueError(f"step must be from 1 to {length} (words read); got {step}")
    counts = {label: vocab.bag_of_words(words[:step]) for label, words in sentences.items()}
    states = {label: states_while_reading(words, vocab, params)[step - 1] for label, words in sentences.items()}
    return counts, states


def _reading_titles(step: int) -> tuple[str, str]:
    return f"Bag of words after {step} word(s)", f"RNN hidden state after {step} word(s)"


def reading_figure(step: int, sentences: Mapping[str, Sequence[str]], vocab: Vocabulary, params):
    """Two panels after reading ``step`` words of each sentence: word counts (top), hidden states (below).

    ``sentences`` maps a label to a list of words; all have the same length T and
    1 <= step <= T. Returns the matplotlib figure. Introduced in chapter 1.
    """
    counts, states = _reading_values(step, sentences, vocab, params)
    count_title, state_title = _reading_titles(step)
    # One panel above the other, and a narrow figure (the text keeps its size, so it is larger
    # relative to the picture): the labels stay readable on a phone's narrow screen.
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(4.6, 6.2))
    grouped_bars(top, counts, vocab.tokens, title=count_title, ylabel="count")
    top.set_ylim(0, 1.2)
    units = [f"unit {k + 1}" for k in range(params["weight_hh"].shape[0])]
    grouped_bars(bottom, states, units, title=state_title, ylabel="value")
    bottom.set_ylim(-1, 1)
    handles, labels = bottom.get_legend_handles_labels()
    fig.legend(handles, [f"“{label}”" for label in labels], loc="lower center", ncol=1, frameon=False)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    return fig


def show_reading_step(fig, step: int, sentences: Mapping[str, Sequence[str]], vocab: Vocabulary, params):
    """Redraw a ``reading_figure`` in place for another ``step``: new bar heights and titles.

    Cheaper than a new figure (no new axes, no new layout); the slider's frames are made this
    way. Returns ``fig``. Introduced in chapter 1.
    """
    counts, states = _reading_values(step, sentences, vocab, params)
    shapes = [[len(bars) for bars in ax.containers] for ax in fig.axes]
    expected = [[len(vocab.tokens)] * len(sentences), [params["weight_hh"].shape[0]] * len(sentences)]
    if shapes != expected:
        raise ValueError(f"fig must be a reading_figure of these sentences (bars per panel {expected}); got {shapes}")
    for ax, series, title in zip(fig.axes, (counts, states), _reading_titles(step)):
        for bars, values in zip(ax.containers, series.values()):  # one bar container per sentence
            for bar, value in zip(bars, values):
                bar.set_height(value)
        ax.set_title(title)
    return fig


def reading_summary(step: int, sentences: Mapping[str, Sequence[str]], vocab: Vocabulary, params) -> str:
    """One sentence comparing the first two sentences after ``step`` words (the slider's readout)."""
    (label_a, words_a), (label_b, words_b) = list(sentences.items())[:2]
    count_gap = np.abs(vocab.bag_of_words(words_a[:step]) - vocab.bag_of_words(words_b[:step])).sum()
    state_gap = np.linalg.norm(states_while_reading(words_a, vocab, params)[step - 1]
                               - states_while_reading(words_b, vocab, params)[step - 1])
    return (f"After {step} word(s): the word counts differ in {count_gap:.0f} place(s); "
            f"the hidden states are {state_gap:.3f} apart.")


def reading_slider(sentences: Mapping[str, Sequence[str]], vocab: Vocabulary, params):
    """A slider over the number of words read, showing ``reading_figure`` for each (precomputed);
    it opens at one word.

    Introduced in chapter 1.
    """
    length = _check_sentences(sentences)
    fig = reading_figure(length, sentences, vocab, params)  # laid out once, redrawn for every step
    frames = []
    for step in range(1, length + 1):
        png = figure_to_png(show_reading_step(fig, step, sentences, vocab, params), close=False)
        alt = (f"Bar charts after {step} word(s) of each sentence: word counts above, "
               f"hidden-state values below.")
        frames.append(image_frame(png, alt, reading_summary(step, sentences, vocab, params)))
    plt.close(fig)
    return frame_slider(frames, [str(step) for step in range(1, length + 1)], "Words read", start=0)
