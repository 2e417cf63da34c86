"""Chapter 6's character language model, exactly: softmax values, size matching, whole error
messages, generation replayed step by step, and what load_checkpoint refuses to unpickle."""

import math
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
from rnn_helpers.char_lm import (check_prompt, count_parameters, forget_gate_means, generate,  # noqa: E402
                                 load_checkpoint, make_char_lm, rnn_size_matching, sample_with_temperature,
                                 save_checkpoint, softmax_with_temperature, stream_batches, validation_bits)
from rnn_helpers.vocab import Vocabulary  # noqa: E402
from reference import exactly  # noqa: E402

VOCAB = Vocabulary(list("ab "))
THIRDS = [1 / 3, 2 / 3]


def peaked_model():
    """A small LSTM whose read-out is scaled up, so that the temperature and the seed matter, and
    whose forget gates stay near 1, so that its cell state sums everything it has read."""
    model = make_char_lm(len(VOCAB), 8, seed=1)
    with torch.no_grad():
        model.out.weight.mul_(8.0)
        model.recurrent.bias_hh_l0[8:16] = 5.0  # gate order i, f, g, o
    return model


# ---------------------------------------------------------------- softmax_with_temperature


def test_softmax_with_temperature_values_on_one_row():
    np.testing.assert_allclose(softmax_with_temperature([0.0, math.log(2)], 1.0), THIRDS, rtol=1e-15)
    # logits / 2: [0, ln 4] / 2 = [0, ln 2]
    np.testing.assert_allclose(softmax_with_temperature([0.0, math.log(4)], 2.0), THIRDS, rtol=1e-15)


def test_softmax_with_temperature_returns_float64_for_float32_logits():
    p = softmax_with_temperature(np.array([0.0, math.log(4)], dtype=np.float32), 2.0)
    assert p.dtype == np.float64
    np.testing.assert_allclose(p, THIRDS, rtol=1e-7)


def test_softmax_with_temperature_is_stable_per_row_for_huge_logits():
    logits = np.array([[0.0, math.log(2)], [1000.0, 1000.0 + math.log(2)]])
    with np.errstate(all="raise"):  # no overflow, no 0 / 0
        p = softmax_with_temperature(logits, 1.0)
    np.testing.assert_allclose(p, [THIRDS, THIRDS], rtol=1e-12)


# ---------------------------------------------------------------- rnn_size_matching


@pytest.mark.parametrize("lstm_hidden, vocab_size, expected", [(1, 10, 3), (3, 27, 7), (2, 3, 5)])
def test_rnn_size_matching_picks_the_nearest_parameter_count(lstm_hidden, vocab_size, expected):
    size = rnn_size_matching(lstm_hidden, vocab_size)
    assert size == expected
    lstm = count_parameters(make_char_lm(vocab_size, lstm_hidden, "lstm"))
    gaps = [abs(count_parameters(make_char_lm(vocab_size, h, "rnn")) - lstm) for h in (size - 1, size, size + 1)]
    assert gaps[1] < gaps[0] and gaps[1] < gaps[2]


# ---------------------------------------------------------------- whole error messages


def test_check_prompt_messages():
    with pytest.raises(TypeError, match=exactly("prompt must be a str, got int")):
        check_prompt(5, VOCAB)
    with pytest.raises(ValueError, match=exactly(
            "prompt must hold at least one character for the model to read; got ''")):
        check_prompt("", VOCAB)
    with pytest.raises(ValueError, match=exactly(
            "prompt holds 2 character(s) the model never saw: ['y', 'z']; use characters of its vocabulary")):
        check_prompt("a zyz", VOCAB)


@pytest.mark.parametrize("model, shown", [(make_char_lm(3, 2, "rnn"), "'rnn'"), ("a model", "'str'")])
def test_forget_gate_means_message_names_what_it_got(model, shown):
    with pytest.raises(ValueError, match=exactly(
            f"model must be an LSTM language model (make_char_lm(..., kind='lstm')); got {shown}")):
        forget_gate_means(model, VOCAB, "ab")


