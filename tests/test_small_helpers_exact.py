"""Exact values and whole messages of the small helpers: init, formatting, bigram, ngram, corpus
(issue 20).

Each test here was written against a mutant that got past every other test: a changed seed or
bound in the initialisation, a boundary of number_text, a colour or label of the bigram heatmap,
an error message. The book prints and draws these, so a reader would see the difference.
"""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from rnn_helpers.bigram import bigram_generate, bigram_probs, fit_bigram, plot_bigram  # noqa: E402
from rnn_helpers.formatting import number_text, superscript  # noqa: E402
from rnn_helpers.init import init_readout, init_rnn_params  # noqa: E402
from rnn_helpers.plots import PALETTE  # noqa: E402
from rnn_helpers.vocab import Vocabulary  # noqa: E402
from reference import exactly  # noqa: E402



# ---- init: PyTorch's uniform(-1/sqrt(H), 1/sqrt(H)), from default_rng(seed), seed 0 by default

def test_init_rnn_params_draws_exactly_this_sequence():
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(3)
    expected = {"weight_ih": rng.uniform(-bound, bound, (12, 2)), "weight_hh": rng.uniform(-bound, bound, (12, 3)),
                "bias_ih": rng.uniform(-bound, bound, 12), "bias_hh": rng.uniform(-bound, bound, 12)}
    params = init_rnn_params(2, 3, gates=4)  # the default seed is 0
    assert list(params) == list(expected)
    for key in expected:
        np.testing.assert_array_equal(params[key], expected[key], err_msg=key)


def test_init_readout_draws_exactly_this_sequence():
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(4)
    weight, bias = rng.uniform(-bound, bound, (2, 4)), rng.uniform(-bound, bound, 2)
    readout = init_readout(4, 2)
    np.testing.assert_array_equal(readout["weight"], weight)
    np.testing.assert_array_equal(readout["bias"], bias)


@pytest.mark.parametrize("call, message", [
    (lambda: init_rnn_params(0, 3), "input_size must be a positive integer; got 0"),
    (lambda: init_rnn_params(2, 0), "hidden_size must be a positive integer; got 0"),
    (lambda: init_rnn_params(2, 3, gates=0), "gates must be a positive integer; got 0"),
    (lambda: init_readout(0, 2), "hidden_size must be a positive integer; got 0"),
    (lambda: init_readout(4, 0), "output_size must be a positive integer; got 0"),
])
def test_init_sizes_get_the_whole_message(call, message):
    with pytest.raises(ValueError, match=exactly(message)):
        call()


def test_init_readout_uses_its_seed():
    bound = 1 / np.sqrt(4)
    rng = np.random.default_rng(5)
    rng.uniform(-bound, bound, (2, 4))
    np.testing.assert_array_equal(init_readout(4, 2, seed=5)["bias"], rng.uniform(-bound, bound, 2))


# ---- formatting: the edges of the plain range and of rounding, and whole messages

@pytest.mark.parametrize("value, text", [
    (1e-6, "0.000001"), (999_999.0, "1000000"), (1e6, "1.0 × 10⁶"), (9.6e7, "9.6 × 10⁷"),
    (9.96e7, "1.0 × 10⁸"), (9.94e-7, "9.9 × 10⁻⁷"),
    # below 10⁻³⁰⁷ a power of ten is subnormal or 0: the smallest doubles still get their digits
    (2.2e-308, "2.2 × 10⁻³⁰⁸"), (1e-310, "1.0 × 10⁻³¹⁰"), (5e-324, "4.9 × 10⁻³²⁴"), (3.3e-301, "3.3 × 10⁻³⁰¹"),
    # just below a tie: 0.235 is 0.23499… as a double, so two digits are 0.23 (not the shortest form's 0.24)
    (0.235, "0.23"), (2.35e-9, "2.3 × 10⁻⁹"), (2.45e-9, "2.5 × 10⁻⁹"),
])
def test_number_text_at_the_edges(value, text):
    assert number_text(value) == text


def test_formatting_errors_get_the_whole_message():
    with pytest.raises(TypeError, match=exactly("value must be a real number; got str '5'")):
        number_text("5")
    with pytest.raises(TypeError, match=exactly("text must be an integer or a string of digits; got float 1.5")):
        superscript(1.5)


