"""Issue 20: six small bugs that got past every test, each now caught by a value check.

Every test below was run once against its bug (the mutation is named in the docstring) and
failed there; it passes on the real code.
"""

import numpy as np
import pytest
import torch

from rnn_helpers import params_from_torch, params_to_torch, rnn_backward, rnn_forward
from rnn_helpers.bigram import bigram_generate, fit_bigram
from rnn_helpers.init import init_readout, init_rnn_params
from rnn_helpers.long_lag import memory_unit
from rnn_helpers.sequence_tasks import encode_decode, read_out
from rnn_helpers.vocab import Vocabulary


def test_relu_passes_no_gradient_at_exactly_zero_as_torch_does():
    """Mutation: relu's derivative at a == 0 set to 1 (``a >= 0`` instead of ``a > 0``)."""
    # Zero weights and biases: every pre-activation is exactly 0 at every step.
    params = {"weight_ih": np.zeros((2, 1)), "weight_hh": np.zeros((2, 2)),
              "bias_ih": np.zeros(2), "bias_hh": np.zeros(2)}
    x = np.array([[1.0], [-2.0], [0.5]])
    h, cache = rnn_forward(x, params, nonlinearity="relu")
    dh = np.ones_like(h)
    grads = rnn_backward(dh, cache)
    module = torch.nn.RNN(1, 2, nonlinearity="relu").double()
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.zero_()
    out, _ = module(torch.from_numpy(x))
    out.backward(torch.from_numpy(dh))
    for key in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        reference = getattr(module, f"{key}_l0").grad.numpy()
        np.testing.assert_array_equal(grads[key], reference, err_msg=key)
    np.testing.assert_array_equal(grads["bias_ih"], [0.0, 0.0])  # torch passes 0 at a == 0


def test_bigram_generate_continues_from_the_last_character_of_start():
    """Mutation: generation continues from ``start[0]`` instead of ``start[-1]``."""
    vocab = Vocabulary(list("Pleas"))
    table = fit_bigram(["Please"], vocab)
    # After "l" comes "e"; after "P" would come "l".
    assert bigram_generate(table, vocab, "Pl", 1) == "Ple"
    assert bigram_generate(table, vocab, "Plea", 2) == "Please"


def test_bag_of_words_counts_repeated_words():
    """Mutation: ``bag_of_words`` takes the max over the one-hot rows instead of their sum."""
    vocab = Vocabulary(["the", "dog", "bit", "man"])
    bag = vocab.bag_of_words(["the", "dog", "bit", "the", "man"])
    np.testing.assert_array_equal(bag, [2.0, 1.0, 1.0, 1.0])


def test_memory_unit_finds_a_negatively_correlated_unit():
    """Mutation: ``memory_unit`` ranks units by their correlation, not its absolute value."""
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    sign = 2 * y - 1
    c_last = np.stack([0.1 * np.array([1, 2, -1, 0, 1, -2]),  # unit 0: weakly positive
                       -3.0 * sign + 0.01 * np.arange(6),  # unit 1: strongly negative
                       np.zeros(6)], axis=1)  # unit 2: constant
    traces = {"c": np.stack([np.zeros_like(c_last), c_last])}
    unit, correlation = memory_unit(traces, y)
    assert unit == 1
    assert correlation < -0.99


def test_params_to_torch_refuses_nonzero_biases_for_a_module_without_bias():
    """Mutation: the ``bias=False`` branch drops non-zero biases silently."""
    module = torch.nn.RNN(2, 3, bias=False).double()
    params = init_rnn_params(2, 3, seed=0)
    with pytest.raises(ValueError, match=r"module has bias=False but params\['bias_ih'\] is not all zeros"):
        params_to_torch(params, module)
    zero_bias = {**params, "bias_ih": np.zeros(3), "bias_hh": np.zeros(3)}
    params_to_torch(zero_bias, module)
    back = params_from_torch(module)
    for key, value in zero_bias.items():
        np.testing.assert_array_equal(back[key], value, err_msg=key)


def test_encode_decode_starts_the_decoder_from_the_encoders_last_state():
    """Mutation: the decoder starts from ``h_enc[0]`` instead of ``h_enc[-1]``."""
    encoder = init_rnn_params(2, 3, seed=1)
    decoder = init_rnn_params(2, 3, seed=2)
    readout = init_readout(3, 2, seed=3)
    xs = np.array([[1.0, -1.0], [0.5, 2.0], [-1.5, 0.25]])
    y = encode_decode(xs, encoder, decoder, readout, steps=4)
    # The same computation, written out: encoder, last state, decoder on zeros, read-out.
    h_enc, _ = rnn_forward(xs, encoder)
    h_dec, _ = rnn_forward(np.zeros((4, 2)), decoder, h0=h_enc[-1])
    np.testing.assert_array_equal(y, read_out(h_dec, readout))
    # A hand-computed first step, independent of rnn_forward's loop.
    first = np.tanh(decoder["weight_hh"] @ h_enc[-1] + decoder["bias_ih"] + decoder["bias_hh"])
    np.testing.assert_allclose(y[0], readout["weight"] @ first + readout["bias"], rtol=1e-14, atol=1e-15)
