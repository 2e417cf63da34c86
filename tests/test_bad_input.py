"""Every helper refuses bad input with a message naming the argument, what it expected and what came."""

import numpy as np
import pytest
import torch

from rnn_helpers import lstm_forward, params_from_torch, params_to_torch, rnn_backward, rnn_forward
from reference import random_params

RNG = np.random.default_rng(0)
PARAMS = random_params(RNG, input_size=3, hidden=4)
X = RNG.normal(size=(5, 3))


def with_value(key, value):
    return {**PARAMS, key: value}


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"x": X[0]}, ValueError, r"x must be 2-D \(T, input\) or 3-D \(T, batch, input\); got shape \(3,\)"),
        ({"x": X[None, None]}, ValueError, r"got shape \(1, 1, 5, 3\) \(4-D\)"),
        ({"x": np.zeros((0, 3))}, ValueError, r"empty sequence \(T = 0\)"),
        ({"x": np.zeros((2, 0, 3))}, ValueError, r"empty batch"),
        ({"x": X[:, :2]}, ValueError, r"x must have 3 features .* got shape \(5, 2\)"),
        ({"x": np.where(np.eye(5, 3) > 0, np.nan, X)}, ValueError, r"x must be finite, .* the first is nan at index \(0, 0\)"),
        ({"x": np.full((5, 3), np.inf)}, ValueError, r"x must be finite"),
        ({"x": "Please"}, TypeError, r"x must be a numpy array of real numbers, got str"),
        ({"x": torch.zeros(5, 3)}, TypeError, r"got a Tensor; convert it first with \.detach\(\)"),
        ({"x": X.astype(complex)}, TypeError, r"dtype complex128"),
        ({"x": [[1.0, 2.0], [3.0]]}, TypeError, r"rectangular"),
        ({"h0": np.zeros(5)}, ValueError, r"h0 must have shape \(4,\) \(\(hidden,\) for an unbatched x"),
        ({"h0": np.zeros((1, 4))}, ValueError, r"h0 must have shape \(4,\)"),
        ({"h0": np.array([0, 0, np.nan, 0])}, ValueError, r"h0 must be finite"),
        ({"nonlinearity": "softmax"}, ValueError, r"nonlinearity must be one of \['tanh', 'sigmoid', 'relu', 'linear'\], got 'softmax'"),
        ({"params": [1, 2]}, TypeError, r"params must be a dict of arrays"),
        ({"params": {k: v for k, v in PARAMS.items() if k != "bias_hh"}}, ValueError, r"missing \['bias_hh'\]"),
        ({"params": {**PARAMS, "weight_ho": np.zeros(2)}}, ValueError, r"unexpected \['weight_ho'\]"),
        ({"params": with_value("weight_hh", np.zeros((4, 3)))}, ValueError, r"weight_hh'\] must be 2-D of shape \(1\*hidden, hidden\); got \(4, 3\)"),
        ({"params": with_value("weight_ih", np.zeros((5, 3)))}, ValueError, r"weight_ih'\] must be 2-D of shape \(4, input\)"),
        ({"params": with_value("bias_ih", np.zeros((4, 1)))}, ValueError, r"bias_ih'\] must have shape \(4,\)"),
        ({"params": with_value("weight_hh", np.full((4, 4), np.inf))}, ValueError, r"params\['weight_hh'\] must be finite"),
    ],
)
def test_rnn_forward_refuses(kwargs, error, pattern):
    arguments = {"x": X, "params": PARAMS, **kwargs}
    with pytest.raises(error, match=pattern):
        rnn_forward(**arguments)


def test_batched_h0_must_match_the_batch():
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 4\) \(\(batch, hidden\) for a batched x of shape \(5, 2, 3\)"):
        rnn_forward(np.zeros((5, 2, 3)), PARAMS, np.zeros((3, 4)))


def test_rnn_backward_refuses_a_wrong_dh():
    h, cache = rnn_forward(X, PARAMS)
    with pytest.raises(ValueError, match=r"dh must have shape \(5, 4\) \(the shape of h returned by the forward pass\); got \(4, 4\)"):
        rnn_backward(h[1:], cache)
    with pytest.raises(ValueError, match=r"dh must be finite"):
        rnn_backward(np.full_like(h, np.nan), cache)


def test_lstm_refuses_rnn_sized_params():
    with pytest.raises(ValueError, match=r"must be 2-D of shape \(4\*hidden, hidden\); got \(4, 4\)"):
        lstm_forward(X, PARAMS)


def test_torch_bridge_refuses_other_modules():
    with pytest.raises(TypeError, match="must be a torch.nn.RNN, LSTM or GRU, got Linear"):
        params_from_torch(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="bidirectional"):
        params_from_torch(torch.nn.RNN(2, 2, bidirectional=True))
    with pytest.raises(ValueError, match=r"params\['weight_ih'\] must have shape \(4, 2\)"):
        params_to_torch(PARAMS, torch.nn.RNN(2, 4))