# ---- bigram: exact errors, and the heatmap as drawn

VOCAB = Vocabulary(list("Pleas"))
TABLE = fit_bigram(["Please"], VOCAB)


def test_fit_bigram_divides_by_zero_nowhere():
    with np.errstate(all="raise"):  # rows never followed by anything are uniform, without 0 / 0
        table = fit_bigram(["Pl"], VOCAB)
    np.testing.assert_array_equal(table[0], [0, 1, 0, 0, 0])
    np.testing.assert_array_equal(table[1], np.full(5, 0.2))


def test_bigram_errors_get_the_whole_message():
    because = "(V, V) for a vocabulary of V = 5 tokens"
    with pytest.raises(ValueError, match=exactly(f"table must have shape (5, 5) ({because}); got (4, 5)")):
        bigram_probs(TABLE[:4], VOCAB, "Pl")
    with pytest.raises(ValueError, match=exactly("table must hold probabilities (no negative entries), as "
                                               "fit_bigram returns; its smallest entry is -0.5")):
        bigram_probs(np.where(TABLE == 0, -0.5, TABLE), VOCAB, "Pl")
    with pytest.raises(ValueError, match=exactly("'x' is not in the vocabulary ['P', 'l', 'e', 'a', 's'] "
                                               "(it is in text)")):
        bigram_probs(TABLE, VOCAB, "Px")
    with pytest.raises(ValueError, match=exactly("'x' is not in the vocabulary ['P', 'l', 'e', 'a', 's'] "
                                               "(it is in start)")):
        bigram_generate(TABLE, VOCAB, "x", 3)
    halved = TABLE.copy()
    halved[0] /= 2
    with pytest.raises(ValueError, match=exactly("mode='sample' needs each row of table to sum to 1 "
                                               "(probabilities, as fit_bigram returns); row sums range "
                                               "from 0.5 to 1.0")):
        bigram_generate(halved, VOCAB, "P", 3, mode="sample", seed=0)
    # argmax needs no probabilities: a scaled table writes the same
    assert bigram_generate(halved, VOCAB, "P", 3) == bigram_generate(TABLE, VOCAB, "P", 3)


def test_plot_bigram_draws_the_table_as_described():
    ax = plot_bigram(TABLE, VOCAB)
    assert tuple(ax.figure.get_size_inches()) == pytest.approx((0.55 * 5 + 1.6, 0.5 * 5 + 1.0))
    image = ax.images[0]
    assert image.get_clim() == (0, 1)
    assert image.cmap(0.0) == to_rgba("white") and image.cmap(1.0) == to_rgba(PALETTE["blue"])
    assert image.cmap.name == "probability"
    texts = {(round(t.get_position()[0]), round(t.get_position()[1])): t for t in ax.texts}
    assert len(texts) == 25
    for (j, i), text in texts.items():
        value = TABLE[i, j]
        assert text.get_text() == (f"{value:.2f}".rstrip("0").rstrip(".") if value else "0")
        assert to_rgba(text.get_color()) == to_rgba("white" if value > 0.6 else "black")
        assert text.get_fontsize() == 9
        assert (text.get_ha(), text.get_va()) == ("center", "center")
    assert texts[(1, 0)].get_text() == "1" and texts[(0, 0)].get_text() == "0"  # P -> l always, P -> P never
    assert [t.get_text() for t in ax.get_xticklabels()] == VOCAB.tokens
    assert [t.get_text() for t in ax.get_yticklabels()] == VOCAB.tokens
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("next character", "current character", "")
    plt.close(ax.figure)
    ax = plot_bigram(TABLE, VOCAB, title="bigram")
    assert ax.get_title() == "bigram" and ax.title.get_fontsize() == 11
    plt.close(ax.figure)


def test_plot_bigram_text_turns_white_only_above_0_6():
    table = np.full((5, 5), 0.2)
    table[0] = [0.6, 0.1, 0.1, 0.1, 0.1]
    table[1] = [0.61, 0.39, 0, 0, 0]
    ax = plot_bigram(table, VOCAB)
    colour = {(round(t.get_position()[1]), round(t.get_position()[0])): to_rgba(t.get_color()) for t in ax.texts}
    assert colour[(0, 0)] == to_rgba("black") and colour[(1, 0)] == to_rgba("white")
    plt.close(ax.figure)


