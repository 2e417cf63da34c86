"""The chapter-1 helpers: initialisation, the four sequence shapes, the previous-frame memory."""

import re

import numpy as np
import pytest
import torch

from rnn_helpers import rnn_forward
from rnn_helpers.init import init_readout, init_rnn_params
from rnn_helpers.memory_demos import speeds_from_frames
from rnn_helpers.sequence_tasks import encode_decode, many_to_many, many_to_one, one_to_many, one_to_one, read_out

PARAMS = init_rnn_params(3, 5, seed=1)
READOUT = init_readout(5, 2, seed=2)


def test_init_is_seeded_and_shaped_like_torch():
    again = init_rnn_params(3, 5, seed=1)
    for key, value in PARAMS.items():
        np.testing.assert_array_equal(value, again[key])
        assert value.shape == tuple(getattr(torch.nn.RNN(3, 5), f"{key}_l0").shape)
    assert np.abs(PARAMS["weight_hh"]).max() <= 1 / np.sqrt(5)
    assert init_rnn_params(3, 5, gates=4)["weight_hh"].shape == (20, 5)
    with pytest.raises(ValueError, match=r"hidden_size must be a positive integer; got 0"):
        init_rnn_params(3, 0)


def test_shapes_of_the_four_problems():
    xs = np.random.default_rng(0).normal(size=(4, 3))
    assert one_to_one(xs[0], PARAMS, READOUT).shape == (2,)
    assert one_to_many(xs[0], PARAMS, READOUT, steps=6).shape == (6, 2)
    assert many_to_one(xs, PARAMS, READOUT).shape == (2,)
    assert many_to_many(xs, PARAMS, READOUT).shape == (4, 2)
    decoder = init_rnn_params(1, 5, seed=3)
    assert encode_decode(xs, PARAMS, decoder, READOUT, steps=7).shape == (7, 2)


def test_shapes_compute_what_they_say():
    xs = np.random.default_rng(1).normal(size=(4, 3))
    h, _ = rnn_forward(xs, PARAMS)
    manual = h @ READOUT["weight"].T + READOUT["bias"]
    np.testing.assert_allclose(many_to_many(xs, PARAMS, READOUT), manual)
    np.testing.assert_allclose(many_to_one(xs, PARAMS, READOUT), manual[-1])
    np.testing.assert_allclose(one_to_one(xs[0], PARAMS, READOUT), manual[0])
    # one to many: after the first step the network reads zeros
    h_free, _ = rnn_forward(np.vstack([xs[:1], np.zeros((2, 3))]), PARAMS)
    np.testing.assert_allclose(one_to_many(xs[0], PARAMS, READOUT, 3), read_out(h_free, READOUT))


def torch_rnn(params):
    input_size, hidden = params["weight_ih"].shape[1], params["weight_hh"].shape[0]
    module = torch.nn.RNN(input_size, hidden).double()
    with torch.no_grad():
        for key, value in params.items():
            getattr(module, f"{key}_l0").copy_(torch.from_numpy(value))
    return module


def test_encode_decode_computes_torchs_encoder_then_decoder():
    """Values, not shapes: torch's encoder reads xs, its last state starts torch's decoder on zeros."""
    xs = np.random.default_rng(5).normal(size=(4, 3))
    decoder = init_rnn_params(1, 5, seed=3)
    with torch.no_grad():
        _, h_last = torch_rnn(PARAMS)(torch.from_numpy(xs))
        h_dec, _ = torch_rnn(decoder)(torch.zeros(7, 1, dtype=torch.float64), h_last)
    expected = h_dec.numpy() @ READOUT["weight"].T + READOUT["bias"]
    np.testing.assert_allclose(encode_decode(xs, PARAMS, decoder, READOUT, steps=7), expected, rtol=1e-12, atol=1e-14)


def test_encoder_state_reaches_the_decoder():
    xs = np.random.default_rng(2).normal(size=(4, 3))
    decoder = init_rnn_params(1, 5, seed=3)
    changed = xs.copy()
    changed[0] += 1.0
    assert not np.allclose(encode_decode(xs, PARAMS, decoder, READOUT, 3), encode_decode(changed, PARAMS, decoder, READOUT, 3))


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match=r"x must be 1-D \(input,\); got shape \(2, 3\)"):
        one_to_one(np.zeros((2, 3)), PARAMS, READOUT)
    with pytest.raises(ValueError, match=r"readout\['weight'\] must have shape \(output, 5\)"):
        many_to_one(np.zeros((2, 3)), PARAMS, init_readout(4, 2))
    with pytest.raises(ValueError, match=r"steps must be a positive integer; got 0"):
        one_to_many(np.zeros(3), PARAMS, READOUT, 0)


