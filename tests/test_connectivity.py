"""The one-neuron connectivity |d y_T / d x_t| against torch autograd, finite differences and the closed form."""

import warnings

import numpy as np
import pytest
import torch

from rnn_helpers.connectivity import (
    MAX_STEPS,
    connectivity,
    first_input_pulse,
    fixed_point,
    linear_connectivity,
    neuron_states,
    tanh_slope,
)

W2_VALUES = [0.0, 0.1, 0.5, 0.9, 1.0, 1.3, 2.0, 2.5]


def autograd_connectivity(w2, inputs, activation):
    """|d y_T / d x_t| from an explicit torch loop, differentiated by autograd."""
    x = torch.tensor(inputs, dtype=torch.float64, requires_grad=True)
    h = torch.zeros((), dtype=torch.float64)
    for t in range(x.shape[0]):
        a = w2 * h + x[t]
        h = a if activation == "linear" else torch.tanh(a)
    h.backward()
    return np.abs(x.grad.numpy())


@pytest.mark.parametrize("activation", ["linear", "tanh"])
@pytest.mark.parametrize("w2", W2_VALUES)
def test_matches_autograd(w2, activation):
    rng = np.random.default_rng(int(w2 * 10))
    for inputs in (first_input_pulse(7, 1.0), first_input_pulse(4, 0.05), rng.normal(0, 1.5, 9)):
        np.testing.assert_allclose(
            connectivity(w2, inputs, activation), autograd_connectivity(w2, inputs, activation), rtol=1e-12, atol=1e-300
        )


@pytest.mark.parametrize("w2", W2_VALUES)
def test_linear_is_exactly_the_power(w2):
    """The sources' numbers: d y5 / d x1 = W2^4, e.g. 0.0001 for W2 = 0.1 and 16 for W2 = 2."""
    inputs = np.random.default_rng(1).normal(size=5)
    expected = np.array([w2**4, w2**3, w2**2, w2, 1.0])
    np.testing.assert_allclose(linear_connectivity(w2, 5), expected, rtol=1e-15)
    np.testing.assert_allclose(connectivity(w2, inputs, "linear"), expected, rtol=1e-14)
    np.testing.assert_allclose(autograd_connectivity(w2, inputs, "linear"), expected, rtol=1e-14)


def test_source_numbers():
    assert connectivity(0.1, first_input_pulse(5), "linear")[0] == pytest.approx(1e-4, rel=1e-12)
    assert connectivity(2.0, first_input_pulse(5), "linear")[0] == pytest.approx(16.0, rel=1e-12)


@pytest.mark.parametrize("w2", [0.3, 1.0, 2.2])
def test_tanh_matches_finite_differences(w2):
    inputs = np.array([0.8, -0.3, 0.5, 0.1, -1.2, 0.4])
    eps = 1e-6
    numeric = np.empty_like(inputs)
    for t in range(inputs.shape[0]):
        plus, minus = inputs.copy(), inputs.copy()
        plus[t] += eps
        minus[t] -= eps
        numeric[t] = (neuron_states(w2, plus, "tanh")[0][-1] - neuron_states(w2, minus, "tanh")[0][-1]) / (2 * eps)
    np.testing.assert_allclose(connectivity(w2, inputs, "tanh"), np.abs(numeric), rtol=1e-6, atol=1e-10)


def test_states_match_torch_rnn_with_one_unit():
    """The tanh neuron is a torch.nn.RNN with one unit, input weight 1 and no bias."""
    inputs = np.array([1.0, -0.5, 0.25, 2.0])
    rnn = torch.nn.RNN(1, 1, bias=False).double()
    with torch.no_grad():
        rnn.weight_ih_l0.fill_(1.0)
        rnn.weight_hh_l0.fill_(1.7)
    expected = rnn(torch.tensor(inputs).reshape(4, 1))[0].detach().numpy().ravel()
    np.testing.assert_allclose(neuron_states(1.7, inputs, "tanh")[0], expected, rtol=1e-12)