# ---- ngram.bits_table: the text table chapter 6 prints

def test_bits_table_is_exactly_this_text():
    from rnn_helpers.ngram import bits_table

    table = bits_table({"uniform": 3.0, "a longer label": 1.5, "bigram table": float("inf")})
    assert table.split("\n") == [  # labels padded to the longest (14) + 2; columns of 20 and 12
        "model" + " " * 11 + " " * 2 + "bits per character" + " " * 2 + "perplexity",
        "uniform" + " " * 9 + " " * 16 + "3.00" + " " * 9 + "8.0",
        "a longer label" + " " * 2 + " " * 16 + "1.50" + " " * 9 + "2.8",
        "bigram table" + " " * 4 + " " * 12 + "infinite" + " " * 4 + "infinite",
    ]
    assert bits_table({"m": 1.0}, decimals=3).split("\n")[1] == "m" + " " * 2 + " " * 15 + "1.000" + " " * 8 + "2.00"


def test_a_table_with_nan_is_named_in_the_error():
    table = np.full((5, 5), 0.2)
    table[0, 1] = np.nan
    with pytest.raises(ValueError, match=r"^table must be finite"):
        bigram_probs(table, VOCAB, "Pl")


def test_plot_bigram_colours_run_from_0_to_1_whatever_the_table_holds():
    ax = plot_bigram(np.full((5, 5), 0.2), VOCAB)  # no 0 and no 1 in it: the scale stays 0 to 1
    assert ax.images[0].get_clim() == (0, 1)
    plt.close(ax.figure)


# ---- ngram: the checks' edges, whole messages, and keys that need all 64 bits

from rnn_helpers.ngram import bits_per_character, fit_ngram, ngram_probs  # noqa: E402

CODES = np.array([0, 1, 2, 0, 1, 3, 0, 1, 2])  # V = 5: the last symbol (4) never occurs


def test_bits_per_character_edges():
    assert bits_per_character([0.5]) == 1.0                       # one character is enough
    assert bits_per_character([1.0, 0.25]) == 1.0
    assert abs(bits_per_character([1 + 1e-9])) < 1e-8              # rounding just above 1 passes
    with np.errstate(all="raise"):
        assert bits_per_character([0.0, 0.5]) == float("inf")     # log2(0) without numpy's warning


@pytest.mark.parametrize("p, message", [
    (np.full((2, 2), 0.5), "p_correct must be a non-empty 1-D array of probabilities; got shape (2, 2)"),
    ([], "p_correct must be a non-empty 1-D array of probabilities; got shape (0,)"),
    ([0.5, 1.1, 2.0], "p_correct must hold probabilities between 0 and 1; got 1.1 at index 1"),
    ([-0.1], "p_correct must hold probabilities between 0 and 1; got -0.1 at index 0"),
    ([1.0, 1 + 1e-8], "p_correct must hold probabilities between 0 and 1; got 1.00000001 at index 1"),
])
def test_bits_per_character_errors(p, message):
    with pytest.raises(ValueError, match=exactly(message)):
        bits_per_character(p)
    with pytest.raises(ValueError, match=r"^p_correct must be finite"):
        bits_per_character([0.5, np.nan])


def test_fit_ngram_defaults_and_tables():
    model = fit_ngram(CODES, 3, 5)
    assert model.discount == 0.75 and set(model.tables) == {1, 2}
    np.testing.assert_array_equal(model.unigram, (np.array([3, 3, 2, 1, 0]) + 1.0) / (9 + 5))
    assert set(fit_ngram(CODES, 1, 5).tables) == set()                          # n = 1: unigram only
    assert set(fit_ngram(np.arange(8), 8, 8, discount=0.0).tables) == set(range(1, 8))  # n = 8, size = n


