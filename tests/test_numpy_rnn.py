"""rnn_forward / rnn_backward against torch.nn.RNN, torch autograd and finite differences."""

import re
import warnings

import numpy as np
import pytest
import torch

from rnn_helpers import lstm_forward, params_from_torch, rnn_backward, rnn_forward
from rnn_helpers.numpy_rnn import check_cache, check_no_overflow, check_rnn_params
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


def small(hidden=2, inputs=3, gates=1, **changed):
    params = {"weight_ih": np.ones((gates * hidden, inputs)), "weight_hh": np.ones((gates * hidden, hidden)),
              "bias_ih": np.zeros(gates * hidden), "bias_hh": np.zeros(gates * hidden)}
    return {**params, **changed}


RNN_CACHE = "cache must be the dict the second value rnn_forward returns: `h, cache = rnn_forward(x, params)`"
LSTM_CACHE = ("cache must be the dict the third value lstm_forward returns: "
              "`h, (h_n, c_n), cache = lstm_forward(x, params)`")
BIG_INPUT = small(weight_ih=np.array([[1e10, 0, 0], [0, 0, 0]]))


@pytest.mark.parametrize("call, error, message", [
    (lambda: check_rnn_params({"weight_ih": 1}, name="encoder_params"), ValueError,
     "encoder_params must have exactly the keys ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']; "
     "missing ['weight_hh', 'bias_ih', 'bias_hh']"),
    (lambda: check_no_overflow(np.array([[1.0, 2.0], [np.inf, 0.0]]), "my_step"), FloatingPointError,
     "my_step overflowed float64 at step t = 2 of 2: the state became NaN or infinite. "
     "The inputs or weights are far too large (scale x or the weights down)"),
    (lambda: check_rnn_params(small(weight_hh=np.ones((3, 2)))), ValueError,
     "params['weight_hh'] must be 2-D of shape (1*hidden, hidden); got (3, 2)"),
    (lambda: check_rnn_params(small(weight_hh=np.ones(4))), ValueError,
     "params['weight_hh'] must be 2-D of shape (1*hidden, hidden); got (4,)"),
    (lambda: check_rnn_params(small(), gates=4, name="layer"), ValueError,
     "layer['weight_hh'] must be 2-D of shape (4*hidden, hidden); got (2, 2)"),
    (lambda: check_rnn_params(small(weight_hh=np.ones((0, 0)))), ValueError,
     "params['weight_hh'] has shape (0, 0): hidden size 0; a layer needs at least one unit"),
    (lambda: check_rnn_params(small(weight_ih=np.ones((3, 3)))), ValueError,
     "params['weight_ih'] must be 2-D of shape (2, input) to match weight_hh (2, 2); got (3, 3)"),
    (lambda: check_rnn_params(small(weight_ih=np.ones(2))), ValueError,
     "params['weight_ih'] must be 2-D of shape (2, input) to match weight_hh (2, 2); got (2,)"),
    (lambda: check_rnn_params(small(weight_ih=np.ones((2, 0)))), ValueError,
     "params['weight_ih'] has shape (2, 0): input size 0; a layer needs at least one input"),
    (lambda: check_rnn_params(small(bias_ih=np.zeros(3))), ValueError,
     "params['bias_ih'] must have shape (2,) to match weight_hh (2, 2); got (3,)"),
    (lambda: check_rnn_params(small(bias_hh=np.zeros((1, 2)))), ValueError,
     "params['bias_hh'] must have shape (2,) to match weight_hh (2, 2); got (1, 2)"),
    (lambda: rnn_forward(np.array([[0.0, 0, 0], [1e300, 0, 0], [0, 0, 0]]), BIG_INPUT, nonlinearity="linear"),
     FloatingPointError, "rnn_forward overflowed float64 at step t = 2 of 3: W_ih x_t + b became NaN or infinite. "
     "The inputs or weights are far too large (scale x or the weights down)"),
    (lambda: rnn_forward(np.ones((3, 3)), small(weight_hh=np.full((2, 2), 1e200)), h0=np.full(2, 1e200),
                         nonlinearity="linear"),
     FloatingPointError, "rnn_forward overflowed float64 at step t = 1 of 3: the pre-activation became NaN or "
     "infinite. The inputs or weights are far too large (scale x or the weights down)"),
    (lambda: rnn_backward(np.zeros((2, 2)), rnn_forward(np.zeros((2, 3)), small())), TypeError,
     RNN_CACHE + "; got the whole tuple the forward pass returned: pass only its last value"),
    (lambda: rnn_backward(np.zeros((2, 2)), [1]), TypeError, RNN_CACHE + "; got list"),
    (lambda: rnn_backward(np.zeros((2, 2)), lstm_forward(np.zeros((2, 3)), small(gates=4))[2]), TypeError,
     RNN_CACHE + "; got the cache of lstm_forward: use lstm_backward for it"),
    (lambda: rnn_backward(np.zeros((2, 2)), {"gates": 1}), TypeError,
     RNN_CACHE + "; got the cache of lstm_forward: use lstm_backward for it"),
    (lambda: check_cache(rnn_forward(np.zeros((2, 3)), small())[1], "lstm"), TypeError,
     LSTM_CACHE + "; got the cache of rnn_forward: use rnn_backward for it"),
    (lambda: rnn_backward(np.zeros((2, 2)), {"x": 1, "h": 2}), TypeError,
     RNN_CACHE + "; got a dict without ['h0', 'pre_activations', 'params', 'nonlinearity'], which rnn_backward needs"),
    (lambda: check_cache({"x": 1}, "lstm"), TypeError,
     LSTM_CACHE + "; got a dict without ['h0', 'c0', 'h', 'c', 'gates', 'params'], which lstm_backward needs"),
    (lambda: rnn_backward(np.full((2, 2), 1e300),
                          rnn_forward(np.zeros((2, 3)), small(weight_hh=np.full((2, 2), 1e300)), nonlinearity="linear")[1]),
     FloatingPointError, "rnn_backward overflowed float64: the gradient of 'weight_ih' became NaN or infinite. "
     "dh or the weights are far too large (scale dh down)"),
])
def test_every_error_of_numpy_rnn_says_exactly_what_is_wrong(call, error, message):
    """The whole message, as the reader sees it (a changed word or number fails)."""
    with pytest.raises(error, match="^" + re.escape(message) + "$"):
        call()