def test_generate_messages():
    model = make_char_lm(len(VOCAB), 4)
    with pytest.raises(ValueError, match=exactly("temperature must be a number > 0 or a non-empty list of them")):
        generate(model, VOCAB, "ab", 3, temperature=[])
    for length in (-1, 2.0):
        with pytest.raises(ValueError, match=exactly(f"length must be a non-negative integer; got {length!r}")):
            generate(model, VOCAB, "ab", length)


# ---------------------------------------------------------------- generate


def test_generate_zero_characters():
    model = make_char_lm(len(VOCAB), 4)
    assert generate(model, VOCAB, "ab", 0) == ""
    assert generate(model, VOCAB, "ab", 0, temperature=[1.0, 0.5]) == ["", ""]


def test_generate_defaults_are_temperature_one_and_seed_zero():
    model = peaked_model()
    text = generate(model, VOCAB, "ab", 30)
    assert text == generate(model, VOCAB, "ab", 30, temperature=1.0, seed=0)
    assert text != generate(model, VOCAB, "ab", 30, temperature=2.0, seed=0)
    assert text != generate(model, VOCAB, "ab", 30, temperature=1.0, seed=1)


def test_generate_replays_as_draws_from_the_model_reading_prompt_and_its_own_text():
    """Each character is drawn from the model's prediction after the prompt (read once) and the
    characters written so far, with the state carried along: replay the draws from one run of
    the model over the whole text."""
    model = peaked_model()
    prompt, temperature, seed = "ab", 0.7, 5
    text = generate(model, VOCAB, prompt, 25, temperature=temperature, seed=seed)
    codes = torch.as_tensor(VOCAB.encode(prompt + text[:-1]))[:, None]
    with torch.no_grad():
        logits = model(codes)[0][:, 0].double().numpy()
    rng = np.random.default_rng(seed)
    replay = [VOCAB.tokens[sample_with_temperature(logits[len(prompt) - 1 + i], temperature, rng)]
              for i in range(len(text))]
    assert "".join(replay) == text
    assert len(set(text)) > 1


# ---------------------------------------------------------------- load_checkpoint


class Payload:
    """Stands for any pickled object that is not plain weights (it could run code when loaded)."""


@pytest.mark.parametrize("environment", ["", "1"])
def test_load_checkpoint_refuses_a_file_with_pickled_objects(tmp_path, monkeypatch, environment):
    """weights_only=True is given explicitly: it holds even where TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD
    switches torch.load's default off."""
    path = tmp_path / "lm.pt"
    save_checkpoint(path, {"tiny": make_char_lm(len(VOCAB), 2)}, VOCAB, {"note": Payload()})
    if environment:
        monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", environment)
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(path)


# ---------------------------------------------------------------- validation_bits


def test_validation_bits_equal_one_pass_over_the_streams():
    """Chunks with the state carried along predict exactly what one pass over each stream does:
    8 rows in chunks of 3 (starts 0, 3, 6) score all 7 next characters of each of the 2 streams."""
    model = make_char_lm(len(VOCAB), 5, seed=2)
    codes = np.random.default_rng(0).integers(0, len(VOCAB), 17)  # 2 streams of 8, one left over
    data = stream_batches(codes, 2)
    with torch.no_grad():
        logits = model(data[:-1])[0].double()
    expected = torch.nn.functional.cross_entropy(logits.reshape(-1, len(VOCAB)), data[1:].reshape(-1))
    assert validation_bits(model, codes, streams=2, chunk=3) == pytest.approx(float(expected) / math.log(2),
                                                                             rel=1e-6)


def test_validation_bits_defaults_are_8_streams_and_chunks_of_500():
    model = make_char_lm(len(VOCAB), 3, seed=0)
    codes = np.random.default_rng(1).integers(0, len(VOCAB), 8 * 1200)
    assert validation_bits(model, codes) == validation_bits(model, codes, streams=8, chunk=500)