@pytest.mark.parametrize("call, message", [
    (lambda: fit_ngram(CODES.reshape(3, 3), 2, 5), "codes must be a 1-D integer array of at least n = 2 character indices"),
    (lambda: fit_ngram(CODES.astype(float), 2, 5), "codes must be a 1-D integer array of at least n = 2 character indices"),
    (lambda: fit_ngram(CODES[:2], 3, 5), "codes must be a 1-D integer array of at least n = 3 character indices"),
    (lambda: fit_ngram(np.arange(9), 9, 9), "n must be an integer from 1 to 8; got 9"),
    (lambda: fit_ngram(CODES, 2.0, 5), "n must be an integer from 1 to 8; got 2.0"),
    (lambda: fit_ngram(CODES, 0, 5), "n must be an integer from 1 to 8; got 0"),
    (lambda: fit_ngram(CODES, 2, 5, discount=1.0), "discount must be in [0, 1); got 1.0"),
    (lambda: fit_ngram(CODES, 2, 5, discount=1.5), "discount must be in [0, 1); got 1.5"),
    (lambda: fit_ngram(np.array([0, -1, 2]), 2, 5), "codes must lie in 0 .. 4 (vocab_size)"),
    (lambda: fit_ngram(np.array([0, 5, 2]), 2, 5), "codes must lie in 0 .. 4 (vocab_size)"),
])
def test_fit_ngram_errors(call, message):
    with pytest.raises(ValueError, match=exactly(message)):
        call()


def test_fit_ngram_accepts_the_last_symbol_and_no_discount():
    model = fit_ngram(np.array([0, 4, 0, 4]), 2, 5, discount=0.0)
    np.testing.assert_array_equal(ngram_probs(model, np.array([0, 4])), [model.unigram[0], 1.0])


def test_ngram_probs_orders_and_short_texts():
    model = fit_ngram(CODES, 3, 5, discount=0.0)
    np.testing.assert_array_equal(ngram_probs(model, CODES, order=1), model.unigram[CODES])
    # order 2 with no discount: relative frequencies of the pairs (0 -> 1 three times in three)
    assert ngram_probs(model, np.array([0, 1]), order=2)[1] == 1.0
    # a text of one character, shorter than any context: the unigram, not None
    np.testing.assert_array_equal(ngram_probs(model, np.array([2])), model.unigram[[2]])


@pytest.mark.parametrize("call, message", [
    (lambda m: ngram_probs(m, CODES, order=0), "order must be an integer from 1 to n = 3; got 0"),
    (lambda m: ngram_probs(m, CODES, order=4), "order must be an integer from 1 to n = 3; got 4"),
    (lambda m: ngram_probs(m, CODES, order=2.0), "order must be an integer from 1 to n = 3; got 2.0"),
    (lambda m: ngram_probs(m, CODES.reshape(3, 3)), "codes must be a non-empty 1-D integer array of character indices"),
    (lambda m: ngram_probs(m, CODES.astype(float)), "codes must be a non-empty 1-D integer array of character indices"),
    (lambda m: ngram_probs(m, np.array([], dtype=int)), "codes must be a non-empty 1-D integer array of character indices"),
    (lambda m: ngram_probs(m, np.array([0, -1])), "codes must lie in 0 .. 4"),
    (lambda m: ngram_probs(m, np.array([0, 5])), "codes must lie in 0 .. 4"),
])
def test_ngram_probs_errors(call, message):
    with pytest.raises(ValueError, match=exactly(message)):
        call(fit_ngram(CODES, 3, 5))


def test_ngram_keys_keep_every_bit_of_long_contexts():
    """V = 200 and n = 8: a context of 7 characters times the base is about 2.6e18, where a
    float64 cannot tell the next characters 0 to 199 apart (its spacing there is 512)."""
    context = [199] * 7
    codes = np.array(context + [3] + context + [5])
    model = fit_ngram(codes, 8, 200, discount=0.0)
    p = ngram_probs(model, codes)
    assert p[7] == 0.5 and p[15] == 0.5  # the context was followed by 3 once and by 5 once


# ---- corpus: whole messages, the edges of each check, and what a text file becomes

from rnn_helpers.corpus import char_vocabulary, corpus_hash, load_corpus, split_corpus  # noqa: E402


def test_corpus_hash_and_its_error():
    import hashlib

    assert corpus_hash("é") == hashlib.sha256("é".encode("utf-8")).hexdigest()
    with pytest.raises(TypeError, match=exactly("text must be a str, got bytes")):
        corpus_hash(b"abc")


