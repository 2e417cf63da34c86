"""Exact values, defaults and whole messages of rnn_helpers.connectivity (issue 20).

Each test here was written against a mutant that got past tests/test_connectivity.py: the linear
neuron's states, the default activation, the silence of underflow when the caller asks numpy to
raise, the documented defaults and random draws of ``noisy_latch``, and the whole error messages.
"""

import numpy as np
import pytest

from rnn_helpers.connectivity import (
    connectivity,
    first_input_pulse,
    fixed_point,
    linear_connectivity,
    neuron_states,
    noisy_latch,
)
from reference import exactly


# ---- neuron_states: the linear neuron, and "linear" is the default

def test_linear_neuron_states_by_hand():
    # W2 = 0.5, x = (1, 2, -1):  a_1 = 1,  a_2 = 0.5 * 1 + 2 = 2.5,  a_3 = 0.5 * 2.5 - 1 = 0.25,
    # and the linear neuron's h_t is a_t (all exact in binary).
    expected = np.array([1.0, 2.5, 0.25])
    for h, a in (neuron_states(0.5, [1.0, 2.0, -1.0], "linear"), neuron_states(0.5, [1.0, 2.0, -1.0])):
        np.testing.assert_array_equal(h, expected)
        np.testing.assert_array_equal(a, expected)


def test_tanh_neuron_states_by_hand():
    # W2 = 2, x = (0.5, -0.25): a_1 = 0.5, h_1 = tanh(0.5); a_2 = 2 tanh(0.5) - 0.25, h_2 = tanh(a_2).
    h1 = np.tanh(0.5)
    a2 = 2.0 * h1 - 0.25
    h, a = neuron_states(2.0, [0.5, -0.25], "tanh")
    np.testing.assert_allclose(a, [0.5, a2], rtol=1e-15)
    np.testing.assert_allclose(h, [h1, np.tanh(a2)], rtol=1e-15)


def test_connectivity_default_is_the_linear_neuron():
    # x = (3, -7, 1) would saturate tanh; the linear answer is W2^(T - t) = (0.25, 0.5, 1).
    np.testing.assert_array_equal(connectivity(0.5, [3.0, -7.0, 1.0]), [0.25, 0.5, 1.0])


# ---- underflow is silent even when the caller makes numpy raise on it (the docstring: tiny values
# ---- "may underflow to exactly 0"; never an error)

def test_connectivity_underflows_to_zero_without_raising():
    steps = 500
    expected = np.array([0.1 ** (steps - 1 - t) for t in range(steps)])  # Python floats never raise
    with np.errstate(all="raise"):  # (constant inputs: the states h_t stay near 1.11, no underflow)
        values = connectivity(0.1, np.ones(steps), "linear")
        closed = linear_connectivity(0.1, steps)
    assert values[0] == 0.0 and closed[0] == 0.0  # 0.1^499 is far below the smallest double
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(closed, expected, rtol=1e-15, atol=0)


def test_noisy_latch_underflows_to_zero_without_raising():
    # Without distractions the gain shrinks by W2 (1 - h*^2), about 0.166, a step: 0.166^499 ~ 1e-389.
    with np.errstate(all="raise"):
        (states, sensitivity), = noisy_latch(2.0, (1.0,), steps=500, noise=0.0, trials=1).values()
    assert sensitivity[0, -1] == 0.0 and np.all(np.isfinite(sensitivity))
    assert states[0, -1] == pytest.approx(fixed_point(2.0), rel=1e-14)


# ---- fixed_point

def test_fixed_point_is_exactly_zero_up_to_w2_one():
    # tanh(W2 h) < h for every h > 0 when W2 <= 1, so the only fixed point is 0 (at W2 = 1 too).
    assert fixed_point(1.0) == 0.0
    assert fixed_point(0.0) == 0.0
    assert fixed_point(np.nextafter(1.0, 2.0)) > 0.0


def float_residual(w2, h):
    return np.tanh(w2 * h) - h


@pytest.mark.parametrize("w2", [1.05, 1.1, 1.5, 2.0, 2.2, 2.45, 2.5])
def test_fixed_point_sits_where_the_float_residual_turns_from_positive(w2):
    """Bisection "to machine precision": h* is one of the two neighbouring doubles between which
    tanh(W2 h) - h, computed in floating point, turns from positive to zero or negative."""
    h = fixed_point(w2)
    below, above = np.nextafter(h, 0.0), np.nextafter(h, 1.0)
    assert ((float_residual(w2, h) > 0 and float_residual(w2, above) <= 0)
            or (float_residual(w2, below) > 0 and float_residual(w2, h) <= 0))