def test_previous_frame_rnn_recovers_speed():
    walking = np.arange(5.0)          # 1 unit per frame
    running = 3.0 * np.arange(5.0)    # 3 units per frame
    np.testing.assert_allclose(speeds_from_frames(walking)[1:], 1.0)
    np.testing.assert_allclose(speeds_from_frames(running)[1:], 3.0)
    with pytest.raises(ValueError, match=r"positions must be 1-D"):
        speeds_from_frames(np.zeros((2, 2)))


@pytest.mark.parametrize(
    "positions, error, message",
    [
        (np.zeros((2, 2)), ValueError, "positions must be 1-D (T,) positions, one per frame; got shape (2, 2) (2-D)"),
        ([], ValueError, "positions is empty; give at least one frame's position"),
        (["a"], TypeError, "positions must hold real numbers (int or float), got an array of dtype <U1"),
    ],
)
def test_speeds_from_frames_says_exactly_what_is_wrong(positions, error, message):
    """The whole message, not a part of it: the reader sees it."""
    with pytest.raises(error, match="^" + re.escape(message) + "$"):
        speeds_from_frames(positions)


DECODER = init_rnn_params(1, 5, seed=3)
KEYS = "must have exactly the keys ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']; missing ['weight_hh', 'bias_ih', 'bias_hh']"


@pytest.mark.parametrize("call, error, message", [
    (lambda: read_out("abc", READOUT), TypeError, "h must be a numpy array of real numbers, got str"),
    (lambda: read_out(2.0, READOUT), ValueError, "h must be hidden states of shape (..., hidden); got a single number 2.0"),
    (lambda: read_out(np.zeros((2, 5)), {"weight": np.zeros((2, 5))}), ValueError,
     "readout must have exactly the keys ['weight', 'bias']; missing ['bias']"),
    (lambda: read_out(np.zeros((2, 5)), {"weight": np.zeros((2, 5)), "bias": np.zeros(3)}), ValueError,
     "readout['bias'] must have shape (2,); got (3,)"),
    (lambda: one_to_one("abc", PARAMS, READOUT), TypeError, "x must be a numpy array of real numbers, got str"),
    (lambda: one_to_many(np.zeros(3), PARAMS, READOUT, True), ValueError, "steps must be a positive integer; got True"),
    (lambda: one_to_many(np.zeros(3), PARAMS, READOUT, 2.0), ValueError, "steps must be a positive integer; got 2.0"),
    (lambda: encode_decode(np.zeros((2, 3)), {"weight_ih": 1}, DECODER, READOUT, 2), ValueError, "encoder_params " + KEYS),
    (lambda: encode_decode(np.zeros((2, 3)), PARAMS, {"weight_ih": 1}, READOUT, 2), ValueError, "decoder_params " + KEYS),
    (lambda: encode_decode(np.zeros((2, 3)), PARAMS, DECODER, READOUT, 1.5), ValueError, "steps must be a positive integer; got 1.5"),
    (lambda: encode_decode(np.zeros((2, 3)), PARAMS, DECODER, READOUT, 0), ValueError, "steps must be a positive integer; got 0"),
    (lambda: encode_decode(np.zeros((2, 3)), PARAMS, DECODER, READOUT, np.True_), ValueError,
     "steps must be a positive integer; got np.True_"),
])
def test_sequence_shapes_say_exactly_what_is_wrong(call, error, message):
    with pytest.raises(error, match="^" + re.escape(message) + "$"):
        call()


def test_one_step_is_enough():
    xs = np.random.default_rng(6).normal(size=(4, 3))
    assert one_to_many(xs[0], PARAMS, READOUT, 1).shape == (1, 2)
    np.testing.assert_allclose(one_to_many(xs[0], PARAMS, READOUT, 1)[0], one_to_one(xs[0], PARAMS, READOUT))
    assert encode_decode(xs, PARAMS, DECODER, READOUT, 1).shape == (1, 2)
    assert encode_decode(xs, PARAMS, DECODER, READOUT, np.int64(2)).shape == (2, 2)
