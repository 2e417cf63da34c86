"""The nonlinearities: sigmoid's input check and its values for every kind of input it accepts."""

import re

import numpy as np
import pytest
import torch

from rnn_helpers.activations import NONLINEARITIES, sigmoid


@pytest.mark.parametrize("a", [[-800.0, -2.0, 0.0, 3.0, 800.0], (-2, 0, 3), np.array([-2, 0, 3]),
                               np.array([-2.0, 0.5], dtype=np.float32), 1.5])
def test_sigmoid_of_lists_integers_and_float32_is_torchs_in_float64(a):
    expected = torch.sigmoid(torch.tensor(np.asarray(a, dtype=np.float64))).numpy()
    with np.errstate(over="raise"):
        result = sigmoid(a)
    assert isinstance(result, np.ndarray) and result.dtype == np.float64
    np.testing.assert_allclose(result, expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize("a, kind", [("x", "str"), (None, "NoneType"), ({"a": 1}, "dict")])
def test_sigmoid_refuses_what_is_not_numbers_and_names_its_argument(a, kind):
    message = f"a must be a numpy array of real numbers, got {kind}"
    with pytest.raises(TypeError, match="^" + re.escape(message) + "$"):
        sigmoid(a)


def test_derivatives_match_torch_autograd():
    a = np.array([-3.0, -0.5, 0.25, 2.0])
    for name, torch_f in [("tanh", torch.tanh), ("sigmoid", torch.sigmoid), ("relu", torch.relu),
                          ("linear", lambda t: t * 1.0)]:
        f, df = NONLINEARITIES[name]
        leaf = torch.tensor(a, requires_grad=True)
        torch_f(leaf).sum().backward()
        h = f(a)
        np.testing.assert_allclose(h, torch_f(torch.tensor(a)).numpy(), rtol=1e-15)
        np.testing.assert_allclose(df(a, h), leaf.grad.numpy(), rtol=1e-12, err_msg=name)
