"""The memoryless baseline: predict the next character from the current one alone.

Introduced in chapter 3. A bigram table counts, for every character, which characters
followed it in the training words, and turns each row of counts into probabilities. It
has no hidden state: whatever came before the current character cannot change its
prediction. When a task can be solved this way, it does not need a recurrent network.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validate import check_generation_options, check_shape, check_vocab, real_array


def fit_bigram(words: Sequence[str], vocab) -> np.ndarray:
    """Count the character pairs of ``words`` and normalise each row.

    Parameters
    ----------
    words : list of str
        Training words; the pairs (word[i], word[i+1]) are counted within each word.
    vocab : rnn_helpers.vocab.Vocabulary with V tokens

    Returns
    -------
    table : array, (V, V)
        ``table[i, j]`` = p(next = token j | current = token i). A row whose token was
        never followed by anything is uniform (1/V): the table has no evidence there.

    Introduced in chapter 3.
    """
    if (isinstance(words, str) or not isinstance(words, Sequence) or len(words) == 0
            or not all(isinstance(word, str) for word in words)):
        raise TypeError(f"words must be a non-empty list of strings, e.g. ['Please']; got {words!r}")
    check_vocab(vocab)
    counts = np.zeros((len(vocab), len(vocab)))
    for word in words:
        indices = vocab.encode(word)
        for current, following in zip(indices[:-1], indices[1:]):
            counts[current, following] += 1
    totals = counts.sum(axis=1, keepdims=True)
    return np.where(totals > 0, counts / np.where(totals > 0, totals, 1), 1.0 / len(vocab))


def _check_table(table, vocab) -> np.ndarray:
    check_vocab(vocab)
    table = real_array(table, "table")
    check_shape(table, "table", (len(vocab), len(vocab)), f"(V, V) for a vocabulary of V = {len(vocab)} tokens")
    if (table < 0).any():
        raise ValueError("table must hold probabilities (no negative entries), as fit_bigram returns; "
                         f"its smallest entry is {table.min()}")
    return table


def bigram_probs(table, vocab, text: str) -> np.ndarray:
    """p(next | current) for every character of ``text``: shape (len(text), V).

    Row t depends on ``text[t]`` only, never on ``text[:t]``. Introduced in chapter 3.
    """
    table = _check_table(table, vocab)
    return table[vocab.encode(text, name="text")]


def bigram_generate(table, vocab, start: str, length: int, mode: str = "argmax", seed: int | None = None,
                    stop: str | None = None) -> str:
    """Write with the bigram table, one character at a time, as ``char_rnn.generate`` does.

    ``mode`` "argmax" takes the most likely next character (the first one on a tie);
    "sample" draws it with ``numpy.random.default_rng(seed)``. Generation ends after
    ``length`` characters or as soon as ``stop`` is produced. Introduced in chapter 3.
    """
    table = _check_table(table, vocab)
    rng = check_generation_options(mode, seed, length)
    if mode == "sample" and not np.allclose(table.sum(axis=1), 1.0):
        raise ValueError("mode='sample' needs each row of table to sum to 1 (probabilities, as fit_bigram "
                         f"returns); row sums range from {table.sum(axis=1).min()} to {table.sum(axis=1).max()}")
    current = int(vocab.encode(start, name="start")[-1])
    text = list(start)
    for _ in range(length):
        p = table[current]
        current = int(np.argmax(p)) if mode == "argmax" else int(rng.choice(len(vocab), p=p))
        text.append(vocab.tokens[current])
        if vocab.tokens[current] == stop:
            break
    return "".join(text)


def plot_bigram(table, vocab, ax=None, title: str = ""):
    """The bigram table as a heatmap: row = current character, column = next character.

    ``table`` (V, V) from ``fit_bigram``; every cell is labelled with its probability.
    Colours run from white (0) to blue (1), from ``plots.PALETTE``. Returns the Axes.
    Introduced in chapter 3.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LinearSegmentedColormap

    from .plots import PALETTE

    table = _check_table(table, vocab)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * len(vocab) + 1.6, 0.5 * len(vocab) + 1.0))
    colours = LinearSegmentedColormap.from_list("probability", ["white", PALETTE["blue"]])
    ax.imshow(table, cmap=colours, vmin=0, vmax=1)
    for i in range(len(vocab)):
        for j in range(len(vocab)):
            ax.text(j, i, f"{table[i, j]:.2f}".rstrip("0").rstrip(".") if table[i, j] else "0", ha="center",
                    va="center", fontsize=9, color="white" if table[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(vocab)), vocab.tokens)
    ax.set_yticks(range(len(vocab)), vocab.tokens)
    ax.set_xlabel("next character")
    ax.set_ylabel("current character")
    if title:
        ax.set_title(title, fontsize=11)
    return ax


__all__ = ["fit_bigram", "bigram_probs", "bigram_generate", "plot_bigram"]
