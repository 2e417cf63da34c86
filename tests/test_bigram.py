"""The bigram baseline: counts, its blind spot (no memory), generation and bad input."""

import numpy as np
import pytest

from rnn_helpers.bigram import bigram_generate, bigram_probs, fit_bigram
from rnn_helpers.vocab import Vocabulary

VOCAB = Vocabulary(list("Pleas."))


def test_table_counts_pairs_and_rows_sum_to_one():
    table = fit_bigram(["Please."], VOCAB)
    np.testing.assert_allclose(table.sum(axis=1), 1.0)
    e, a, dot = (VOCAB.encode(c)[0] for c in "ea.")
    assert table[e, a] == 0.5 and table[e, dot] == 0.5  # "e" is followed once by "a" and once by "."
    np.testing.assert_allclose(table[dot], 1 / 6)  # "." is never followed by anything: uniform


def test_without_an_end_mark_the_table_solves_pleas():
    vocab = Vocabulary(list("Pleas"))
    table = fit_bigram(["Please"], vocab)
    probs = bigram_probs(table, vocab, "Pleas")
    np.testing.assert_array_equal(probs[np.arange(5), vocab.encode("lease")], 1.0)


def test_prediction_depends_on_the_current_character_only():
    table = fit_bigram(["Please.", "sale."], VOCAB)
    first = bigram_probs(table, VOCAB, "Pleas")[-1]
    second = bigram_probs(table, VOCAB, "s")[-1]
    np.testing.assert_array_equal(first, second)
    assert first[VOCAB.encode("e")[0]] == 0.5


def test_generation_loops_where_memory_is_needed():
    table = fit_bigram(["Please."], VOCAB)
    assert bigram_generate(table, VOCAB, "P", 12, stop=".") == "Pleaseaseasea"
    sampled = {bigram_generate(table, VOCAB, "P", 30, mode="sample", seed=s, stop=".") for s in range(20)}
    assert "Ple." in sampled or "Please." in sampled
    assert all(text.endswith(".") for text in sampled if len(text) < 31)


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: fit_bigram("Please", VOCAB), TypeError, r"words must be a non-empty list of strings"),
        (lambda: fit_bigram([], VOCAB), TypeError, r"words must be a non-empty list"),
        (lambda: fit_bigram(["Plx"], VOCAB), ValueError, r"'x' is not in the vocabulary"),
        (lambda: bigram_probs(np.zeros((5, 5)), VOCAB, "Pl"), ValueError, r"table must have shape \(6, 6\)"),
        (lambda: bigram_generate(fit_bigram(["Please."], VOCAB), VOCAB, "P", 3, mode="sample"), ValueError, r"give a seed"),
    ],
)
def test_bad_input_is_refused(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_plot_bigram_labels_every_cell_with_its_probability():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnn_helpers.bigram import plot_bigram

    ax = plot_bigram(fit_bigram(["Please."], VOCAB), VOCAB)
    texts = [text.get_text() for text in ax.texts]
    plt.close("all")
    assert len(texts) == 36
    assert texts.count("1") == 4 and texts.count("0.5") == 2 and texts.count("0.17") == 6
