"""lstm_forward / lstm_backward against torch.nn.LSTM, torch autograd and finite differences."""

import re

import numpy as np
import pytest
import torch

from rnn_helpers import lstm_backward, lstm_forward, params_from_torch
from reference import exactly, finite_difference, module_with_params, random_params

SHAPES = [(1, None, 1, 1), (5, None, 3, 4), (6, 3, 2, 5), (3, 1, 4, 2)]


def make_case(seed, steps, batch, input_size, hidden):
    rng = np.random.default_rng(seed)
    lead = (steps,) if batch is None else (steps, batch)
    x = rng.normal(size=lead + (input_size,))
    h0, c0 = rng.normal(size=(2,) + lead[1:] + (hidden,))
    dh = rng.normal(size=lead + (hidden,))
    return x, random_params(rng, input_size, hidden, gates=4), (h0, c0), dh


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_and_backward_match_torch_lstm(shape):
    x, params, (h0, c0), dh = make_case(0, *shape)
    module = module_with_params("LSTM", params)
    x_t = torch.tensor(x, requires_grad=True)
    h0_t = torch.tensor(h0[None], requires_grad=True)
    c0_t = torch.tensor(c0[None], requires_grad=True)
    out, (h_n, c_n) = module(x_t, (h0_t, c0_t))
    (out * torch.from_numpy(dh)).sum().backward()

    h, (h_last, c_last), cache = lstm_forward(x, params, (h0, c0))
    np.testing.assert_allclose(h, out.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(h_last, h_n[0].detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(c_last, c_n[0].detach().numpy(), rtol=0, atol=1e-10)

    grads = lstm_backward(dh, cache)
    assert set(grads) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "x", "h0", "c0"}
    for key in params:
        np.testing.assert_allclose(grads[key], getattr(module, f"{key}_l0").grad.numpy(), rtol=1e-9, atol=1e-10, err_msg=key)
    np.testing.assert_allclose(grads["x"], x_t.grad.numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(grads["h0"], h0_t.grad[0].numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(grads["c0"], c0_t.grad[0].numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("batch", [None, 2], ids=["unbatched", "batched"])
def test_backward_matches_finite_differences(batch):
    x, params, (h0, c0), dh = make_case(1, 4, batch, 3, 2)
    grads = lstm_backward(dh, lstm_forward(x, params, (h0, c0))[2])

    def loss():
        return float(np.sum(dh * lstm_forward(x, params, (h0, c0))[0]))

    for key, array in [*params.items(), ("x", x), ("h0", h0), ("c0", c0)]:
        np.testing.assert_allclose(grads[key], finite_difference(loss, array), rtol=1e-5, atol=1e-7, err_msg=key)


def test_gates_are_in_pytorch_order():
    """With every weight zero, each gate is its bias alone, so the order can be read off."""
    hidden = 2
    params = {"weight_ih": np.zeros((8, 1)), "weight_hh": np.zeros((8, 2)),
              "bias_ih": np.repeat([1.0, 2.0, 3.0, 4.0], hidden), "bias_hh": np.zeros(8)}
    _, _, cache = lstm_forward(np.zeros((1, 1)), params)
    i, f, g, o = cache["gates"][0]
    sig = lambda v: 1 / (1 + np.exp(-v))
    np.testing.assert_allclose([i[0], f[0], g[0], o[0]], [sig(1), sig(2), np.tanh(3), sig(4)])


def test_params_from_torch_lstm_layout():
    torch.manual_seed(0)
    module = torch.nn.LSTM(3, 4)
    params = params_from_torch(module)
    assert params["weight_ih"].shape == (16, 3) and params["weight_hh"].shape == (16, 4)
    for key, value in params.items():  # float32 -> float64 is exact
        np.testing.assert_array_equal(value, getattr(module, f"{key}_l0").detach().double().numpy())
    # the gate order i, f, g, o of the copy is torch's: the same states as the module itself
    x = np.random.default_rng(0).normal(size=(5, 3))
    h, (h_last, c_last), _ = lstm_forward(x, params)
    expected, (h_n, c_n) = module.double()(torch.from_numpy(x))
    np.testing.assert_allclose(h, expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c_last, c_n[0].detach().numpy(), rtol=1e-12, atol=1e-14)


def test_state_must_be_a_pair():
    x, params, _, _ = make_case(2, 3, None, 2, 2)
    with pytest.raises(TypeError, match=r"state must be a pair \(h0, c0\)"):
        lstm_forward(x, params, np.zeros(2))
    with pytest.raises(ValueError, match=r"c0.*must have shape \(2,\)"):
        lstm_forward(x, params, (np.zeros(2), np.zeros(3)))


def test_backward_refuses_a_gradient_of_the_wrong_shape_or_value():
    x, params, state, dh = make_case(3, 4, 2, 3, 2)
    _, _, cache = lstm_forward(x, params, state)
    with pytest.raises(ValueError, match=r"dh must have shape \(4, 2, 2\)"):
        lstm_backward(dh[:, 0], cache)
    bad = dh.copy()
    bad[1, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"dh must be finite.*nan at index \(1, 0, 0\)"):
        lstm_backward(bad, cache)


# ---- whole messages and overflow paths (issue 20: mutants that once survived) ----------------


def test_state_errors_name_the_part_of_the_pair():
    x, params, _, _ = make_case(2, 3, None, 2, 2)
    with pytest.raises(TypeError, match=exactly("state must be a pair (h0, c0) of arrays, got ndarray")):
        lstm_forward(x, params, np.zeros(2))
    because = "(hidden,) for an unbatched x of shape (3, 2) and hidden size 2"
    with pytest.raises(ValueError, match=exactly(f"state[0] (h0) must have shape (2,) ({because}); got (3,)")):
        lstm_forward(x, params, (np.zeros(3), np.zeros(2)))
    with pytest.raises(ValueError, match=exactly(f"state[1] (c0) must have shape (2,) ({because}); got (3,)")):
        lstm_forward(x, params, (np.zeros(2), np.zeros(3)))


def test_the_cache_says_it_is_an_lstm_cache():
    x, params, state, _ = make_case(4, 3, None, 2, 2)
    _, _, cache = lstm_forward(x, params, state)
    assert cache["kind"] == "lstm"


# lstm_backward's error names the first gradient that overflowed, whichever that is
BACKWARD_OVERFLOW = re.compile(r"lstm_backward overflowed float64: the gradient of '\w+' became NaN or "
                               r"infinite\. dh or the weights are far too large \(scale dh down\)")


def overflow_message(where: str, step: int, steps: int, what: str) -> str:
    return (f"{where} overflowed float64 at step t = {step} of {steps}: {what} became NaN or infinite. "
            "The inputs or weights are far too large (scale x or the weights down)")


def test_input_overflow_is_reported_whole_and_without_a_numpy_warning():
    x, params, _, _ = make_case(5, 5, None, 3, 4)
    x[3] = 1e308
    params = {**params, "weight_ih": np.ones((16, 3))}
    message = overflow_message("lstm_forward", 4, 5, "W_ih x_t + b")
    # numpy's own overflow handling is switched off inside: with "raise" outside, only ours raises
    with np.errstate(all="raise"), pytest.raises(FloatingPointError, match=exactly(message)):
        lstm_forward(x, params)


def saturating_params(hidden: int, weight_hh: float) -> dict:
    """Gates near 1 from the biases (h_1 > 0 in every unit) and every W_hh entry ``weight_hh``."""
    return {"weight_ih": np.zeros((4 * hidden, 1)), "bias_hh": np.zeros(4 * hidden),
            "bias_ih": np.full(4 * hidden, 5.0), "weight_hh": np.full((4 * hidden, hidden), weight_hh)}


def test_an_overflow_inside_the_recurrence_that_saturates_the_gates_is_harmless():
    """W_hh h_{t-1} overflows to +inf from step 2; sigmoid and tanh of +inf are 1, so the result is
    finite and no numpy floating-point error escapes (numpy's overflow handling is off inside)."""
    with np.errstate(all="raise"):
        h, (h_n, c_n), _ = lstm_forward(np.ones((3, 1)), saturating_params(2, 1.5e308))
    gate = 1 / (1 + np.exp(-5.0))  # step 1: every gate sigmoid(5), g = tanh(5)
    c1 = gate * np.tanh(5.0)
    # steps 2 and 3: every pre-activation is +inf, so i = f = o = g = 1 and c_t = c_{t-1} + 1
    expected = [gate * np.tanh(c1), np.tanh(c1 + 1), np.tanh(c1 + 2)]
    np.testing.assert_allclose(h, np.repeat(np.array(expected)[:, None], 2, axis=1), rtol=1e-12)
    np.testing.assert_allclose(c_n, [c1 + 2, c1 + 2], rtol=1e-12)


@pytest.mark.parametrize("batch", [None, 2])
def test_nan_inside_a_step_is_reported_whole_with_its_step(monkeypatch, batch):
    """If a step's gates ever became infinite (here forced from step 2 on), inf * 0 makes the cell
    state NaN; the error names the step, and numpy's own 'invalid value' stays switched off."""
    import rnn_helpers.numpy_lstm as numpy_lstm

    calls = []

    def sigmoid_then_inf(a):
        calls.append(1)
        return np.full_like(a, np.inf) if len(calls) >= 2 else numpy_lstm_sigmoid(a)

    numpy_lstm_sigmoid = numpy_lstm.sigmoid
    monkeypatch.setattr(numpy_lstm, "sigmoid", sigmoid_then_inf)
    x = np.ones((3, 1)) if batch is None else np.ones((3, batch, 1))
    params = saturating_params(2, 1.0)
    params["weight_hh"][4:6] = 0.0  # rows of g (gate order i, f, g, o): a_g = 0 at every step,
    params["bias_ih"][4:6] = 0.0    # so g = tanh(0) = 0 and, from step 2, i * g = inf * 0 = NaN
    message = overflow_message("lstm_forward", 2, 3, "the state (h_t or c_t)")
    with np.errstate(all="raise"), pytest.raises(FloatingPointError, match=exactly(message)):
        lstm_forward(x, params)


def test_backward_overflow_is_reported_whole_and_without_a_numpy_warning():
    x, params, state, dh = make_case(6, 6, None, 3, 4)
    _, _, cache = lstm_forward(x, params, state)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError) as raised:
        lstm_backward(np.full_like(dh, 1e308), cache)
    assert BACKWARD_OVERFLOW.fullmatch(str(raised.value))


def test_overflow_when_the_steps_are_summed_is_reported_exactly():
    """No step overflows (W_hh = 0 passes nothing back), but adding up the steps' terms for the
    weight gradients does: the error is the book's, not numpy's."""
    x, params, state, dh = make_case(7, 6, None, 3, 4)
    params = {**params, "weight_hh": np.zeros((16, 4))}
    _, _, cache = lstm_forward(10 * np.ones_like(x), params, state)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError) as raised:
        lstm_backward(np.full_like(dh, 1e308), cache)
    assert BACKWARD_OVERFLOW.fullmatch(str(raised.value))