def test_load_corpus_whole_messages(tmp_path):
    with pytest.raises(TypeError, match=exactly("path must be a file name (str or pathlib.Path), got int")):
        load_corpus(3)
    missing = tmp_path / "missing.txt"
    with pytest.raises(FileNotFoundError, match=exactly(f"path: no file at {str(missing)!r}; give the path of a text file")):
        load_corpus(missing)
    with pytest.raises(ValueError, match=exactly(f"path: {str(tmp_path)!r} is a folder; give the path of one text file in it")):
        load_corpus(tmp_path)
    binary = tmp_path / "picture.png"
    binary.write_bytes(b"ab\x00" * 10)
    with pytest.raises(ValueError, match=exactly("path: 'picture.png' looks like a binary file (it holds NUL bytes), "
                                               "not text; give a plain-text file such as .txt, .md or .py")):
        load_corpus(binary)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café ".encode("latin-1") * 300)
    with pytest.raises(ValueError, match=exactly("path: 'latin.txt' is not UTF-8 text (byte 3 is 0xe9); save it as "
                                               "UTF-8, or convert it, e.g. open(p, encoding='latin-1').read() "
                                               "then write it with encoding='utf-8'")):
        load_corpus(latin)


def test_load_corpus_reads_text_as_described(tmp_path):
    path = tmp_path / "text.txt"
    path.write_bytes("\ufeff".encode("utf-8") + b"a\r\nb\rc\n" + b"x" * 994)  # a byte-order mark
    text = load_corpus(path)                                               # and three kinds of line end
    assert text == "a\nb\nc\n" + "x" * 994 and len(text) == 1000           # exactly the minimum is enough
    with pytest.raises(ValueError, match=exactly("path: 'text.txt' has 1000 characters; a language model needs at "
                                               "least 1001 (a few hundred thousand is better)")):
        load_corpus(path, min_characters=1001)
    ends = tmp_path / "ends.txt"
    ends.write_bytes(b"x" * 1000 + "\ufeff".encode("utf-8"))             # a mark at the end stays
    assert load_corpus(ends).endswith("\ufeff")
    late = tmp_path / "late.txt"
    late.write_bytes(b"x" * 65536 + b"\x00")       # only the first 64 KiB are looked at for NUL bytes
    assert len(load_corpus(late)) == 65537


@pytest.mark.parametrize("call, message", [
    (lambda: split_corpus(""), "text must be a non-empty string"),
    (lambda: split_corpus(5), "text must be a non-empty string"),
    (lambda: split_corpus("x" * 100, validation_share=0), "validation_share must be between 0 and 0.5; got 0"),
    (lambda: split_corpus("x" * 100, validation_share=0.5), "validation_share must be between 0 and 0.5; got 0.5"),
    (lambda: split_corpus("x" * 100, validation_share=0.7), "validation_share must be between 0 and 0.5; got 0.7"),
    (lambda: split_corpus("x" * 100, block=0), "block must be a positive integer; got 0"),
    (lambda: split_corpus("x" * 100, block=2.0), "block must be a positive integer; got 2.0"),
    (lambda: split_corpus("x" * 9, block=1), "text has 9 characters: too short to hold out one block of 1 in "
                                              "every 10; give more text or a smaller block"),
    (lambda: char_vocabulary(""), "text must be a non-empty string"),
    (lambda: char_vocabulary(["a"]), "text must be a non-empty string"),
])
def test_split_and_vocabulary_errors(call, message):
    with pytest.raises(ValueError, match=exactly(message)):
        call()


def test_split_corpus_holds_out_exactly_every_kth_block():
    text = "abcdefghij"  # ten blocks of one character: the tenth is held out
    assert split_corpus(text, block=1) == ("abcdefghi", "j")
    assert split_corpus("abcdefghijklmnopqrst", validation_share=0.25, block=2) == ("abcdefijklmnqrst", "ghop")


def test_load_corpus_strips_only_the_byte_order_mark(tmp_path):
    path = tmp_path / "capitals.txt"
    path.write_bytes("\ufeff".encode("utf-8") + b"XX" + b"y" * 998)
    assert load_corpus(path) == "XX" + "y" * 998


def test_corpus_manifest_is_plain_ascii():
    """So that it reads the same whatever encoding a machine uses by default."""
    from rnn_helpers.corpus import DATA

    assert (DATA / "book_corpus.json").read_bytes().isascii()
