"""rnn_forward / rnn_backward against torch.nn.RNN, torch autograd and finite differences."""

import numpy as np
import pytest
import torch

from rnn_helpers import params_from_torch, rnn_backward, rnn_forward
from reference import autograd_rnn, finite_difference, module_with_params, random_params

SHAPES = [  # (T, batch or None, input, hidden)
    (1, None, 1, 1),
    (5, None, 3, 4),
    (7, 2, 3, 5),
    (4, 6, 1, 3),
]


def make_case(seed, steps, batch, input_size, hidden):
    rng = np.random.default_rng(seed)
    lead = (steps,) if batch is None else (steps, batch)
    x = rng.normal(size=lead + (input_size,))
    h0 = rng.normal(size=lead[1:] + (hidden,))
    dh = rng.normal(size=lead + (hidden,))
    return x, random_params(rng, input_size, hidden), h0, dh


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_matches_torch_rnn_module(shape, nonlinearity):
    x, params, h0, _ = make_case(0, *shape)
    module = module_with_params("RNN", params, nonlinearity)
    # torch wants h0 as (layers, [batch,] hidden)
    expected, h_n = module(torch.from_numpy(x), torch.from_numpy(h0)[None])
    h, _ = rnn_forward(x, params, h0, nonlinearity)
    np.testing.assert_allclose(h, expected.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(h[-1], h_n[0].detach().numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "sigmoid", "linear"])
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_autograd(shape, nonlinearity):
    x, params, h0, dh = make_case(1, *shape)
    expected_h, expected = autograd_rnn(x, params, h0, nonlinearity, dh)
    h, cache = rnn_forward(x, params, h0, nonlinearity)
    grads = rnn_backward(dh, cache)
    np.testing.assert_allclose(h, expected_h, rtol=0, atol=1e-10)
    assert set(grads) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "x", "h0"}
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-9, atol=1e-10, err_msg=key)


def test_backward_matches_torch_module_gradients():
    x, params, h0, dh = make_case(2, 6, 3, 2, 4)
    module = module_with_params("RNN", params)
    x_t = torch.tensor(x, requires_grad=True)
    out, _ = module(x_t)
    (out * torch.from_numpy(dh)).sum().backward()
    grads = rnn_backward(dh, rnn_forward(x, params)[1])
    for key in params:
        np.testing.assert_allclose(grads[key], getattr(module, f"{key}_l0").grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(grads["x"], x_t.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("nonlinearity", ["tanh", "sigmoid", "linear"])
def test_backward_matches_finite_differences(nonlinearity):
    x, params, h0, dh = make_case(3, 4, 2, 3, 3)
    grads = rnn_backward(dh, rnn_forward(x, params, h0, nonlinearity)[1])

    def loss():
        return float(np.sum(dh * rnn_forward(x, params, h0, nonlinearity)[0]))

    for key, array in [*params.items(), ("x", x), ("h0", h0)]:
        np.testing.assert_allclose(grads[key], finite_difference(loss, array), rtol=1e-5, atol=1e-7, err_msg=key)


def test_omitted_h0_means_zeros_and_gets_a_gradient():
    x, params, h0, dh = make_case(4, 3, 2, 2, 3)
    h_default, cache = rnn_forward(x, params)
    h_zero, _ = rnn_forward(x, params, np.zeros_like(h0))
    np.testing.assert_array_equal(h_default, h_zero)
    # the gradient into the omitted h0 is the one torch gives a zero h0 (a value, not a shape)
    expected_h, expected = autograd_rnn(x, params, np.zeros_like(h0), "tanh", dh)
    np.testing.assert_allclose(rnn_backward(dh, cache)["h0"], expected["h0"], rtol=1e-9, atol=1e-12)
    assert np.any(expected["h0"] != 0)


def test_params_from_torch_round_trip():
    torch.manual_seed(0)
    module = torch.nn.RNN(3, 5)
    params = params_from_torch(module)
    assert {k: v.shape for k, v in params.items()} == {
        "weight_ih": (5, 3), "weight_hh": (5, 5), "bias_ih": (5,), "bias_hh": (5,)}
    assert all(v.dtype == np.float64 for v in params.values())
    x = np.random.default_rng(0).normal(size=(4, 3))
    # float32 -> float64 is exact, so the copy holds the module's numbers exactly
    for key, value in params.items():
        np.testing.assert_array_equal(value, getattr(module, f"{key}_l0").detach().double().numpy())
    expected, _ = module.double()(torch.from_numpy(x))
    np.testing.assert_allclose(rnn_forward(x, params)[0], expected.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_params_from_torch_without_bias_gives_zero_biases():
    params = params_from_torch(torch.nn.GRU(2, 3, bias=False))
    assert params["weight_ih"].shape == (9, 2)
    np.testing.assert_array_equal(params["bias_ih"], np.zeros(9))
