"""Chapter 6's character language model, exactly: softmax values, size matching, whole error
messages, generation replayed step by step, and what load_checkpoint refuses to unpickle."""

import math
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
from rnn_helpers.char_lm import (check_prompt, check_temperature, count_parameters, forget_gate_means,  # noqa: E402
                                 generate, load_checkpoint, make_char_lm, rnn_size_matching,
                                 sample_with_temperature, save_checkpoint, softmax_with_temperature, stream_batches,
                                 train_tbptt, validation_bits)
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


# ---------------------------------------------------------------- sample_with_temperature, draw by draw


class FixedDraw(np.random.Generator):
    """A Generator whose ``random()`` always returns ``u``: it puts the draw exactly where a test wants it."""

    def __init__(self, u):
        super().__init__(np.random.PCG64(0))
        self.u = float(u)  # a Python float, as Generator.random() returns

    def random(self, *args, **kwargs):
        return self.u


LARGEST_DRAW = 1 - 2 ** -53  # the largest number Generator.random() returns


# Equal logits: exp(0) = 1 on every machine, so the probabilities (halves, quarters) and their sums
# are exact. With other logits the cumulative sums depend on the last bit of numpy's exp, which
# differs between processors, and a draw placed exactly on one would not be a portable test.
@pytest.mark.parametrize("logits", [[0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
def test_sample_with_temperature_a_draw_at_a_cumulative_probability_starts_the_next_index(logits):
    cumulative = np.cumsum(softmax_with_temperature(logits, 1.0))
    for k, boundary in enumerate(cumulative[:-1]):
        assert sample_with_temperature(logits, 1.0, FixedDraw(boundary)) == k + 1


@pytest.mark.parametrize("logits", [[0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
def test_sample_with_temperature_a_draw_just_below_a_cumulative_probability_keeps_the_index(logits):
    cumulative = np.cumsum(softmax_with_temperature(logits, 1.0))
    for k, boundary in enumerate(cumulative[:-1]):
        assert sample_with_temperature(logits, 1.0, FixedDraw(np.nextafter(boundary, 0.0))) == k


def test_sample_with_temperature_never_draws_an_index_of_probability_zero():
    logits = [-1000.0, 0.0, -1000.0]  # exp(-1000) is 0 in float64: all the mass is on index 1
    assert sample_with_temperature(logits, 1.0, FixedDraw(0.0)) == 1
    assert sample_with_temperature(logits, 1.0, FixedDraw(LARGEST_DRAW)) == 1


def test_sample_with_temperature_largest_draw_gives_the_last_index():
    """Ten 0.1's add up (one after the other) to 0.9999999999999999 = LARGEST_DRAW, below their
    sum 1.0: the draw lands past the last cumulative probability, and still names index 9."""
    assert sample_with_temperature(np.zeros(10), 1.0, FixedDraw(LARGEST_DRAW)) == 9


def test_sample_with_temperature_reads_float32_logits_as_float64():
    """A torch model's logits are float32: the draw is the one their float64 values give. Two
    equal logits split at 1/2; in float32 the draw just below 1/2 would round up onto it."""
    below_half = np.nextafter(0.5, 0.0)
    for logits in (np.zeros(2, dtype=np.float32), np.zeros(2)):
        assert sample_with_temperature(logits, 1.0, FixedDraw(below_half)) == 0
        assert sample_with_temperature(logits, 1.0, FixedDraw(0.5)) == 1


def test_sample_with_temperature_one_logit_is_index_zero():
    assert sample_with_temperature([2.5], 0.5, np.random.default_rng(0)) == 0


@pytest.mark.parametrize("logits, shape", [([], "(0,)"), ([[0.0, 1.0]], "(1, 2)"), (1.0, "()"),
                                           ([0.0, float("nan")], "(2,)"), ([float("inf"), 0.0], "(2,)")])
def test_sample_with_temperature_logits_message(logits, shape):
    with pytest.raises(ValueError, match=exactly(
            f"logits must be a non-empty 1-D array of finite numbers; got shape {shape}")):
        sample_with_temperature(logits, 1.0, np.random.default_rng(0))


def test_sample_with_temperature_rng_message():
    with pytest.raises(TypeError, match=exactly(
            "rng must be a numpy.random.Generator (np.random.default_rng(seed)), got int")):
        sample_with_temperature([0.0, 1.0], 1.0, 0)


@pytest.mark.parametrize("temperature, name", [(True, "bool"), ("1", "str"), (None, "NoneType")])
def test_check_temperature_type_message(temperature, name):
    with pytest.raises(TypeError, match=exactly(f"temperature must be a number > 0, got {name}")):
        check_temperature(temperature)


# ---------------------------------------------------------------- make_char_lm


def test_make_char_lm_defaults_are_an_lstm_and_seed_zero():
    weights = make_char_lm(3, 2).state_dict()
    for key, value in make_char_lm(3, 2, kind="lstm", seed=0).state_dict().items():
        assert torch.equal(weights[key], value)
    assert not torch.equal(weights["out.weight"], make_char_lm(3, 2, seed=1).state_dict()["out.weight"])
    # the class itself is an LSTM model unless told otherwise
    model = type(make_char_lm(3, 2, "rnn"))(3, 2)
    assert model.kind == "lstm" and isinstance(model.recurrent, torch.nn.LSTM)


def test_make_char_lm_kind_message():
    with pytest.raises(ValueError, match=exactly("kind must be 'lstm' or 'rnn'; got 'gru'")):
        make_char_lm(3, 2, "gru")


# ---------------------------------------------------------------- stream_batches


def test_stream_batches_at_their_smallest():
    assert stream_batches(np.arange(3), 1).tolist() == [[0], [1], [2]]  # one stream
    assert stream_batches(np.arange(5), 2).tolist() == [[0, 2], [1, 3]]  # streams of 2 characters


def test_stream_batches_are_int64_whatever_the_codes_dtype():
    data = stream_batches(np.arange(10, dtype=np.uint8), 3)
    assert data.dtype == torch.int64
    assert data.tolist() == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]


@pytest.mark.parametrize("batch", [0, -1, 2.0])
def test_stream_batches_batch_message(batch):
    with pytest.raises(ValueError, match=exactly(f"batch must be a positive integer; got {batch!r}")):
        stream_batches(np.arange(10), batch)


@pytest.mark.parametrize("size, batch", [(3, 2), (1, 1), (5, 3)])
def test_stream_batches_too_short_message(size, batch):
    with pytest.raises(ValueError, match=exactly(
            f"codes has {size} characters: too few for {batch} streams of at least 2")):
        stream_batches(np.arange(size), batch)


# ---------------------------------------------------------------- train_tbptt

STREAM = np.random.default_rng(7).integers(0, len(VOCAB), 15)  # 2 streams of 7 characters, one left over


def chunk_bits(model, x, y, state=None):
    """Bits per character of ``model`` predicting ``y`` from ``x`` (T, B), and its final state."""
    with torch.no_grad():
        logits, _, state = model(x, state)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, len(VOCAB)), y.reshape(-1))
    return loss.item() / math.log(2), state


@pytest.mark.parametrize("carry_state", [True, False])
def test_train_tbptt_reads_the_chunks_in_order_and_wraps_around(carry_state):
    """With lr=0 the model never changes, so every loss is the fixed model's on the chunk read:
    2 streams of 7 rows (0-6) in chunks of 3 read rows 0-3, then 3-6; the next chunk would need
    rows 6-9, so the third update starts over at row 0 from a zero state."""
    model = make_char_lm(len(VOCAB), 4, seed=3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    losses = train_tbptt(model, STREAM, 4, chunk=3, batch=2, lr=0.0, carry_state=carry_state)
    data = stream_batches(STREAM, 2)
    first, state = chunk_bits(model, data[0:3], data[1:4])
    second, _ = chunk_bits(model, data[3:6], data[4:7], state if carry_state else None)
    assert losses == pytest.approx([first, second, first, second], rel=1e-6)
    assert first != pytest.approx(second, rel=1e-3)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])


def test_train_tbptt_zero_steps_and_chunks_of_one():
    model = make_char_lm(len(VOCAB), 4, seed=3)
    assert train_tbptt(model, STREAM, 0, chunk=3, batch=2) == []
    assert not model.training
    data = stream_batches(STREAM, 1)
    expected, _ = chunk_bits(model, data[0:1], data[1:2])
    assert train_tbptt(model, STREAM, 1, chunk=1, batch=1, lr=0.0) == pytest.approx([expected], rel=1e-6)


def test_train_tbptt_messages():
    model = make_char_lm(len(VOCAB), 2)
    for steps in (-1, 2.0):
        with pytest.raises(ValueError, match=exactly(f"steps must be a non-negative integer; got {steps!r}")):
            train_tbptt(model, STREAM, steps, chunk=3, batch=2)
    for chunk in (0, 1.5):
        with pytest.raises(ValueError, match=exactly(f"chunk must be a positive integer; got {chunk!r}")):
            train_tbptt(model, STREAM, 1, chunk=chunk, batch=2)


def test_train_tbptt_logs_the_first_every_log_every_th_and_the_last_update():
    lines = []
    losses = train_tbptt(make_char_lm(len(VOCAB), 2), STREAM, 5, chunk=3, batch=2, lr=0.0, log_every=2,
                         out=lines.append)
    assert lines == [f"update {step} | training loss {losses[int(step) - 1]:.2f} bits per character"
                     for step in ("   1", "   2", "   4", "   5")]


def test_train_tbptt_defaults():
    """Three updates of a small model on 32 streams of 130 characters: changing any default
    changes them."""
    codes = np.random.default_rng(2).integers(0, len(VOCAB), 32 * 130)

    def run(**options):
        lines = []
        return train_tbptt(peaked_model(), codes, 3, out=lines.append, **options), lines

    losses, lines = run()
    assert lines == []
    assert (losses, lines) == run(chunk=64, batch=32, lr=3e-3, clip=1.0, carry_state=True, log_every=0)
    for other in ({"chunk": 65}, {"batch": 33}, {"lr": 1.003}, {"clip": 2.0}, {"carry_state": False}):
        assert run(**other)[0] != losses, other


def test_train_tbptt_cosine_lowers_the_learning_rate_after_the_first_update():
    """Over 3 updates the cosine schedule keeps the full rate for the first update and 3/4 of it for
    the second: the loss after one update is the same, the one after two is not."""
    codes = np.random.default_rng(2).integers(0, len(VOCAB), 2 * 40)
    plain = train_tbptt(peaked_model(), codes, 3, chunk=8, batch=2, lr=0.05)
    cosine = train_tbptt(peaked_model(), codes, 3, chunk=8, batch=2, lr=0.05, cosine=True)
    assert cosine[:2] == plain[:2]
    assert cosine[2] != pytest.approx(plain[2], rel=1e-4)


class StopTraining(Exception):
    pass


class DeviceSpy(torch.nn.Module):
    """Records the device of the characters it is given, then stops the training."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.devices = []

    def forward(self, codes, state=None):
        self.devices.append(codes.device)
        raise StopTraining


@pytest.mark.parametrize("device, expected", [(None, "cpu"), (torch.device("meta"), "meta"), ("meta", "meta")])
def test_train_tbptt_puts_the_text_on_the_device_given(device, expected):
    spy = DeviceSpy()
    with pytest.raises(StopTraining):
        train_tbptt(spy, STREAM, 1, chunk=3, batch=2, device=device)
    assert spy.devices == [torch.device(expected)]


@pytest.mark.parametrize("size, chunk, batch, each", [(20, 10, 2, 10), (200, 64, 32, 6)])
def test_train_tbptt_names_a_chunk_longer_than_the_streams(size, chunk, batch, each):
    """Before, torch failed inside cross_entropy ("Expected input batch_size (20) to match target
    batch_size (18)"); with the defaults (chunk 64, batch 32) any text under 2,080 characters did."""
    model = make_char_lm(3, 2)
    with pytest.raises(ValueError, match=exactly(
            f"chunk {chunk} needs {chunk + 1} characters in each stream, but {size} characters cut into {batch} "
            f"streams give {each} each; use chunk <= {each - 1} or a smaller batch")):
        train_tbptt(model, np.arange(size) % 3, 1, chunk=chunk, batch=batch)
    assert len(train_tbptt(model, np.arange(size) % 3, 1, chunk=each - 1, batch=batch, lr=0.0)) == 1
