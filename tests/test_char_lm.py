"""Chapter 6: the corpus, the n-gram baselines, truncated BPTT, sampling and the checkpoint."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from rnn_helpers.corpus import (book_corpus, char_vocabulary, corpus_hash, corpus_manifest, load_corpus,
                                split_corpus)
from rnn_helpers.ngram import bits_per_character, fit_ngram, ngram_probs, perplexity
from rnn_helpers.vocab import Vocabulary

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # the machine is shared; one thread is also what the chapter uses
from rnn_helpers.char_lm import (CHECKPOINT, check_prompt, count_parameters, detach_state,  # noqa: E402
                                 generate, load_checkpoint, make_char_lm, rnn_size_matching,
                                 sample_with_temperature, stream_batches, train_tbptt, validation_bits)
from rnn_helpers.lm_display import coloured_text, sample_frames, text_features  # noqa: E402

# ---------------------------------------------------------------- the corpus


def test_frozen_corpus_matches_its_manifest():
    text = book_corpus()
    manifest = corpus_manifest()
    assert corpus_hash(text) == manifest["sha256"]
    assert len(text) == manifest["characters"]
    assert 200_000 < len(text) < 600_000


def test_split_keeps_every_character_and_mixes_english_and_python():
    text = book_corpus()
    train, val = split_corpus(text)
    assert len(train) + len(val) == len(text)
    assert 0.08 < len(val) / len(text) < 0.12
    assert "def " in val and " the " in val


def test_load_corpus_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file"):
        load_corpus(tmp_path / "missing.txt")
    binary = tmp_path / "picture.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00" * 200)
    with pytest.raises(ValueError, match="binary"):
        load_corpus(binary)
    short = tmp_path / "short.txt"
    short.write_text("too short", encoding="utf-8")
    with pytest.raises(ValueError, match="at least 1000"):
        load_corpus(short)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café ".encode("latin-1") * 300)
    with pytest.raises(ValueError, match="not UTF-8.*byte 3"):
        load_corpus(latin)
    with pytest.raises(ValueError, match="folder"):
        load_corpus(tmp_path)
    good = tmp_path / "good.txt"
    good.write_bytes(b"line one\r\nline two\r\n" * 100)
    assert load_corpus(good).startswith("line one\nline two\n")


# ---------------------------------------------------------------- baselines


def test_ngram_matches_a_hand_count_on_a_tiny_text():
    text = "abracadabra"
    vocab = char_vocabulary(text)  # a b c d r
    codes = vocab.encode(text)
    model = fit_ngram(codes, 2, len(vocab), discount=0.0)
    # after "a": b twice, c once, d once, (the last a has no follower) -> p(b|a) = 2/4
    p = ngram_probs(model, vocab.encode("ab"))
    assert p[1] == pytest.approx(2 / 4)
    assert ngram_probs(model, vocab.encode("ac"))[1] == pytest.approx(1 / 4)
    assert ngram_probs(model, vocab.encode("aa"))[1] == 0.0  # never seen, no smoothing
    # the first character has no context: add-one unigram, (count + 1) / (11 + 5)
    assert p[0] == pytest.approx((5 + 1) / (11 + 5))
    # trigram: after "br" always "a"
    tri = fit_ngram(codes, 3, len(vocab), discount=0.0)
    assert ngram_probs(tri, vocab.encode("bra"))[2] == pytest.approx(1.0)


def test_smoothed_ngram_is_a_distribution_and_discounts():
    text = "abracadabra"
    vocab = char_vocabulary(text)
    model = fit_ngram(vocab.encode(text), 3, len(vocab), discount=0.5)
    for context in ("ab", "ra", "ca", "dd"):
        total = sum(ngram_probs(model, vocab.encode(context + c))[-1] for c in vocab.tokens)
        assert total == pytest.approx(1.0)
    assert 0 < ngram_probs(model, vocab.encode("aba"))[-1] < 1e-9 + 1  # unseen, but not impossible
    assert ngram_probs(model, vocab.encode("aba"))[-1] > 0


def test_ngram_matches_chapter_3_bigram_table():
    from rnn_helpers.bigram import bigram_probs, fit_bigram

    text = "the theme of these three"
    vocab = char_vocabulary(text)
    table = fit_bigram([text], vocab)
    ours = ngram_probs(fit_ngram(vocab.encode(text), 2, len(vocab), discount=0.0), vocab.encode(text))
    chapter3 = bigram_probs(table, vocab, text)[np.arange(len(text) - 1), vocab.encode(text)[1:]]
    np.testing.assert_allclose(ours[1:], chapter3)


def test_uniform_model_has_log2_v_bits():
    for v in (2, 5, 127):
        assert bits_per_character(np.full(100, 1 / v)) == pytest.approx(math.log2(v))
        assert perplexity(math.log2(v)) == pytest.approx(v)
    assert bits_per_character(np.array([0.5, 0.0])) == math.inf
    with pytest.raises(ValueError, match="probabilities"):
        bits_per_character(np.array([1.5]))


# ---------------------------------------------------------------- truncated BPTT


def test_detached_state_stops_the_gradient_at_the_chunk_border():
    torch.manual_seed(0)
    model = make_char_lm(5, 4, "lstm")
    stream = torch.tensor([[0], [1], [2], [3], [4], [0], [1], [2]])
    first, second = stream[:4], stream[4:]
    emb = []

    def hook(module, inputs, output):
        output.retain_grad()
        emb.append(output)

    # inputs of chunk 1 as a leaf we can ask for a gradient
    x1 = torch.nn.functional.one_hot(first, 5).float().requires_grad_()
    _, state = model.recurrent(x1)
    logits2, _, _ = model(second, detach_state(state))
    logits2.sum().backward()
    assert x1.grad is None or torch.count_nonzero(x1.grad) == 0  # chunk 2's loss does not reach chunk 1
    assert model.recurrent.weight_hh_l0.grad is not None
    # without the detach it does
    x1 = torch.nn.functional.one_hot(first, 5).float().requires_grad_()
    _, state = model.recurrent(x1)
    logits2, _, _ = model(second, state)
    logits2.sum().backward()
    assert torch.count_nonzero(x1.grad) > 0
    assert detach_state(None) is None
    assert not detach_state(torch.ones(2, requires_grad=True) * 2).requires_grad


def test_stream_batches_cuts_the_text_into_parallel_pieces():
    data = stream_batches(np.arange(10), 3)
    assert data.shape == (3, 3)
    assert data[:, 1].tolist() == [3, 4, 5]
    with pytest.raises(ValueError, match="too few"):
        stream_batches(np.arange(3), 2)


def test_train_tbptt_lowers_the_loss_and_is_seeded():
    codes = char_vocabulary("abcabcabd").encode("abcabcabd" * 60)
    runs = []
    for _ in range(2):
        model = make_char_lm(4, 8, "lstm", seed=1)
        runs.append(train_tbptt(model, codes, 40, chunk=9, batch=4, lr=1e-2))
    assert runs[0] == runs[1]
    assert runs[0][-1] < 0.5 * runs[0][0]


def test_rnn_matches_the_lstm_parameter_count():
    v = 127
    lstm = count_parameters(make_char_lm(v, 128, "lstm"))
    rnn = count_parameters(make_char_lm(v, rnn_size_matching(128, v), "rnn"))
    assert abs(rnn - lstm) / lstm < 0.01


# ---------------------------------------------------------------- sampling


def test_temperature_near_zero_is_argmax():
    rng = np.random.default_rng(0)
    logits = np.array([1.0, 3.0, 2.9, -1.0])
    assert {sample_with_temperature(logits, 1e-4, rng) for _ in range(200)} == {1}


def test_temperature_one_draws_the_models_distribution():
    rng = np.random.default_rng(1)
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    draws = 40_000
    counts = Counter(sample_with_temperature(logits, 1.0, rng) for _ in range(draws))
    freq = np.array([counts[i] for i in range(4)]) / draws
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.3, 0.4], atol=0.01)  # about 4 standard errors
    hot = Counter(sample_with_temperature(logits, 100.0, rng) for _ in range(draws))
    np.testing.assert_allclose(np.array([hot[i] for i in range(4)]) / draws, 0.25, atol=0.01)


@pytest.mark.parametrize("temperature", [0, -1.0, float("nan"), float("inf")])
def test_bad_temperature_is_refused(temperature):
    with pytest.raises(ValueError, match="temperature"):
        sample_with_temperature(np.zeros(3), temperature, np.random.default_rng(0))


def test_bad_prompts_are_refused():
    vocab = Vocabulary(list("ab "))
    with pytest.raises(ValueError, match="at least one character"):
        check_prompt("", vocab)
    with pytest.raises(ValueError, match=r"never saw: \['z'\]"):
        check_prompt("a z", vocab)
    model = make_char_lm(3, 4)
    with pytest.raises(ValueError, match="temperature"):
        generate(model, vocab, "ab", 5, temperature=0.0)
    with pytest.raises(TypeError, match="rng"):
        sample_with_temperature(np.zeros(3), 1.0, 0)
    assert len(generate(model, vocab, "ab", 7, seed=3)) == 7
    assert generate(model, vocab, "ab", 7, seed=3) == generate(model, vocab, "ab", 7, seed=3)


# ---------------------------------------------------------------- the committed checkpoint


@pytest.fixture(scope="module")
def checkpoint():
    if not CHECKPOINT.exists():
        pytest.skip("no checkpoint yet")
    return load_checkpoint()


def test_checkpoint_is_small_and_from_this_corpus(checkpoint):
    _, vocab, meta = checkpoint
    assert CHECKPOINT.stat().st_size < 2_000_000
    text = book_corpus()
    assert meta["corpus_sha256"] == corpus_hash(text)
    assert vocab.tokens == char_vocabulary(text).tokens
    assert {"seed", "models"} <= set(meta)


def test_checkpoint_gets_its_recorded_validation_bits(checkpoint):
    models, vocab, meta = checkpoint
    torch.set_num_threads(1)
    _, val = split_corpus(book_corpus())
    for name, model in models.items():
        assert meta["models"][name]["steps"] > 0
        assert validation_bits(model, vocab.encode(val)) == pytest.approx(meta["models"][name]["validation_bits"],
                                                                         abs=1e-3)


# ---------------------------------------------------------------- displays


def test_text_features_by_hand():
    f = text_features('f(a, "b")\nx')
    assert f["inside parentheses"].tolist() == [0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]
    assert f["inside quotes"].tolist() == [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert f["position in line"][-1] == pytest.approx(1 / 80)
    g = text_features("a\n    b\nc")
    assert g["indented line"].tolist() == [0, 0, 0, 0, 0, 1, 1, 0, 0]  # known once 4 spaces are read
    k = text_features("(`a\n\nb")  # unmatched ( and `: closed by the blank line
    assert k["inside parentheses"].tolist() == [1, 1, 1, 1, 0, 0]
    assert k["inside backticks"].tolist() == [0, 1, 1, 1, 0, 0]


def test_coloured_text_and_frames_check_their_inputs():
    assert coloured_text("ab", [0.5, -1.0]).count("<span") == 2
    with pytest.raises(ValueError, match="one value per character"):
        coloured_text("abc", [0.0, 1.0])
    frames, labels = sample_frames(["x<y", "z"], [0.5, 1.0], "p")
    assert labels == ["0.50", "1.00"] and "x&lt;y" in frames[0] and 'role="status"' in frames[1]


def test_read_in_numpy_matches_the_torch_module():
    from rnn_helpers.char_lm import read

    vocab = Vocabulary(list("abc d"))
    for kind in ("lstm", "rnn"):
        model = make_char_lm(len(vocab), 6, kind, seed=2)
        probs, h, c = read(model, vocab, "abc dab")
        with torch.no_grad():
            logits, h_torch, _ = model(torch.as_tensor(vocab.encode("abc dab"))[:, None])
        np.testing.assert_allclose(probs, torch.softmax(logits[:, 0].double(), -1).numpy(), atol=1e-6)
        np.testing.assert_allclose(h, h_torch[:, 0].double().numpy(), atol=1e-6)
        assert (c is None) == (kind == "rnn")


def test_forget_gate_means_match_the_torch_modules_gates():
    from rnn_helpers.char_lm import forget_gate_means

    vocab = Vocabulary(list("abc d"))
    model = make_char_lm(len(vocab), 6, "lstm", seed=3)
    text = "abc dab dd"
    layer = model.recurrent
    hidden = 6
    h = torch.zeros(hidden, dtype=torch.float64)
    c = torch.zeros(hidden, dtype=torch.float64)
    forget = []
    with torch.no_grad():  # the gates by hand from torch's weights, order i, f, g, o
        w_ih, w_hh = layer.weight_ih_l0.double(), layer.weight_hh_l0.double()
        bias = (layer.bias_ih_l0 + layer.bias_hh_l0).double()
        for code in vocab.encode(text):
            i, f, g, o = (w_ih[:, code] + w_hh @ h + bias).split(hidden)
            i, f, o, g = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o), torch.tanh(g)
            c = f * c + i * g
            h = o * torch.tanh(c)
            forget.append(f)
    expected = torch.stack(forget).mean(0).numpy()
    means = forget_gate_means(model, vocab, text)
    assert means.shape == (hidden,)
    np.testing.assert_allclose(means, expected, atol=1e-6)
    # a forget-gate bias of 20 keeps every gate at 1 (to float64's precision)
    with torch.no_grad():
        layer.bias_hh_l0[hidden:2 * hidden] = 20.0
    np.testing.assert_allclose(forget_gate_means(model, vocab, text), 1.0, atol=1e-8)


def test_forget_gate_means_refuse_an_rnn_and_unknown_characters():
    from rnn_helpers.char_lm import forget_gate_means

    vocab = Vocabulary(list("ab"))
    with pytest.raises(ValueError, match="model must be an LSTM language model"):
        forget_gate_means(make_char_lm(2, 3, "rnn"), vocab, "ab")
    with pytest.raises(ValueError):
        forget_gate_means(make_char_lm(2, 3, "lstm"), vocab, "abz")


def test_generate_several_temperatures_side_by_side():
    vocab = Vocabulary(list("ab "))
    model = make_char_lm(3, 4, seed=0)
    texts = generate(model, vocab, "ab", 12, temperature=[0.5, 1.0], seed=4)
    assert [len(t) for t in texts] == [12, 12]
    with pytest.raises(ValueError, match="temperature"):
        generate(model, vocab, "ab", 3, temperature=[1.0, float("nan")])


def test_wrap_text_breaks_at_spaces_and_fits_the_width():
    from rnn_helpers.lm_display import wrap_text

    assert wrap_text("the step of the layer", width=10) == "the step\nof the\nlayer"
    assert wrap_text("abcdefghijkl", width=5) == "abcde\nfghij\nkl"
    assert wrap_text("    indented code\n\nx", width=12) == "    indented\ncode\n\nx"
    text = "torch.nn.Linear " * 20 + "\n" + "x" * 200
    assert all(len(line) <= 84 for line in wrap_text(text).split("\n"))


def test_temperature_bars_side_by_side_or_stacked():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnn_helpers.lm_display import plot_temperature_bars

    probs = {f"T = {t}": np.array([0.5, 0.3, 0.2]) for t in (0.5, 1.0, 2.0)}
    for stacked, (rows, cols) in ((False, (1, 3)), (True, (3, 1))):
        fig = plot_temperature_bars(probs, ["a", "b", "c"], top=2, stacked=stacked)
        spec = fig.axes[0].get_subplotspec().get_gridspec()
        assert (spec.nrows, spec.ncols) == (rows, cols)
        assert [ax.get_title() for ax in fig.axes] == list(probs)
        plt.close(fig)