# ---- noisy_latch: the documented defaults and draws, against a loop written out per trial

def reference_latch(w2, first, distractions):
    """States and |d h_t / d x_1| of every trial, one trial at a time; the gain as a cumulative product."""
    trials, steps = distractions.shape[0], distractions.shape[1] + 1
    states = np.empty((trials, steps))
    for trial in range(trials):
        h = np.tanh(first)
        states[trial, 0] = h
        for t in range(1, steps):
            h = np.tanh(w2 * h + distractions[trial, t - 1])
            states[trial, t] = h
    slopes = 1.0 - states**2  # tanh'(a_t) = 1 - h_t^2
    factors = np.concatenate([slopes[:, :1], w2 * slopes[:, 1:]], axis=1)
    return states, np.abs(np.cumprod(factors, axis=1))


def test_noisy_latch_defaults_are_the_documented_ones():
    """x_1 in (1, 0.01, -0.01, -1), T = 30, distractions N(0, 0.3^2) from seed 0, 1000 trials."""
    result = noisy_latch(2.0)
    assert list(result) == [1.0, 0.01, -0.01, -1.0]
    distractions = np.random.default_rng(0).normal(0.0, 0.3, (1000, 29))
    for first in (1.0, -0.01):  # two of the four keep the test fast
        states, sensitivity = result[first]
        assert states.shape == sensitivity.shape == (1000, 30)
        expected_states, expected_sensitivity = reference_latch(2.0, first, distractions)
        np.testing.assert_allclose(states, expected_states, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(sensitivity, expected_sensitivity, rtol=1e-11, atol=0)


def test_noisy_latch_draws_one_row_of_distractions_per_trial():
    distractions = np.random.default_rng(7).normal(0.0, 0.5, (3, 5))
    (states, sensitivity), = noisy_latch(1.5, (0.2,), steps=6, noise=0.5, trials=3, seed=7).values()
    expected_states, expected_sensitivity = reference_latch(1.5, 0.2, distractions)
    np.testing.assert_allclose(states, expected_states, rtol=1e-14)
    np.testing.assert_allclose(sensitivity, expected_sensitivity, rtol=1e-13)
    assert sensitivity[0, 0] == pytest.approx(1.0 - np.tanh(0.2) ** 2, rel=1e-15)  # d h_1 / d x_1


# ---- whole error messages

@pytest.mark.parametrize("call, error, message", [
    (lambda: connectivity(0.5, [[1.0, 0.0]]), ValueError,
     "inputs must be 1-D (T,), one number per step; got shape (1, 2) (2-D)"),
    (lambda: connectivity(0.5, []), ValueError, "inputs is an empty sequence (T = 0); give at least one step"),
    (lambda: noisy_latch(2.0, [[1.0]]), ValueError,
     "first_inputs must be 1-D (n,), one first input per case; got shape (1, 1) (2-D)"),
    (lambda: noisy_latch(2.0, [1.0, np.nan]), ValueError,
     "first_inputs must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index (1,)"),
    (lambda: noisy_latch(2.0, "1.0"), TypeError, "first_inputs must be a numpy array of real numbers, got str"),
    (lambda: noisy_latch(2.0, noise=True), ValueError, "noise must be a finite number >= 0; got True"),
    (lambda: noisy_latch(2.0, noise=np.inf), ValueError, "noise must be a finite number >= 0; got inf"),
    (lambda: noisy_latch(2.0, noise=-0.5), ValueError, "noise must be a finite number >= 0; got -0.5"),
    (lambda: noisy_latch(2.0, trials=True), ValueError, "trials must be a whole number >= 1; got True"),
    (lambda: noisy_latch(2.0, trials=2.0), ValueError, "trials must be a whole number >= 1; got 2.0"),
])
def test_whole_error_messages(call, error, message):
    with pytest.raises(error, match=exactly(message)):
        call()


def test_first_input_pulse_names_a_size_that_is_not_one_number():
    with pytest.raises(ValueError, match=exactly("size must be one number; got an array of shape (2,)")):
        first_input_pulse(5, np.array([1.0, 2.0]))