def test_tanh_slope_is_stable_and_exact():
    a = np.array([-800.0, -3.0, 0.0, 0.7, 20.0, 800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        slopes = tanh_slope(a)
    np.testing.assert_allclose(slopes[1:4], 1 - np.tanh(a[1:4]) ** 2, rtol=1e-12)
    # 1 - tanh(20)^2 rounds to exactly 0 in float64; the stable form keeps the true value 1/cosh(20)^2
    assert 1 - np.tanh(20.0) ** 2 == 0.0
    assert slopes[4] == pytest.approx(1 / np.cosh(20.0) ** 2, rel=1e-12)
    assert slopes[0] == slopes[-1] == 0.0


def test_tanh_gradient_settles_at_the_fixed_point_factor():
    """With W2 = 2 the saturated state multiplies the gradient by W2 (1 - h*^2), about 0.17, per step."""
    h_star = fixed_point(2.0)
    assert np.tanh(2.0 * h_star) == pytest.approx(h_star, abs=1e-14)
    factor = 2.0 * (1 - h_star**2)
    assert factor == pytest.approx(0.166, abs=1e-3)
    grads = connectivity(2.0, first_input_pulse(60), "tanh")
    # once the state has settled (after a few steps), each step back multiplies by one factor
    assert grads[30] / grads[31] == pytest.approx(factor, rel=1e-9)
    assert fixed_point(0.9) == 0.0


def test_small_inputs_let_the_tanh_gradient_grow():
    """Growth survives only while the state is small: tiny x1 grows through W2 = 2, x1 = 1 does not."""
    small = connectivity(2.0, first_input_pulse(5, 0.001), "tanh")
    large = connectivity(2.0, first_input_pulse(5, 1.0), "tanh")
    assert small[0] > 10 and large[0] < 0.01


def test_no_warning_nan_or_overflow_over_the_whole_range():
    inputs = first_input_pulse(MAX_STEPS, 5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for w2 in np.linspace(0, 2.5, 26):
            for activation in ("linear", "tanh"):
                values = connectivity(w2, inputs, activation)
                assert np.all(np.isfinite(values))
            assert np.all(np.isfinite(linear_connectivity(w2, MAX_STEPS)))


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: connectivity(2.6, [1.0, 0.0]), ValueError, r"w2 must lie in \[0.0, 2.5\] .* got 2.6"),
        (lambda: connectivity(-0.1, [1.0, 0.0]), ValueError, r"w2 must lie in \[0.0, 2.5\]"),
        (lambda: connectivity(float("nan"), [1.0]), ValueError, r"w2 must be a finite number"),
        (lambda: connectivity(float("inf"), [1.0]), ValueError, r"w2 must be a finite number"),
        (lambda: connectivity("0.1", [1.0]), TypeError, r"w2 must be a real number .* got str"),
        (lambda: connectivity(None, [1.0]), TypeError, r"w2 must be a real number .* got NoneType"),
        (lambda: connectivity(True, [1.0]), TypeError, r"w2 must be a real number"),
        (lambda: connectivity(0.5, [1.0, np.nan]), ValueError, r"inputs must be finite"),
        (lambda: connectivity(0.5, [[1.0, 0.0]]), ValueError, r"inputs must be 1-D \(T,\)"),
        (lambda: connectivity(0.5, []), ValueError, r"inputs is an empty sequence"),
        (lambda: connectivity(0.5, np.zeros(MAX_STEPS + 1)), ValueError, r"at most 500 steps"),
        (lambda: connectivity(0.5, [1.0], "relu"), ValueError, r"activation must be one of \['linear', 'tanh'\]"),
        (lambda: linear_connectivity(0.5, 0), ValueError, r"steps must be from 1 to 500, got 0"),
        (lambda: linear_connectivity(0.5, 5.0), TypeError, r"steps must be a whole number"),
        (lambda: first_input_pulse(5, float("inf")), ValueError, r"size must be finite"),
    ],
)
def test_refuses_bad_input(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_accepts_numpy_scalars():
    np.testing.assert_allclose(connectivity(np.float32(0.5), [1.0, 0.0]), [0.5, 1.0])
    np.testing.assert_allclose(linear_connectivity(np.array(2.0), np.int64(3)), [4.0, 2.0, 1.0])


def test_noisy_latch_keeps_the_sign_and_loses_the_gradient():
    from rnn_helpers.connectivity import fixed_point, noisy_latch

    quiet = noisy_latch(2.0, (1.0, 0.01, -0.01, -1.0), steps=20, noise=0.0, trials=1)
    for first, (states, _) in quiet.items():  # the state settles at the fixed point of x_1's sign
        assert states[0, -1] == pytest.approx(np.sign(first) * 0.9575, abs=1e-4)
    h_star = fixed_point(2.0)
    assert np.tanh(2.0 * h_star) == pytest.approx(h_star, abs=1e-15)
    # With no distractions the sensitivity is the connectivity of x_1 computed by backpropagation.
    for first in (1.0, 0.01):
        _, sensitivity = quiet[first]
        expected = connectivity(2.0, first_input_pulse(20, first), "tanh")[0]
        assert sensitivity[0, -1] == pytest.approx(expected, rel=1e-10)
    noisy = noisy_latch(2.0, (1.0, -1.0), steps=30, noise=0.3, trials=1000, seed=0)
    for first, (states, sensitivity) in noisy.items():
        assert np.all(np.sign(states[:, -1]) == np.sign(first))  # 1000 of 1000 keep the sign
        assert np.median(sensitivity[:, -1]) < 1e-20  # while the gradient has vanished
    # A small push from the distractions changes h_T by the same factor d h_T / d x_1 predicts.
    eps = 1e-5
    runs = noisy_latch(2.0, (0.5 - eps, 0.5, 0.5 + eps), steps=4, noise=0.3, trials=3, seed=1)
    central = (runs[0.5 + eps][0][:, -1] - runs[0.5 - eps][0][:, -1]) / (2 * eps)
    np.testing.assert_allclose(central, runs[0.5][1][:, -1], rtol=1e-6)


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(noise=-1.0), "noise must be a finite number >= 0"),
    (dict(trials=0), "trials must be a whole number >= 1"),
    (dict(first_inputs=[[1.0]]), "first_inputs"),
])
def test_noisy_latch_refuses_bad_input(kwargs, pattern):
    from rnn_helpers.connectivity import noisy_latch

    with pytest.raises(ValueError, match=pattern):
        noisy_latch(2.0, **kwargs)