def test_a_good_cache_passes_the_check_unchanged():
    cache = rnn_forward(np.zeros((2, 3)), small())[1]
    assert check_cache(cache, "rnn") is cache
    lstm_cache = lstm_forward(np.zeros((2, 3)), small(gates=4))[2]
    assert check_cache(lstm_cache, "lstm") is lstm_cache


OPPOSITE = np.array([[1e150, 1e150], [1e150, -1e150]])  # a product with h or dh overflows, and inf - inf


@pytest.mark.parametrize("call, where", [
    (lambda: rnn_forward(np.array([[1e200, 1e200]]), small(inputs=2, weight_ih=OPPOSITE * 1e50), nonlinearity="linear"),
     "rnn_forward"),
    (lambda: rnn_forward(np.zeros((2, 2)), small(inputs=2, weight_hh=OPPOSITE * 1e50), h0=np.full(2, 1e200),
                         nonlinearity="linear"), "rnn_forward"),
    # the backward loop: dh @ W_hh overflows (and gives inf - inf)
    (lambda: rnn_backward(np.full((2, 2), 1e200),
                          rnn_forward(np.full((2, 2), 1e-10), small(inputs=2, weight_hh=OPPOSITE), nonlinearity="linear")[1]),
     "rnn_backward"),
    # the gradients of the weights: sum over t of dpre_t x_t overflows (and gives inf - inf)
    (lambda: rnn_backward(np.array([[1e200, 1e200], [-1e200, -1e200]]),
                          rnn_forward(np.full((2, 2), 1e200), small(inputs=2, weight_ih=np.full((2, 2), 1e-10),
                                                                    weight_hh=np.zeros((2, 2))), nonlinearity="linear")[1]),
     "rnn_backward"),
])
def test_overflow_is_one_clear_error_and_no_numpy_warning(call, where):
    """numpy's own RuntimeWarning ("overflow encountered in matmul") is silenced; our error names the step."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FloatingPointError, match=f"^{where} overflowed float64"):
            call()
